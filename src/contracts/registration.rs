//! 认定登记: `draft`/`returned` → `submitted` (the seller side or its intermediary) →
//! `registered` with a gap-free registration number, `returned` for more material, or
//! `refused` with a coded reason (administrators, acting as the registry).

use actix_web::{HttpResponse, post, web};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::access::ensure_manager;
use super::model::{ContractRow, ContractStatus, RefusalReason};
use super::output::detail;
use super::queries::{self, check_version, ensure_status};
use super::routes::contract_response;
use crate::auth::{AdminUser, AuthUser};
use crate::db::{DbConnection, now};
use crate::deals::model::DealStage;
use crate::error::{ApiError, ApiResult};
use crate::http::ValidJson;
use crate::http::json::OptionalJson;
use crate::state::AppState;
use crate::validation::{self, Checker};

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_contract)
        .service(register_contract)
        .service(return_contract)
        .service(refuse_contract);
}

/// An optional body naming the version the action is based on.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    /// The version the action is based on (checked when given).
    pub version: Option<i64>,
}

/// `POST /contracts/{id}/return`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// What is missing or must be corrected.
    pub note: String,
    /// The version the action is based on (checked when given).
    pub version: Option<i64>,
}

/// `POST /contracts/{id}/refuse`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefuseInput {
    /// The coded reason (不予登记).
    pub reason: RefusalReason,
    /// Explanation (required for `other`).
    pub note: Option<String>,
    /// The version the action is based on (checked when given).
    pub version: Option<i64>,
}

/// Longest registry note, in characters.
pub const NOTE_MAX: usize = 2000;

/// Submits a draft or returned contract to the registry (the seller side, its intermediary,
/// administrators).
#[utoipa::path(
    tag = "contracts",
    request_body(content = Option<VersionInput>, description = "Optional: `{version}`"),
    params(("id" = String, Path, description = "Contract id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Submitted", body = super::output::ContractOut),
        (status = 409, description = "Not a draft or returned contract, or a stale version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/submit")]
pub async fn submit_contract(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: OptionalJson<VersionInput>,
) -> ApiResult<HttpResponse> {
    let id = path.into_inner();
    let version = body.0.unwrap_or_default().version;
    let out = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            ensure_manager(&user, &current)?;
            ensure_status(
                &current,
                &[ContractStatus::Draft, ContractStatus::Returned],
                "submitted",
                allowed(current.status),
            )?;
            check_version(&current, version)?;
            let mut next = current.clone();
            next.status = ContractStatus::Submitted;
            next.submitted_at = Some(now());
            let saved = queries::stamp_change(
                conn,
                &user,
                &current,
                &next,
                "contract.submit",
                serde_json::json!({}),
            )?;
            detail(conn, saved)
        })
        .await?;
    Ok(contract_response(actix_web::http::StatusCode::OK, out))
}

/// The actions allowed from a status (for 409 answers).
pub fn allowed(status: ContractStatus) -> Vec<String> {
    let names: &[&str] = match status {
        ContractStatus::Draft | ContractStatus::Returned => &["submitted"],
        ContractStatus::Submitted => &["registered", "returned", "refused"],
        ContractStatus::Registered => &["performing", "terminated"],
        ContractStatus::Performing => &["completed", "terminated"],
        ContractStatus::Refused | ContractStatus::Completed | ContractStatus::Terminated => &[],
    };
    names.iter().map(|s| s.to_string()).collect()
}

fn registration_number(year: i32, registry: &str, serial: i64) -> String {
    format!("{:02}{registry}{serial:06}", year.rem_euclid(100))
}

/// Registers the contract's deal as signed (when it is at `agreement`) in the registering
/// transaction; a deal already signed (another contract of it) is left alone.
fn sign_deal(conn: &mut DbConnection, user: &AuthUser, contract: &ContractRow) -> ApiResult<()> {
    let Some(deal_id) = &contract.deal_id else {
        return Ok(());
    };
    let deal = crate::deals::queries::find(conn, deal_id)?;
    match deal.stage {
        DealStage::Agreement => {
            let note = format!(
                "contract {} registered as {}",
                contract.id,
                contract.registration_number.as_deref().unwrap_or_default()
            );
            crate::deals::queries::advance(
                conn,
                &user.actor(),
                &deal,
                DealStage::Signed,
                Some(&note),
                None,
            )?;
            Ok(())
        }
        DealStage::Signed => Ok(()),
        other => Err(ApiError::conflict(format!(
            "the contract's deal is `{other}`; only contracts of deals at `agreement` (or already signed) can be registered"
        ))),
    }
}

/// 予以登记: registers a submitted contract (administrators, as the registry) within its
/// validity period, assigning the next registration number of the registry and year
/// (two-digit year + six-digit registry region code + six-digit serial, gap-free). A
/// contract of a deal moves the deal to `signed` in the same transaction.
#[utoipa::path(
    tag = "contracts",
    request_body(content = Option<VersionInput>, description = "Optional: `{version}`"),
    params(("id" = String, Path, description = "Contract id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Registered, with its number", body = super::output::ContractOut),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted, outside the validity period, the deal is lost, or a stale version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/register")]
pub async fn register_contract(
    admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: OptionalJson<VersionInput>,
) -> ApiResult<HttpResponse> {
    let user = admin.0;
    let id = path.into_inner();
    let version = body.0.unwrap_or_default().version;
    let registry = state.config.registry_region_code.clone();
    let out = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            ensure_status(
                &current,
                &[ContractStatus::Submitted],
                "registered",
                allowed(current.status),
            )?;
            check_version(&current, version)?;
            let today = crate::clock::today();
            if today < current.valid_from || today > current.valid_to {
                return Err(ApiError::conflict(format!(
                    "a contract is registered only within its validity period ({} to {}); today is {today}",
                    current.valid_from, current.valid_to
                )));
            }
            let year = today.year();
            let serial = queries::next_serial(conn, &registry, year)?;
            if serial > 999_999 {
                return Err(ApiError::conflict(format!(
                    "the registry's serial numbers for {year} are used up"
                )));
            }
            let mut next = current.clone();
            next.status = ContractStatus::Registered;
            next.registry_region_code = Some(registry.clone());
            next.registration_year = Some(year);
            next.registration_serial = Some(serial);
            next.registration_number = Some(registration_number(year, &registry, serial));
            next.registered_on = Some(today);
            next.registered_by = Some(user.id().to_string());
            let saved = queries::stamp_change(
                conn,
                &user,
                &current,
                &next,
                "contract.register",
                serde_json::json!({"registration_number": next.registration_number}),
            )?;
            sign_deal(conn, &user, &saved)?;
            detail(conn, saved)
        })
        .await?;
    Ok(contract_response(actix_web::http::StatusCode::OK, out))
}

/// Returns a submitted contract for more material (administrators); the note says what is
/// missing. The seller side edits and submits again.
#[utoipa::path(
    tag = "contracts",
    request_body = ReturnInput,
    params(("id" = String, Path, description = "Contract id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Returned", body = super::output::ContractOut),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted, or a stale version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/return")]
pub async fn return_contract(
    admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<ReturnInput>,
) -> ApiResult<HttpResponse> {
    let user = admin.0;
    let id = path.into_inner();
    let body = body.into_inner();
    let mut checker = Checker::new();
    let note = checker.check("note", validation::text(&body.note, 1, NOTE_MAX));
    checker.finish()?;
    let out = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            ensure_status(
                &current,
                &[ContractStatus::Submitted],
                "returned",
                allowed(current.status),
            )?;
            check_version(&current, body.version)?;
            let mut next = current.clone();
            next.status = ContractStatus::Returned;
            next.return_note = note.clone();
            let saved = queries::stamp_change(
                conn,
                &user,
                &current,
                &next,
                "contract.return",
                serde_json::json!({"note": note}),
            )?;
            detail(conn, saved)
        })
        .await?;
    Ok(contract_response(actix_web::http::StatusCode::OK, out))
}

/// 不予登记: refuses a submitted contract with a coded reason (administrators). Final.
#[utoipa::path(
    tag = "contracts",
    request_body = RefuseInput,
    params(("id" = String, Path, description = "Contract id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Refused", body = super::output::ContractOut),
        (status = 403, description = "Not an administrator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted, or a stale version", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contracts/{id}/refuse")]
pub async fn refuse_contract(
    admin: AdminUser,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: ValidJson<RefuseInput>,
) -> ApiResult<HttpResponse> {
    let user = admin.0;
    let id = path.into_inner();
    let body = body.into_inner();
    let mut checker = Checker::new();
    let note = checker
        .check(
            "note",
            validation::optional_text(body.note.as_deref(), NOTE_MAX),
        )
        .flatten();
    if body.reason == RefusalReason::Other && note.is_none() && checker.is_ok() {
        checker.fail("note", "required", "explain a refusal for `other` reasons");
    }
    checker.finish()?;
    let out = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            ensure_status(
                &current,
                &[ContractStatus::Submitted],
                "refused",
                allowed(current.status),
            )?;
            check_version(&current, body.version)?;
            let mut next = current.clone();
            next.status = ContractStatus::Refused;
            next.refusal_reason = Some(body.reason.as_str().to_string());
            next.return_note = note.clone();
            let saved = queries::stamp_change(
                conn,
                &user,
                &current,
                &next,
                "contract.refuse",
                serde_json::json!({"reason": body.reason, "note": note}),
            )?;
            detail(conn, saved)
        })
        .await?;
    Ok(contract_response(actix_web::http::StatusCode::OK, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_year_registry_and_serial() {
        assert_eq!(registration_number(2026, "330100", 7), "26330100000007");
        assert_eq!(
            registration_number(2100, "110100", 999_999),
            "00110100999999"
        );
    }
}
