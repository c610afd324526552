//! Confidential details: seen by a record's owners, administrators and users whose access
//! request was granted; every read is audited.

use diesel::prelude::*;

use super::access::{can_manage, not_found};
use super::model::Listing;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::{access_requests, deals};
use crate::deals::model::DealStage;
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
/// as its broker: deal participants read the achievement's and the demand's details.
fn deal_of_participant(
    conn: &mut DbConnection,
    listing: &Listing,
    user: &AuthUser,
) -> ApiResult<Option<String>> {
    let about_record = deals::achievement_id
        .eq(&listing.id)
        .or(deals::demand_id.eq(&listing.id));
    let org = user.user.organization_id.clone().unwrap_or_default();
    let takes_part = deals::buyer_org_id
        .eq(org.clone())
        .or(deals::seller_org_id.eq(org))
        .or(deals::broker_id.eq(user.id().to_string()));
    Ok(deals::table
        .filter(about_record)
        .filter(takes_part)
        .filter(deals::stage.ne(DealStage::Lost.as_str()))
        .select(deals::id)
        .first(conn)
        .optional()?)
}

/// Checks the right to read the details and writes the read to the audit log (call inside
/// a write transaction).
pub fn authorize_read(
    conn: &mut DbConnection,
    user: &AuthUser,
    listing: &Listing,
) -> ApiResult<()> {
    let via_deal = if can_manage(user, listing) {
        None
    } else {
        deal_of_participant(conn, listing, user)?
    };
    let allowed = can_manage(user, listing)
        || via_deal.is_some()
        || (listing.is_public() && has_grant(conn, &listing.id, user.id())?);
    if !allowed {
        if listing.is_public() {
            return Err(ApiError::Forbidden(
                "confidential details are shown to the owner and to users whose access request was granted".into(),
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
