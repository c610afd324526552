//! Performing a registered contract: `registered` → `performing` (explicitly or with the
//! first payment) → `completed` with the confirmed technology income, or `terminated`;
//! payments recorded against the schedule.

use crate::action_endpoint;
use crate::auth::AuthUser;
use actix_web::{HttpResponse, post};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::access::ensure_manager;
use super::checks::fen;
use super::model::{ContractStatus, PaymentRow};
use super::output::detail;
use super::queries;
use super::registration::{NOTE_MAX, VersionInput};
use super::routes::contract_response;
use super::transitions::{Action, Apply, run};
use crate::db::schema::{contract_milestones, contract_payments};
use crate::db::{new_id, now};
use crate::error::ApiError;
use crate::validation::{self, Checker};

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(perform_contract)
        .service(complete_contract)
        .service(terminate_contract)
        .service(record_payment);
}

/// `POST /contracts/{id}/complete`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// The confirmed technology income (技术性收入) in fen, at most the technology amount.
    pub technology_income_fen: i64,
    /// The version the action is based on (checked when given).
    pub version: Option<i64>,
}

/// `POST /contracts/{id}/terminate`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TerminateInput {
    /// Why the contract ends early.
    pub reason: String,
    /// The version the action is based on (checked when given).
    pub version: Option<i64>,
}

/// `POST /contracts/{id}/payments`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// Date received (not in the future, not before signing).
    pub paid_on: NaiveDate,
    /// Amount received in fen (positive; the total received may not exceed the amount).
    pub amount_fen: i64,
    /// The milestone paid (else the payment fills the earliest open milestones).
    pub milestone_id: Option<String>,
    /// Note.
    pub note: Option<String>,
}

action_endpoint! {
    /// Starts performance of a registered contract (managers: seller side, intermediary,
    /// administrators). The first payment does this too.
    post "/contracts/{id}/perform" => perform_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Performing" => super::output::ContractOut, problems { 409: "Not registered, or a stale version" },
    |user: AuthUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = body.0.unwrap_or_default().version;
        let action = Action::by_manager("performing", "contract.perform", version);
        let apply: Apply = Box::new(|_, _, _| Ok(serde_json::json!({})));
        run(&state, user, path.into_inner(), action, apply, None).await
    }
}

action_endpoint! {
    /// Completes a performing contract with the confirmed technology income (managers).
    post "/contracts/{id}/complete" => complete_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Completed" => super::output::ContractOut, problems { 409: "Not performing, or a stale version" },
    |user: AuthUser, state, path: String, body: Json<CompleteInput>| -> HttpResponse {
        let body = body.into_inner();
        let mut checker = Checker::new();
        let income = checker.check("technology_income_fen", fen(body.technology_income_fen));
        checker.finish()?;
        let action = Action::by_manager("completed", "contract.complete", body.version);
        let apply: Apply = Box::new(move |_, current, next| {
            if income.is_some_and(|i| i > current.technology_amount_fen) {
                return Err(ApiError::field(
                    "technology_income_fen",
                    "exceeds_technology_amount",
                    format!(
                        "must not exceed the technology transaction amount, {} fen",
                        current.technology_amount_fen
                    ),
                ));
            }
            next.technology_income_fen = income;
            next.completed_at = Some(now());
            Ok(serde_json::json!({"technology_income_fen": income}))
        });
        run(&state, user, path.into_inner(), action, apply, None).await
    }
}

action_endpoint! {
    /// Terminates a registered or performing contract early, with a reason (managers).
    post "/contracts/{id}/terminate" => terminate_contract, tag "contracts", path { "id": "Contract id" },
    ok 200 "Terminated" => super::output::ContractOut, problems { 409: "Not registered or performing, or a stale version" },
    |user: AuthUser, state, path: String, body: Json<TerminateInput>| -> HttpResponse {
        let body = body.into_inner();
        let mut checker = Checker::new();
        let reason = checker.check("reason", validation::text(&body.reason, 1, NOTE_MAX));
        checker.finish()?;
        let action = Action::by_manager("terminated", "contract.terminate", body.version);
        let apply: Apply = Box::new(move |_, _, next| {
            next.terminated_reason = reason.clone();
            next.terminated_at = Some(now());
            Ok(serde_json::json!({"reason": reason}))
        });
        run(&state, user, path.into_inner(), action, apply, None).await
    }
}

action_endpoint! {
    /// Records money received under a registered or performing contract (managers). The total
    /// received may not exceed the amount, nor a named milestone's amount; the first payment
    /// moves a registered contract to `performing`.
    post "/contracts/{id}/payments" => record_payment, tag "contracts", path { "id": "Contract id" },
    ok 201 "Recorded; the contract with its schedule" => super::output::ContractOut, problems { 409: "The contract is not registered or performing" },
    |user: AuthUser, state, path: String, body: Json<PaymentInput>| -> HttpResponse {
        let id = path.into_inner();
        let body = body.into_inner();
        let mut checker = Checker::new();
        let note =
            checker.check("note", validation::optional_text(body.note.as_deref(), NOTE_MAX)).flatten();
        let amount = checker.check("amount_fen", fen(body.amount_fen));
        if amount == Some(0) {
            checker.fail("amount_fen", "not_positive", "must be more than 0");
        }
        if body.paid_on > crate::clock::today() {
            checker.fail("paid_on", "in_future", "must not be in the future");
        }
        checker.finish()?;
        let amount = amount.unwrap_or_default();
        let out = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &id)?;
                ensure_manager(&user, &current)?;
                if !current.status.is_live() {
                    return Err(ApiError::conflict(format!(
                        "payments are recorded for registered or performing contracts; this one is {}",
                        current.status
                    )));
                }
                let mut checker = Checker::new();
                if body.paid_on < current.signed_on {
                    checker.fail("paid_on", "before_signing", "must not be before the signing date");
                }
                let payments = queries::payments(conn, &current.id)?;
                let paid: i64 = payments.iter().map(|p| p.amount_fen).sum();
                if paid + amount > current.amount_fen {
                    checker.fail(
                        "amount_fen",
                        "exceeds_outstanding",
                        format!(
                            "{} fen remain outstanding; the total received may not exceed the amount",
                            current.amount_fen - paid
                        ),
                    );
                }
                if let Some(milestone_id) = &body.milestone_id {
                    let due: Option<i64> = contract_milestones::table
                        .find(milestone_id)
                        .filter(contract_milestones::contract_id.eq(&current.id))
                        .select(contract_milestones::amount_fen)
                        .first(conn)
                        .optional()?;
                    match due {
                        None => checker.fail(
                            "milestone_id",
                            "not_found",
                            "no such milestone of this contract",
                        ),
                        Some(due) => {
                            let named: i64 = payments
                                .iter()
                                .filter(|p| p.milestone_id.as_deref() == Some(milestone_id.as_str()))
                                .map(|p| p.amount_fen)
                                .sum();
                            if named + amount > due {
                                checker.fail(
                                    "amount_fen",
                                    "exceeds_milestone",
                                    format!("the milestone has {} fen left to pay", due - named),
                                );
                            }
                        }
                    }
                }
                checker.finish()?;
                let row = PaymentRow {
                    id: new_id(),
                    contract_id: current.id.clone(),
                    milestone_id: body.milestone_id.clone(),
                    paid_on: body.paid_on,
                    amount_fen: amount,
                    note: note.clone(),
                    recorded_by: user.id().to_string(),
                    created_at: now(),
                };
                diesel::insert_into(contract_payments::table).values(row.clone()).execute(conn)?;
                let mut next = current.clone();
                if current.status == ContractStatus::Registered {
                    next.status = ContractStatus::Performing;
                }
                let saved = queries::stamp_change(
                    conn,
                    &user,
                    &current,
                    &next,
                    "contract.payment",
                    serde_json::json!({
                        "payment_id": row.id, "amount_fen": amount, "paid_on": row.paid_on,
                        "milestone_id": row.milestone_id,
                    }),
                )?;
                detail(conn, saved)
            })
            .await?;
        Ok(contract_response(actix_web::http::StatusCode::CREATED, out))
    }
}
