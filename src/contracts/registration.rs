//! 认定登记: `draft`/`returned` → `submitted` (the seller side or its intermediary) →
//! `registered` with a gap-free registration number, `returned` for more material, or
//! `refused` with a coded reason (administrators, acting as the registry).

use crate::action_endpoint;
use actix_web::{HttpResponse, post};
use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::model::{ContractRow, RefusalReason};
use super::queries;
use super::transitions::{Action, Apply, run};
use crate::auth::{AdminUser, AuthUser};
use crate::db::{DbConnection, now};
use crate::deals::model::DealStage;
use crate::error::{ApiError, ApiResult};
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

action_endpoint! {
    /// Submits a draft or returned contract to the registry (the seller side, its intermediary,
    /// administrators).
    post "/contracts/{id}/submit" => submit_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Submitted" => super::output::ContractOut, problems { 409: "Not a draft or returned contract, or a stale version" },
    |user: AuthUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = body.0.unwrap_or_default().version;
        let action = Action::by_manager("submitted", "contract.submit", version);
        let apply: Apply = Box::new(|_, _, next| {
            next.submitted_at = Some(now());
            Ok(serde_json::json!({}))
        });
        run(&state, user, path.into_inner(), action, apply, None).await
    }
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

/// The 技术输出地 rule: a registry registers the contracts whose seller is in its region, so each
/// contract counts in the figures of the region that exported the technology.
fn check_seller_region(contract: &ContractRow, registry: &str) -> ApiResult<()> {
    let registry_prefix = crate::domain::regions::prefix_of(registry);
    let seller_region = contract.seller_region_code.as_deref().unwrap_or_default();
    if seller_region.starts_with(registry_prefix) && !seller_region.is_empty() {
        return Ok(());
    }
    let registry_name =
        crate::domain::regions::full_name(registry).unwrap_or_else(|| registry.to_string());
    let seller = match crate::domain::regions::full_name(seller_region) {
        Some(name) => format!("in {name} ({seller_region})"),
        None if seller_region.is_empty() => "of no Chinese region".to_string(),
        None => format!("in region {seller_region}"),
    };
    Err(ApiError::refused(
        "outside_registry_region",
        format!(
            "this registry ({registry_name}, {registry}) registers contracts whose seller is in its region; the seller is {seller}: its contract registers where the seller is"
        ),
    ))
}

action_endpoint! {
    /// 予以登记: registers a submitted contract (administrators, as the registry) within its
    /// validity period, assigning the next registration number of the registry and year
    /// (two-digit year + six-digit registry region code + six-digit serial, gap-free). A
    /// contract of a deal moves the deal to `signed` in the same transaction.
    post "/contracts/{id}/register" => register_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Registered, with its number" => super::output::ContractOut, problems { 403: "Not an administrator", 409: "Not submitted, outside the validity period, the seller outside the registry's region (`outside_registry_region`, when the registry keeps to its region), the deal is lost, no completed pricing notice (`notice_required`, when the market requires one), or a stale version" },
    |admin: AdminUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let user = admin.0;
        let version = body.0.unwrap_or_default().version;
        let registry = state.config.registry_region_code.clone();
        let registrar = user.id().to_string();
        let notice_required = state.config.trading.pricing_notice_required;
        let own_region_only = state.config.registry_own_region_only;
        let action = Action::by_registry("registered", "contract.register", version);
        let apply: Apply = Box::new(move |conn, current, next| {
            let today = crate::clock::today();
            if today < current.valid_from || today > current.valid_to {
                return Err(ApiError::conflict(format!(
                    "a contract is registered only within its validity period ({} to {}); today is {today}",
                    current.valid_from, current.valid_to
                )));
            }
            if own_region_only {
                check_seller_region(current, &registry)?;
            }
            if notice_required {
                crate::notices::required::check(conn, current)?;
            }
            let year = today.year();
            let serial = queries::next_serial(conn, &registry, year)?;
            if serial > 999_999 {
                return Err(ApiError::conflict(format!(
                    "the registry's serial numbers for {year} are used up"
                )));
            }
            next.registry_region_code = Some(registry.clone());
            next.registration_year = Some(year);
            next.registration_serial = Some(serial);
            next.registration_number = Some(registration_number(year, &registry, serial));
            next.registered_on = Some(today);
            next.registered_by = Some(registrar);
            Ok(serde_json::json!({"registration_number": next.registration_number}))
        });
        run(&state, user, path.into_inner(), action, apply, Some(sign_deal)).await
    }
}

action_endpoint! {
    /// Returns a submitted contract for more material (administrators); the note says what is
    /// missing. The seller side edits and submits again.
    post "/contracts/{id}/return" => return_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Returned" => super::output::ContractOut, problems { 403: "Not an administrator", 409: "Not submitted, or a stale version" },
    |admin: AdminUser, state, path: String, body: Json<ReturnInput>| -> HttpResponse {
        let body = body.into_inner();
        let mut checker = Checker::new();
        let note = checker.check("note", validation::text(&body.note, 1, NOTE_MAX));
        checker.finish()?;
        let action = Action::by_registry("returned", "contract.return", body.version);
        let apply: Apply = Box::new(move |_, _, next| {
            next.return_note = note.clone();
            Ok(serde_json::json!({"note": note}))
        });
        run(&state, admin.0, path.into_inner(), action, apply, None).await
    }
}

action_endpoint! {
    /// 不予登记: refuses a submitted contract with a coded reason (administrators). Final.
    post "/contracts/{id}/refuse" => refuse_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Refused" => super::output::ContractOut, problems { 403: "Not an administrator", 409: "Not submitted, or a stale version" },
    |admin: AdminUser, state, path: String, body: Json<RefuseInput>| -> HttpResponse {
        let body = body.into_inner();
        let mut checker = Checker::new();
        let note =
            checker.check("note", validation::optional_text(body.note.as_deref(), NOTE_MAX)).flatten();
        if body.reason == RefusalReason::Other && note.is_none() && checker.is_ok() {
            checker.fail("note", "required", "explain a refusal for `other` reasons");
        }
        checker.finish()?;
        let reason = body.reason;
        let action = Action::by_registry("refused", "contract.refuse", body.version);
        let apply: Apply = Box::new(move |_, _, next| {
            next.refusal_reason = Some(reason.as_str().to_string());
            next.return_note = note.clone();
            Ok(serde_json::json!({"reason": reason, "note": note}))
        });
        run(&state, admin.0, path.into_inner(), action, apply, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_year_registry_and_serial() {
        assert_eq!(registration_number(2026, "330100", 7), "26330100000007");
        assert_eq!(registration_number(2100, "110100", 999_999), "00110100999999");
    }
}
