//! `GET /events/{id}/report`: the figures a bureau publishes about a matchmaking event —
//! participants, records collected, the funnel of the event's deals by furthest stage
//! reached, and the registered contracts that came of them.

use crate::http::endpoint::State;
use actix_web::{get, web};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::participants::{KIND_ORGANIZATION, KIND_PERSON};
use super::routes::{find, organizes};
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::{contracts, deals, event_listings, event_participants};
use crate::deals::model::DealStage;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;

/// Who took part.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct ParticipantFigures {
    /// Participants (参会人数): people registered plus anonymous online attendance.
    pub total: i64,
    /// People registered (users and named guests).
    pub people: i64,
    /// Anonymous online attendance.
    pub anonymous_attendance: i64,
    /// Organizations registered (counted apart from the participants).
    pub organizations: i64,
}

/// The event's deals (`deals.event_id`) counted by the furthest stage they reached.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct FunnelFigures {
    /// 技术对接: every deal of the event.
    pub connections: i64,
    /// 产生意向: deals that reached `intention` or further.
    pub intentions: i64,
    /// 达成意向: deals that reached `agreement` or further.
    pub agreements: i64,
    /// 签约: deals signed.
    pub signed: i64,
    /// Deals lost (at whatever stage they had reached; still counted above).
    pub lost: i64,
}

/// Registered technology contracts of the event's deals. Its schema is named
/// `EventContractFigures`: the statistics have a `ContractFigures` of their own, and two types
/// of one name made the report's schema point at theirs.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[schema(as = EventContractFigures)]
pub struct ContractFigures {
    /// Contracts registered (认定登记), the same figure as the statistics' `count`.
    pub count: i64,
    /// Contracts with a registration number (认定登记); always equal to `count`, kept for the
    /// clients that read it.
    pub registered: i64,
    /// 成交额: their contract amounts, in fen.
    pub amount_fen: i64,
    /// 技术交易额: their technology transaction amounts, in fen.
    pub technology_amount_fen: i64,
}

/// An event's report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventReport {
    /// The event reported on.
    pub event_id: String,
    /// The event's name.
    pub name: String,
    /// Who took part: organizations and records collected, by kind.
    pub participants: ParticipantFigures,
    /// Achievements collected (成果征集).
    pub achievements: i64,
    /// Demands collected (需求征集).
    pub demands: i64,
    /// The deal funnel.
    pub funnel: FunnelFigures,
    /// The registered technology contracts of the event's deals: count, 成交额 and 技术交易额.
    pub contracts: ContractFigures,
}

/// Adds the deals of one (furthest stage, stage) group to the funnel.
pub fn add_to_funnel(funnel: &mut FunnelFigures, furthest: DealStage, stage: DealStage, n: i64) {
    funnel.connections += n;
    let rank = furthest.rank().unwrap_or(0);
    let reached = |s: DealStage| s.rank().is_some_and(|r| rank >= r);
    if reached(DealStage::Intention) {
        funnel.intentions += n;
    }
    if reached(DealStage::Agreement) {
        funnel.agreements += n;
    }
    if furthest == DealStage::Signed {
        funnel.signed += n;
    }
    if stage == DealStage::Lost {
        funnel.lost += n;
    }
}

fn funnel(conn: &mut DbConnection, event_id: &str) -> ApiResult<FunnelFigures> {
    let groups: Vec<(String, String, i64)> = deals::table
        .filter(deals::event_id.eq(event_id))
        .group_by((deals::furthest_stage, deals::stage))
        .select((deals::furthest_stage, deals::stage, count_star()))
        .load(conn)?;
    let mut figures = FunnelFigures::default();
    for (furthest, stage, n) in groups {
        let furthest = furthest.parse().unwrap_or(DealStage::Connected);
        let stage = stage.parse().unwrap_or(furthest);
        add_to_funnel(&mut figures, furthest, stage, n);
    }
    Ok(figures)
}

fn contract_figures(conn: &mut DbConnection, event_id: &str) -> ApiResult<ContractFigures> {
    let event_deals =
        deals::table.filter(deals::event_id.eq(event_id)).select(deals::id.nullable());
    let amounts: Vec<(i64, i64)> = contracts::table
        .filter(contracts::deal_id.eq_any(event_deals))
        .filter(contracts::registration_number.is_not_null())
        .select((contracts::amount_fen, contracts::technology_amount_fen))
        .load(conn)?;
    let mut figures = ContractFigures::default();
    for (amount, technology) in amounts {
        figures.count += 1;
        figures.registered += 1;
        figures.amount_fen = figures.amount_fen.saturating_add(amount);
        figures.technology_amount_fen = figures.technology_amount_fen.saturating_add(technology);
    }
    Ok(figures)
}

fn count_participants(conn: &mut DbConnection, event_id: &str, kind: &str) -> ApiResult<i64> {
    Ok(event_participants::table
        .filter(event_participants::event_id.eq(event_id))
        .filter(event_participants::kind.eq(kind))
        .count()
        .get_result(conn)?)
}

fn count_listings(conn: &mut DbConnection, event_id: &str, library: Library) -> ApiResult<i64> {
    Ok(event_listings::table
        .filter(event_listings::event_id.eq(event_id))
        .filter(event_listings::library.eq(library.as_str()))
        .count()
        .get_result(conn)?)
}

/// Builds an event's report.
pub fn build(conn: &mut DbConnection, event_id: &str) -> ApiResult<EventReport> {
    let event = find(conn, event_id)?;
    let people = count_participants(conn, &event.id, KIND_PERSON)?;
    Ok(EventReport {
        participants: ParticipantFigures {
            total: people + event.anonymous_attendance,
            people,
            anonymous_attendance: event.anonymous_attendance,
            organizations: count_participants(conn, &event.id, KIND_ORGANIZATION)?,
        },
        achievements: count_listings(conn, &event.id, Library::Achievements)?,
        demands: count_listings(conn, &event.id, Library::Demands)?,
        funnel: funnel(conn, &event.id)?,
        contracts: contract_figures(conn, &event.id)?,
        event_id: event.id,
        name: event.name,
    })
}

crate::endpoint! {
    /// The event's report (its creator, administrators and technology brokers): participants
    /// (people registered + anonymous attendance; organizations apart), achievements and demands
    /// collected, the funnel of the event's deals by furthest stage reached (connections ⊇
    /// intentions ⊇ agreements ⊇ signed; lost deals still count at the stage they had reached),
    /// and the registered contracts of those deals with their 成交额 and 技术交易额.
    get "/events/{id}/report" => event_report, tag "events",
    path { "id": "Event id" }, ok 200 "The report" => EventReport,
    problems { 403: "Neither the creator, an administrator nor a broker" },
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<web::Json<EventReport>> {
        let id = path.into_inner();
        let report = state
            .db
            .read(move |conn| {
                let event = find(conn, &id)?;
                if !(organizes(&user, &event) || user.role() == Role::Broker) {
                    return Err(ApiError::Forbidden(
                        "an event's report is for its creator, administrators and brokers".into(),
                    ));
                }
                build(conn, &event.id)
            })
            .await?;
        Ok(web::Json(report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deals_count_at_every_stage_they_reached() {
        let mut funnel = FunnelFigures::default();
        add_to_funnel(&mut funnel, DealStage::Connected, DealStage::Connected, 5);
        add_to_funnel(&mut funnel, DealStage::Intention, DealStage::Lost, 2);
        add_to_funnel(&mut funnel, DealStage::Agreement, DealStage::Agreement, 3);
        add_to_funnel(&mut funnel, DealStage::Signed, DealStage::Signed, 1);
        assert_eq!(funnel.connections, 11);
        assert_eq!(funnel.intentions, 6);
        assert_eq!(funnel.agreements, 4);
        assert_eq!(funnel.signed, 1);
        assert_eq!(funnel.lost, 2);
    }
}
