//! Auction load: bidders hammering one hot English lot, and watchers of its live stream.
//!
//! usage: `cargo bench --bench auction_load -- URL ADMIN_TOKEN [BIDDERS] [WATCHERS] [SECONDS]`
//! (`benches/auctions.sh` starts the server and runs it).
//!
//! Sets up a university with one published achievement and BIDDERS verified enterprises, puts
//! an English lot up (opening in a few seconds, a 100-fen step), registers every bidder with a
//! held deposit, opens WATCHERS streams of the lot (`GET /api/v1/auctions/{id}/events`), then
//! lets every bidder bid for SECONDS: each bids the lowest acceptable amount it knows (from its
//! last answer: 201, or 409 `bid_too_low` with `min_next_fen`) plus a random number of steps.
//! Prints accepted bids per second, the latency of bid requests (p50/p99, accepted and refused
//! alike), and the delivery lag of bid events to the watchers (receipt time − the bid's
//! `accepted_at`, p50/p99). One event loop drives every client, so the load generator takes
//! little of the cores it shares with the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const PASSWORD: &str = "Tea-kettle-Orbit-19";
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const STEP: i64 = 100;
const START: i64 = 1_000_000;

/// A valid unified social credit code (GB 32100) for bench organization `n`.
fn credit_code(n: usize) -> String {
    let first17 = format!("9133010600{n:07}");
    let total: usize = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| ALPHABET.iter().position(|a| *a == c).unwrap_or(0) * w)
        .sum();
    format!("{first17}{}", ALPHABET[(31 - total % 31) % 31] as char)
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    url: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? }))
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> anyhow::Result<Value> {
        let (status, answer) =
            self.call(reqwest::Method::POST, path, Some(token), Some(body)).await?;
        if status >= 300 {
            bail!("POST {path} answered {status}: {answer}");
        }
        Ok(answer)
    }

    /// Registers a member of a new verified organization; returns its access token.
    async fn member(&self, admin: &str, n: usize, role: &str) -> anyhow::Result<String> {
        let email = format!("{role}{n}@bench.example");
        let (status, answer) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/register",
                None,
                Some(json!({
                    "email": email, "password": PASSWORD, "display_name": format!("bench{n}"),
                    "role": role, "organization": {"name": format!("基准机构{n}"), "kind": role,
                    "credit_code": credit_code(n), "region_code": "330106"}
                })),
            )
            .await?;
        if status != 201 {
            bail!("register answered {status}: {answer}");
        }
        let login = json!({"email": email, "password": PASSWORD});
        let (_, tokens) =
            self.call(reqwest::Method::POST, "/api/v1/auth/login", None, Some(login)).await?;
        let token = tokens["access_token"].as_str().context("access token")?.to_string();
        let (_, me) = self.call(reqwest::Method::GET, "/api/v1/me", Some(&token), None).await?;
        let org = me["user"]["organization_id"].as_str().context("organization")?;
        self.post(
            &format!("/api/v1/admin/organizations/{org}/verify"),
            admin,
            json!({"verified": true}),
        )
        .await?;
        Ok(token)
    }
}

fn instant(seconds: f64) -> String {
    let millis = (seconds * 1000.0) as i64;
    (Utc::now() + chrono::Duration::milliseconds(millis)).to_rfc3339()
}

fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let at = ((q * values.len() as f64) as usize).min(values.len() - 1);
    values[at]
}

/// Follows one stream of the lot, recording each bid event's lag in milliseconds.
async fn watch(api: Api, lot: String, lags: Arc<Mutex<Vec<f64>>>, stop: Arc<AtomicBool>) {
    let url = format!("{}/api/v1/auctions/{lot}/events", api.url);
    let Ok(mut response) = api.http.get(url).send().await else {
        eprintln!("watcher: could not connect");
        return;
    };
    let mut pending = String::new();
    let mut kind = String::new();
    let mut mine = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let chunk = match tokio::time::timeout(Duration::from_millis(500), response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => break,
            Ok(Err(error)) => {
                eprintln!("watcher: {error}");
                break;
            }
            Err(_) => continue,
        };
        let received = Utc::now();
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            let line = line.trim_end();
            if let Some(event) = line.strip_prefix("event: ") {
                kind = event.to_string();
            } else if let Some(data) = line.strip_prefix("data: ").filter(|_| kind == "bid") {
                let accepted = serde_json::from_str::<Value>(data)
                    .ok()
                    .and_then(|v| v["accepted_at"].as_str().map(str::to_string))
                    .and_then(|at| DateTime::parse_from_rfc3339(&at).ok());
                if let Some(accepted) = accepted {
                    let lag = received.signed_duration_since(accepted.with_timezone(&Utc));
                    mine.push(lag.num_microseconds().unwrap_or(0) as f64 / 1000.0);
                }
            }
        }
    }
    lags.lock().await.extend(mine);
}

/// One bidder's loop: bids until the deadline; returns its request latencies in milliseconds.
async fn bidder(
    api: Api,
    token: String,
    lot: String,
    bidders: usize,
    deadline: Instant,
    accepted: Arc<AtomicU64>,
    seed: u64,
) -> anyhow::Result<Vec<f64>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut next = START;
    let mut latencies = Vec::new();
    let path = format!("/api/v1/auctions/{lot}/bids");
    while Instant::now() < deadline {
        // Bidders jump ahead by a random number of steps, as eager bidders do.
        let amount = next + STEP * rng.gen_range(0..bidders as i64);
        let began = Instant::now();
        let (status, body) = api
            .call(reqwest::Method::POST, &path, Some(&token), Some(json!({"amount_fen": amount})))
            .await?;
        latencies.push(began.elapsed().as_secs_f64() * 1000.0);
        match (status, body["amount_fen"].as_i64(), body["min_next_fen"].as_i64()) {
            (201, Some(amount), _) => {
                accepted.fetch_add(1, Ordering::Relaxed);
                next = amount + STEP;
            }
            (409, _, Some(min_next)) => next = min_next,
            _ => bail!("bid answered {status}: {body}"),
        }
    }
    Ok(latencies)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (Some(url), Some(admin)) = (args.first(), args.get(1)) else {
        bail!("usage: auction_load URL ADMIN_TOKEN [BIDDERS] [WATCHERS] [SECONDS]");
    };
    let number =
        |at: usize, default: usize| args.get(at).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (bidders, watchers, seconds) = (number(2, 50), number(3, 1000), number(4, 20));
    let http = reqwest::Client::builder().pool_max_idle_per_host(bidders + 8).build()?;
    let api = Api { http, url: url.clone() };

    let university = api.member(admin, 1, "university").await?;
    let me = api.call(reqwest::Method::GET, "/api/v1/me", Some(&university), None).await?.1;
    let org = me["user"]["organization_id"].clone();
    let achievement = api
        .post("/api/v1/achievements?publish=true", admin, json!({
            "title": "一种高能量密度锂离子电池正极材料的制备方法", "org_id": org,
            "summary": "本成果提出一种富锂锰基正极材料的共沉淀制备工艺，通过表面包覆提高循环稳定性，适用于动力电池和储能系统。",
            "keywords": ["锂离子电池", "正极材料"], "technology_field": "new_energy", "maturity": "pilot",
            "ip_type": "invention_patent", "cooperation_modes": ["transfer"], "asking_price_fen": 50_000_000,
            "patents": [], "contact": {"name": "张工", "email": "zhang@bench.example", "phone": "13800138000"},
            "region_code": "330106", "trl": 6
        }))
        .await?;
    let mut tokens = Vec::new();
    for n in 0..bidders {
        tokens.push(api.member(admin, 100 + n, "enterprise").await?);
    }
    let opens_in = 8.0 + bidders as f64 * 0.05;
    let lot = api
        .post(
            "/api/v1/auctions",
            admin,
            json!({
                "achievement_id": achievement["id"], "type": "english", "starting_price_fen": START,
                "increment_fen": STEP, "deposit_fen": 100_000, "extension_secs": 0,
                "starts_at": instant(opens_in), "ends_at": instant(opens_in + seconds as f64 + 30.0)
            }),
        )
        .await?;
    let lot = lot["id"].as_str().context("lot id")?.to_string();
    api.post(&format!("/api/v1/auctions/{lot}/submit"), admin, json!({})).await?;
    api.post(&format!("/api/v1/auctions/{lot}/announce"), admin, json!({})).await?;
    for token in &tokens {
        let registration =
            api.post(&format!("/api/v1/auctions/{lot}/registrations"), token, json!({})).await?;
        let rid = registration["id"].as_str().context("registration id")?;
        let deposit = format!("/api/v1/auctions/{lot}/registrations/{rid}/deposit");
        api.post(&deposit, admin, json!({"status": "held"})).await?;
    }

    let lags = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let streams: Vec<_> = (0..watchers)
        .map(|_| tokio::spawn(watch(api.clone(), lot.clone(), lags.clone(), stop.clone())))
        .collect();
    let lot_path = format!("/api/v1/auctions/{lot}");
    loop {
        let seen = api.call(reqwest::Method::GET, &lot_path, None, None).await?;
        if seen.1["status"] == "open" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let accepted = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(seconds as u64);
    let loops: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(n, token)| {
            let (api, lot, accepted) = (api.clone(), lot.clone(), accepted.clone());
            tokio::spawn(bidder(api, token, lot, bidders, deadline, accepted, n as u64))
        })
        .collect();
    let mut latencies = Vec::new();
    for bidding in loops {
        latencies.extend(bidding.await??);
    }
    let took = began.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::Relaxed);
    for stream in streams {
        let _ = stream.await;
    }

    let accepted = accepted.load(Ordering::Relaxed);
    let requests = latencies.len();
    let final_lot = api.call(reqwest::Method::GET, &lot_path, None, None).await?.1;
    let mut lags = lags.lock().await;
    println!("bidders={bidders} watchers={watchers} seconds={took:.1}");
    println!(
        "accepted bids: {accepted} ({:.0}/s); bid requests: {requests} ({:.0}/s)",
        accepted as f64 / took,
        requests as f64 / took
    );
    println!(
        "bid latency: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99)
    );
    println!(
        "final price {} fen after {} bids",
        final_lot["current_price_fen"], final_lot["bid_count"]
    );
    let expected = accepted as usize * watchers;
    println!(
        "stream lag over {} deliveries (of {expected} expected): p50 {:.0} ms, p99 {:.0} ms",
        lags.len(),
        percentile(&mut lags, 0.5),
        percentile(&mut lags, 0.99)
    );
    Ok(())
}
