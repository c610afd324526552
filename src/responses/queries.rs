//! Creating answers inside a transaction: who may answer which demand, and the one live
//! answer per responder.

use crate::listings::record::RecordLibrary;
use diesel::prelude::*;

use super::access::ENTITY;
use super::model::{ResponseInput, ResponseRow, ResponseStatus};
use crate::accounts::model::Role;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::demand_responses;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::listings::Library;
use crate::listings::access::can_manage;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::model::Listing;
use crate::validation::{self, Checker};

/// Shortest proposal, in characters.
pub const PROPOSAL_MIN: usize = 10;
/// Longest proposal, in characters.
pub const PROPOSAL_MAX: usize = 10_000;
/// Longest estimated duration, in months.
pub const MONTHS_MAX: i32 = 120;
/// Longest note on a move, in characters.
pub const NOTE_MAX: usize = 2000;

/// A checked answer.
#[derive(Debug, Clone)]
pub struct ValidResponse {
    /// The proposal.
    pub proposal: String,
    /// The offered achievement.
    pub achievement_id: Option<String>,
    /// Estimated cost in fen.
    pub estimated_cost_fen: Option<i64>,
    /// Estimated months.
    pub estimated_months: Option<i32>,
}

impl ResponseInput {
    /// Checks the fields (422 naming each bad one).
    pub fn check(self) -> ApiResult<ValidResponse> {
        let mut checker = Checker::new();
        let proposal =
            checker.check("proposal", validation::text(&self.proposal, PROPOSAL_MIN, PROPOSAL_MAX));
        let cost = crate::listings::fields::optional_money(
            "estimated_cost_fen",
            self.estimated_cost_fen,
            &mut checker,
        );
        if let Some(months) = self.estimated_months
            && !(1..=MONTHS_MAX).contains(&months)
        {
            checker.fail(
                "estimated_months",
                "out_of_range",
                format!("must be between 1 and {MONTHS_MAX}"),
            );
        }
        let achievement_id =
            self.achievement_id.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        checker.finish_with(|| {
            Some(ValidResponse {
                proposal: proposal?,
                achievement_id,
                estimated_cost_fen: cost?,
                estimated_months: self.estimated_months,
            })
        })
    }
}

/// The responder's organization: university and research-institute users, and experts who
/// belong to an organization (a deal needs a seller organization).
pub fn responder_org(user: &AuthUser) -> ApiResult<String> {
    user.require_role(&[Role::University, Role::Expert])?;
    user.user.organization_id.clone().ok_or_else(|| {
        ApiError::Forbidden(
            "answers are paired with the responder's organization (the seller of a deal); join your university, institute or company on the platform before answering".into(),
        )
    })
}

/// 404 for a demand never published (unless the caller manages it), 403 for one's own
/// organization's demand, 409 for a demand no longer open (withdrawn, expired, closed or
/// past its deadline).
pub fn ensure_answerable(
    conn: &mut DbConnection,
    user: &AuthUser,
    org_id: &str,
    demand: &Listing,
) -> ApiResult<()> {
    if demand.org_id.as_deref() == Some(org_id) {
        return Err(ApiError::Forbidden("an organization cannot answer its own demand".into()));
    }
    if demand.published_at.is_none() && !can_manage(user, demand) {
        return Err(crate::listings::access::not_found(Library::Demands));
    }
    let status = demand.current_status();
    if status != ListingStatus::Published {
        return Err(ApiError::conflict(format!(
            "the demand is {status}; only published demands take answers"
        )));
    }
    let deadline = crate::demands::record::DemandRecords::find(conn, &demand.id)?.1.deadline;
    if let Some(deadline) = deadline
        && deadline < crate::listings::queries::today()
    {
        return Err(ApiError::conflict(format!(
            "the demand's deadline for answers ({deadline}) has passed"
        )));
    }
    Ok(())
}

/// 422 unless the achievement is a published record of the responder's organization.
pub fn check_achievement(conn: &mut DbConnection, id: &str, org_id: &str) -> ApiResult<()> {
    let field = "achievement_id";
    let listing = crate::listings::queries::find(conn, Library::Achievements, id)
        .missing_as(|| ApiError::field(field, "not_found", "no such achievement"))?;
    if listing.org_id.as_deref() != Some(org_id) {
        return Err(ApiError::field(
            field,
            "wrong_owner",
            "the achievement does not belong to your organization",
        ));
    }
    if listing.current_status() != ListingStatus::Published {
        return Err(ApiError::field(
            field,
            "not_published",
            "only a published achievement can be offered",
        ));
    }
    Ok(())
}

/// The accepted answer of a demand, if any.
pub fn accepted_of(conn: &mut DbConnection, demand_id: &str) -> ApiResult<Option<String>> {
    Ok(demand_responses::table
        .filter(demand_responses::demand_id.eq(demand_id))
        .filter(demand_responses::status.eq(ResponseStatus::Accepted.as_str()))
        .select(demand_responses::id)
        .first(conn)
        .optional()?)
}

/// 409 naming the winner when the demand is an open call (揭榜挂帅) that has named one.
pub fn ensure_open_call_undecided(
    conn: &mut DbConnection,
    demand_id: &str,
    reward_fen: Option<i64>,
) -> ApiResult<()> {
    if reward_fen.is_none() {
        return Ok(());
    }
    match accepted_of(conn, demand_id)? {
        Some(winner) => Err(ApiError::duplicate(
            "this open call (揭榜挂帅) has already named its winner",
            winner,
        )),
        None => Ok(()),
    }
}

/// Stores a new answer after every check; 409 naming the live answer of the same responder.
pub fn create(
    conn: &mut DbConnection,
    user: &AuthUser,
    org_id: &str,
    demand_id: &str,
    valid: ValidResponse,
) -> ApiResult<ResponseRow> {
    let demand = crate::listings::queries::find(conn, Library::Demands, demand_id)?;
    ensure_answerable(conn, user, org_id, &demand)?;
    if let Some(achievement) = &valid.achievement_id {
        check_achievement(conn, achievement, org_id)?;
    }
    let reward = crate::demands::record::DemandRecords::find(conn, &demand.id)?.1.reward_fen;
    ensure_open_call_undecided(conn, &demand.id, reward)?;
    let live: Vec<&str> = ResponseStatus::LIVE.iter().map(|s| s.as_str()).collect();
    let existing: Option<String> = demand_responses::table
        .filter(demand_responses::demand_id.eq(&demand.id))
        .filter(demand_responses::responder_key.eq(org_id))
        .filter(demand_responses::status.eq_any(live))
        .select(demand_responses::id)
        .first(conn)
        .optional()?;
    if let Some(existing) = existing {
        return Err(ApiError::duplicate(
            "your organization already has a live answer to this demand",
            existing,
        ));
    }
    let stamp = now();
    let row = ResponseRow {
        id: new_id(),
        demand_id: demand.id.clone(),
        responder_id: user.id().to_string(),
        responder_org_id: Some(org_id.to_string()),
        responder_key: org_id.to_string(),
        proposal: valid.proposal,
        achievement_id: valid.achievement_id,
        estimated_cost_fen: valid.estimated_cost_fen,
        estimated_months: valid.estimated_months,
        status: ResponseStatus::Submitted,
        decline_reason: None,
        decline_note: None,
        deal_id: None,
        decided_by: None,
        decided_at: None,
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    };
    diesel::insert_into(demand_responses::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        &user.actor(),
        "demand_response.create",
        ENTITY,
        &row.id,
        serde_json::json!({
            "demand_id": row.demand_id, "responder_org_id": row.responder_org_id,
            "achievement_id": row.achievement_id, "status": row.status,
        }),
    )?;
    crate::notifications::events::answer_received(conn, &row)?;
    Ok(row)
}
