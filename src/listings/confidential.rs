//! Confidential details: seen by a record's owners, administrators and users whose access
//! request was granted; every read is audited.

use diesel::prelude::*;

use super::access::{can_manage, not_found};
use super::model::Listing;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::access_requests;
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

/// Checks the right to read the details and writes the read to the audit log (call inside
/// a write transaction).
pub fn authorize_read(
    conn: &mut DbConnection,
    user: &AuthUser,
    listing: &Listing,
) -> ApiResult<()> {
    let allowed = can_manage(user, listing)
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
        serde_json::json!({ "reader": user.id() }),
    )
}
