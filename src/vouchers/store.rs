//! Loading and saving voucher records; `lock` reads a row for update on PostgreSQL (SQLite's
//! write transaction already holds the database), so reservations never race.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{ClaimRow, OrderRow, ProgramRow, SettlementRow, VoucherRow};
use crate::db::DbConnection;
use crate::db::schema::{
    voucher_claims, voucher_orders, voucher_programs, voucher_settlements, vouchers,
};
use crate::error::{ApiError, ApiResult};

/// Loads (and on PostgreSQL locks) one row by id, answering the kind's 404 when missing.
macro_rules! loader {
    ($(#[doc = $doc:literal])* $find:ident, $lock:ident, $save:ident, $table:ident, $row:ty, $what:literal) => {
        $(#[doc = $doc])*
        pub fn $find(conn: &mut DbConnection, id: &str) -> ApiResult<$row> {
            $table::table
                .find(id)
                .select(<$row>::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::NotFound($what.into()))
        }

        /// The same row, locked for the rest of the transaction on PostgreSQL.
        pub fn $lock(conn: &mut DbConnection, id: &str) -> ApiResult<$row> {
            if let DbConnection::Postgresql(pg) = conn {
                return $table::table
                    .find(id)
                    .select(<$row>::as_select())
                    .for_update()
                    .first(pg)
                    .optional()?
                    .ok_or_else(|| ApiError::NotFound($what.into()));
            }
            $find(conn, id)
        }

        /// Saves a changed row, raising its version and stamping `updated_at`.
        pub fn $save(conn: &mut DbConnection, row: &mut $row, stamp: NaiveDateTime) -> ApiResult<()> {
            row.version += 1;
            row.updated_at = stamp;
            diesel::update($table::table.find(&row.id)).set(row.clone()).execute(conn)?;
            Ok(())
        }
    };
}

loader!(
    /// One programme.
    program, lock_program, save_program, voucher_programs, ProgramRow, "voucher program"
);
loader!(
    /// One voucher.
    voucher, lock_voucher, save_voucher, vouchers, VoucherRow, "voucher"
);
loader!(
    /// One order.
    order, lock_order, save_order, voucher_orders, OrderRow, "voucher order"
);
loader!(
    /// One claim.
    claim, lock_claim, save_claim, voucher_claims, ClaimRow, "voucher claim"
);

/// One settlement batch.
pub fn settlement(conn: &mut DbConnection, id: &str) -> ApiResult<SettlementRow> {
    voucher_settlements::table
        .find(id)
        .select(SettlementRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("voucher settlement".into()))
}

/// The orders of a claim.
pub fn orders_of_claim(conn: &mut DbConnection, claim_id: &str) -> ApiResult<Vec<OrderRow>> {
    Ok(voucher_orders::table
        .filter(voucher_orders::claim_id.eq(claim_id))
        .order(voucher_orders::id)
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// 409 when the caller based a change on another version than the current one.
pub fn check_version(current: i64, expected: Option<i64>) -> ApiResult<()> {
    match expected {
        Some(expected) if expected != current => Err(ApiError::stale_version(expected, current)),
        _ => Ok(()),
    }
}
