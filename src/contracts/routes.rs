//! `POST /contracts`, `GET /contracts`, `GET /contracts/{id}`, `PATCH /contracts/{id}`, and
//! the registration of every contract route.

use crate::http::endpoint::State;
use crate::http::pagination::read_counted_page;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::access::{ensure_manager, ensure_visible};
use super::input::ContractInput;
use super::model::{ContractStatus, ContractType};
use super::output::{ContractOut, ContractSummary, detail};
use super::queries::{self, ENTITY};
use super::{edit, idempotency, resolve};
use crate::audit;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_contract)
        .service(list_contracts)
        .service(get_contract)
        .service(update_contract)
        .configure(super::registration::configure)
        .configure(super::performance::configure)
        .configure(super::amendments::configure)
        .service(super::certificate::certificate)
        .service(super::commissions::broker_commissions)
        .service(super::verify::verify_registration);
}

/// Renders a contract with its ETag.
pub fn contract_response(status: actix_web::http::StatusCode, out: ContractOut) -> HttpResponse {
    Tagged::with_status(status, out.version, out).into()
}

enum Created {
    New(ContractOut),
    Replayed(ContractOut),
}

fn replay(
    conn: &mut crate::db::DbConnection,
    user_id: &str,
    key: &str,
    hash: &str,
) -> ApiResult<Option<ContractOut>> {
    match queries::find_by_idempotency_key(conn, user_id, key)? {
        Some(existing) if existing.request_hash.as_deref() == Some(hash) => {
            Ok(Some(detail(conn, existing)?))
        }
        Some(_) => Err(idempotency::reused()),
        None => Ok(None),
    }
}

crate::endpoint! {
    /// Records a technology contract as a draft. Who may: a party, the broker or an
    /// administrator of a deal at `agreement` (with `deal_id`; buyer and seller must be the deal's
    /// organizations; the deal's broker and commission become the intermediary by default);
    /// otherwise a member of the seller organization, a member of the intermediary service
    /// organization, a broker (who becomes the intermediary) or an administrator.
    /// `technology_amount_fen` is computed and never accepted. With an `Idempotency-Key`, the
    /// same key and body return the first contract with 200; a different body gets 422.
    post "/contracts" => create_contract, tag "contracts",
    params { ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key and body return the first contract (200)") },
    body ContractInput,
    responses [(status = 201, description = "Recorded as a draft", body = ContractOut), (status = 200, description = "A replay: the contract first recorded with this Idempotency-Key and body", body = ContractOut), (status = 403, description = "The caller may not record this contract", body = crate::error::Problem, content_type = "application/problem+json"), (status = 409, description = "The deal is not at `agreement`", body = crate::error::Problem, content_type = "application/problem+json"), (status = 422, description = "Invalid fields, all at once (see `errors`), or an Idempotency-Key reused with another body", body = crate::error::Problem, content_type = "application/problem+json"),],
    |req: HttpRequest, user: AuthUser, state: State, body: ValidJson<serde_json::Value>|
        -> ApiResult<HttpResponse> {
        let body = body.into_inner();
        let key = idempotency::key(&req)?;
        let hash = idempotency::body_hash(&body);
        let user_id = user.id().to_string();
        if let Some(key) = key.clone() {
            let (uid, hash) = (user_id.clone(), hash.clone());
            let found = state.db.read(move |conn| replay(conn, &uid, &key, &hash)).await?;
            if let Some(out) = found {
                return Ok(contract_response(actix_web::http::StatusCode::OK, out));
            }
        }
        let input: ContractInput = crate::http::json::decode(&serde_json::to_vec(&body)?)?;
        let checked = input.check()?;
        let write_key = key.clone();
        let write_hash = hash.clone();
        let result = state
            .db
            .write(move |conn| {
                if let Some(key) = &write_key
                    && let Some(out) = replay(conn, user.id(), key, &write_hash)?
                {
                    return Ok(Created::Replayed(out));
                }
                let resolved = resolve::resolve(conn, &user, checked, true)?;
                let row = edit::new_row(&resolved, user.id(), write_key.map(|k| (k, write_hash)))?;
                queries::insert(conn, &row)?;
                queries::replace_milestones(conn, &row.id, &resolved.checked.milestones)?;
                audit::record(
                    conn,
                    &user.actor(),
                    "contract.create",
                    ENTITY,
                    &row.id,
                    serde_json::json!({
                        "name": row.name, "contract_type": row.contract_type, "deal_id": row.deal_id,
                        "buyer_name": row.buyer_name, "seller_name": row.seller_name,
                        "amount_fen": row.amount_fen, "technology_amount_fen": row.technology_amount_fen,
                    }),
                )?;
                Ok(Created::New(detail(conn, row)?))
            })
            .await;
        match (result, key) {
            (Ok(Created::New(out)), _) => {
                let location = format!("/api/v1/contracts/{}", out.id);
                let mut response = contract_response(actix_web::http::StatusCode::CREATED, out);
                if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&location) {
                    response.headers_mut().insert(actix_web::http::header::LOCATION, value);
                }
                Ok(response)
            }
            (Ok(Created::Replayed(out)), _) => {
                Ok(contract_response(actix_web::http::StatusCode::OK, out))
            }
            // A concurrent request with the same key won the insert: answer like a replay.
            (Err(error @ ApiError::Conflict { .. }), Some(key)) => {
                let found = state.db.read(move |conn| replay(conn, &user_id, &key, &hash)).await?;
                match found {
                    Some(out) => Ok(contract_response(actix_web::http::StatusCode::OK, out)),
                    None => Err(error),
                }
            }
            (Err(error), _) => Err(error),
        }
    }
}

/// 422 when a registration period ends before it starts.
pub(crate) fn check_period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> ApiResult<()> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(ApiError::field(
            "registered_to",
            "before_registered_from",
            "must not be before registered_from",
        )),
        _ => Ok(()),
    }
}

/// Filters of the contract list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractFilter {
    /// Only this status.
    pub status: Option<ContractStatus>,
    /// Only this type.
    pub contract_type: Option<ContractType>,
    /// Only the contracts of this deal.
    pub deal_id: Option<String>,
    /// Registered on or after this date.
    pub registered_from: Option<NaiveDate>,
    /// Registered on or before this date.
    pub registered_to: Option<NaiveDate>,
}

crate::endpoint! {
    /// The caller's contracts (as party, intermediary or recorder; administrators: all),
    /// newest first.
    get "/contracts" => list_contracts, tag "contracts",
    params { ContractFilter, PageParams },
    ok 200 "Contracts, newest first" => Page<ContractSummary>,
    |user: AuthUser, state: State, filter: web::Query<ContractFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<ContractSummary>>> {
        let filter = filter.into_inner();
        check_period(filter.registered_from, filter.registered_to)?;
        let viewer = (!user.is_admin()).then(|| queries::Viewer {
            user_id: user.id().to_string(),
            org_id: user.user.organization_id.clone(),
        });
        let page = read_counted_page(&state.db, &page, move |conn, request| {
            queries::list(conn, viewer.as_ref(), &filter, request)
        });
        Ok(web::Json(page.await?.keyed(|r| r.id.clone()).map(ContractSummary::from)))
    }
}

crate::endpoint! {
    /// One contract: parties, intermediary, amounts, schedule with paid, outstanding and overdue
    /// milestones, payments, registration and amendment history, and the deal and its event.
    /// Parties, the intermediary, the recorder and administrators see it; others get 404.
    get "/contracts/{id}" => get_contract, tag "contracts",
    path { "id": "Contract id" }, ok 200 "The contract" => ContractOut,
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let out = state
            .db
            .read(move |conn| {
                let row = queries::find(conn, &id)?;
                ensure_visible(&user, &row)?;
                detail(conn, row)
            })
            .await?;
        Ok(contract_response(actix_web::http::StatusCode::OK, out))
    }
}

crate::endpoint! {
    /// Edits a draft or returned contract (its managers): a JSON merge patch over the fields of
    /// `POST /contracts` (arrays such as `milestones` are replaced whole; `deal_id` cannot
    /// change), validated like a new contract. Registered contracts change through amendments.
    patch "/contracts/{id}" => update_contract, tag "contracts",
    path { "id": "Contract id" },
    params { ("If-Match" = Option<String>, Header, description = "The version the change is based on (or `version` in the body)") },
    body ContractInput, ok 200 "Updated" => ContractOut,
    problems { 403: "Not a manager of the contract", 409: "Not editable in its status (registered contracts change through amendments), or a stale version" },
    |if_match: IfMatch, user: AuthUser, state: State, path: web::Path<String>, body: ValidJson<serde_json::Value>|
        -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let (patch, body_version) = crate::listings::merge_patch::split_version(body.into_inner())?;
        let version = if_match.expected(body_version)?;
        let out = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &id)?;
                ensure_manager(&user, &current)?;
                if !current.status.is_editable() {
                    return Err(ApiError::conflict_allowing(format!(
                            "a {} contract cannot be edited; drafts and returned contracts can, registered ones change through amendments",
                            current.status
                        ), Vec::new()));
                }
                queries::check_version(&current, Some(version))?;
                let milestones = queries::milestones(conn, &current.id)?;
                let base = edit::as_input(&current, &milestones);
                let merged: ContractInput =
                    crate::listings::merge_patch::apply(&base, patch, &["deal_id"])?;
                let checked = merged.check()?;
                let resolved = resolve::resolve(conn, &user, checked, false)?;
                let mut next = current.clone();
                resolved.apply_to(&mut next)?;
                let saved = queries::save(conn, &next, version)?;
                queries::replace_milestones(conn, &saved.id, &resolved.checked.milestones)?;
                let changes = edit::diff(&base, &merged)?;
                audit::record(conn, &user.actor(), "contract.update", ENTITY, &saved.id, changes)?;
                detail(conn, saved)
            })
            .await?;
        Ok(contract_response(actix_web::http::StatusCode::OK, out))
    }
}
