//! The expiry sweep: published listings past their validity are marked expired.

use crate::db::Db;
use anyhow::Context;

/// How often published listings past their validity are marked expired.
pub const EXPIRY_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// One expiry sweep in its own write transaction; returns how many records expired. Every
/// instance runs it, each record expires once (see [`crate::listings::queries::expire_due`]).
pub async fn sweep_expired(db: Db) -> anyhow::Result<usize> {
    let swept = tokio::task::spawn_blocking(move || {
        let mut conn = db.get()?;
        crate::db::write_transaction(&mut conn, |conn| {
            crate::listings::queries::expire_due(conn).map(|ids| ids.len())
        })
    })
    .await
    .context("expiry sweep task")??;
    Ok(swept)
}

/// Marks listings past their validity as expired now and every [`EXPIRY_SWEEP_INTERVAL`]
/// (reads already treat them as expired; this persists it and writes the audit entries).
pub fn spawn_expiry_sweeper(db: Db) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(EXPIRY_SWEEP_INTERVAL);
        loop {
            interval.tick().await;
            let swept = sweep_expired(db.clone()).await;
            match swept {
                Ok(0) => {}
                Ok(count) => {
                    tracing::info!(count, "listings past their validity marked expired")
                }
                Err(error) => tracing::warn!(?error, "expiry sweep failed"),
            }
        }
    });
}
