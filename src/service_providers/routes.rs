//! Service-provider endpoints: create, list and search, read, edit.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::bulk::ServiceProviderBulk;
use super::dto::{
    ServiceProviderFilter, ServiceProviderInput, ServiceProviderOut, ServiceProviderPatch, Viewer,
};
use super::queries::{self};
use crate::achievements::routes::ExportOptions;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{etag, expected_version};
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::Library;
use crate::listings::access::ensure_manage;
use crate::listings::bulk::{self, ImportOptions, ImportReport};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{self};
use crate::listings::{merge_patch, owner_org};
use crate::organizations::model::OrgKind;
use crate::state::AppState;
use crate::validation::Checker;

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

/// Organization kinds whose profiles this library holds.
const OWNER_KINDS: &[OrgKind] = &[OrgKind::ServiceProvider];

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
    let input = body.into_inner();
    let publish = options.publish.unwrap_or(false);
    if publish && !user.is_admin() {
        return Err(ApiError::Forbidden("only administrators create records as published".into()));
    }
    let mut checker = Checker::new();
    let valid = input.check(&mut checker);
    checker.finish()?;
    let valid =
        valid.ok_or_else(|| ApiError::Internal("validated service provider missing".into()))?;
    let status = if publish { ListingStatus::Published } else { ListingStatus::Draft };
    let actor = user.actor();
    let creator = user.clone();
    let requested_org = input.org_id.clone();
    let created = state
        .db
        .write(move |conn| {
            let org = owner_org(conn, &creator, requested_org.as_deref(), OWNER_KINDS)?;
            queries::insert(conn, &actor, creator.id(), &org, &valid, status)
        })
        .await?;
    let duplicates = listing_search::possible_duplicates(
        &state,
        Library::ServiceProviders,
        &created.listing.id,
        &created.listing.title,
        &queries::body_text(&created.row),
        Some(&user),
        queries::load_texts,
    )
    .await?;
    listing_search::index(&state, queries::search_doc(&created.listing, &created.row)).await;
    let mut out = ServiceProviderOut::build(created, Viewer { signed_in: true, manages: true });
    out.possible_duplicates = Some(duplicates);
    Ok(HttpResponse::Created().insert_header(etag(out.version)).json(out))
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
    Ok(web::Json(
        bulk::list::<ServiceProviderBulk>(user.0, state, filter.into_inner(), page.into_inner())
            .await?,
    ))
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
    bulk::get::<ServiceProviderBulk>(user.0, state, path.into_inner()).await
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
    let id = path.into_inner();
    let (patch, body_version) = merge_patch::split_version(body.into_inner())?;
    let lookup = id.clone();
    let current = state.db.read(move |conn| queries::find(conn, &lookup)).await?;
    ensure_manage(&user, &current.listing)?;
    let expected = expected_version(&req, body_version)?;
    merge_patch::ensure_editable(&current.listing)?;
    let base = queries::to_input(&current);
    let merged: ServiceProviderInput = merge_patch::apply(&base, patch, &["org_id"])?;
    let mut checker = Checker::new();
    let valid = merged.check(&mut checker);
    checker.finish()?;
    let valid =
        valid.ok_or_else(|| ApiError::Internal("validated service provider missing".into()))?;
    let actor = user.actor();
    let saved = state
        .db
        .write(move |conn| {
            let fresh = queries::find(conn, &id)?;
            merge_patch::ensure_editable(&fresh.listing)?;
            queries::update(conn, &actor, &fresh, &valid, expected)
        })
        .await?;
    listing_search::index(&state, queries::search_doc(&saved.listing, &saved.row)).await;
    let out = ServiceProviderOut::build(saved, Viewer { signed_in: true, manages: true });
    Ok(HttpResponse::Ok().insert_header(etag(out.version)).json(out))
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
    bulk::import::<ServiceProviderBulk>(req, user, state, options.into_inner(), payload).await
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
    bulk::export::<ServiceProviderBulk>(
        user.0,
        state,
        filter.into_inner(),
        options.format.unwrap_or_default(),
    )
    .await
}
