//! `/api/v1/deals`: open a deal, list and read the caller's deals, move them through the
//! funnel, assign a broker.

use crate::action_endpoint;
use crate::http::endpoint::State;
use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, put, web};
use diesel::prelude::*;

use super::access::{ensure_participant, is_participant, is_party};
use super::consent::{Sides, record_act};
use super::dto::{self, AdvanceDeal, AssignBroker, CreateDeal, DealFilter, LoseDeal};
use super::model::{DealContract, DealOut, DealRow, DealStage};
use super::queries::{self, NewDeal};
use crate::accounts::model::Role;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{contracts, deals};
use crate::db::{DbConnection, MultiBackend, now};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};
use crate::listings::Library;
use crate::state::AppState;
use crate::validation::Checker;

/// Registers the deal routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_deal)
        .service(list_deals)
        .service(get_deal)
        .service(advance_deal)
        .service(lose_deal)
        .service(assign_broker)
        .service(super::messages::list_messages)
        .service(super::messages::post_message)
        .service(super::messages::deal_history);
}

/// The contracts recorded for these deals, by deal, oldest first (one query).
pub(crate) fn contracts_of(
    conn: &mut DbConnection,
    deal_ids: &[String],
) -> ApiResult<HashMap<String, Vec<DealContract>>> {
    let rows: Vec<(Option<String>, String, String, Option<String>)> = contracts::table
        .filter(contracts::deal_id.eq_any(deal_ids))
        .order(contracts::id.asc())
        .select((
            contracts::deal_id,
            contracts::id,
            contracts::status,
            contracts::registration_number,
        ))
        .load(conn)?;
    let mut by_deal: HashMap<String, Vec<DealContract>> = HashMap::new();
    for (deal_id, id, status, registration_number) in rows {
        if let Some(deal_id) = deal_id {
            by_deal.entry(deal_id).or_default().push(DealContract {
                id,
                status,
                registration_number,
            });
        }
    }
    Ok(by_deal)
}

/// A deal with its contracts and names.
pub fn deal_out(conn: &mut DbConnection, row: DealRow) -> ApiResult<DealOut> {
    super::names::deal_outs(conn, vec![row])?
        .pop()
        .ok_or_else(|| crate::error::ApiError::Internal("deal output missing".into()))
}

/// 403 unless the user's organization is verified: unverified organizations open no deals.
fn ensure_organization_verified(conn: &mut DbConnection, user: &AuthUser) -> ApiResult<()> {
    let verified = match user.user.organization_id.as_deref() {
        Some(org) => crate::organizations::queries::find(conn, org)?.verified,
        None => false,
    };
    if verified {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "your organization is not verified yet: an administrator verifies it before it \
             opens deals"
                .into(),
        ))
    }
}

/// Runs a change on one deal (loaded by id) in a write transaction and answers the deal as
/// the change leaves it.
async fn write_deal(
    state: &AppState,
    id: String,
    change: impl FnOnce(&mut DbConnection, DealRow) -> ApiResult<DealRow> + Send + 'static,
) -> ApiResult<HttpResponse> {
    let out = state
        .db
        .write(move |conn| {
            let deal = queries::find(conn, &id)?;
            let row = change(conn, deal)?;
            deal_out(conn, row)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, out))
}

fn respond(status: actix_web::http::StatusCode, out: DealOut) -> HttpResponse {
    Tagged::with_status(status, out.version, out).into()
}

/// A new deal's buyer and seller organizations (given, or those of its demand and
/// achievement), with the field errors found so far; 422 at once when a party is neither
/// given nor found.
async fn parties(
    state: &State,
    user: &AuthUser,
    input: &CreateDeal,
) -> ApiResult<(String, String, Checker)> {
    let mut checker = Checker::new();
    for (field, given) in
        [("buyer_org_id", &input.buyer_org_id), ("seller_org_id", &input.seller_org_id)]
    {
        if let Some(org) = given {
            dto::id(&mut checker, field, org);
        }
    }
    let viewer = user.clone();
    let (buyer, seller) = (input.buyer_org_id.clone(), input.seller_org_id.clone());
    let (demand, achievement) = (input.demand_id.clone(), input.achievement_id.clone());
    state
        .db
        .read(move |conn| {
            let buyer = queries::party(
                conn,
                &viewer,
                ("buyer_org_id", buyer.as_deref()),
                ("demand_id", Library::Demands, demand.as_deref()),
                &mut checker,
            )?;
            let seller = queries::party(
                conn,
                &viewer,
                ("seller_org_id", seller.as_deref()),
                ("achievement_id", Library::Achievements, achievement.as_deref()),
                &mut checker,
            )?;
            if buyer.is_empty() || seller.is_empty() {
                return Err(checker.finish().err().unwrap_or_else(|| {
                    ApiError::field("buyer_org_id", "required", "the deal's parties are unknown")
                }));
            }
            Ok((buyer, seller, checker))
        })
        .await
}

crate::endpoint! {
    /// Opens a deal between a buyer and a seller organization, usually about a demand and an
    /// achievement; a party left out is the organization of its demand or achievement. Either party, a technology broker or an administrator may open it; it starts
    /// at `connected`. At most one open deal per (demand, achievement) pair: a second gets 409
    /// with `existing_id`.
    post "/deals" => create_deal, tag "deals",
    body CreateDeal, ok 201 "The deal, at `connected`" => DealOut,
    problems { 409: "An open deal for this demand and achievement exists (see `existing_id`)", 422: "Invalid fields; a record the caller may not see answers `not_found` like an unknown id", 503: "The database is busy behind another write (`database_busy`, `Retry-After`)" },
    |user: AuthUser, state: State, body: ValidJson<CreateDeal>| -> ApiResult<HttpResponse> {
        let input = body.into_inner();
        let (buyer_org_id, seller_org_id, mut checker) = parties(&state, &user, &input).await?;
        dto::commission(&mut checker, input.commission_rate_bp, input.commission_fen);
        if input.source == crate::deals::model::DealSource::Auction {
            checker.fail("source", "reserved", "auction deals are opened by the close of a sold lot");
        }
        let note = dto::note(&mut checker, input.note.as_deref());
        let body_errors = checker.into_errors();
        let is_broker = user.role() == Role::Broker;
        let is_party = user.belongs_to(&buyer_org_id) || user.belongs_to(&seller_org_id);
        if !(user.is_admin() || is_broker || is_party) {
            return Err(ApiError::Forbidden(
                "a deal is opened by its buyer, its seller, a technology broker or an administrator"
                    .into(),
            ));
        }
        if is_broker && !user.user.is_verified() && !user.is_admin() {
            return Err(ApiError::Forbidden(
                "technology brokers open and carry deals once an administrator has verified them \
                 (POST /api/v1/admin/users/{id}/verify)"
                    .into(),
            ));
        }
        let acting = Sides::of(&user, &buyer_org_id, &seller_org_id);
        let broker_id = match (input.broker_id, is_broker) {
            (Some(named), true) if named != user.id() && !is_party => {
                return Err(ApiError::field(
                    "broker_id",
                    "not_yourself",
                    "a broker opens deals they carry themselves",
                ));
            }
            (None, true) => Some(user.id().to_string()),
            (named, _) => named,
        };
        let new = NewDeal {
            demand_id: input.demand_id,
            achievement_id: input.achievement_id,
            buyer_org_id,
            seller_org_id,
            broker_id,
            event_id: input.event_id,
            response_id: None,
            source: input.source,
            stage: DealStage::Connected,
            commission_rate_bp: input.commission_rate_bp,
            commission_fen: input.commission_fen,
            acting,
        };
        let out = state
            .db
            .write(move |conn| {
                if is_party && !user.is_admin() {
                    ensure_organization_verified(conn, &user)?;
                }
                let row = queries::open_checked(conn, &user.actor(), Some(&user), new, body_errors)?;
                if let Some(note) = note {
                    audit::record(
                        conn,
                        &user.actor(),
                        "deal.note",
                        queries::ENTITY,
                        &row.id,
                        serde_json::json!({ "note": note }),
                    )?;
                }
                deal_out(conn, row)
            })
            .await?;
        Ok(respond(actix_web::http::StatusCode::CREATED, out))
    }
}

/// The deals a list shows the caller under its filters, unordered and unpaged: administrators
/// all, brokers those they carry, members their organization's.
fn selected(user: &AuthUser, filter: &DealFilter) -> deals::BoxedQuery<'static, MultiBackend> {
    let mut query = deals::table.into_boxed();
    if !user.is_admin() {
        let org = user.own_organization();
        let own = deals::buyer_org_id.eq(org.clone()).or(deals::seller_org_id.eq(org));
        query = if user.role() == Role::Broker && user.user.is_verified() {
            query.filter(own.or(deals::broker_id.eq(user.id().to_string())))
        } else {
            query.filter(own)
        };
    }
    crate::narrow!(query, deals, filter; stage);
    if let Some(broker) = filter.broker_id.clone() {
        query = query.filter(deals::broker_id.eq(broker));
    }
    if let Some(event) = filter.event_id.clone() {
        query = query.filter(deals::event_id.eq(event));
    }
    if let Some(org) = filter.org_id.clone() {
        query = query.filter(deals::buyer_org_id.eq(org.clone()).or(deals::seller_org_id.eq(org)));
    }
    if let Some(demand) = filter.demand_id.clone() {
        query = query.filter(deals::demand_id.eq(demand));
    }
    if let Some(achievement) = filter.achievement_id.clone() {
        query = query.filter(deals::achievement_id.eq(achievement));
    }
    query
}

crate::endpoint! {
    /// The caller's deals, newest first: administrators see all, brokers the deals they carry,
    /// organization members the deals where their organization is buyer or seller.
    get "/deals" => list_deals, tag "deals",
    params { DealFilter, PageParams }, ok 200 "Deals, newest first" => Page<DealOut>,
    |user: AuthUser, state: State, filter: web::Query<DealFilter>, page: web::Query<PageParams>|
        -> ApiResult<web::Json<Page<DealOut>>> {
        let request = page.parse()?;
        let page_request = request.clone();
        let filter = filter.into_inner();
        let page = state
            .db
            .read(move |conn| {
                let total = selected(&user, &filter).count().get_result(conn)?;
                let query = selected(&user, &filter);
                let rows = crate::after_cursor!(query, deals::id, page_request, desc)
                    .select(DealRow::as_select())
                    .load(conn)?;
                let page = Page::from_rows(rows, &page_request, |r| r.id.clone());
                let items = super::names::deal_outs(conn, page.items)?;
                Ok(Page { items, next_cursor: page.next_cursor, total: Some(total) })
            })
            .await?;
        Ok(web::Json(page))
    }
}

crate::endpoint! {
    /// One deal, with its contracts and their registration numbers, for its parties, its broker
    /// and administrators (404 for anyone else).
    get "/deals/{id}" => get_deal, tag "deals",
    path { "id": "Deal id" }, ok 200 "The deal (`ETag` = version)" => DealOut,
    |user: AuthUser, state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let out = state
            .db
            .read(move |conn| {
                let row = queries::find(conn, &id)?;
                ensure_participant(&user, &row)?;
                deal_out(conn, row)
            })
            .await?;
        Ok(respond(actix_web::http::StatusCode::OK, out))
    }
}

action_endpoint! {
    /// Moves a deal one stage forward: `connected` → `intention` → `agreement`. No stage is
    /// skipped; `signed` is reached only when a technology contract for the deal is registered.
    /// Parties, the broker and administrators may move it; the move is stamped (who, when, note)
    /// in the history.
    post "/deals/{id}/advance" => advance_deal, tag "deals", path { "id": "Deal id" },
    ok 200 "The deal at its new stage" => DealOut, problems { 409: "Not the next stage, the deal is closed, `signed` asked for (see `allowed`), or a stale version" },
    extract { if_match: IfMatch },
    |user: AuthUser, state, path: String, body: Json<AdvanceDeal>| -> HttpResponse {
        let id = path.into_inner();
        let input = body.into_inner();
        let version = if_match.optional(input.version)?;
        let mut checker = Checker::new();
        let note = dto::note(&mut checker, input.note.as_deref());
        checker.finish()?;
        write_deal(&state, id, move |conn, deal| {
                ensure_participant(&user, &deal)?;
                if input.to == DealStage::Signed && deal.stage == DealStage::Agreement {
                    return Err(ApiError::conflict_allowing("a deal is signed when a technology contract for it is registered: \
                                 record it with POST /api/v1/contracts (deal_id) and submit it for registration", vec![DealStage::Lost.to_string()]));
                }
                let row = queries::advance(
                    conn,
                    &user.actor(),
                    &deal,
                    input.to,
                    note.as_deref(),
                    version,
                )?;
                record_act(conn, &user, &row)?;
                queries::find(conn, &row.id)
            })
            .await
    }
}

action_endpoint! {
    /// Marks an open deal lost with a coded reason (`too_early`, `benefit_unclear`, `price_gap`,
    /// `no_commercial_route`, `other` with a note). The furthest stage reached is kept for the
    /// funnel.
    post "/deals/{id}/lose" => lose_deal, tag "deals", path { "id": "Deal id" },
    ok 200 "The lost deal" => DealOut, problems { 409: "The deal is already signed or lost, or a stale version" },
    extract { if_match: IfMatch },
    |user: AuthUser, state, path: String, body: Json<LoseDeal>| -> HttpResponse {
        let id = path.into_inner();
        let input = body.into_inner();
        let version = if_match.optional(input.version)?;
        let mut checker = Checker::new();
        let note = dto::note(&mut checker, input.note.as_deref());
        dto::check_loss(&mut checker, input.reason, &note);
        checker.finish()?;
        write_deal(&state, id, move |conn, deal| {
            ensure_participant(&user, &deal)?;
            queries::lose(conn, &user.actor(), &deal, input.reason.into(), note.as_deref(), version)
        })
        .await
    }
}

action_endpoint! {
    /// Assigns the technology broker who carries an open deal, with the agreed commission
    /// (basis points of the technology amount, or a fixed amount in fen). A party or an
    /// administrator assigns; the broker is told by the deal appearing in their list.
    put "/deals/{id}/broker" => assign_broker, tag "deals", path { "id": "Deal id" },
    ok 200 "The deal with its broker" => DealOut, problems { 409: "The deal is closed, or a stale version" },
    extract { if_match: IfMatch },
    |user: AuthUser, state, path: String, body: Json<AssignBroker>| -> HttpResponse {
        let id = path.into_inner();
        let input = body.into_inner();
        let version = if_match.optional(input.version)?;
        let mut checker = Checker::new();
        dto::id(&mut checker, "broker_id", &input.broker_id);
        dto::commission(&mut checker, input.commission_rate_bp, input.commission_fen);
        checker.finish()?;
        write_deal(&state, id, move |conn, deal| {
            if !is_participant(&user, &deal) {
                return Err(super::access::not_found());
            }
            if !(user.is_admin() || is_party(&user, &deal)) {
                return Err(ApiError::Forbidden(
                    "a deal's parties or an administrator assign its broker".into(),
                ));
            }
            if let Some(expected) = version
                && expected != deal.version
            {
                return Err(ApiError::stale_version(expected, deal.version));
            }
            if !deal.stage.is_open() {
                return Err(ApiError::conflict(format!(
                    "the deal is {}; brokers are assigned to open deals",
                    deal.stage
                )));
            }
            queries::check_broker(conn, "broker_id", &input.broker_id)?;
            let stamp = now();
            diesel::update(deals::table.find(&deal.id))
                .set((
                    deals::broker_id.eq(&input.broker_id),
                    deals::commission_rate_bp.eq(input.commission_rate_bp),
                    deals::commission_fen.eq(input.commission_fen),
                    deals::version.eq(deal.version + 1),
                    deals::updated_at.eq(stamp),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                &user.actor(),
                "deal.assign_broker",
                queries::ENTITY,
                &deal.id,
                audit::diff(&[
                    (
                        "broker_id",
                        serde_json::json!(deal.broker_id),
                        serde_json::json!(input.broker_id),
                    ),
                    (
                        "commission_rate_bp",
                        serde_json::json!(deal.commission_rate_bp),
                        serde_json::json!(input.commission_rate_bp),
                    ),
                    (
                        "commission_fen",
                        serde_json::json!(deal.commission_fen),
                        serde_json::json!(input.commission_fen),
                    ),
                ]),
            )?;
            queries::find(conn, &deal.id)
        })
        .await
    }
}
