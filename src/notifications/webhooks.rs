//! Webhook deliveries: JSON POSTs signed with HMAC-SHA256 over the body
//! (`X-Techmarket-Signature: sha256=<hex>`), retried with exponential backoff, logged. A slow
//! or dead receiver never blocks a request: deliveries run in their own task.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::target::{self, Refused};
use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::{Db, DbConnection, now};
use crate::error::{ApiError, ApiResult};

/// A delivery waiting for its next attempt.
pub const PENDING: &str = "pending";
/// A delivery the receiver accepted (2xx).
pub const DELIVERED: &str = "delivered";
/// A delivery given up after [`MAX_ATTEMPTS`].
pub const FAILED: &str = "failed";
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Techmarket-Signature";

/// `sha256=<hex HMAC-SHA256 of the body with the secret>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| {
        // HMAC accepts keys of any length; this branch cannot be reached.
        Hmac::<Sha256>::new_from_slice(b"-").expect("HMAC key")
    });
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The wait before attempt `attempts + 1`: base × 2^attempts, at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts).unwrap_or(0).min(20));
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// How long a claimed delivery is reserved for the instance that claimed it. A batch is sent
/// concurrently, each request bounded by [`super::target::DELIVERY_TIMEOUT`], so the lease
/// outlasts the batch; an instance that dies mid-batch frees its claims when the lease ends.
pub const LEASE: Duration = Duration::from_secs(60);
/// Most deliveries one round claims.
pub const BATCH: i64 = 20;

/// A delivery claimed by this instance.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Delivery id.
    pub id: String,
    /// Where.
    pub url: String,
    /// The JSON body.
    pub body: String,
    /// The webhook's signing key.
    pub secret: String,
    /// Attempts before this one.
    pub attempts: i32,
    /// The lease stamped on the row (`next_attempt_at`): the result is recorded only while
    /// the row still carries it.
    pub lease_until: NaiveDateTime,
}

/// Claims up to `limit` due pending deliveries, inside the caller's write transaction: the due
/// rows are selected (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent instances take
/// disjoint rows; SQLite's write transaction serializes instances) and leased by pushing
/// `next_attempt_at` forward by [`LEASE`], so no other instance takes them once committed.
pub fn claim_due(conn: &mut DbConnection, limit: i64) -> ApiResult<Vec<Claimed>> {
    let stamp = now();
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(PENDING))
        .filter(webhook_deliveries::next_attempt_at.le(stamp))
        .filter(webhook_deliveries::org_id.eq_any(webhooks::table.select(webhooks::org_id)))
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(limit)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::org_id,
            webhook_deliveries::url,
            webhook_deliveries::body,
            webhook_deliveries::attempts,
        ));
    let rows: Vec<(String, String, String, String, i32)> = match conn {
        DbConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let lease_until = stamp + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::MAX);
    let ids: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set(webhook_deliveries::next_attempt_at.eq(lease_until))
        .execute(conn)?;
    let orgs: Vec<&String> = rows.iter().map(|r| &r.1).collect();
    let secrets: HashMap<String, String> = webhooks::table
        .filter(webhooks::org_id.eq_any(&orgs))
        .select((webhooks::org_id, webhooks::secret))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, org, url, body, attempts)| {
            secrets.get(&org).map(|secret| Claimed {
                id,
                url,
                body,
                secret: secret.clone(),
                attempts,
                lease_until,
            })
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's status (None when nothing was answered or the target was refused).
    pub code: Option<i32>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Sends one delivery, unless its target is refused: an IP literal or internal name is
/// checked here (reqwest resolves no literal), a name is vetted by the client's resolver.
pub async fn attempt(client: &reqwest::Client, claimed: &Claimed, allow_private: bool) -> Outcome {
    let failed = |reason: String| Outcome { code: None, error: Some(reason) };
    let url = match crate::validation::http_url(&claimed.url) {
        Ok(url) => url,
        Err((_, message)) => return failed(format!("refused: the URL {message}")),
    };
    if !allow_private && let Err(Refused(reason)) = target::check_host(&url) {
        return failed(reason);
    }
    let result = client
        .post(url)
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature(&claimed.secret, claimed.body.as_bytes()))
        .body(claimed.body.clone())
        .send()
        .await;
    match result {
        Ok(response) => {
            let code = i32::from(response.status().as_u16());
            Outcome {
                code: Some(code),
                error: (!(200..300).contains(&code)).then(|| format!("receiver answered {code}")),
            }
        }
        Err(error) => match target::refusal_of(&error) {
            Some(Refused(reason)) => failed(reason),
            None => failed(error.to_string()),
        },
    }
}

/// Records an attempt's outcome, if the row still carries this instance's lease.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    outcome: Outcome,
    base: Duration,
) -> ApiResult<()> {
    let delivered = outcome.code.is_some_and(|c| (200..300).contains(&c));
    let attempts = claimed.attempts + 1;
    let status = if delivered {
        DELIVERED
    } else if attempts >= MAX_ATTEMPTS {
        FAILED
    } else {
        PENDING
    };
    let wait =
        chrono::Duration::from_std(backoff(base, attempts)).unwrap_or(chrono::Duration::hours(1));
    let stamp = now();
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(&claimed.id))
            .filter(webhook_deliveries::status.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.eq(claimed.lease_until)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::attempts.eq(attempts),
        webhook_deliveries::next_attempt_at.eq(stamp + wait),
        webhook_deliveries::last_status_code.eq(outcome.code),
        webhook_deliveries::last_error.eq(if delivered { None } else { outcome.error }),
        webhook_deliveries::delivered_at.eq(delivered.then_some(stamp)),
    ))
    .execute(conn)?;
    Ok(())
}

/// One delivery round: claims the due deliveries (committed before anything is sent), sends
/// them concurrently, records the outcomes; returns how many were attempted.
pub async fn deliver_due(
    db: &Db,
    client: &reqwest::Client,
    base: Duration,
    allow_private: bool,
) -> ApiResult<usize> {
    let claimed = db.write(|conn| claim_due(conn, BATCH)).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let outcomes =
        futures_util::future::join_all(claimed.iter().map(|c| attempt(client, c, allow_private)))
            .await;
    let count = claimed.len();
    db.write(move |conn| {
        for (claimed, outcome) in claimed.iter().zip(outcomes) {
            record(conn, claimed, outcome, base)?;
        }
        Ok(())
    })
    .await?;
    Ok(count)
}

/// Runs deliveries in the background, every half second.
pub fn spawn_delivery_worker(db: Db, base: Duration, allow_private: bool) {
    tokio::spawn(async move {
        let client = match target::delivery_client(allow_private) {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(%error, "webhook client could not start; deliveries stay queued");
                return;
            }
        };
        let mut interval = tokio::time::interval(Duration::from_millis(500));
        loop {
            interval.tick().await;
            if let Err(error) = deliver_due(&db, &client, base, allow_private).await
                && !matches!(error, ApiError::Unavailable(_) | ApiError::Busy { .. })
            {
                tracing::warn!(?error, "webhook delivery round failed");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base, 0), Duration::from_secs(2));
        assert_eq!(backoff(base, 3), Duration::from_secs(16));
        assert_eq!(backoff(base, 30), Duration::from_secs(3600));
    }
}
