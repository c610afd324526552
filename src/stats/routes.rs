//! `GET /api/v1/stats/...`: the bureau's figures as JSON, CSV (`Accept: text/csv`) and SVG.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::brokers::{BrokerStats, BrokersQuery};
use super::chart::{self, ContractMetric};
use super::contracts::{ContractStats, ContractsQuery};
use super::figures::read;
use super::funnel::{FunnelQuery, FunnelStats};
use super::libraries::{LibrariesQuery, LibraryStats};
use super::overview::Overview;
use super::params::StatsQuery;
use super::render::{respond, svg};
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validation::Checker;

/// Registers the statistics routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_overview)
        .service(get_contracts)
        .service(contracts_chart)
        .service(get_funnel)
        .service(funnel_chart)
        .service(get_libraries)
        .service(libraries_chart)
        .service(get_brokers);
}

/// Query of the contract chart.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChartQuery {
    /// The figure drawn (default `amount`, 成交额 in 万元).
    #[param(value_type = Option<ContractMetric>)]
    pub metric: Option<String>,
}

/// The market overview: members (active users registered in the period; with `region`, of
/// organizations in the region), organizations per kind, enterprises online (with an active
/// user), achievements first published in the period and published now (of them
/// international), demands posted (first published in the period, whatever their status now),
/// published experts and service organizations, deals connected in the period per current
/// stage (region: the buyer's), and technology contracts registered in the period (region:
/// the seller's) with 成交额 and 技术交易额. Every figure counts the records whose date falls
/// in the period: leave `from` out for cumulative figures up to `to`.
///
/// Administrators read the whole market or, with `org_id`, one organization; members of an
/// organization read their organization's slice (its members, listings, and the deals and
/// contracts where it is the buyer or the seller). `Accept: text/csv` answers
/// `figure,label,value` rows.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The overview", content((Overview = "application/json"), (String = "text/csv"))))
)]
#[get("/stats/overview")]
pub(crate) async fn get_overview(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    let figures: Overview = read(&user, &state, &query, &(), Checker::new()).await?;
    respond(&req, &figures)
}

/// Technology contracts registered in the period per group: count, 成交额 (`amount_fen`) and
/// 技术交易额 (`technology_amount_fen`), each with the same group over the same days one
/// year earlier and the year-on-year growth (同比增长, a ratio: (current − previous) /
/// previous; null when the previous figure is zero). Months and quarters are compared with
/// the same month or quarter of the previous year; other groups need `from` for a comparison.
///
/// A contract counts once it is registered (it has a registration number: registered,
/// performing, completed or terminated); the period applies to its registration date;
/// `region` and `group_by=region` use the seller's region (技术输出地), rolled up by GB/T 2260
/// prefix to `region_level`. Who reads what: as for the overview (an organization: the
/// contracts where it is the buyer or the seller).
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, ContractsQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "Contracts per group", content((ContractStats = "application/json"), (String = "text/csv"))))
)]
#[get("/stats/contracts")]
pub(crate) async fn get_contracts(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    grouping: web::Query<ContractsQuery>,
) -> ApiResult<HttpResponse> {
    let figures: ContractStats = read(&user, &state, &query, &grouping.0, Checker::new()).await?;
    respond(&req, &figures)
}

/// The contract figures of `GET /api/v1/stats/contracts` (same parameters) as an SVG bar
/// chart with Chinese labels: this period beside the same period a year earlier.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, ContractsQuery, ChartQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "An SVG bar chart", content_type = "image/svg+xml", body = String))
)]
#[get("/stats/contracts/chart.svg")]
pub(crate) async fn contracts_chart(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    grouping: web::Query<ContractsQuery>,
    chart_query: web::Query<ChartQuery>,
) -> ApiResult<HttpResponse> {
    let mut checker = Checker::new();
    let metric = match chart_query.metric.as_deref().map(str::trim) {
        None => ContractMetric::Amount,
        Some(text) => text.parse().unwrap_or_else(|message: String| {
            checker.fail("metric", "invalid_value", message);
            ContractMetric::Amount
        }),
    };
    let figures: ContractStats = read(&user, &state, &query, &grouping.0, checker).await?;
    let body = web::block(move || chart::draw(&chart::contracts(&figures, metric))).await??;
    Ok(svg(body))
}

/// The deal funnel of the deals connected in the period: 对接 connected (every deal), 意向
/// intention (furthest stage intention or beyond), 达成意向 agreement (agreement or beyond),
/// 签约 signed, and lost (now lost, whatever stage they had reached — they still count at
/// that stage), with conversion rates (each step over the previous, as ratios) and the lost
/// deals by coded reason. `region` is the buyer's region; `event_id` narrows to one
/// matchmaking event, `broker_id` to one broker's deals.
///
/// Administrators read everything; members of an organization the deals where it is the
/// buyer or the seller; brokers their own deals (naming another broker is 403).
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, FunnelQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The funnel", content((FunnelStats = "application/json"), (String = "text/csv"))))
)]
#[get("/stats/funnel")]
pub(crate) async fn get_funnel(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    funnel_query: web::Query<FunnelQuery>,
) -> ApiResult<HttpResponse> {
    let figures: FunnelStats = read(&user, &state, &query, &funnel_query.0, Checker::new()).await?;
    respond(&req, &figures)
}

/// The funnel of `GET /api/v1/stats/funnel` (same parameters) as an SVG bar chart.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, FunnelQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "An SVG bar chart", content_type = "image/svg+xml", body = String))
)]
#[get("/stats/funnel/chart.svg")]
pub(crate) async fn funnel_chart(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    funnel_query: web::Query<FunnelQuery>,
) -> ApiResult<HttpResponse> {
    let figures: FunnelStats = read(&user, &state, &query, &funnel_query.0, Checker::new()).await?;
    let body = web::block(move || chart::draw(&chart::funnel(&figures))).await??;
    Ok(svg(body))
}

/// New listings per library (achievements, demands, experts, service organizations): the
/// records first published in the period, whatever their status now, grouped by month of
/// publication, technology field (an expert or service organization counts once in each of
/// its fields; the total counts it once) or the listing's region rolled up to
/// `region_level`. Administrators read all libraries; members of an organization its own
/// listings.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, LibrariesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "New listings per group", content((LibraryStats = "application/json"), (String = "text/csv"))))
)]
#[get("/stats/libraries")]
pub(crate) async fn get_libraries(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    grouping: web::Query<LibrariesQuery>,
) -> ApiResult<HttpResponse> {
    let figures: LibraryStats = read(&user, &state, &query, &grouping.0, Checker::new()).await?;
    respond(&req, &figures)
}

/// The library growth of `GET /api/v1/stats/libraries` (same parameters) as an SVG bar
/// chart, one series per library.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, LibrariesQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "An SVG bar chart", content_type = "image/svg+xml", body = String))
)]
#[get("/stats/libraries/chart.svg")]
pub(crate) async fn libraries_chart(
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    grouping: web::Query<LibrariesQuery>,
) -> ApiResult<HttpResponse> {
    let figures: LibraryStats = read(&user, &state, &query, &grouping.0, Checker::new()).await?;
    let body = web::block(move || chart::draw(&chart::libraries(&figures))).await??;
    Ok(svg(body))
}

/// Technology brokers' figures and the period's top brokers (十佳技术经纪人): per broker, the
/// deals connected in the period that they carry and how many of those were signed, and the
/// registered contracts (in the period) naming them as intermediary with their 成交额,
/// 技术交易额 and commission (the fixed commission, else rate in basis points × 技术交易额 /
/// 10,000). Ranked by contract amount, then deals signed, then deals brokered; `top` (default
/// 10) brokers are listed. `region`: the buyer's region for deals, the seller's for
/// contracts.
///
/// Administrators rank every broker; a broker reads only their own figures; members of an
/// organization read the brokers' figures on the deals and contracts where it is a party.
#[utoipa::path(
    tag = "stats",
    params(StatsQuery, BrokersQuery),
    security(("bearer" = [])),
    responses((status = 200, description = "The ranking", content((BrokerStats = "application/json"), (String = "text/csv"))))
)]
#[get("/stats/brokers")]
pub(crate) async fn get_brokers(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    query: web::Query<StatsQuery>,
    ranking: web::Query<BrokersQuery>,
) -> ApiResult<HttpResponse> {
    let figures: BrokerStats = read(&user, &state, &query, &ranking.0, Checker::new()).await?;
    respond(&req, &figures)
}
