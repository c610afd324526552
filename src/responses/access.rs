//! Who may see and move an answer: the demand's organization (its members) and
//! administrators see and decide every answer to the demand; a responder (the answering user
//! and the members of its organization) sees and withdraws its own. Everyone else gets 404
//! for a single answer and 403 for a demand's list they can see.

use diesel::prelude::*;

use super::model::ResponseRow;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::demand_responses;
use crate::error::{ApiError, ApiResult};
use crate::listings::access::{can_manage, ensure_visible};
use crate::listings::model::Listing;

/// The audit entity name of answers.
pub const ENTITY: &str = "demand_response";

/// Whether the user decides on the demand's answers (its organization's members, admins).
pub fn is_demand_side(user: &AuthUser, demand: &Listing) -> bool {
    can_manage(user, demand)
}

/// Whether the user gave the answer or belongs to the organization that did.
pub fn is_responder(user: &AuthUser, row: &ResponseRow) -> bool {
    row.responder_id == user.id()
        || row.responder_org_id.as_deref().is_some_and(|org| user.belongs_to(org))
}

/// The 404 of an answer the caller may not see.
pub fn not_found() -> ApiError {
    ApiError::NotFound("response".into())
}

/// 404 unless the user may list the demand's answers; 403 if they see the demand but are not
/// its organization.
pub fn ensure_lists(user: &AuthUser, demand: &Listing) -> ApiResult<()> {
    if is_demand_side(user, demand) {
        return Ok(());
    }
    ensure_visible(Some(user), demand)?;
    Err(ApiError::Forbidden(
        "only the demand's organization and administrators see its answers; see yours at /api/v1/me/responses".into(),
    ))
}

/// One answer to a demand (404 when missing or answering another demand).
pub fn find(conn: &mut DbConnection, demand_id: &str, id: &str) -> ApiResult<ResponseRow> {
    demand_responses::table
        .find(id)
        .filter(demand_responses::demand_id.eq(demand_id))
        .select(ResponseRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)
}

/// One answer the caller may see (404 otherwise).
pub fn find_visible(
    conn: &mut DbConnection,
    user: &AuthUser,
    demand: &Listing,
    id: &str,
) -> ApiResult<ResponseRow> {
    let row = find(conn, &demand.id, id)?;
    if is_demand_side(user, demand) || is_responder(user, &row) {
        Ok(row)
    } else {
        Err(not_found())
    }
}
