//! Joint sessions (联合竞价): an administrator opens a session, lots of many sellers and
//! regions join it by `session_id`, and its report sums what was offered and sold by the
//! seller's and by the buyer's city.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{AuctionResult, AuctionRow, AuctionStatus};
use crate::audit;
use crate::auth::AdminUser;
use crate::db::schema::{auction_registrations, auction_sessions, auctions, organizations};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult, MissingAs};
use crate::http::endpoint::State;
use crate::http::pagination::read_page;
use crate::http::version::Tagged;
use crate::http::{Page, PageParams, ValidJson};
use crate::validation::{self, Checker};

/// The audit entity name of sessions.
pub const ENTITY: &str = "auction_session";

/// A stored session.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auction_sessions)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Start.
    pub starts_at: NaiveDateTime,
    /// End.
    pub ends_at: NaiveDateTime,
    /// Who opened it.
    pub created_by: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A new joint session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// The session's name (1–200 characters), e.g. 长三角科技成果联合竞价会.
    pub name: String,
    /// When its first lot may open (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// When its last lot must end (RFC 3339), after `starts_at`.
    pub ends_at: DateTime<Utc>,
}

/// A joint session as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionOut {
    /// Session id; lots join with it as `session_id`.
    pub id: String,
    /// The session's name.
    pub name: String,
    /// When its first lot may open (RFC 3339 UTC).
    pub starts_at: DateTime<Utc>,
    /// When its last lot must end (RFC 3339 UTC).
    pub ends_at: DateTime<Utc>,
    /// Version of the record.
    pub version: i64,
    /// When it was opened (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: SessionRow => SessionOut {
    same { id, name, version }
    times { starts_at, ends_at, created_at }
} }

fn find(conn: &mut DbConnection, id: &str) -> ApiResult<SessionRow> {
    auction_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("auction session".into()))
}

/// 422 unless the session exists and the lot's times lie within it.
pub fn check_within(
    conn: &mut DbConnection,
    id: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
) -> ApiResult<()> {
    let session = find(conn, id)
        .missing_as(|| ApiError::field("session_id", "not_found", "no such session"))?;
    if starts_at < session.starts_at || ends_at > session.ends_at {
        return Err(ApiError::field(
            "session_id",
            "outside_session",
            "the lot's start and end must lie within the session's",
        ));
    }
    Ok(())
}

crate::endpoint! {
    /// Opens a joint session (administrators) that lots of many sellers join by `session_id`.
    post "/auction-sessions" => create_session, tag "auctions",
    body SessionInput, ok 201 "The session" => SessionOut,
    problems { 403: "Not an administrator", 422: "Invalid fields" },
    |admin: AdminUser, state: State, body: ValidJson<SessionInput>| -> ApiResult<HttpResponse> {
        let input = body.into_inner();
        let mut checker = Checker::new();
        let name = checker.check("name", validation::text(&input.name, 1, 200));
        if input.ends_at <= input.starts_at {
            checker.fail("ends_at", "before_start", "must be after starts_at");
        }
        let name = checker.finish_with(|| name)?;
        let user = admin.0;
        let out = state.db.write(move |conn| {
            let stamp = now();
            let row = SessionRow {
                id: new_id(),
                name,
                starts_at: input.starts_at.naive_utc(),
                ends_at: input.ends_at.naive_utc(),
                created_by: user.id().to_string(),
                version: 1,
                created_at: stamp,
                updated_at: stamp,
            };
            diesel::insert_into(auction_sessions::table).values(row.clone()).execute(conn)?;
            audit::record(conn, &user.actor(), "auction_session.create", ENTITY, &row.id,
                serde_json::json!({ "name": row.name, "starts_at": row.starts_at, "ends_at": row.ends_at }))?;
            Ok(SessionOut::from(row))
        }).await?;
        Ok(Tagged::created(out.version, out).into())
    }
}

crate::endpoint! {
    /// Joint sessions, newest first (public).
    get "/auction-sessions" => list_sessions, tag "auctions",
    public, params { PageParams },
    ok 200 "Sessions, newest first" => Page<SessionOut>,
    |state: State, page: web::Query<PageParams>| -> ApiResult<web::Json<Page<SessionOut>>> {
        let page = read_page(&state.db, &page, move |conn, request| {
            Ok(crate::after_cursor!(auction_sessions::table.into_boxed(), auction_sessions::id, request, desc)
                .select(SessionRow::as_select())
                .load(conn)?)
        })
        .await?
        .keyed(|r| r.id.clone());
        Ok(web::Json(page.map(SessionOut::from)))
    }
}

crate::endpoint! {
    /// One joint session (public).
    get "/auction-sessions/{id}" => get_session, tag "auctions",
    public, path { "id": "Session id" },
    ok 200 "The session" => SessionOut, problems { 404: "No such session" },
    |state: State, path: web::Path<String>| -> ApiResult<HttpResponse> {
        let id = path.into_inner();
        let out = SessionOut::from(state.db.read(move |conn| find(conn, &id)).await?);
        Ok(Tagged::ok(out.version, out).into())
    }
}

/// What a session's lots came to in one city.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RegionFigures {
    /// The city's GB/T 2260 code (`330100`).
    pub region_code: String,
    /// Its full name (浙江省杭州市; 上海市 for a municipality).
    pub region_name: Option<String>,
    /// Lots (by the seller's city: put up; by the buyer's: won).
    pub lots: i64,
    /// Lots sold.
    pub sold: i64,
    /// Sum of the lots' starting prices in fen (sold lots only by the buyer's city).
    pub starting_fen: i64,
    /// Sum of hammer prices in fen.
    pub hammer_fen: i64,
    /// 溢价率: (hammer − starting) / starting over the sold lots; null when none sold.
    pub premium_rate: Option<f64>,
}

/// The report of a joint session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionReport {
    /// The session.
    pub session: SessionOut,
    /// Lots announced in it (cancelled ones aside).
    pub lots: i64,
    /// Lots closed sold.
    pub sold: i64,
    /// Lots closed unsold.
    pub unsold: i64,
    /// Organizations registered to bid on any of its lots.
    pub bidders: i64,
    /// Sum of all lots' starting prices in fen.
    pub starting_fen: i64,
    /// Sum of hammer prices in fen.
    pub hammer_fen: i64,
    /// 溢价率 over the sold lots: (hammer − their starting prices) / their starting prices.
    pub premium_rate: Option<f64>,
    /// By the seller's city.
    pub by_seller_region: Vec<RegionFigures>,
    /// By the winning buyer's city (sold lots).
    pub by_buyer_region: Vec<RegionFigures>,
}

fn city(code: &str) -> String {
    format!("{:0<6}", code.get(..4).unwrap_or(code))
}

fn add(
    figures: &mut BTreeMap<String, RegionFigures>,
    region: String,
    lot: &AuctionRow,
    counts_unsold: bool,
) {
    let sold = lot.result() == Some(AuctionResult::Sold);
    if !sold && !counts_unsold {
        return;
    }
    let entry = figures.entry(region.clone()).or_insert_with(|| RegionFigures {
        region_name: crate::domain::regions::full_name(&region),
        region_code: region,
        ..RegionFigures::default()
    });
    entry.lots += 1;
    if sold {
        entry.sold += 1;
        entry.hammer_fen += lot.hammer_price_fen.unwrap_or(0);
    }
    entry.starting_fen += lot.starting_price_fen;
}

fn report(conn: &mut DbConnection, session: SessionRow) -> ApiResult<SessionReport> {
    let shown = [AuctionStatus::Announced, AuctionStatus::Open, AuctionStatus::Closed];
    let lots: Vec<AuctionRow> = auctions::table
        .filter(auctions::session_id.eq(&session.id))
        .filter(auctions::status.eq_any(shown.map(AuctionStatus::as_str)))
        .select(AuctionRow::as_select())
        .load(conn)?;
    let ids: Vec<&String> = lots.iter().map(|l| &l.id).collect();
    let bidders = auction_registrations::table
        .filter(auction_registrations::auction_id.eq_any(&ids))
        .select(auction_registrations::org_id)
        .distinct()
        .load::<String>(conn)?
        .len();
    let winners: BTreeMap<String, String> = auction_registrations::table
        .inner_join(organizations::table.on(organizations::id.eq(auction_registrations::org_id)))
        .filter(
            auction_registrations::id
                .eq_any(lots.iter().filter_map(|l| l.winner_registration_id.clone())),
        )
        .select((auction_registrations::id, organizations::region_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let sellers: BTreeMap<String, String> = organizations::table
        .filter(organizations::id.eq_any(lots.iter().map(|l| l.seller_org_id.clone())))
        .select((organizations::id, organizations::region_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut by_seller = BTreeMap::new();
    let mut by_buyer = BTreeMap::new();
    let mut sold_starting = BTreeMap::<String, i64>::new();
    for lot in &lots {
        let seller_city = city(sellers.get(&lot.seller_org_id).map_or("", String::as_str));
        add(&mut by_seller, seller_city.clone(), lot, true);
        if lot.result() == Some(AuctionResult::Sold) {
            *sold_starting.entry(seller_city).or_default() += lot.starting_price_fen;
            let buyer = lot.winner_registration_id.as_ref().and_then(|id| winners.get(id));
            add(&mut by_buyer, city(buyer.map_or("", String::as_str)), lot, false);
        }
    }
    let mut by_seller_region: Vec<RegionFigures> = by_seller.into_values().collect();
    for figures in &mut by_seller_region {
        let starting = sold_starting.get(&figures.region_code).copied().unwrap_or(0);
        figures.premium_rate =
            super::rules::premium_rate(figures.hammer_fen, starting).filter(|_| figures.sold > 0);
    }
    let mut by_buyer_region: Vec<RegionFigures> = by_buyer.into_values().collect();
    for figures in &mut by_buyer_region {
        figures.premium_rate = super::rules::premium_rate(figures.hammer_fen, figures.starting_fen);
    }
    let sold_lots: Vec<&AuctionRow> =
        lots.iter().filter(|l| l.result() == Some(AuctionResult::Sold)).collect();
    let hammer_fen: i64 = sold_lots.iter().filter_map(|l| l.hammer_price_fen).sum();
    let sold_start: i64 = sold_lots.iter().map(|l| l.starting_price_fen).sum();
    Ok(SessionReport {
        lots: i64::try_from(lots.len()).unwrap_or(i64::MAX),
        sold: i64::try_from(sold_lots.len()).unwrap_or(i64::MAX),
        unsold: i64::try_from(
            lots.iter().filter(|l| l.result() == Some(AuctionResult::Unsold)).count(),
        )
        .unwrap_or(i64::MAX),
        bidders: i64::try_from(bidders).unwrap_or(i64::MAX),
        starting_fen: lots.iter().map(|l| l.starting_price_fen).sum(),
        hammer_fen,
        premium_rate: super::rules::premium_rate(hammer_fen, sold_start)
            .filter(|_| !sold_lots.is_empty()),
        by_seller_region,
        by_buyer_region,
        session: SessionOut::from(session),
    })
}

crate::endpoint! {
    /// The report of a joint session (public): lots, sold, unsold, bidders, the sums of
    /// starting and hammer prices and the premium rate (溢价率), by the seller's and by the
    /// buyer's city.
    get "/auction-sessions/{id}/report" => session_report, tag "auctions",
    public, path { "id": "Session id" },
    ok 200 "The session's figures" => SessionReport, problems { 404: "No such session" },
    |state: State, path: web::Path<String>| -> ApiResult<web::Json<SessionReport>> {
        let id = path.into_inner();
        let out = state.db.read(move |conn| {
            let session = find(conn, &id)?;
            report(conn, session)
        }).await?;
        Ok(web::Json(out))
    }
}
