//! Changes to registered contracts are registered as changes, not edits: the seller side or
//! its intermediary requests one (`POST /contracts/{id}/amendments`), the registry registers
//! it (the new values apply and the previous ones are kept on the amendment) or rejects it.
//!
//! Amendable: `name`, `valid_to`, `amount_fen`, `non_technical_costs` (the technology amount
//! is recomputed), `milestones` (the whole schedule; payments made against a replaced
//! milestone become unallocated) and, for transfers, `expected_investment_fen` and
//! `expected_output_fen`. When the amount changes on a contract with a schedule, the schedule
//! must be re-stated. One amendment may be pending at a time.

use crate::action_endpoint;
use actix_web::{HttpResponse, post};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::access::ensure_manager;
use super::checks::{
    CheckedMilestone, check_costs, check_dates, check_milestones, check_transfer_figures, fen,
};
use super::input::{CostInput, MilestoneInput};
use super::model::{AmendmentRow, AmendmentStatus, ContractRow};
use super::output::{AmendmentOut, detail};
use super::queries::{self, ENTITY};
use super::registration::NOTE_MAX;
use super::routes::contract_response;
use crate::audit;
use crate::auth::{AdminUser, AuthUser};
use crate::db::schema::contract_amendments;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::json::OptionalJson;
use crate::state::AppState;
use crate::validation::{self, Checker};

/// Registers the routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_amendment).service(register_amendment).service(reject_amendment);
}

/// The values an amendment changes (at least one).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentValues {
    /// New contract name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New end of validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_to: Option<NaiveDate>,
    /// New contract amount in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
    /// New non-technical costs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub non_technical_costs: Option<Vec<CostInput>>,
    /// A new payment schedule (required when the amount changes and there is a schedule).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestones: Option<Vec<MilestoneInput>>,
    /// Transfers: new expected investment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_investment_fen: Option<i64>,
    /// Transfers: new expected output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_output_fen: Option<i64>,
}

/// `POST /contracts/{id}/amendments`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AmendmentInput {
    /// What changes.
    pub what: String,
    /// Why.
    pub why: String,
    /// The new values.
    pub new_values: AmendmentValues,
}

/// `POST …/amendments/{amendment_id}/register` and `…/reject`.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The registry's note.
    pub note: Option<String>,
}

/// An amendment checked against the contract: the row with the new values, and the new
/// schedule if it changes.
struct Applied {
    next: ContractRow,
    schedule: Option<Vec<CheckedMilestone>>,
}

fn check(
    conn: &mut DbConnection,
    current: &ContractRow,
    values: &AmendmentValues,
) -> ApiResult<Applied> {
    let mut checker = Checker::new();
    let field = |name: &str| format!("new_values.{name}");
    if serde_json::to_value(values)?.as_object().is_none_or(|o| o.is_empty()) {
        checker.fail("new_values", "required", "name at least one value to change");
    }
    let mut next = current.clone();
    if let Some(name) = &values.name
        && let Some(name) =
            checker.check(&field("name"), validation::text(name, 2, super::checks::NAME_MAX))
    {
        next.name = name;
    }
    if let Some(valid_to) = values.valid_to {
        next.valid_to = valid_to;
        let mut dates = Checker::new();
        check_dates(next.signed_on, next.valid_from, valid_to, &mut dates);
        if !dates.is_ok() {
            checker.fail(
                &field("valid_to"),
                "before_valid_from",
                "must not be before valid_from nor the signing date",
            );
        }
    }
    if let Some(amount) = values.amount_fen
        && let Some(amount) = checker.check(&field("amount_fen"), fen(amount))
    {
        next.amount_fen = amount;
    }
    if let Some(costs) = &values.non_technical_costs
        && let Some((list, total)) = check_costs(costs, &field("non_technical_costs"), &mut checker)
    {
        next.non_technical_costs = super::resolve::costs_json(&list)?;
        next.non_technical_fen = total;
    }
    if next.non_technical_fen > next.amount_fen {
        checker.fail(
            &field("non_technical_costs"),
            "exceeds_amount",
            "the non-technical costs exceed the amount",
        );
    }
    next.technology_amount_fen = next.amount_fen - next.non_technical_fen;
    if values.expected_investment_fen.is_some() || values.expected_output_fen.is_some() {
        next.expected_investment_fen =
            values.expected_investment_fen.or(next.expected_investment_fen);
        next.expected_output_fen = values.expected_output_fen.or(next.expected_output_fen);
        let mut figures = Checker::new();
        check_transfer_figures(
            next.contract_type,
            next.expected_investment_fen,
            next.expected_output_fen,
            &mut figures,
        );
        if let Err(ApiError::Validation(errors)) = figures.finish() {
            for e in errors {
                checker.fail(&field(&e.field), &e.code, e.message);
            }
        }
    }
    let paid: i64 = queries::payments(conn, &current.id)?.iter().map(|p| p.amount_fen).sum();
    if next.amount_fen < paid {
        checker.fail(
            &field("amount_fen"),
            "below_paid",
            format!("{paid} fen have already been received"),
        );
    }
    let has_schedule = !queries::milestones(conn, &current.id)?.is_empty();
    let schedule = match &values.milestones {
        Some(list) => {
            let mut inner = Checker::new();
            let checked = check_milestones(list, Some(next.amount_fen), &mut inner);
            if let Err(ApiError::Validation(errors)) = inner.finish() {
                for e in errors {
                    checker.fail(&field(&e.field), &e.code, e.message);
                }
            }
            checked
        }
        None => {
            if has_schedule && next.amount_fen != current.amount_fen {
                checker.fail(
                    &field("milestones"),
                    "required",
                    "the amount changes: re-state the payment schedule so that it sums to the new amount",
                );
            }
            None
        }
    };
    checker.finish()?;
    Ok(Applied { next, schedule })
}

/// The current values of the fields an amendment changes.
fn previous_values(
    conn: &mut DbConnection,
    current: &ContractRow,
    values: &AmendmentValues,
) -> ApiResult<serde_json::Value> {
    let milestones = queries::milestones(conn, &current.id)?;
    let base = super::edit::as_input(current, &milestones);
    let previous = AmendmentValues {
        name: values.name.as_ref().map(|_| base.name.clone()),
        valid_to: values.valid_to.map(|_| base.valid_to),
        amount_fen: values.amount_fen.map(|_| base.amount_fen),
        non_technical_costs: values
            .non_technical_costs
            .as_ref()
            .map(|_| base.non_technical_costs.clone()),
        milestones: values.milestones.as_ref().map(|_| base.milestones.clone()),
        expected_investment_fen: values.expected_investment_fen.and(base.expected_investment_fen),
        expected_output_fen: values.expected_output_fen.and(base.expected_output_fen),
    };
    Ok(serde_json::to_value(previous)?)
}

fn ensure_live(current: &ContractRow) -> ApiResult<()> {
    if current.status.is_live() {
        Ok(())
    } else {
        Err(ApiError::conflict(if current.status.is_editable() {
            format!(
                "amendments are for registered or performing contracts; this one is {} (edit it with PATCH instead)",
                current.status
            )
        } else {
            format!(
                "amendments are for registered or performing contracts; this one is {}",
                current.status
            )
        }))
    }
}

action_endpoint! {
    /// Requests a change of a registered or performing contract (managers). The registry
    /// registers or rejects it.
    post "/contracts/{id}/amendments" => request_amendment, tag "contracts", path { "id": "Contract id" },
    ok 201 "Requested (pending)" => AmendmentOut, problems { 409: "Not registered or performing, or another amendment is pending (`existing_id`)" },
    |user: AuthUser, state, path: String, body: Json<AmendmentInput>| -> HttpResponse {
        let id = path.into_inner();
        let body = body.into_inner();
        let mut checker = Checker::new();
        let what = checker.check("what", validation::text(&body.what, 1, 200));
        let why = checker.check("why", validation::text(&body.why, 1, NOTE_MAX));
        checker.finish()?;
        let row = state
            .db
            .write(move |conn| {
                let current = queries::find(conn, &id)?;
                ensure_manager(&user, &current)?;
                ensure_live(&current)?;
                let pending: Option<String> = contract_amendments::table
                    .filter(contract_amendments::contract_id.eq(&current.id))
                    .filter(contract_amendments::status.eq(AmendmentStatus::Pending.as_str()))
                    .select(contract_amendments::id)
                    .first(conn)
                    .optional()?;
                if let Some(existing) = pending {
                    return Err(ApiError::duplicate(
                        "another amendment of this contract is waiting for the registry",
                        existing,
                    ));
                }
                check(conn, &current, &body.new_values)?;
                let row = AmendmentRow {
                    id: new_id(),
                    contract_id: current.id.clone(),
                    what: what.unwrap_or_default(),
                    why: why.unwrap_or_default(),
                    new_values: serde_json::to_string(&body.new_values)?,
                    previous_values: None,
                    status: AmendmentStatus::Pending,
                    requested_by: user.id().to_string(),
                    decided_by: None,
                    decided_at: None,
                    decision_note: None,
                    created_at: now(),
                };
                diesel::insert_into(contract_amendments::table).values(row.clone()).execute(conn)?;
                audit::record(
                    conn,
                    &user.actor(),
                    "contract.amendment_request",
                    ENTITY,
                    &current.id,
                    serde_json::json!({"amendment_id": row.id, "what": row.what,
                                       "new_values": body.new_values}),
                )?;
                Ok(row)
            })
            .await?;
        Ok(HttpResponse::Created().json(AmendmentOut::from(row)))
    }
}

fn pending_amendment(
    conn: &mut DbConnection,
    contract_id: &str,
    amendment_id: &str,
    to: AmendmentStatus,
) -> ApiResult<AmendmentRow> {
    let row = contract_amendments::table
        .find(amendment_id)
        .filter(contract_amendments::contract_id.eq(contract_id))
        .select(AmendmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("amendment".into()))?;
    if row.status != AmendmentStatus::Pending {
        return Err(ApiError::illegal_transition(row.status.as_str(), to.as_str(), Vec::new()));
    }
    Ok(row)
}

fn decide(
    conn: &mut DbConnection,
    amendment: &AmendmentRow,
    user: &AuthUser,
    status: AmendmentStatus,
    previous: Option<String>,
    note: Option<String>,
) -> ApiResult<()> {
    diesel::update(contract_amendments::table.find(&amendment.id))
        .set((
            contract_amendments::status.eq(status.as_str()),
            contract_amendments::previous_values.eq(previous),
            contract_amendments::decided_by.eq(user.id()),
            contract_amendments::decided_at.eq(now()),
            contract_amendments::decision_note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

fn decision_note(body: OptionalJson<DecisionInput>) -> ApiResult<Option<String>> {
    let note = body.0.unwrap_or_default().note;
    validation::optional_text(note.as_deref(), NOTE_MAX)
        .map_err(|(code, message)| ApiError::field("note", code, message))
}

action_endpoint! {
    /// Registers a pending amendment (administrators): the new values apply, the technology
    /// amount is recomputed, and the previous values are kept on the amendment.
    post "/contracts/{id}/amendments/{amendment_id}/register" => register_amendment, tag "contracts", path { "id": "Contract id", "amendment_id": "Amendment id" },
    ok 200 "Registered; the amended contract" => super::output::ContractOut, problems { 403: "Not an administrator", 409: "The amendment is not pending, or the contract is no longer registered or performing", 422: "The new values no longer fit the contract (e.g. below the money received)" },
    |admin: AdminUser, state, path: (String, String), body: Option<DecisionInput>| -> HttpResponse {
        decide_pending(&state, admin.0, path.into_inner(), body, AmendmentStatus::Registered).await
    }
}

action_endpoint! {
    /// Rejects a pending amendment (administrators); the contract is unchanged.
    post "/contracts/{id}/amendments/{amendment_id}/reject" => reject_amendment, tag "contracts", path { "id": "Contract id", "amendment_id": "Amendment id" },
    ok 200 "Rejected; the contract" => super::output::ContractOut, problems { 403: "Not an administrator", 409: "The amendment is not pending" },
    |admin: AdminUser, state, path: (String, String), body: Option<DecisionInput>| -> HttpResponse {
        decide_pending(&state, admin.0, path.into_inner(), body, AmendmentStatus::Rejected).await
    }
}

/// Registers or rejects (`decision`) a pending amendment of a contract for the administrator
/// `user`, and answers with the contract as it then stands.
async fn decide_pending(
    state: &AppState,
    user: AuthUser,
    (id, amendment_id): (String, String),
    body: OptionalJson<DecisionInput>,
    decision: AmendmentStatus,
) -> ApiResult<HttpResponse> {
    let note = decision_note(body)?;
    let out = state
        .db
        .write(move |conn| {
            let current = queries::find(conn, &id)?;
            let amendment = pending_amendment(conn, &current.id, &amendment_id, decision)?;
            let contract = if decision == AmendmentStatus::Registered {
                register(conn, &user, current, &amendment, note)?
            } else {
                reject(conn, &user, current, &amendment, note)?
            };
            detail(conn, contract)
        })
        .await?;
    Ok(contract_response(actix_web::http::StatusCode::OK, out))
}

/// Applies a registered amendment: the new values, a recomputed technology amount, the
/// previous values kept on the amendment.
fn register(
    conn: &mut DbConnection,
    user: &AuthUser,
    current: ContractRow,
    amendment: &AmendmentRow,
    note: Option<String>,
) -> ApiResult<ContractRow> {
    ensure_live(&current)?;
    let values: AmendmentValues = serde_json::from_str(&amendment.new_values)?;
    let applied = check(conn, &current, &values)?;
    let previous = previous_values(conn, &current, &values)?;
    let saved = queries::save(conn, &applied.next, current.version)?;
    if let Some(schedule) = &applied.schedule {
        queries::replace_milestones(conn, &saved.id, schedule)?;
    }
    decide(
        conn,
        amendment,
        user,
        AmendmentStatus::Registered,
        Some(previous.to_string()),
        note.clone(),
    )?;
    audit::record(
        conn,
        &user.actor(),
        "contract.amendment_register",
        ENTITY,
        &saved.id,
        serde_json::json!({"amendment_id": amendment.id, "from": previous, "to": values,
                           "note": note}),
    )?;
    Ok(saved)
}

/// Rejects an amendment; the contract is unchanged.
fn reject(
    conn: &mut DbConnection,
    user: &AuthUser,
    current: ContractRow,
    amendment: &AmendmentRow,
    note: Option<String>,
) -> ApiResult<ContractRow> {
    decide(conn, amendment, user, AmendmentStatus::Rejected, None, note.clone())?;
    audit::record(
        conn,
        &user.actor(),
        "contract.amendment_reject",
        ENTITY,
        &current.id,
        serde_json::json!({"amendment_id": amendment.id, "note": note}),
    )?;
    Ok(current)
}

#[cfg(test)]
mod tests {
    use crate::contracts::model::ContractStatus;

    #[test]
    fn statuses_that_take_amendments() {
        assert!(ContractStatus::Registered.is_live());
        assert!(ContractStatus::Performing.is_live());
        assert!(!ContractStatus::Completed.is_live());
        assert!(!ContractStatus::Draft.is_live());
    }
}
