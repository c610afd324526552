//! Demand endpoints: create, list and search, read, edit, confidential details.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{DemandConfidentialOut, DemandFilter, DemandInput, DemandOut, DemandPatch};
use super::queries;
use super::record::DemandRecords;
use crate::achievements::routes::ExportOptions;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::bulk::{self, ImportOptions, ImportReport};
use crate::listings::confidential;
use crate::listings::{Library, handlers};
use crate::state::AppState;

/// Registers the demand routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(import_demands)
        .service(export_demands)
        .service(get_demand)
        .service(create_demand)
        .service(list_demands)
        .service(update_demand)
        .service(read_demand_confidential);
    crate::listings::actions::configure(cfg, Library::Demands);
}

/// Query of `POST /api/v1/demands`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOptions {
    /// Administrators: create directly as `published`.
    pub publish: Option<bool>,
}

/// Creates a demand (a draft; administrators may publish at once with `publish=true`).
/// Demands are posted by enterprises.
#[utoipa::path(
    tag = "demands",
    request_body = DemandInput,
    params(CreateOptions),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `possible_duplicates` lists look-alikes", body = DemandOut),
        (status = 409, description = "`external_ref` already used in the organization", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/demands")]
pub async fn create_demand(
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<CreateOptions>,
    body: ValidJson<DemandInput>,
) -> ApiResult<HttpResponse> {
    handlers::create::<DemandRecords>(
        user,
        state,
        options.publish.unwrap_or(false),
        body.into_inner(),
    )
    .await
}

/// Lists and searches demands. The public sees published, unexpired records; owners and
/// administrators add `status` or `mine=true`.
#[utoipa::path(
    tag = "demands",
    params(DemandFilter, PageParams),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of demands", body = Page<DemandOut>))
)]
#[get("/demands")]
pub async fn list_demands(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<DemandFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<DemandOut>>> {
    handlers::list::<DemandRecords>(user.0, state, filter.into_inner(), page.into_inner()).await
}

/// One demand (drafts and other unpublished records only for their owners and administrators).
#[utoipa::path(
    tag = "demands",
    params(("id" = String, Path, description = "Demand id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The demand", body = DemandOut))
)]
#[get("/demands/{id}")]
pub async fn get_demand(
    user: MaybeUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    handlers::get::<DemandRecords>(user.0, state, path.into_inner()).await
}

/// Edits a demand with a JSON merge patch (its owners and administrators). Closed records
/// cannot be edited.
#[utoipa::path(
    tag = "demands",
    request_body = DemandPatch,
    params(
        ("id" = String, Path, description = "Demand id"),
        ("If-Match" = Option<String>, Header, description = "The version the change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = DemandOut),
        (status = 409, description = "Stale version, a closed record, or a duplicate `external_ref`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/demands/{id}")]
pub async fn update_demand(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    handlers::update::<DemandRecords>(req, user, state, path.into_inner(), body.into_inner()).await
}

/// Reads a demand's confidential details: its owners, administrators, users whose access
/// request was granted, and the parties and broker of a live deal about it. Every read is
/// written to the audit log.
#[utoipa::path(
    tag = "demands",
    params(("id" = String, Path, description = "Demand id")),
    security(("bearer" = [])),
    responses((status = 200, description = "The confidential details", body = DemandConfidentialOut))
)]
#[get("/demands/{id}/confidential")]
pub async fn read_demand_confidential(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<web::Json<DemandConfidentialOut>> {
    let id = path.into_inner();
    let details = state
        .db
        .write(move |conn| {
            let (listing, row) = queries::find(conn, &id)?;
            confidential::authorize_read(conn, &user, &listing)?;
            Ok(DemandConfidentialOut {
                id: listing.id,
                confidential_details: row.confidential_details,
            })
        })
        .await?;
    Ok(web::Json(details))
}

/// Imports demands: `application/x-ndjson` (one create body per line) or `text/csv` (a header of
/// field names; lists joined with `;`, `contact.phone`-style columns). Up to 10,000 records;
/// if any line fails nothing is created unless `partial=true`. Enterprises import into their
/// own organization; administrators pass `org_id` and may pass `publish=true`.
#[utoipa::path(
    tag = "demands",
    params(ImportOptions),
    request_body(content((String = "application/x-ndjson"), (String = "text/csv")), description = "One record per line"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (with `partial=true`, failed lines are listed)", body = ImportReport),
        (status = 422, description = "Failing lines (`errors[].line`); nothing was created", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/demands/import")]
pub async fn import_demands(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<ImportOptions>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    bulk::import::<DemandRecords>(req, user, state, options.into_inner(), payload).await
}

/// Exports the demands a list with the same filters would show, as a stream (never
/// confidential details; contacts only for signed-in callers).
#[utoipa::path(
    tag = "demands",
    params(DemandFilter, ExportOptions),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 422, description = "An invalid filter (e.g. a control character, `control_character`), answered before any row is sent", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/demands/export")]
pub async fn export_demands(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<DemandFilter>,
    options: web::Query<ExportOptions>,
) -> ApiResult<HttpResponse> {
    bulk::export::<DemandRecords>(
        user.0,
        state,
        filter.into_inner(),
        options.format.unwrap_or_default(),
    )
    .await
}
