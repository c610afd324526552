//! Achievement endpoints: create, list and search, read, edit, confidential details.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{
    AchievementFilter, AchievementInput, AchievementOut, AchievementPatch, ConfidentialOut,
};
use super::queries;
use super::record::AchievementRecords;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::json::OptionalJson;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::access_requests::{
    self, AccessDecision, AccessDecisionInput, AccessRequestInput, AccessRequestOut,
};
use crate::listings::bulk::{self, ExportFormat, ImportOptions, ImportReport};
use crate::listings::confidential;
use crate::listings::{Library, handlers};
use crate::state::AppState;

/// Registers the achievement routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_achievement)
        .service(import_achievements)
        .service(export_achievements)
        .service(list_achievements)
        .service(get_achievement)
        .service(update_achievement)
        .service(read_confidential)
        .service(request_access)
        .service(list_access_requests)
        .service(decide_access_request);
    crate::listings::actions::configure(cfg, Library::Achievements);
}

/// Query of `POST /api/v1/achievements`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOptions {
    /// Administrators: create directly as `published`.
    pub publish: Option<bool>,
}

/// Creates an achievement (a draft; administrators may publish at once with `publish=true`).
#[utoipa::path(
    tag = "achievements",
    request_body = AchievementInput,
    params(CreateOptions),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `possible_duplicates` lists look-alikes", body = AchievementOut),
        (status = 409, description = "`external_ref` already used in the organization", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/achievements")]
pub async fn create_achievement(
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<CreateOptions>,
    body: ValidJson<AchievementInput>,
) -> ApiResult<HttpResponse> {
    handlers::create::<AchievementRecords>(
        user,
        state,
        options.publish.unwrap_or(false),
        body.into_inner(),
    )
    .await
}

/// Lists and searches achievements. The public sees published, unexpired records; owners and
/// administrators add `status` or `mine=true`.
#[utoipa::path(
    tag = "achievements",
    params(AchievementFilter, PageParams),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of achievements", body = Page<AchievementOut>))
)]
#[get("/achievements")]
pub async fn list_achievements(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<AchievementFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AchievementOut>>> {
    handlers::list::<AchievementRecords>(user.0, state, filter.into_inner(), page.into_inner())
        .await
}

/// One achievement (drafts and other unpublished records only for their owners and administrators).
#[utoipa::path(
    tag = "achievements",
    params(("id" = String, Path, description = "Achievement id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The achievement", body = AchievementOut))
)]
#[get("/achievements/{id}")]
pub async fn get_achievement(
    user: MaybeUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    handlers::get::<AchievementRecords>(user.0, state, path.into_inner()).await
}

/// Edits an achievement with a JSON merge patch (its owners and administrators). Closed
/// records cannot be edited.
#[utoipa::path(
    tag = "achievements",
    request_body = AchievementPatch,
    params(
        ("id" = String, Path, description = "Achievement id"),
        ("If-Match" = Option<String>, Header, description = "The version the change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = AchievementOut),
        (status = 409, description = "Stale version, a closed record, or a duplicate `external_ref`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/achievements/{id}")]
pub async fn update_achievement(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    handlers::update::<AchievementRecords>(req, user, state, path.into_inner(), body.into_inner())
        .await
}

/// Reads an achievement's confidential details: its owners, administrators, users whose
/// access request was granted, and the parties and broker of a live deal about it. Every read
/// is written to the audit log.
#[utoipa::path(
    tag = "achievements",
    params(("id" = String, Path, description = "Achievement id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The confidential details", body = ConfidentialOut))
)]
#[get("/achievements/{id}/confidential")]
pub async fn read_confidential(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<ConfidentialOut>> {
    let id = path.into_inner();
    let details = state
        .db
        .write(move |conn| {
            let (listing, row) = queries::find(conn, &id)?;
            confidential::authorize_read(conn, &user, &listing)?;
            Ok(ConfidentialOut { id: listing.id, confidential_details: row.confidential_details })
        })
        .await?;
    Ok(web::Json(details))
}

/// Asks for access to an achievement's confidential details (signed-in members of verified
/// organizations; one pending or granted request per user).
#[utoipa::path(
    tag = "achievements",
    request_body = AccessRequestInput,
    params(("id" = String, Path, description = "Achievement id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Requested", body = AccessRequestOut),
        (status = 403, description = "The caller's organization is not verified", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A live request exists, or the caller manages the record", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/achievements/{id}/access-requests")]
pub async fn request_access(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: OptionalJson<AccessRequestInput>,
) -> ApiResult<HttpResponse> {
    access_requests::create(user, state, path, body, Library::Achievements).await
}

/// Access requests of an achievement: all for its owners and administrators, one's own for others.
#[utoipa::path(
    tag = "achievements",
    params(("id" = String, Path, description = "Achievement id"), PageParams),
    security(("bearer" = [])),
    responses((status = 200, description = "Access requests, newest first", body = Page<AccessRequestOut>))
)]
#[get("/achievements/{id}/access-requests")]
pub async fn list_access_requests(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<AccessRequestOut>>> {
    access_requests::list(user, state, path, page, Library::Achievements).await
}

/// Grants or denies a pending request, or revokes a grant (the achievement's owners and administrators).
#[utoipa::path(
    tag = "achievements",
    request_body = AccessDecisionInput,
    params(
        ("id" = String, Path, description = "Achievement id"),
        ("request_id" = String, Path, description = "Access request id"),
        ("decision" = AccessDecision, Path, description = "grant, deny or revoke"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Decided", body = AccessRequestOut),
        (status = 409, description = "Not possible from the request's status (see `allowed`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/achievements/{id}/access-requests/{request_id}/{decision}")]
pub async fn decide_access_request(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String, AccessDecision)>,
    body: OptionalJson<AccessDecisionInput>,
) -> ApiResult<web::Json<AccessRequestOut>> {
    let (id, request_id, decision) = path.into_inner();
    access_requests::decide(
        user,
        state,
        web::Path::from((id, request_id)),
        body,
        Library::Achievements,
        decision,
    )
    .await
}

/// Imports achievements: `application/x-ndjson` (one create body per line) or `text/csv`
/// (a header of field names; lists joined with `;`, `patents` as JSON, `contact.phone`-style
/// columns). Up to 10,000 records; every line is checked, and if any fails nothing is created
/// unless `partial=true`. Members import into their own organization; administrators pass
/// `org_id` and may pass `publish=true`.
#[utoipa::path(
    tag = "achievements",
    params(ImportOptions),
    request_body(content((String = "application/x-ndjson"), (String = "text/csv")), description = "One record per line"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (with `partial=true`, failed lines are listed)", body = ImportReport),
        (status = 413, description = "More than 64 MiB", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither NDJSON nor CSV", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Failing lines (`errors[].line`); nothing was created", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/achievements/import")]
pub async fn import_achievements(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<ImportOptions>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    bulk::import::<AchievementRecords>(req, user, state, options.into_inner(), payload).await
}

/// Query of the export endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportOptions {
    /// `csv` (default) or `ndjson`.
    pub format: Option<ExportFormat>,
}

/// Exports the achievements a list with the same filters would show, as a stream (never
/// confidential details; contacts only for signed-in callers).
#[utoipa::path(
    tag = "achievements",
    params(AchievementFilter, ExportOptions),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 422, description = "An invalid filter (e.g. a control character, `control_character`), answered before any row is sent", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/achievements/export")]
pub async fn export_achievements(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<AchievementFilter>,
    options: web::Query<ExportOptions>,
) -> ApiResult<HttpResponse> {
    bulk::export::<AchievementRecords>(
        user.0,
        state,
        filter.into_inner(),
        options.format.unwrap_or_default(),
    )
    .await
}
