//! Expert endpoints: create, list and search, read, edit, and claim a profile a broker or
//! administrator created.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{ExpertFilter, ExpertInput, ExpertOut, ExpertPatch, Viewer};
use super::queries::{self};
use super::record::ExpertRecords;
use crate::accounts::model::Role;
use crate::achievements::routes::ExportOptions;
use crate::auth::{AuthUser, MaybeUser};
use crate::error::{ApiError, ApiResult};
use crate::http::version::etag;
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::access::ensure_visible;
use crate::listings::bulk::{self, ImportOptions, ImportReport};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{self};
use crate::listings::{Library, handlers};
use crate::state::AppState;

/// Registers the expert routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_expert)
        .service(import_experts)
        .service(export_experts)
        .service(list_experts)
        .service(get_expert)
        .service(update_expert)
        .service(claim_expert);
    crate::listings::actions::configure(cfg, Library::Experts);
}

/// Query of `POST /api/v1/experts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateExpertOptions {
    /// Administrators: create directly as `published`.
    pub publish: Option<bool>,
}

/// Creates an expert profile (a draft; administrators may publish at once with
/// `publish=true`). Experts create their own one profile; brokers and administrators create
/// unclaimed profiles that the expert later claims.
#[utoipa::path(
    tag = "experts",
    request_body = ExpertInput,
    params(CreateExpertOptions),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `possible_duplicates` lists look-alikes", body = ExpertOut),
        (status = 403, description = "The caller's role does not create expert profiles", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The expert already has a profile (`existing_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experts")]
pub async fn create_expert(
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<CreateExpertOptions>,
    body: ValidJson<ExpertInput>,
) -> ApiResult<HttpResponse> {
    handlers::create::<ExpertRecords>(
        user,
        state,
        options.publish.unwrap_or(false),
        body.into_inner(),
    )
    .await
}

/// Lists and searches expert profiles. The public sees published, unexpired profiles;
/// managers and administrators add `status` or `mine=true`.
#[utoipa::path(
    tag = "experts",
    params(ExpertFilter, PageParams),
    security((), ("bearer" = [])),
    responses((status = 200, description = "A page of expert profiles", body = Page<ExpertOut>))
)]
#[get("/experts")]
pub async fn list_experts(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<ExpertFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Page<ExpertOut>>> {
    handlers::list::<ExpertRecords>(user.0, state, filter.into_inner(), page.into_inner()).await
}

/// One expert profile (unpublished ones only for their managers and administrators).
#[utoipa::path(
    tag = "experts",
    params(("id" = String, Path, description = "Expert profile id")),
    security((), ("bearer" = [])),
    responses((status = 200, description = "The expert profile", body = ExpertOut))
)]
#[get("/experts/{id}")]
pub async fn get_expert(
    user: MaybeUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    handlers::get::<ExpertRecords>(user.0, state, path.into_inner()).await
}

/// Edits an expert profile with a JSON merge patch: the expert who owns it, while unclaimed
/// the broker or administrator who created it, and administrators. Closed profiles cannot be
/// edited.
#[utoipa::path(
    tag = "experts",
    request_body = ExpertPatch,
    params(
        ("id" = String, Path, description = "Expert profile id"),
        ("If-Match" = Option<String>, Header, description = "The version the change is based on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Updated", body = ExpertOut),
        (status = 409, description = "Stale version or a closed profile", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No version given", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/experts/{id}")]
pub async fn update_expert(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    handlers::update::<ExpertRecords>(req, user, state, path.into_inner(), body.into_inner()).await
}

/// Claims a profile a broker or administrator created: an expert user who has no profile yet
/// takes over an unclaimed profile whose contact e-mail is their own (compared
/// case-insensitively). From then on the expert manages it and its creator no longer does.
#[utoipa::path(
    tag = "experts",
    params(("id" = String, Path, description = "Expert profile id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Claimed; the caller now owns the profile", body = ExpertOut),
        (status = 403, description = "Not an expert user, or the profile's contact e-mail is not the caller's", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already claimed, closed, or the caller already has a profile (`existing_id`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experts/{id}/claim")]
pub async fn claim_expert(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if user.role() != Role::Expert {
        return Err(ApiError::Forbidden("only expert users claim expert profiles".into()));
    }
    let id = path.into_inner();
    let actor = user.actor();
    let claimed = state
        .db
        .write(move |conn| {
            let (listing, row) = queries::find(conn, &id)?;
            let contact_email = row.contact_email();
            let matches = contact_email
                .as_deref()
                .is_some_and(|email| email.to_lowercase() == user.user.email.to_lowercase());
            if !matches {
                // Unpublished profiles stay hidden from everyone but the expert they name.
                ensure_visible(Some(&user), &listing)?;
            }
            if let Some(owner) = listing.owner_user_id.as_deref() {
                let detail = if owner == user.id() {
                    "this profile is already yours"
                } else {
                    "this profile has already been claimed by its expert"
                };
                return Err(ApiError::conflict(detail));
            }
            if !matches {
                return Err(ApiError::Forbidden(match contact_email {
                    Some(_) => "the profile's contact e-mail is not yours; ask the broker or administrator who created it to correct the contact e-mail, then claim it again".into(),
                    None => "the profile has no contact e-mail; ask the broker or administrator who created it to enter yours, then claim it again".into(),
                }));
            }
            if listing.status == ListingStatus::Closed {
                return Err(ApiError::Conflict {
                    detail: "closed profiles cannot be claimed".into(),
                    allowed: Some(Vec::new()),
                    existing_id: None,
                    current_version: None,
                });
            }
            queries::ensure_no_profile(conn, user.id())?;
            let saved = queries::set_owner(conn, &actor, &listing, user.id())?;
            Ok((saved, row))
        })
        .await?;
    listing_search::index(&state, queries::search_doc(&claimed.0, &claimed.1)).await;
    let out = ExpertOut::build(claimed.0, claimed.1, Viewer::MANAGER);
    Ok(HttpResponse::Ok().insert_header(etag(out.version)).json(out))
}

/// Imports expert profiles as unclaimed profiles of the importing organization
/// (`application/x-ndjson` or `text/csv`; lists joined with `;`). The people claim them with
/// `POST /api/v1/experts/{id}/claim`.
#[utoipa::path(
    tag = "experts",
    params(ImportOptions),
    request_body(content((String = "application/x-ndjson"), (String = "text/csv")), description = "One record per line"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created (with `partial=true`, failed lines are listed)", body = ImportReport),
        (status = 422, description = "Failing lines (`errors[].line`); nothing was created", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/experts/import")]
pub async fn import_experts(
    req: actix_web::HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    options: web::Query<ImportOptions>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    bulk::import::<ExpertRecords>(req, user, state, options.into_inner(), payload).await
}

/// Exports the expert profiles a list with the same filters would show, as a stream
/// (contacts only for signed-in callers).
#[utoipa::path(
    tag = "experts",
    params(ExpertFilter, ExportOptions),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The rows", content((String = "text/csv"), (String = "application/x-ndjson"))),
        (status = 422, description = "An invalid filter (e.g. a control character, `control_character`), answered before any row is sent", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/experts/export")]
pub async fn export_experts(
    user: MaybeUser,
    state: web::Data<AppState>,
    filter: web::Query<ExpertFilter>,
    options: web::Query<ExportOptions>,
) -> ApiResult<HttpResponse> {
    bulk::export::<ExpertRecords>(
        user.0,
        state,
        filter.into_inner(),
        options.format.unwrap_or_default(),
    )
    .await
}
