//! Confidential details: seen by a record's owners, administrators and users whose access
//! request was granted; every read is audited.

use crate::listings::record::RecordLibrary;
use crate::state::AppState;
use diesel::prelude::*;

use super::Library;
use super::access::{can_manage, not_found};
use super::model::Listing;
use crate::accounts::model::Role;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::{access_requests, deals};
use crate::deals::consent::owner_has_acted;
use crate::deals::model::{DealRow, DealStage};
use crate::error::{ApiError, ApiResult};

/// Status of a granted access request.
pub const GRANTED: &str = "granted";

/// Whether the user holds a granted access request for the record.
pub fn has_grant(conn: &mut DbConnection, listing_id: &str, user_id: &str) -> ApiResult<bool> {
    let found: Option<String> = access_requests::table
        .filter(access_requests::listing_id.eq(listing_id))
        .filter(access_requests::requester_id.eq(user_id))
        .filter(access_requests::status.eq(GRANTED))
        .select(access_requests::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// A live (open or signed) deal about the record in which the user takes part as a party or
/// as its (verified) broker, and on which the record owner's side has acted (opened, accepted
/// or advanced it): such deals open the achievement's and the demand's details.
fn deal_of_participant(
    conn: &mut DbConnection,
    listing: &Listing,
    user: &AuthUser,
) -> ApiResult<Option<String>> {
    let mut query = deals::table.into_boxed();
    query = match listing.library {
        Library::Achievements => query.filter(deals::achievement_id.eq(&listing.id)),
        Library::Demands => query.filter(deals::demand_id.eq(&listing.id)),
        _ => return Ok(None),
    };
    let org = user.own_organization();
    let broker = if user.role() == Role::Broker && user.user.is_verified() {
        user.id().to_string()
    } else {
        String::new()
    };
    let takes_part = deals::buyer_org_id
        .eq(org.clone())
        .or(deals::seller_org_id.eq(org))
        .or(deals::broker_id.eq(broker));
    let candidates: Vec<DealRow> = query
        .filter(takes_part)
        .filter(deals::stage.ne(DealStage::Lost.as_str()))
        .order(deals::id.asc())
        .select(DealRow::as_select())
        .load(conn)?;
    Ok(candidates
        .into_iter()
        .find(|deal| owner_has_acted(deal, listing.library))
        .map(|deal| deal.id))
}

/// Whether the user may read the record's confidential details (its owners and
/// administrators, participants of a deal the owner's side acted on, holders of a granted
/// access request to a public record): the rule [`authorize_read`] applies, without auditing.
/// Confidential attachments (patent certificates) follow it.
pub fn may_read(conn: &mut DbConnection, user: &AuthUser, listing: &Listing) -> ApiResult<bool> {
    Ok(can_manage(user, listing)
        || deal_of_participant(conn, listing, user)?.is_some()
        || (listing.is_public() && has_grant(conn, &listing.id, user.id())?))
}

/// Checks the right to read the details and writes the read to the audit log (call inside
/// a write transaction).
pub fn authorize_read(
    conn: &mut DbConnection,
    user: &AuthUser,
    listing: &Listing,
) -> ApiResult<()> {
    let via_deal =
        if can_manage(user, listing) { None } else { deal_of_participant(conn, listing, user)? };
    let allowed = can_manage(user, listing)
        || via_deal.is_some()
        || (listing.is_public() && has_grant(conn, &listing.id, user.id())?);
    if !allowed {
        if listing.is_public() {
            return Err(ApiError::Forbidden(
                "confidential details are shown to the owner, to users whose access request was granted and to the participants of a deal the owner's side opened, accepted or advanced".into(),
            ));
        }
        return Err(not_found(listing.library));
    }
    audit::record(
        conn,
        &user.actor(),
        &format!("{}.confidential_read", listing.library.entity()),
        listing.library.entity(),
        &listing.id,
        serde_json::json!({ "reader": user.id(), "via_deal": via_deal }),
    )
}

/// Reads a record's confidential details for the caller: found, authorized and audited in one
/// write transaction. Answers the record's id and its details (`details` picks them from the
/// library's row).
pub async fn read<L: RecordLibrary + 'static>(
    state: &AppState,
    user: AuthUser,
    id: String,
    details: fn(L::Row) -> Option<String>,
) -> ApiResult<(String, Option<String>)> {
    state
        .db
        .write(move |conn| {
            let (listing, row) = L::find(conn, &id)?;
            authorize_read(conn, &user, &listing)?;
            Ok((listing.id, details(row)))
        })
        .await
}
