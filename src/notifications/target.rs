//! Where webhooks may point: public internet addresses only (no SSRF into the operator's
//! network). URLs are parsed with the `url` crate (which already normalizes `127.1`,
//! `2130706433` and `0x7f000001` to `127.0.0.1`); a target is refused when it is an IP
//! literal of a non-public range, a `localhost`-style name, or — at delivery — a name that
//! resolves to any non-public address. Deliveries resolve once, in [`PublicResolver`], and
//! reqwest connects to exactly the addresses vetted there.
//!
//! `TECHMARKET_WEBHOOK_ALLOW_PRIVATE` lifts the refusals (development and local test receivers).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use url::{Host, Url};

use crate::validation::ParseFailure;

/// The field-error code of a webhook URL that points at a non-public address.
pub const PRIVATE_ADDRESS: &str = "private_address";
/// The delivery log's error for a name that resolves to a non-public address.
pub const REFUSED_RESOLVED: &str = "refused: resolves to a non-public address";
/// How long one delivery (name resolution included) may take.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why an address is not public, or `None` when it is a public unicast address.
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

/// Whether a connection to this address reaches the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    non_public_reason(ip).is_none()
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    const RANGES: &[([u8; 4], u32, &str)] = &[
        ([0, 0, 0, 0], 8, "unspecified"),
        ([10, 0, 0, 0], 8, "private"),
        ([100, 64, 0, 0], 10, "shared (carrier-grade NAT)"),
        ([127, 0, 0, 0], 8, "loopback"),
        ([169, 254, 0, 0], 16, "link-local"),
        ([172, 16, 0, 0], 12, "private"),
        ([192, 0, 0, 0], 24, "reserved (IETF protocol assignments)"),
        ([192, 0, 2, 0], 24, "documentation"),
        ([192, 88, 99, 0], 24, "reserved (6to4 relay)"),
        ([192, 168, 0, 0], 16, "private"),
        ([198, 18, 0, 0], 15, "reserved (benchmarking)"),
        ([198, 51, 100, 0], 24, "documentation"),
        ([203, 0, 113, 0], 24, "documentation"),
        ([224, 0, 0, 0], 4, "multicast"),
        ([255, 255, 255, 255], 32, "broadcast"),
        ([240, 0, 0, 0], 4, "reserved"),
    ];
    RANGES.iter().find(|(net, prefix, _)| in_v4(ip, *net, *prefix)).map(|(_, _, reason)| *reason)
}

fn in_v6(ip: Ipv6Addr, net: [u16; 8], prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

/// The IPv4 address in the low 32 bits.
fn low_v4(ip: Ipv6Addr) -> Ipv4Addr {
    Ipv4Addr::from((u128::from(ip) & 0xffff_ffff) as u32)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach the embedded address.
    if in_v6(ip, [0, 0, 0, 0, 0, 0xffff, 0, 0], 96)
        || in_v6(ip, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96)
    {
        return v4_reason(low_v4(ip));
    }
    // 6to4 (2002:a.b.c.d::/48) embeds an IPv4 address in bits 16–48.
    if in_v6(ip, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        let embedded = Ipv4Addr::from(((u128::from(ip) >> 80) & 0xffff_ffff) as u32);
        return v4_reason(embedded);
    }
    const RANGES: &[([u16; 8], u32, &str)] = &[
        ([0, 0, 0, 0, 0, 0, 0, 0], 96, "reserved (IPv4-compatible)"),
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48, "reserved (local NAT64)"),
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64, "reserved (discard-only)"),
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32, "documentation"),
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23, "reserved (IETF protocol assignments)"),
        ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, "documentation"),
        ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16, "reserved (segment routing)"),
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, "unique-local"),
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, "link-local"),
        ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, "reserved (site-local)"),
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, "multicast"),
    ];
    if let Some((_, _, reason)) = RANGES.iter().find(|(net, prefix, _)| in_v6(ip, *net, *prefix)) {
        return Some(reason);
    }
    // Global unicast is 2000::/3; everything else is unallocated.
    (!in_v6(ip, [0x2000, 0, 0, 0, 0, 0, 0, 0], 3)).then_some("reserved")
}

/// Why a host name is internal without asking DNS: `localhost`, `*.localhost` (RFC 6761),
/// the private-use `*.internal`, mDNS `*.local`, `*.home.arpa`, and names without a dot.
pub fn internal_name_reason(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return Some("loopback");
    }
    if [".internal", ".local", ".home.arpa", ".localdomain"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
        || name == "home.arpa"
        || !name.contains('.')
    {
        return Some("internal name");
    }
    None
}

/// A refusal of a webhook target, before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// Checks a parsed URL's host without DNS: IP literals by range, names by [`internal_name_reason`].
pub fn check_host(url: &Url) -> Result<(), Refused> {
    match url.host() {
        Some(Host::Ipv4(v4)) => literal(IpAddr::V4(v4)),
        Some(Host::Ipv6(v6)) => literal(IpAddr::V6(v6)),
        Some(Host::Domain(name)) => match internal_name_reason(name) {
            Some(reason) => {
                Err(Refused(format!("refused: {name} is a non-public name ({reason})")))
            }
            None => Ok(()),
        },
        None => Err(Refused("refused: the URL names no host".into())),
    }
}

fn literal(ip: IpAddr) -> Result<(), Refused> {
    match non_public_reason(ip) {
        Some(reason) => Err(Refused(format!("refused: {ip} is a non-public address ({reason})"))),
        None => Ok(()),
    }
}

/// Parses a webhook URL: absolute http(s) with a host, and — unless `allow_private` — a host
/// that is neither a non-public IP literal nor an internal name. Returns the normalized URL.
pub fn webhook_url(value: &str, allow_private: bool) -> Result<String, ParseFailure> {
    let url = crate::validation::http_url(value)?;
    if !allow_private && let Err(Refused(reason)) = check_host(&url) {
        let reason = reason.trim_start_matches("refused: ");
        return Err((
            PRIVATE_ADDRESS,
            format!("must point to a public internet address: {reason}"),
        ));
    }
    Ok(url.to_string())
}

/// Checks every resolved address: all must be public (one private answer refuses the name, so
/// a rebinding answer cannot slip in beside a public one).
pub fn vet_resolved(
    addrs: Vec<SocketAddr>,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, Refused> {
    if addrs.is_empty() {
        return Err(Refused("the name resolves to no address".into()));
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(Refused(REFUSED_RESOLVED.into()));
    }
    Ok(addrs)
}

/// reqwest's name resolution for deliveries: resolves once and hands reqwest only vetted
/// addresses, so the connection goes to exactly the address checked (no DNS rebinding).
#[derive(Debug, Clone, Copy)]
pub struct PublicResolver {
    /// Let non-public answers through (development).
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            if !allow_private && internal_name_reason(&host).is_some() {
                return Err(Box::new(Refused(REFUSED_RESOLVED.into())) as _);
            }
            let addrs = resolve_vetted(&host, allow_private).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Resolves a name once (port 0: reqwest puts the URL's port in) and vets every answer.
pub async fn resolve_vetted(
    host: &str,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
    let found = tokio::time::timeout(DELIVERY_TIMEOUT, tokio::net::lookup_host((host, 0)))
        .await
        .map_err(|_| Refused("name resolution timed out".into()))??;
    Ok(vet_resolved(found.collect(), allow_private)?)
}

/// The delivery client: a 5 s timeout, no redirects, no proxy from the environment (a proxy
/// would resolve and connect on its own), and names resolved by [`PublicResolver`].
pub fn delivery_client(allow_private: bool) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicResolver { allow_private }))
        .build()
}

/// The refusal inside a reqwest error, if the failure was [`PublicResolver`] refusing.
pub fn refusal_of(error: &reqwest::Error) -> Option<Refused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        source = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn non_public_addresses_are_classified() {
        for (address, reason) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("192.0.2.10", "documentation"),
            ("198.51.100.1", "documentation"),
            ("203.0.113.7", "documentation"),
            ("198.19.0.1", "reserved (benchmarking)"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::127.0.0.1", "reserved (IPv4-compatible)"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:7f00:1::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("2001::1", "reserved (IETF protocol assignments)"),
            ("fec0::1", "reserved (site-local)"),
            ("4000::1", "reserved"),
        ] {
            assert_eq!(non_public_reason(ip(address)), Some(reason), "{address}");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "2400:3200::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(address)), "{address}");
        }
    }

    #[test]
    fn registration_refuses_internal_targets_and_normalizes() {
        for bad in [
            "http://127.0.0.1:5432/",
            "http://localhost/",
            "http://api.LOCALHOST./x",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0.0.0.0/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://metadata.google.internal/",
            "http://intranet/",
        ] {
            assert_eq!(webhook_url(bad, false).unwrap_err().0, PRIVATE_ADDRESS, "{bad}");
        }
        assert_eq!(webhook_url("ftp://example.com/", false).unwrap_err().0, "invalid_url");
        assert_eq!(
            webhook_url("https://hooks.example.com/a?b=1", false).unwrap(),
            "https://hooks.example.com/a?b=1"
        );
        assert_eq!(webhook_url("http://127.1:8080/h", true).unwrap(), "http://127.0.0.1:8080/h");
    }

    #[test]
    fn resolved_answers_are_all_vetted() {
        let public: SocketAddr = "8.8.8.8:0".parse().unwrap();
        let private: SocketAddr = "10.0.0.1:0".parse().unwrap();
        assert!(vet_resolved(vec![public], false).is_ok());
        assert_eq!(vet_resolved(vec![public, private], false).unwrap_err().0, REFUSED_RESOLVED);
        assert!(vet_resolved(vec![public, private], true).is_ok());
        assert!(vet_resolved(Vec::new(), true).is_err());
    }

    /// `localhost` resolves (from the hosts file, no network) to loopback only: refused.
    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        let error = resolve_vetted("localhost", false).await.unwrap_err();
        assert_eq!(error.to_string(), REFUSED_RESOLVED);
        let allowed = resolve_vetted("localhost", true).await.unwrap();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()));
    }

    /// A name that resolves to loopback (`localhost`, from the hosts file, no network) is never
    /// connected to: the resolver refuses it, and the listener accepts nothing.
    #[tokio::test]
    async fn the_client_never_connects_to_a_name_resolving_to_loopback() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let client = delivery_client(false).unwrap();
        let error = client.post(format!("http://localhost:{port}/hook")).send().await.unwrap_err();
        assert_eq!(refusal_of(&error), Some(Refused(REFUSED_RESOLVED.into())));
        let accepted = tokio::time::timeout(Duration::from_millis(200), listener.accept()).await;
        assert!(accepted.is_err(), "the refused target was contacted");
    }
}
