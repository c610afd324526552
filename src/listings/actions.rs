//! Lifecycle actions, history, deletion of drafts and the review queue — the same for every
//! library. The routes are registered per library and documented programmatically
//! (`super::action_docs`), since only the library differs.

use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Library;
use super::access::{can_manage, ensure_manage};
use super::lifecycle::{self, Action, ListingStatus};
use super::model::Listing;
use super::queries::{self, check_valid_until, default_valid_until};
use super::record::RecordLibrary;
use super::registry::{ForKind, with_kind};
use crate::audit::{self, AuditEntry};
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::{access_requests, listings};
use crate::db::{DbConnection, now, to_utc};
use crate::error::{ApiError, ApiResult};
use crate::http::json::OptionalJson;
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams};
use crate::notifications::NotificationKind;
use crate::state::AppState;
use crate::validation;

/// The optional body of a lifecycle action.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionRequest {
    /// Why: required to reject (the owner sees it), optional to close or withdraw.
    pub reason: Option<String>,
    /// For `renew`: the new last day of validity (default: a year from today; at most three years ahead).
    pub valid_until: Option<NaiveDate>,
    /// The version the action is based on (optional; checked when given, also via `If-Match`).
    pub version: Option<i64>,
}

/// The lifecycle state of a record after an action.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListingState {
    /// The record's id.
    pub id: String,
    /// The library it belongs to.
    pub library: Library,
    /// Its status after the action.
    pub status: ListingStatus,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// The reason of the last rejection, if rejected.
    pub rejection_reason: Option<String>,
    /// Actions possible from here.
    pub allowed_actions: Vec<String>,
    /// Its version after the action (send it with the next change).
    pub version: i64,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<&Listing> for ListingState {
    fn from(listing: &Listing) -> Self {
        let status = listing.current_status();
        ListingState {
            id: listing.id.clone(),
            library: listing.library,
            status,
            valid_until: listing.valid_until,
            rejection_reason: listing.rejection_reason.clone(),
            allowed_actions: lifecycle::allowed_actions(status),
            version: listing.version,
            updated_at: to_utc(listing.updated_at),
        }
    }
}

/// Applies an action to a listing inside a transaction (used by the HTTP handlers and imports).
pub fn apply(
    conn: &mut DbConnection,
    user: &AuthUser,
    library: Library,
    id: &str,
    action: Action,
    request: &ActionRequest,
    expected_version: Option<i64>,
) -> ApiResult<Listing> {
    let current = queries::find(conn, library, id)?;
    ensure_manage(user, &current)?;
    if action.admin_only() && !user.is_admin() {
        return Err(ApiError::Forbidden(format!("only administrators may {action}")));
    }
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(ApiError::stale_version(expected, current.version));
    }
    let from = current.current_status();
    let to = lifecycle::check(from, action)?;
    let mut next = current.clone();
    next.status = to;
    let stamp = now();
    let reason = validation::optional_text(request.reason.as_deref(), 2000)
        .map_err(|(code, message)| ApiError::field("reason", code, message))?;
    match action {
        Action::Submit => {
            next.submitted_at = Some(stamp);
        }
        Action::Approve => {
            next.reviewed_at = Some(stamp);
            next.reviewed_by = Some(user.id().to_string());
            next.rejection_reason = None;
            if next.published_at.is_none() {
                next.published_at = Some(stamp);
            }
            if next.valid_until <= queries::today() {
                next.valid_until = default_valid_until();
            }
        }
        Action::Reject => {
            let Some(reason) = reason.clone() else {
                return Err(ApiError::field(
                    "reason",
                    "required",
                    "say why, so the owner can fix it",
                ));
            };
            next.reviewed_at = Some(stamp);
            next.reviewed_by = Some(user.id().to_string());
            next.rejection_reason = Some(reason);
        }
        Action::Renew => {
            next.valid_until = match request.valid_until {
                Some(date) => check_valid_until(date)
                    .map_err(|(code, message)| ApiError::field("valid_until", code, message))?,
                None => default_valid_until(),
            };
        }
        Action::Close => {
            next.closed_reason = reason.clone();
        }
        Action::Withdraw => {}
    }
    let saved = queries::save(conn, &next, current.version)?;
    let mut changes = audit::diff(&[
        ("status", from.as_str().into(), saved.status.as_str().into()),
        (
            "valid_until",
            current.valid_until.to_string().into(),
            saved.valid_until.to_string().into(),
        ),
    ]);
    if let (Some(reason), Some(map)) = (reason, changes.as_object_mut()) {
        map.insert("reason".into(), reason.into());
    }
    audit::record(
        conn,
        &user.actor(),
        &format!("{}.{}", library.entity(), action),
        library.entity(),
        &saved.id,
        changes,
    )?;
    tell_owner(conn, user, library, &saved, action)?;
    Ok(saved)
}

/// Tells the owning organization that a review decided its listing (approved, or rejected
/// with the reason), unless it reviewed its own (records of people have no organization to
/// tell).
fn tell_owner(
    conn: &mut DbConnection,
    reviewer: &AuthUser,
    library: Library,
    listing: &Listing,
    action: Action,
) -> ApiResult<()> {
    let Some(org_id) = listing.org_id.clone().filter(|org| !reviewer.belongs_to(org)) else {
        return Ok(());
    };
    let title = &listing.title;
    let (kind, line) = match action {
        Action::Approve => {
            (NotificationKind::ListingApproved, format!("「{title}」已通过审核并发布"))
        }
        Action::Reject => {
            let reason = listing.rejection_reason.as_deref().unwrap_or_default();
            (NotificationKind::ListingRejected, format!("「{title}」未通过审核：{reason}"))
        }
        _ => return Ok(()),
    };
    crate::notifications::tell(
        conn,
        crate::notifications::Tiding {
            org_id,
            kind,
            subject_kind: library.entity(),
            subject_id: listing.id.clone(),
            achievement_id: (library == Library::Achievements).then(|| listing.id.clone()),
            title: line,
        },
    )
}

/// `POST /api/v1/{library}/{id}/{action}`.
pub async fn run_action(
    if_match: IfMatch,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: OptionalJson<ActionRequest>,
    library: Library,
    action: Action,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let request = body.0.unwrap_or_default();
    let expected = if_match.optional(request.version)?;
    let saved = state
        .db
        .write(move |conn| apply(conn, &user, library, &id, action, &request, expected))
        .await?;
    crate::listings::listing_search::refresh(&state, vec![(library, saved.id.clone())]).await;
    if action == Action::Approve {
        crate::notifications::spawn_on_published(
            state.db.clone(),
            state.matching.clone(),
            state.search.clone(),
            library,
            vec![saved.id.clone()],
        );
    }
    Ok(Tagged::ok(saved.version, ListingState::from(&saved)).into())
}

/// `GET /api/v1/{library}/{id}/history`: the record's audit entries, oldest first
/// (its owners and administrators).
pub async fn history(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    page: web::Query<PageParams>,
    library: Library,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    let id = path.into_inner();
    let page = read_page(&state.db, &page, move |conn, request| {
        let listing = queries::find(conn, library, &id)?;
        ensure_manage(&user, &listing)?;
        audit::history(conn, library.entity(), &id, request)
    })
    .await?
    .keyed(|row| row.id.clone());
    Ok(web::Json(page))
}

/// Removes a library's own row.
fn delete_detail(conn: &mut DbConnection, library: Library, id: &str) -> ApiResult<()> {
    struct DeleteRow<'a> {
        conn: &'a mut DbConnection,
        id: &'a str,
    }
    impl ForKind for DeleteRow<'_> {
        type Output = ApiResult<()>;
        fn run<L: RecordLibrary + 'static>(self) -> ApiResult<()> {
            L::delete_row(self.conn, self.id)
        }
    }
    with_kind(library, DeleteRow { conn, id })
}

/// `DELETE /api/v1/{library}/{id}`: drafts only (409 otherwise).
pub async fn delete_draft(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    library: Library,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let index_id = id.clone();
    state
        .db
        .write(move |conn| {
            let listing = queries::find(conn, library, &id)?;
            ensure_manage(&user, &listing)?;
            if listing.status != ListingStatus::Draft {
                return Err(ApiError::conflict_allowing(format!(
                        "only drafts can be deleted; this record is `{}` (withdraw or close it instead)",
                        listing.current_status()
                    ), lifecycle::allowed_actions(listing.current_status())));
            }
            diesel::delete(access_requests::table.filter(access_requests::listing_id.eq(&id))).execute(conn)?;
            delete_detail(conn, library, &id)?;
            diesel::delete(listings::table.find(&id)).execute(conn)?;
            audit::record(
                conn,
                &user.actor(),
                &format!("{}.delete", library.entity()),
                library.entity(),
                &id,
                serde_json::json!({ "title": listing.title }),
            )
        })
        .await?;
    state.matching.remove(&index_id);
    let search = state.search.clone();
    if let Err(error) = web::block(move || search.delete(&index_id)).await? {
        tracing::error!(%error, "search index: delete failed");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Filters of the review queue.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewFilter {
    /// Only this library.
    pub library: Option<Library>,
}

/// A record waiting for review.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReviewItem {
    /// The record's id.
    pub id: String,
    /// The library it belongs to.
    pub library: Library,
    /// Title or name.
    pub title: String,
    /// The organization that owns it.
    pub org_id: Option<String>,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Where to read it: `/api/v1/{library}/{id}`.
    pub path: String,
}

crate::endpoint! {
    /// The review queue across libraries, oldest submission first (administrators).
    get "/admin/reviews" => review_queue, tag "admin",
    params { ReviewFilter, PageParams },
    ok 200 "Records waiting for review, oldest first" => Page<ReviewItem>,
    |_admin: AdminUser, state: State, filter: web::Query<ReviewFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ReviewItem>>> {
        let request = page.parse()?;
        let after = match request.after.as_deref() {
            None => None,
            Some(key) => Some(parse_review_key(key)?),
        };
        let library = filter.library;
        let fetch = request.fetch();
        let rows = state
            .db
            .read(move |conn| {
                let mut query = listings::table
                    .filter(listings::status.eq(ListingStatus::PendingReview.as_str()))
                    .into_boxed();
                if let Some(library) = library {
                    query = query.filter(listings::library.eq(library.as_str()));
                }
                if let Some((at, id)) = after {
                    query = query.filter(
                        listings::submitted_at
                            .gt(at)
                            .or(listings::submitted_at.eq(at).and(listings::id.gt(id))),
                    );
                }
                Ok(query
                    .order((listings::submitted_at.asc(), listings::id.asc()))
                    .limit(fetch)
                    .select(Listing::as_select())
                    .load(conn)?)
            })
            .await?;
        let page = Page::from_rows(rows, &request, |l| {
            format!("{}|{}", l.submitted_at.map_or(0, |t| t.and_utc().timestamp_micros()), l.id)
        });
        Ok(web::Json(page.map(|l| ReviewItem {
            path: format!("/api/v1/{}/{}", l.library.path_segment(), l.id),
            id: l.id,
            library: l.library,
            title: l.title,
            org_id: l.org_id,
            submitted_at: l.submitted_at.map(to_utc),
        })))
    }
}

fn parse_review_key(key: &str) -> Result<(chrono::NaiveDateTime, String), ApiError> {
    let invalid =
        || ApiError::field("cursor", "invalid_cursor", "is not a cursor this API returned");
    let (micros, id) = key.split_once('|').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(invalid)?.naive_utc();
    Ok((at, id.to_string()))
}

/// Whether the user may see the record's non-public parts (drafts, rejection reasons).
pub fn sees_private(user: Option<&AuthUser>, listing: &Listing) -> bool {
    user.is_some_and(|u| can_manage(u, listing))
}

/// The libraries whose lifecycle routes are registered.
pub const REGISTERED: &[Library] = Library::ALL;

/// Registers the lifecycle, history and delete routes of a library (after the library's own
/// routes, so that `/{id}` GET and PATCH match first).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig, library: Library) {
    let segment = library.path_segment();
    for &action in Action::ALL {
        cfg.route(
            &format!("/{segment}/{{id}}/{action}"),
            web::post().to(
                move |if_match: IfMatch,
                      user: AuthUser,
                      state: web::Data<AppState>,
                      path: web::Path<String>,
                      body: OptionalJson<ActionRequest>| {
                    run_action(if_match, user, state, path, body, library, action)
                },
            ),
        );
    }
    cfg.route(
        &format!("/{segment}/{{id}}/history"),
        web::get().to(
            move |user: AuthUser,
                  state: web::Data<AppState>,
                  path: web::Path<String>,
                  page: web::Query<PageParams>| {
                history(user, state, path, page, library)
            },
        ),
    );
    cfg.route(
        &format!("/{segment}/{{id}}"),
        web::delete().to(
            move |user: AuthUser, state: web::Data<AppState>, path: web::Path<String>| {
                delete_draft(user, state, path, library)
            },
        ),
    );
}
