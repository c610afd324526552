//! Reading and writing auctions, registrations and bids.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::access::not_found;
use super::model::{AuctionRow, BidRow, DepositStatus, RegistrationRow};
use crate::db::DbConnection;
use crate::db::schema::{auction_bids, auction_registrations, auctions};
use crate::error::{ApiError, ApiResult};

/// The audit entity name of auctions (registrations and bids are audited under their lot).
pub const ENTITY: &str = "auction";

/// One auction (404 when missing).
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<AuctionRow> {
    auctions::table
        .find(id)
        .select(AuctionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)
}

/// One auction, locked for the rest of the write transaction (`FOR UPDATE` on PostgreSQL;
/// SQLite's write transaction already runs one writer at a time), so bids on a lot and its
/// closing happen one after the other.
pub fn lock(conn: &mut DbConnection, id: &str) -> ApiResult<AuctionRow> {
    if let DbConnection::Postgresql(pg) = conn {
        let query = auctions::table.find(id).select(AuctionRow::as_select()).for_update();
        return query.first(pg).optional()?.ok_or_else(not_found);
    }
    find(conn, id)
}

/// Saves a changed auction, raising its version and stamping `updated_at`.
pub fn save(conn: &mut DbConnection, row: &mut AuctionRow, stamp: NaiveDateTime) -> ApiResult<()> {
    row.version += 1;
    row.updated_at = stamp;
    diesel::update(auctions::table.find(&row.id)).set(row.clone()).execute(conn)?;
    Ok(())
}

/// 409 when the caller based a change on another version than the current one.
pub fn check_version(row: &AuctionRow, expected: Option<i64>) -> ApiResult<()> {
    match expected {
        Some(expected) if expected != row.version => {
            Err(ApiError::stale_version(expected, row.version))
        }
        _ => Ok(()),
    }
}

/// The registration of an organization for an auction, if any.
pub fn registration_of(
    conn: &mut DbConnection,
    auction_id: &str,
    org_id: &str,
) -> ApiResult<Option<RegistrationRow>> {
    Ok(auction_registrations::table
        .filter(auction_registrations::auction_id.eq(auction_id))
        .filter(auction_registrations::org_id.eq(org_id))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every registration of an auction, in registration order.
pub fn registrations(conn: &mut DbConnection, auction_id: &str) -> ApiResult<Vec<RegistrationRow>> {
    Ok(auction_registrations::table
        .filter(auction_registrations::auction_id.eq(auction_id))
        .order(auction_registrations::id.asc())
        .select(RegistrationRow::as_select())
        .load(conn)?)
}

/// One registration of an auction (404 when the lot has none of that id).
pub fn registration(
    conn: &mut DbConnection,
    auction_id: &str,
    registration_id: &str,
) -> ApiResult<RegistrationRow> {
    auction_registrations::table
        .find(registration_id)
        .filter(auction_registrations::auction_id.eq(auction_id))
        .select(RegistrationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("registration".into()))
}

/// Sets a registration's deposit status (the ledger move is checked by the caller).
pub fn set_deposit(
    conn: &mut DbConnection,
    registration_id: &str,
    status: DepositStatus,
    stamp: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(auction_registrations::table.find(registration_id))
        .set((
            auction_registrations::deposit_status.eq(status.as_str()),
            auction_registrations::version.eq(auction_registrations::version + 1),
            auction_registrations::updated_at.eq(stamp),
        ))
        .execute(conn)?;
    Ok(())
}

/// The bids of an auction that still count (sealed bids replaced by their bidder do not).
pub fn standing_bids(conn: &mut DbConnection, auction_id: &str) -> ApiResult<Vec<BidRow>> {
    Ok(auction_bids::table
        .filter(auction_bids::auction_id.eq(auction_id))
        .filter(auction_bids::replaced_at.is_null())
        .order((auction_bids::accepted_at.asc(), auction_bids::id.asc()))
        .select(BidRow::as_select())
        .load(conn)?)
}

/// One bid.
pub fn bid(conn: &mut DbConnection, id: &str) -> ApiResult<BidRow> {
    Ok(auction_bids::table.find(id).select(BidRow::as_select()).first(conn)?)
}

/// Bidder codes (and organizations) of an auction's registrations, by registration id.
pub fn bidders(
    conn: &mut DbConnection,
    auction_id: &str,
) -> ApiResult<HashMap<String, (String, String)>> {
    Ok(auction_registrations::table
        .filter(auction_registrations::auction_id.eq(auction_id))
        .select((
            auction_registrations::id,
            auction_registrations::bidder_code,
            auction_registrations::org_id,
        ))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, org)| (id, (code, org)))
        .collect())
}
