//! Moving an answer: shortlist, decline, accept (which opens a deal at `intention` and, for an
//! open call, declines the other live answers) and withdraw. Each move is audited in the
//! same transaction.

use crate::listings::record::RecordLibrary;
use diesel::prelude::*;

use super::access::{ENTITY, find, is_demand_side, is_responder, not_found};
use super::model::{ResponseMove, ResponseRow, ResponseStatus};
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::demand_responses;
use crate::db::{DbConnection, now};
use crate::deals::model::{DealRow, DealSource, DealStage, LossReason};
use crate::deals::queries::NewDeal;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::model::Listing;

/// What a move needs besides the answer.
#[derive(Debug, Clone, Default)]
pub struct MoveDetails {
    /// The version the move is based on; checked when given.
    pub version: Option<i64>,
    /// The decline's coded reason.
    pub reason: Option<LossReason>,
    /// A note (the decline's note, or for the audit log).
    pub note: Option<String>,
    /// The broker of the deal an acceptance opens.
    pub broker_id: Option<String>,
}

/// The result of a move.
#[derive(Debug)]
pub struct Moved {
    /// The answer after the move.
    pub response: ResponseRow,
    /// The deal opened by an acceptance.
    pub deal: Option<DealRow>,
    /// Answers declined automatically because an open call named its winner.
    pub auto_declined: Vec<String>,
}

/// The demand and the answer, after checking the caller may make this move: the demand's
/// side decides, the responder withdraws; 403 for the other side, 404 for strangers.
fn load(
    conn: &mut DbConnection,
    user: &AuthUser,
    demand_id: &str,
    response_id: &str,
    action: ResponseMove,
) -> ApiResult<(Listing, ResponseRow)> {
    let demand = crate::listings::queries::find(conn, Library::Demands, demand_id)?;
    let row = find(conn, &demand.id, response_id)?;
    let demand_side = is_demand_side(user, &demand);
    let responder = is_responder(user, &row);
    let allowed = match action {
        ResponseMove::Withdraw => responder,
        _ => demand_side,
    };
    if allowed {
        Ok((demand, row))
    } else if demand_side || responder {
        Err(ApiError::Forbidden(match action {
            ResponseMove::Withdraw => "only the responder may withdraw an answer".into(),
            _ => "only the demand's organization and administrators decide on answers".into(),
        }))
    } else {
        Err(not_found())
    }
}

fn check_transition(
    row: &ResponseRow,
    action: ResponseMove,
    version: Option<i64>,
) -> ApiResult<()> {
    if let Some(expected) = version
        && expected != row.version
    {
        return Err(ApiError::stale_version(expected, row.version));
    }
    action.lifecycle().check(row.status, action.target().as_str()).map(drop)
}

/// Writes the new status (guarded by the version) and reloads the answer.
fn store(
    conn: &mut DbConnection,
    user: &AuthUser,
    row: &ResponseRow,
    to: ResponseStatus,
    reason: Option<LossReason>,
    note: Option<&str>,
    deal_id: Option<&str>,
) -> ApiResult<ResponseRow> {
    let stamp = now();
    let count = diesel::update(
        demand_responses::table.find(&row.id).filter(demand_responses::version.eq(row.version)),
    )
    .set((
        demand_responses::status.eq(to.as_str()),
        demand_responses::decline_reason.eq(reason.map(|r| r.as_str())),
        demand_responses::decline_note.eq(note.filter(|_| reason.is_some())),
        demand_responses::deal_id.eq(deal_id.or(row.deal_id.as_deref())),
        demand_responses::decided_by.eq(user.id()),
        demand_responses::decided_at.eq(stamp),
        demand_responses::version.eq(row.version + 1),
        demand_responses::updated_at.eq(stamp),
    ))
    .execute(conn)?;
    let current = find(conn, &row.demand_id, &row.id)?;
    if count == 0 {
        return Err(ApiError::stale_version(row.version, current.version));
    }
    Ok(current)
}

fn audit_move(
    conn: &mut DbConnection,
    user: &AuthUser,
    action: ResponseMove,
    before: &ResponseRow,
    after: &ResponseRow,
    extra: serde_json::Value,
) -> ApiResult<()> {
    let mut changes = serde_json::json!({
        "demand_id": before.demand_id,
        "status": { "from": before.status, "to": after.status },
    });
    if let (Some(target), serde_json::Value::Object(more)) = (changes.as_object_mut(), extra) {
        target.extend(more);
    }
    audit::record(conn, &user.actor(), &format!("{ENTITY}.{action}"), ENTITY, &before.id, changes)?;
    crate::notifications::events::answer_moved(conn, &user.actor(), after)
}

/// Opens the deal of an accepted answer: buyer = the demand's organization, seller = the
/// responder's, at `intention`.
fn open_deal(
    conn: &mut DbConnection,
    user: &AuthUser,
    demand: &Listing,
    row: &ResponseRow,
    broker_id: Option<String>,
) -> ApiResult<DealRow> {
    let buyer = demand
        .org_id
        .clone()
        .ok_or_else(|| ApiError::conflict("the demand has no organization to buy"))?;
    let seller = row
        .responder_org_id
        .clone()
        .ok_or_else(|| ApiError::conflict("the responder has no organization to sell"))?;
    let status = demand.current_status();
    if status != ListingStatus::Published {
        return Err(ApiError::conflict(format!(
            "the demand is {status}; publish or renew it before accepting answers"
        )));
    }
    if let Some(achievement) = &row.achievement_id {
        let offered = crate::listings::queries::find(conn, Library::Achievements, achievement)?;
        if offered.current_status() != ListingStatus::Published {
            return Err(ApiError::conflict(format!(
                "the achievement offered with this answer is {}; it cannot be paired",
                offered.current_status()
            )));
        }
    }
    crate::deals::queries::open(
        conn,
        &user.actor(),
        NewDeal {
            demand_id: Some(demand.id.clone()),
            achievement_id: row.achievement_id.clone(),
            buyer_org_id: buyer,
            seller_org_id: seller,
            broker_id,
            event_id: None,
            response_id: Some(row.id.clone()),
            source: DealSource::Response,
            stage: DealStage::Intention,
            commission_rate_bp: None,
            commission_fen: None,
            acting: crate::deals::consent::Sides::BOTH,
        },
    )
}

/// Declines the other live answers of an open call, each audited.
fn decline_others(
    conn: &mut DbConnection,
    user: &AuthUser,
    winner: &ResponseRow,
) -> ApiResult<Vec<String>> {
    let pending: Vec<&str> = [ResponseStatus::Submitted, ResponseStatus::Shortlisted]
        .iter()
        .map(|s| s.as_str())
        .collect();
    let others: Vec<ResponseRow> = demand_responses::table
        .filter(demand_responses::demand_id.eq(&winner.demand_id))
        .filter(demand_responses::id.ne(&winner.id))
        .filter(demand_responses::status.eq_any(pending))
        .select(ResponseRow::as_select())
        .load(conn)?;
    let note = "the open call (揭榜挂帅) chose another answer";
    let mut declined = Vec::with_capacity(others.len());
    for other in others {
        let reason = LossReason::AnotherSolutionChosen;
        let after =
            store(conn, user, &other, ResponseStatus::Declined, Some(reason), Some(note), None)?;
        audit_move(
            conn,
            user,
            ResponseMove::Decline,
            &other,
            &after,
            serde_json::json!({ "reason": reason, "note": note, "automatic": true,
                                "winner_id": winner.id }),
        )?;
        declined.push(other.id);
    }
    Ok(declined)
}

/// Makes a move on an answer.
pub fn apply(
    conn: &mut DbConnection,
    user: &AuthUser,
    demand_id: &str,
    response_id: &str,
    action: ResponseMove,
    details: MoveDetails,
) -> ApiResult<Moved> {
    let (demand, row) = load(conn, user, demand_id, response_id, action)?;
    check_transition(&row, action, details.version)?;
    let note = details.note.as_deref();
    let (after, deal, reward) = if action == ResponseMove::Accept {
        let reward = crate::demands::record::DemandRecords::find(conn, &demand.id)?.1.reward_fen;
        super::queries::ensure_open_call_undecided(conn, &demand.id, reward)?;
        let deal = open_deal(conn, user, &demand, &row, details.broker_id)?;
        let after = store(conn, user, &row, ResponseStatus::Accepted, None, None, Some(&deal.id))?;
        (after, Some(deal), reward)
    } else {
        (store(conn, user, &row, action.target(), details.reason, note, None)?, None, None)
    };
    let audited = match &deal {
        Some(deal) => {
            serde_json::json!({ "deal_id": deal.id, "note": note, "open_call": reward.is_some() })
        }
        None => serde_json::json!({ "reason": details.reason, "note": note }),
    };
    audit_move(conn, user, action, &row, &after, audited)?;
    let auto_declined =
        if reward.is_some() { decline_others(conn, user, &after)? } else { Vec::new() };
    Ok(Moved { response: after, deal, auto_declined })
}
