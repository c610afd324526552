//! The lapse sweep: issued vouchers past their use-by day (a China day) lose their unused
//! balance. Every instance runs it; each voucher lapses once, since the change is conditional
//! on the voucher still being issued, and only the instance whose change took audits it.

use anyhow::Context;
use diesel::prelude::*;

use super::VOUCHER_ENTITY;
use super::model::VoucherStatus;
use crate::audit::{self, Actor};
use crate::db::schema::vouchers;
use crate::db::{Db, DbConnection, now};
use crate::error::ApiResult;

/// How often vouchers past their use-by day are swept.
pub const LAPSE_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Lapses the vouchers due; returns their ids.
pub fn lapse_due(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    let today = crate::clock::today();
    let due: Vec<(String, i64)> = vouchers::table
        .filter(vouchers::status.eq(VoucherStatus::Issued.as_str()))
        .filter(vouchers::use_by.lt(today))
        .select((vouchers::id, vouchers::balance_fen))
        .load(conn)?;
    let stamp = now();
    let mut lapsed = Vec::new();
    for (id, balance) in due {
        let changed = diesel::update(
            vouchers::table
                .find(&id)
                .filter(vouchers::status.eq(VoucherStatus::Issued.as_str()))
                .filter(vouchers::balance_fen.eq(balance)),
        )
        .set((
            vouchers::status.eq(VoucherStatus::Lapsed.as_str()),
            vouchers::lapsed_fen.eq(vouchers::lapsed_fen + balance),
            vouchers::balance_fen.eq(0),
            vouchers::lapsed_at.eq(stamp),
            vouchers::updated_at.eq(stamp),
            vouchers::version.eq(vouchers::version + 1),
        ))
        .execute(conn)?;
        if changed == 1 {
            audit::record(
                conn,
                &Actor::default(),
                "voucher.lapse",
                VOUCHER_ENTITY,
                &id,
                serde_json::json!({ "lapsed_fen": balance }),
            )?;
            lapsed.push(id);
        }
    }
    Ok(lapsed)
}

/// One lapse sweep in its own write transaction; returns how many vouchers lapsed.
pub async fn sweep_lapsed(db: Db) -> anyhow::Result<usize> {
    let swept = tokio::task::spawn_blocking(move || {
        let mut conn = db.get()?;
        crate::db::write_transaction(&mut conn, |conn| lapse_due(conn).map(|ids| ids.len()))
    })
    .await
    .context("voucher lapse task")??;
    Ok(swept)
}

/// Lapses vouchers past their use-by day now and every [`LAPSE_SWEEP_INTERVAL`].
pub fn spawn_lapse_sweeper(db: Db) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(LAPSE_SWEEP_INTERVAL);
        loop {
            interval.tick().await;
            match sweep_lapsed(db.clone()).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "vouchers past their use-by day lapsed"),
                Err(error) => tracing::warn!(?error, "voucher lapse sweep failed"),
            }
        }
    });
}
