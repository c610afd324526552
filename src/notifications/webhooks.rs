//! Webhook deliveries: JSON POSTs signed with HMAC-SHA256 over the body
//! (`X-Techmarket-Signature: sha256=<hex>`), retried with exponential backoff, logged. A slow
//! or dead receiver never blocks a request: deliveries run in their own task.

use std::time::Duration;

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::db::schema::{webhook_deliveries, webhooks};
use crate::db::{Db, now};
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

type Due = (String, String, String, String, i32);

/// Attempts the due deliveries once; returns how many were attempted.
pub async fn deliver_due(db: &Db, client: &reqwest::Client, base: Duration) -> ApiResult<usize> {
    let read = db.clone();
    let due: Vec<Due> = read
        .read(|conn| {
            Ok(webhook_deliveries::table
                .inner_join(webhooks::table.on(webhooks::org_id.eq(webhook_deliveries::org_id)))
                .filter(webhook_deliveries::status.eq(PENDING))
                .filter(webhook_deliveries::next_attempt_at.le(now()))
                .order(webhook_deliveries::next_attempt_at.asc())
                .limit(20)
                .select((
                    webhook_deliveries::id,
                    webhook_deliveries::url,
                    webhook_deliveries::body,
                    webhooks::secret,
                    webhook_deliveries::attempts,
                ))
                .load(conn)?)
        })
        .await?;
    let count = due.len();
    for (id, url, body, secret, attempts) in due {
        let result = client
            .post(&url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature(&secret, body.as_bytes()))
            .body(body)
            .send()
            .await;
        let (code, error) = match result {
            Ok(response) => (Some(i32::from(response.status().as_u16())), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let delivered = code.is_some_and(|c| (200..300).contains(&c));
        let attempts = attempts + 1;
        let status = if delivered {
            DELIVERED
        } else if attempts >= MAX_ATTEMPTS {
            FAILED
        } else {
            PENDING
        };
        let wait = chrono::Duration::from_std(backoff(base, attempts))
            .unwrap_or(chrono::Duration::hours(1));
        let error = error
            .or_else(|| (!delivered).then(|| format!("receiver answered {}", code.unwrap_or(0))));
        db.write(move |conn| {
            let stamp = now();
            diesel::update(webhook_deliveries::table.find(&id))
                .set((
                    webhook_deliveries::status.eq(status),
                    webhook_deliveries::attempts.eq(attempts),
                    webhook_deliveries::next_attempt_at.eq(stamp + wait),
                    webhook_deliveries::last_status_code.eq(code),
                    webhook_deliveries::last_error.eq(if delivered { None } else { error }),
                    webhook_deliveries::delivered_at.eq(delivered.then_some(stamp)),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
    }
    Ok(count)
}

/// Runs deliveries in the background, every half second.
pub fn spawn_delivery_worker(db: Db, base: Duration) {
    tokio::spawn(async move {
        let client = match reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .build()
        {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(%error, "webhook client could not start; deliveries stay queued");
                return;
            }
        };
        let mut interval = tokio::time::interval(Duration::from_millis(500));
        loop {
            interval.tick().await;
            if let Err(error) = deliver_due(&db, &client, base).await
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
