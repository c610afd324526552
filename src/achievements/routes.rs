//! Achievement endpoints: create, list and search, read, edit, confidential details.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{AchievementInput, AchievementOut, AchievementPatch, ConfidentialOut, Viewer};
use super::queries::{self, AchievementRow};
use crate::auth::{AuthUser, MaybeUser};
use crate::db::schema::{achievements, listings};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{etag, expected_version};
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::Library;
use crate::listings::access::{can_manage, ensure_manage, ensure_visible};
use crate::listings::codec::contains_code_pattern;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{self, ListScope, SortOrder};
use crate::listings::model::Listing;
use crate::listings::{confidential, merge_patch, owner_org};
use crate::organizations::model::OrgKind;
use crate::organizations::queries::like_escape;
use crate::startup::AppState;
use crate::taxonomies::{CooperationMode, Industry, Maturity, TechnologyField};
use crate::validation::Checker;

/// Registers the achievement routes (the library's own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_achievement)
        .service(list_achievements)
        .service(get_achievement)
        .service(update_achievement)
        .service(read_confidential);
    crate::listings::actions::configure(cfg, Library::Achievements);
}

/// Organization kinds that list achievements.
const OWNER_KINDS: &[OrgKind] = &[
    OrgKind::University,
    OrgKind::ResearchInstitute,
    OrgKind::Enterprise,
];

/// Query of `POST /api/v1/achievements`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CreateOptions {
    /// Administrators: create directly as `published`.
    pub publish: Option<bool>,
}

/// Filters of `GET /api/v1/achievements`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AchievementFilter {
    /// Chinese-aware full-text query over title, keywords and summary.
    pub q: Option<String>,
    /// Technology field.
    pub technology_field: Option<TechnologyField>,
    /// Industry.
    pub industry: Option<Industry>,
    /// Maturity.
    pub maturity: Option<Maturity>,
    /// Region code prefix (`33`, `3301`, `330106`).
    pub region: Option<String>,
    /// Records offering this cooperation mode.
    pub cooperation_mode: Option<CooperationMode>,
    /// Lowest asking price in fen (negotiable records are left out).
    pub price_min: Option<i64>,
    /// Highest asking price in fen (negotiable records are left out).
    pub price_max: Option<i64>,
    /// Only this organization's records.
    pub org_id: Option<String>,
    /// Owners and administrators: records in this status (the caller's organization's, or any for administrators).
    pub status: Option<ListingStatus>,
    /// Owners: every record the caller's organization has, in any status.
    pub mine: Option<bool>,
    /// `relevance` (default with `q`), `newest` (default), `price_asc`, `price_desc`.
    pub sort: Option<SortOrder>,
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
    let input = body.into_inner();
    let publish = options.publish.unwrap_or(false);
    if publish && !user.is_admin() {
        return Err(ApiError::Forbidden(
            "only administrators create records as published".into(),
        ));
    }
    let mut checker = Checker::new();
    let valid = input.check(&mut checker);
    checker.finish()?;
    let valid = valid.ok_or_else(|| ApiError::Internal("validated achievement missing".into()))?;
    let status = if publish {
        ListingStatus::Published
    } else {
        ListingStatus::Draft
    };
    let actor = user.actor();
    let creator = user.clone();
    let requested_org = input.org_id.clone();
    let created = state
        .db
        .write(move |conn| {
            let org = owner_org(conn, &creator, requested_org.as_deref(), OWNER_KINDS)?;
            queries::insert(
                conn,
                &actor,
                creator.id(),
                &org.id,
                &org.region_code,
                &valid,
                status,
            )
        })
        .await?;
    let duplicates = listing_search::possible_duplicates(
        &state,
        Library::Achievements,
        &created.0.id,
        &created.0.title,
        &created.1.summary,
        Some(&user),
        queries::load_texts,
    )
    .await?;
    listing_search::index(&state, queries::search_doc(&created.0, &created.1)).await;
    let mut out = AchievementOut::build(
        created.0,
        created.1,
        Viewer {
            signed_in: true,
            manages: true,
        },
    );
    out.possible_duplicates = Some(duplicates);
    Ok(HttpResponse::Created()
        .insert_header(etag(out.version))
        .json(out))
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
    let filter = filter.into_inner();
    let request = page.parse()?;
    crate::validation::check_region_prefix(filter.region.as_deref())?;
    let scope = ListScope::resolve(
        user.0.as_ref(),
        filter.status,
        filter.mine.unwrap_or(false),
        false,
    )?;
    let hits = listing_search::hits(&state, Library::Achievements, filter.q.as_deref()).await?;
    let sort = SortOrder::resolve(filter.sort, hits.is_some());
    let query_filter = filter.clone();
    let scope_for_query = scope.clone();
    let hit_ids = hits.as_ref().map(|h| h.ids());
    let window = listing_search::window(&request, hits.is_some(), sort)?;
    let db_window = window.clone();
    let rows: Vec<(Listing, AchievementRow)> = state
        .db
        .read(move |conn| {
            let f = query_filter;
            let mut query = listings::table
                .inner_join(achievements::table)
                .filter(listings::library.eq(Library::Achievements.as_str()))
                .into_boxed();
            query = crate::apply_scope!(query, scope_for_query);
            if let Some(ids) = hit_ids {
                query = query.filter(listings::id.eq_any(ids));
            }
            if let Some(field) = f.technology_field {
                query = query.filter(achievements::technology_field.eq(field.as_str()));
            }
            if let Some(industry) = f.industry {
                query = query.filter(achievements::industry.eq(industry.as_str()));
            }
            if let Some(maturity) = f.maturity {
                query = query.filter(achievements::maturity.eq(maturity.as_str()));
            }
            if let Some(region) = f.region.as_deref() {
                query = query.filter(
                    listings::region_code
                        .like(format!("{}%", like_escape(region)))
                        .escape('\\'),
                );
            }
            if let Some(mode) = f.cooperation_mode {
                query = query.filter(
                    achievements::cooperation_modes.like(contains_code_pattern(mode.as_str())),
                );
            }
            if let Some(min) = f.price_min {
                query = query.filter(achievements::asking_price_fen.ge(min));
            }
            if let Some(max) = f.price_max {
                query = query.filter(achievements::asking_price_fen.le(max));
            }
            if let Some(org) = f.org_id.as_deref() {
                query = query.filter(listings::org_id.eq(org.to_string()));
            }
            query = match sort {
                SortOrder::PriceAsc => query.order((
                    achievements::asking_price_fen.is_null().asc(),
                    achievements::asking_price_fen.asc(),
                    listings::id.desc(),
                )),
                SortOrder::PriceDesc => query.order((
                    achievements::asking_price_fen.is_null().asc(),
                    achievements::asking_price_fen.desc(),
                    listings::id.desc(),
                )),
                SortOrder::Newest | SortOrder::Relevance => query.order(listings::id.desc()),
            };
            if let Some(after) = db_window.after_id {
                query = query.filter(listings::id.lt(after));
            }
            query = query.offset(db_window.offset).limit(db_window.limit);
            Ok(query
                .select((Listing::as_select(), AchievementRow::as_select()))
                .load(conn)?)
        })
        .await?;
    let caller = user.0;
    let page = listing_search::paginate(rows, &request, &window, sort, hits.as_ref(), |(l, _)| {
        l.id.clone()
    });
    Ok(web::Json(page.map(|(listing, row)| {
        let viewer = Viewer {
            signed_in: caller.is_some(),
            manages: caller.as_ref().is_some_and(|u| can_manage(u, &listing)),
        };
        AchievementOut::build(listing, row, viewer)
    })))
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
    let id = path.into_inner();
    let (listing, row) = state.db.read(move |conn| queries::find(conn, &id)).await?;
    ensure_visible(user.0.as_ref(), &listing)?;
    let viewer = Viewer {
        signed_in: user.0.is_some(),
        manages: user.0.as_ref().is_some_and(|u| can_manage(u, &listing)),
    };
    let out = AchievementOut::build(listing, row, viewer);
    Ok(HttpResponse::Ok()
        .insert_header(etag(out.version))
        .json(out))
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
    let id = path.into_inner();
    let (patch, body_version) = merge_patch::split_version(body.into_inner())?;
    let expected = expected_version(&req, body_version)?;
    let lookup = id.clone();
    let current = state
        .db
        .read(move |conn| queries::find(conn, &lookup))
        .await?;
    ensure_manage(&user, &current.0)?;
    merge_patch::ensure_editable(&current.0)?;
    let base = queries::to_input(&current.0, &current.1)?;
    let merged: AchievementInput = merge_patch::apply(&base, patch, &["org_id"])?;
    let mut checker = Checker::new();
    let valid = merged.check(&mut checker);
    checker.finish()?;
    let valid = valid.ok_or_else(|| ApiError::Internal("validated achievement missing".into()))?;
    let actor = user.actor();
    let saved = state
        .db
        .write(move |conn| {
            let fresh = queries::find(conn, &id)?;
            queries::update(conn, &actor, &fresh, &valid, expected)
        })
        .await?;
    listing_search::index(&state, queries::search_doc(&saved.0, &saved.1)).await;
    let out = AchievementOut::build(
        saved.0,
        saved.1,
        Viewer {
            signed_in: true,
            manages: true,
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header(etag(out.version))
        .json(out))
}

/// Reads an achievement's confidential details: its owners, administrators and users whose
/// access request was granted. Every read is written to the audit log.
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
            Ok(ConfidentialOut {
                id: listing.id,
                confidential_details: row.confidential_details,
            })
        })
        .await?;
    Ok(web::Json(details))
}
