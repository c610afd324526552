//! `GET /api/v1/stats/...`: the bureau's figures as JSON, CSV (`Accept: text/csv`) and SVG.

use actix_web::{HttpResponse, get};
use utoipa_actix_web::service_config::ServiceConfig;

use super::brokers::{BrokerStats, BrokersQuery};
use super::contracts::{ContractStats, ContractsQuery};
use super::figures::{ContractChart, Read, draw};
use super::funnel::{FunnelQuery, FunnelStats};
use super::libraries::{LibrariesQuery, LibraryStats};
use super::overview::Overview;
use super::params::StatsQuery;
use crate::error::ApiResult;

/// A figures endpoint: JSON, or CSV for `Accept: text/csv`, read by the [`Read`] extractor.
macro_rules! figures_endpoint {
    ($(#[doc = $doc:literal])+ $route:literal => $name:ident, params { $($query:ty),+ },
        $figures:ty, $what:literal) => {
        crate::endpoint! {
            $(#[doc = $doc])+
            get $route => $name, tag "stats", params { $($query),+ },
            responses [(status = 200, description = $what,
                content(($figures = "application/json"), (String = "text/csv")))],
            |figures: Read<$figures>| -> Read<$figures> { figures }
        }
    };
}

/// A chart endpoint: the figures of the same parameters drawn as an SVG bar chart.
macro_rules! chart_endpoint {
    ($(#[doc = $doc:literal])+ $route:literal => $name:ident, params { $($query:ty),+ },
        $figures:ty) => {
        crate::endpoint! {
            $(#[doc = $doc])+
            get $route => $name, tag "stats", params { $($query),+ },
            responses [(status = 200, description = "An SVG bar chart",
                content_type = "image/svg+xml", body = String)],
            |figures: Read<$figures>| -> ApiResult<HttpResponse> { draw(figures).await }
        }
    };
}

/// Registers the statistics routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_overview)
        .service(get_contracts)
        .service(contracts_chart)
        .service(get_funnel)
        .service(funnel_chart)
        .service(get_libraries)
        .service(libraries_chart)
        .service(get_brokers)
        .service(get_trading)
        .service(trading_chart)
        .service(get_vouchers)
        .service(vouchers_chart)
        .service(get_voucher_clearing);
}

figures_endpoint! {
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
    "/stats/overview" => get_overview, params { StatsQuery }, Overview, "The overview"
}

figures_endpoint! {
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
    "/stats/contracts" => get_contracts, params { StatsQuery, ContractsQuery }, ContractStats, "Contracts per group"
}

chart_endpoint! {
    /// The contract figures of `GET /api/v1/stats/contracts` (same parameters) as an SVG bar
    /// chart with Chinese labels: this period beside the same period a year earlier.
    "/stats/contracts/chart.svg" => contracts_chart, params { StatsQuery, ContractsQuery, super::figures::ChartQuery }, ContractChart
}

figures_endpoint! {
    /// The deal funnel of the deals connected in the period: 对接 connected (every deal), 意向
    /// intention (furthest stage intention or beyond), 达成意向 agreement (agreement or beyond),
    /// 签约 signed, and lost (now lost, whatever stage they had reached — they still count at
    /// that stage), with conversion rates (each step over the previous, as ratios) and the lost
    /// deals by coded reason. `region` is the buyer's region; `event_id` narrows to one
    /// matchmaking event, `broker_id` to one broker's deals.
    ///
    /// Administrators read everything; members of an organization the deals where it is the
    /// buyer or the seller; brokers their own deals (naming another broker is 403).
    "/stats/funnel" => get_funnel, params { StatsQuery, FunnelQuery }, FunnelStats, "The funnel"
}

chart_endpoint! {
    /// The funnel of `GET /api/v1/stats/funnel` (same parameters) as an SVG bar chart.
    "/stats/funnel/chart.svg" => funnel_chart, params { StatsQuery, FunnelQuery }, FunnelStats
}

figures_endpoint! {
    /// New listings per library (achievements, demands, experts, service organizations): the
    /// records first published in the period, whatever their status now, grouped by month of
    /// publication, technology field (an expert or service organization counts once in each of
    /// its fields; the total counts it once) or the listing's region rolled up to
    /// `region_level`. Administrators read all libraries; members of an organization its own
    /// listings.
    "/stats/libraries" => get_libraries, params { StatsQuery, LibrariesQuery }, LibraryStats, "New listings per group"
}

chart_endpoint! {
    /// The library growth of `GET /api/v1/stats/libraries` (same parameters) as an SVG bar
    /// chart, one series per library.
    "/stats/libraries/chart.svg" => libraries_chart, params { StatsQuery, LibrariesQuery }, LibraryStats
}

figures_endpoint! {
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
    "/stats/brokers" => get_brokers, params { StatsQuery, BrokersQuery }, BrokerStats, "The ranking"
}

figures_endpoint! {
    /// Trading by auction and listing: the lots announced in the period per type (a listing
    /// that went on as an English auction counts as a listing) with lots, sold, unsold,
    /// bidders (organizations registered), the sums of starting and hammer prices and the
    /// premium rate (溢价率 over the sold lots), then the total; and the public pricing notices
    /// posted and objections raised (and upheld) in the period. `region` is the seller's
    /// region. Administrators read the whole market; members of an organization the lots it
    /// sold or won and its own notices.
    "/stats/trading" => get_trading, params { StatsQuery }, super::trading::TradingStats, "Trading per type"
}

chart_endpoint! {
    /// The trading figures of `GET /api/v1/stats/trading` as an SVG bar chart: lots and sold
    /// lots per type.
    "/stats/trading/chart.svg" => trading_chart, params { StatsQuery }, super::trading::TradingStats
}

figures_endpoint! {
    /// Innovation vouchers (创新券) per group: vouchers issued and the amount issued, used (the
    /// voucher share of orders confirmed — the bureau's headline figure), claimed, paid in
    /// settlements and lapsed, each dated by its own event (a China day) within the period.
    /// `group_by`: `region` (the enterprise's, rolled up to `region_level`), `provider`,
    /// `service_type` (issued and lapsed amounts only in the total) or `month`. `region` is the
    /// enterprise's region. Administrators read the whole market; members of an organization
    /// the vouchers and orders where it is the enterprise or the provider.
    "/stats/vouchers" => get_vouchers, params { StatsQuery, super::vouchers::VouchersQuery }, super::vouchers::VoucherStats, "Voucher figures per group"
}

chart_endpoint! {
    /// The voucher figures of `GET /api/v1/stats/vouchers` (same parameters) as an SVG bar
    /// chart in 万元: issued, used and paid per group.
    "/stats/vouchers/chart.svg" => vouchers_chart, params { StatsQuery, super::vouchers::VouchersQuery }, super::vouchers::VoucherStats
}

figures_endpoint! {
    /// Cross-region clearing of innovation vouchers (通用通兑): for orders confirmed in the
    /// period, what each programme's region owes the providers of each region (rolled up to
    /// `region_level`, provinces by default), with how much of it claims already paid. A
    /// voucher of region A spent at a provider in region B is owed by A to B; `region` keeps
    /// the pairs where either side is in it. Who reads what: as for the voucher figures.
    "/stats/vouchers/clearing" => get_voucher_clearing, params { StatsQuery, super::voucher_clearing::ClearingQuery }, super::voucher_clearing::VoucherClearing, "The clearing matrix"
}
