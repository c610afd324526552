//! Listing queries shared by the libraries.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::Library;
use super::access::not_found;
use super::lifecycle::ListingStatus;
use super::model::Listing;
use crate::db::schema::listings;
use crate::db::{DbConnection, now};
use crate::error::{ApiError, ApiResult};

/// Days a listing stays valid when no date is given.
pub const DEFAULT_VALIDITY_DAYS: i64 = 365;
/// The furthest a validity date may lie ahead.
pub const MAX_VALIDITY_DAYS: i64 = 3 * 366;

/// Today on the market's calendar (China Standard Time), for validity dates.
pub fn today() -> NaiveDate {
    crate::clock::today()
}

/// The default validity date of a new or renewed listing.
pub fn default_valid_until() -> NaiveDate {
    today() + Duration::days(DEFAULT_VALIDITY_DAYS)
}

/// Checks a requested validity date: after today, at most three years ahead.
pub fn check_valid_until(date: NaiveDate) -> Result<NaiveDate, (&'static str, String)> {
    if date <= today() {
        return Err(("not_in_future", "must be a date after today".into()));
    }
    if date > today() + Duration::days(MAX_VALIDITY_DAYS) {
        return Err(("too_far", "must be at most three years ahead".into()));
    }
    Ok(date)
}

/// One listing of a library (404 when it is missing or of another library).
pub fn find(conn: &mut DbConnection, library: Library, id: &str) -> ApiResult<Listing> {
    listings::table
        .find(id)
        .filter(listings::library.eq(library.as_str()))
        .select(Listing::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| not_found(library))
}

/// Inserts the shared row; 409 on a duplicate `external_ref` within the organization.
pub fn insert(conn: &mut DbConnection, listing: &Listing) -> ApiResult<()> {
    if let (Some(reference), Some(org)) =
        (listing.external_ref.as_deref(), listing.org_id.as_deref())
    {
        let existing: Option<String> = listings::table
            .filter(listings::library.eq(listing.library.as_str()))
            .filter(listings::org_id.eq(org))
            .filter(listings::external_ref.eq(reference))
            .select(listings::id)
            .first(conn)
            .optional()?;
        if let Some(existing_id) = existing {
            return Err(ApiError::duplicate(
                format!(
                    "external_ref `{reference}` is already used by another record of this organization"
                ),
                existing_id,
            ));
        }
    }
    diesel::insert_into(listings::table).values(listing.clone()).execute(conn)?;
    Ok(())
}

/// Saves the shared row if its version is still `expected`, bumping the version.
pub fn save(conn: &mut DbConnection, listing: &Listing, expected: i64) -> ApiResult<Listing> {
    let changed = diesel::update(
        listings::table.filter(listings::id.eq(&listing.id)).filter(listings::version.eq(expected)),
    )
    .set((
        listings::status.eq(listing.status.as_str()),
        listings::title.eq(&listing.title),
        listings::region_code.eq(&listing.region_code),
        listings::valid_until.eq(listing.valid_until),
        listings::external_ref.eq(&listing.external_ref),
        listings::owner_user_id.eq(&listing.owner_user_id),
        listings::rejection_reason.eq(&listing.rejection_reason),
        listings::submitted_at.eq(listing.submitted_at),
        listings::reviewed_at.eq(listing.reviewed_at),
        listings::reviewed_by.eq(&listing.reviewed_by),
        listings::published_at.eq(listing.published_at),
        listings::closed_reason.eq(&listing.closed_reason),
        listings::version.eq(expected + 1),
        listings::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        let current = find(conn, listing.library, &listing.id)?;
        return Err(ApiError::stale_version(expected, current.version));
    }
    find(conn, listing.library, &listing.id)
}

/// The PostgreSQL advisory-lock key of the expiry sweep.
pub const EXPIRY_SWEEP_LOCK: i64 = 0x746d_6578_7069_7279;

/// Marks published listings past their validity as expired (persisting what reads already
/// compute), with an audit entry for each; returns the records changed. Run inside a write
/// transaction; with several instances on one database each record expires (and is audited)
/// once: on PostgreSQL the sweep holds a transaction advisory lock (a concurrent sweep finds
/// it taken and does nothing), and on both backends a record is only changed, and audited,
/// while it is still published.
pub fn expire_due(conn: &mut DbConnection) -> ApiResult<Vec<(String, Library)>> {
    if !crate::db::try_transaction_lock(conn, EXPIRY_SWEEP_LOCK)? {
        return Ok(Vec::new());
    }
    let due: Vec<(String, String, NaiveDate)> = listings::table
        .filter(listings::status.eq(ListingStatus::Published.as_str()))
        .filter(listings::valid_until.lt(today()))
        .select((listings::id, listings::library, listings::valid_until))
        .load(conn)?;
    let mut expired = Vec::new();
    for (id, library, valid_until) in due {
        let Ok(library) = library.parse::<Library>() else {
            continue;
        };
        let changed = diesel::update(
            listings::table
                .find(&id)
                .filter(listings::status.eq(ListingStatus::Published.as_str())),
        )
        .set((
            listings::status.eq(ListingStatus::Expired.as_str()),
            listings::version.eq(listings::version + 1),
            listings::updated_at.eq(now()),
        ))
        .execute(conn)?;
        if changed == 0 {
            continue;
        }
        crate::audit::record(
            conn,
            &crate::audit::Actor::default(),
            &format!("{}.expire", library.entity()),
            library.entity(),
            &id,
            serde_json::json!({
                "status": {"from": "published", "to": "expired"},
                "valid_until": valid_until.to_string(),
            }),
        )?;
        expired.push((id, library));
    }
    Ok(expired)
}

/// The titles of these records, by id (unknown ids are left out).
pub fn titles(
    conn: &mut DbConnection,
    ids: &[&String],
) -> ApiResult<std::collections::HashMap<String, String>> {
    Ok(listings::table
        .filter(listings::id.eq_any(ids))
        .select((listings::id, listings::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}
