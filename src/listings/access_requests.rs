//! Requests to see a record's confidential details (e.g. under NDA): signed-in users of
//! verified organizations ask, the owner grants or denies (and may revoke a grant), and each
//! step lands in the audit log.

use crate::http::pagination::read_page;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Library;
use super::access::{can_manage, ensure_visible};
use super::model::Listing;
use super::queries;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::access_requests;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::json::OptionalJson;
use crate::http::{Page, PageParams};
use crate::notifications::NotificationKind;
use crate::state::AppState;
use crate::validation;

text_enum! {
    /// Where an access request stands.
    pub enum AccessRequestStatus {
        /// Waiting for the owner.
        Pending => "pending",
        /// The requester may read the details.
        Granted => "granted",
        /// Refused.
        Denied => "denied",
        /// A grant withdrawn by the owner.
        Revoked => "revoked",
    }
}

text_enum! {
    /// An owner's decision.
    pub enum AccessDecision {
        /// pending → granted
        Grant => "grant",
        /// pending → denied
        Deny => "deny",
        /// granted → revoked
        Revoke => "revoke",
    }
}

impl AccessDecision {
    fn transition(self) -> (AccessRequestStatus, AccessRequestStatus) {
        match self {
            AccessDecision::Grant => (AccessRequestStatus::Pending, AccessRequestStatus::Granted),
            AccessDecision::Deny => (AccessRequestStatus::Pending, AccessRequestStatus::Denied),
            AccessDecision::Revoke => (AccessRequestStatus::Granted, AccessRequestStatus::Revoked),
        }
    }
}

/// A stored access request.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_requests)]
pub struct AccessRequestRow {
    /// Id.
    pub id: String,
    /// The record.
    pub listing_id: String,
    /// Who asks.
    pub requester_id: String,
    /// Their organization.
    pub requester_org_id: Option<String>,
    /// Why they ask.
    pub message: Option<String>,
    /// Status.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AccessRequestStatus,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<chrono::NaiveDateTime>,
    /// The owner's note.
    pub decision_note: Option<String>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: chrono::NaiveDateTime,
    /// Last changed.
    pub updated_at: chrono::NaiveDateTime,
}

/// An access request as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessRequestOut {
    /// Access request id.
    pub id: String,
    /// The record whose confidential details are asked for.
    pub listing_id: String,
    /// The user who asks.
    pub requester_id: String,
    /// The organization the requester acts for; null for a user without one.
    pub requester_org_id: Option<String>,
    /// Why they ask.
    pub message: Option<String>,
    /// pending, granted, denied or revoked.
    pub status: AccessRequestStatus,
    /// The member of the owner's side (or administrator) who granted or refused; null while
    /// pending.
    pub decided_by: Option<String>,
    /// When it was granted or refused (RFC 3339, UTC); null while pending.
    pub decided_at: Option<DateTime<Utc>>,
    /// The owner's note.
    pub decision_note: Option<String>,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it was asked (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

crate::output_of_row! { row: AccessRequestRow => AccessRequestOut {
    same {
        id, listing_id, requester_id, requester_org_id, message, status, decided_by,
        decision_note, version
    }
    times { created_at, updated_at }
    optional_times { decided_at }
} }

/// `POST …/access-requests`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestInput {
    /// Why access is needed (shown to the owner).
    pub message: Option<String>,
}

/// `POST …/access-requests/{request_id}/{grant|deny|revoke}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessDecisionInput {
    /// A note for the requester.
    pub note: Option<String>,
}

fn verified_org(conn: &mut DbConnection, user: &AuthUser) -> ApiResult<String> {
    let forbidden = || {
        ApiError::Forbidden(
            "only members of verified organizations may ask for confidential details".into(),
        )
    };
    let org_id = user.user.organization_id.clone().ok_or_else(forbidden)?;
    let org = crate::organizations::queries::find(conn, &org_id)?;
    if org.verified { Ok(org.id) } else { Err(forbidden()) }
}

/// Asks for access to a record's confidential details.
pub async fn create(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: OptionalJson<AccessRequestInput>,
    library: Library,
) -> ApiResult<HttpResponse> {
    let listing_id = path.into_inner();
    let message = validation::optional_text(body.0.unwrap_or_default().message.as_deref(), 2000)
        .map_err(|(code, message)| ApiError::field("message", code, message))?;
    let created = state
        .db
        .write(move |conn| {
            let listing = queries::find(conn, library, &listing_id)?;
            ensure_visible(Some(&user), &listing)?;
            if can_manage(&user, &listing) {
                return Err(ApiError::conflict(
                    "you manage this record and already see its details",
                ));
            }
            let org_id = verified_org(conn, &user)?;
            let live: Option<String> = access_requests::table
                .filter(access_requests::listing_id.eq(&listing.id))
                .filter(access_requests::requester_id.eq(user.id()))
                .filter(access_requests::status.eq_any([
                    AccessRequestStatus::Pending.as_str(),
                    AccessRequestStatus::Granted.as_str(),
                ]))
                .select(access_requests::id)
                .first(conn)
                .optional()?;
            if let Some(existing) = live {
                return Err(ApiError::duplicate(
                    "you already have a pending or granted request for this record",
                    existing,
                ));
            }
            let stamp = now();
            let row = AccessRequestRow {
                id: new_id(),
                listing_id: listing.id.clone(),
                requester_id: user.id().to_string(),
                requester_org_id: Some(org_id),
                message,
                status: AccessRequestStatus::Pending,
                decided_by: None,
                decided_at: None,
                decision_note: None,
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(access_requests::table).values(row.clone()).execute(conn)?;
            let line = format!("「{}」收到一条查看保密信息的申请，请审批", listing.title);
            tell(
                conn,
                listing.org_id.clone(),
                NotificationKind::AccessRequested,
                library,
                &listing,
                line,
            )?;
            audit::record(
                conn,
                &user.actor(),
                &format!("{}.access_request", library.entity()),
                library.entity(),
                &listing.id,
                serde_json::json!({ "request_id": row.id, "requester_id": row.requester_id }),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(AccessRequestOut::from(created)))
}

/// Lists a record's access requests: all of them for its managers, one's own for others.
pub async fn list(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    page: web::Query<PageParams>,
    library: Library,
) -> ApiResult<web::Json<Page<AccessRequestOut>>> {
    let listing_id = path.into_inner();
    let page = read_page(&state.db, &page, move |conn, request| {
        let listing = queries::find(conn, library, &listing_id)?;
        let manages = can_manage(&user, &listing);
        if !manages {
            ensure_visible(Some(&user), &listing)?;
        }
        let mut query =
            access_requests::table.filter(access_requests::listing_id.eq(&listing.id)).into_boxed();
        if !manages {
            query = query.filter(access_requests::requester_id.eq(user.id().to_string()));
        }
        Ok(crate::after_cursor!(query, access_requests::id, request, desc)
            .select(AccessRequestRow::as_select())
            .load(conn)?)
    })
    .await?
    .keyed(|r| r.id.clone());
    Ok(web::Json(page.map(AccessRequestOut::from)))
}

/// Grants, denies or revokes a request (the record's managers).
pub async fn decide(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: OptionalJson<AccessDecisionInput>,
    library: Library,
    decision: AccessDecision,
) -> ApiResult<web::Json<AccessRequestOut>> {
    let (listing_id, request_id) = path.into_inner();
    let note = validation::optional_text(body.0.unwrap_or_default().note.as_deref(), 2000)
        .map_err(|(code, message)| ApiError::field("note", code, message))?;
    let saved = state
        .db
        .write(move |conn| {
            let listing = queries::find(conn, library, &listing_id)?;
            super::access::ensure_manage(&user, &listing)?;
            let current = access_requests::table
                .find(&request_id)
                .filter(access_requests::listing_id.eq(&listing.id))
                .select(AccessRequestRow::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::NotFound("access request".into()))?;
            let (from, to) = decision.transition();
            if current.status != from {
                let allowed: Vec<String> = AccessDecision::ALL
                    .iter()
                    .filter(|d| d.transition().0 == current.status)
                    .map(|d| d.as_str().to_string())
                    .collect();
                return Err(ApiError::illegal_transition(
                    current.status.as_str(),
                    decision.as_str(),
                    allowed,
                ));
            }
            let stamp = now();
            diesel::update(access_requests::table.find(&current.id))
                .set((
                    access_requests::status.eq(to.as_str()),
                    access_requests::decided_by.eq(user.id()),
                    access_requests::decided_at.eq(stamp),
                    access_requests::decision_note.eq(&note),
                    access_requests::version.eq(current.version + 1),
                    access_requests::updated_at.eq(stamp),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &user.actor(),
                &format!("{}.access_{}", library.entity(), decision),
                library.entity(),
                &listing.id,
                serde_json::json!({ "request_id": current.id, "requester_id": current.requester_id,
                                    "status": {"from": from, "to": to} }),
            )?;
            let verdict = match decision {
                AccessDecision::Grant => "已同意",
                AccessDecision::Deny => "已拒绝",
                AccessDecision::Revoke => "已撤回",
            };
            let note = note.as_deref().map(|n| format!("：{n}")).unwrap_or_default();
            let line = format!("您查看「{}」保密信息的申请{verdict}{note}", listing.title);
            let requester = current.requester_org_id.clone();
            tell(conn, requester, NotificationKind::AccessDecided, library, &listing, line)?;
            Ok(access_requests::table
                .find(&current.id)
                .select(AccessRequestRow::as_select())
                .first(conn)?)
        })
        .await?;
    Ok(web::Json(AccessRequestOut::from(saved)))
}

/// Tells an organization (if there is one) of an access request's event on `listing`.
fn tell(
    conn: &mut DbConnection,
    org_id: Option<String>,
    kind: NotificationKind,
    library: Library,
    listing: &Listing,
    title: String,
) -> ApiResult<()> {
    let Some(org_id) = org_id else {
        return Ok(());
    };
    crate::notifications::tell(
        conn,
        crate::notifications::Tiding {
            org_id,
            kind,
            subject_kind: library.entity(),
            subject_id: listing.id.clone(),
            achievement_id: (library == Library::Achievements).then(|| listing.id.clone()),
            title,
        },
    )
}
