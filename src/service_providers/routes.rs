//! Service-provider endpoints: create, list and search, read, edit.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ServiceProviderPatch,
};
use super::record::ServiceProviderRecords;
use crate::achievements::routes::ExportOptions;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::ApiResult;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::bulk::{self, ImportOptions, ImportReport};
use crate::listings::{Library, handlers};
use crate::state::AppState;

/// Registers the service-provider routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_service_provider)
        .service(import_service_providers)
        .service(export_service_providers)
        .service(list_service_providers)
        .service(get_service_provider)
        .service(update_service_provider);
    crate::listings::actions::configure(cfg, Library::ServiceProviders);
}

/// Query of `POST /api/v1/service-providers`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOptions {
    /// Administrators: create directly as `published`.
    pub publish: Option<bool>,
}

/// Creates the profile of the caller's service organization (a draft; administrators name
/// `org_id` and may publish at once with `publish=true`). An organization has one profile
/// that is not closed.
#[utoipa::path(
    tag = "service-providers",
    request_body = ServiceProviderInput,
    params(CreateOptions),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `possible_duplicates` lists look-alikes", body = ServiceProviderOut),
        (status = 409, description = "The organization already has a profile (`existing_id`), or `external_ref` is already used", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-providers")]
pub async fn create_service_provider(
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<CreateOptions>,
    body: ValidJson<ServiceProviderInput>,
) -> ApiResult<HttpResponse> {
    handlers::create::<ServiceProviderRecords>(
        user,
        state,
        options.publish.unwrap_or(false),
        body.into_inner(),
    )
    .await
}

/// Lists and searches service organizations. The public sees published, unexpired profiles;
/// owners and administrators add `status` or `mine=true`.
#[utoipa::path(
    tag = "service-providers",
    params(ServiceProviderFilter, PageParams),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of service organizations", body = Page<ServiceProviderOut>))
)]
#[get("/service-providers")]
pub async fn list_service_providers(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<ServiceProviderFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<ServiceProviderOut>>> {
    handlers::list::<ServiceProviderRecords>(user.0, state, filter.into_inner(), page.into_inner())
        .await
}

/// One service organization's profile (unpublished ones only for their owners and
/// administrators).
#[utoipa::path(
    tag = "service-providers",
    params(("id" = String, Path, description = "Service provider id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The profile", body = ServiceProviderOut))
)]
#[get("/service-providers/{id}")]
pub async fn get_service_provider(
    user: MaybeUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    handlers::get::<ServiceProviderRecords>(user.0, state, path.into_inner()).await
}

/// Edits a profile with a JSON merge patch (its organization's staff and administrators).
/// Closed profiles cannot be edited; `org_id` cannot be changed.
#[utoipa::path(
    tag = "service-providers",
    request_body = ServiceProviderPatch,
    params(
        ("id" = String, Path, description = "Service provider id"),
        ("If-Match" = Option<String>, Header, description = "The version the change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ServiceProviderOut),
        (status = 409, description = "Stale version, a closed profile, or a duplicate `external_ref`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/service-providers/{id}")]
pub async fn update_service_provider(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    handlers::update::<ServiceProviderRecords>(
        req,
        user,
        state,
        path.into_inner(),
        body.into_inner(),
    )
    .await
}

/// Imports service-organization profiles: `application/x-ndjson` or `text/csv` (lists joined
/// with `;`, `services` as JSON). Administrators pass `org_id`; one live profile per
/// organization still applies.
#[utoipa::path(
    tag = "service-providers",
    params(ImportOptions),
    request_body(content((String = "application/x-ndjson"), (String = "text/csv")), description = "One record per line"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (with `partial=true`, failed lines are listed)", body = ImportReport),
        (status = 422, description = "Failing lines (`errors[].line`); nothing was created", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-providers/import")]
pub async fn import_service_providers(
    req: actix_web::HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<ImportOptions>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    bulk::import::<ServiceProviderRecords>(req, user, state, options.into_inner(), payload).await
}

/// Exports the profiles a list with the same filters would show, as a stream (contacts only
/// for signed-in callers).
#[utoipa::path(
    tag = "service-providers",
    params(ServiceProviderFilter, ExportOptions),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 422, description = "An invalid filter (e.g. a control character, `control_character`), answered before any row is sent", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/service-providers/export")]
pub async fn export_service_providers(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<ServiceProviderFilter>,
    options: web::Query<ExportOptions>,
) -> ApiResult<HttpResponse> {
    bulk::export::<ServiceProviderRecords>(
        user.0,
        state,
        filter.into_inner(),
        options.format.unwrap_or_default(),
    )
    .await
}
