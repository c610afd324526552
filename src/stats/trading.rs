//! Trading figures: the lots announced in the period by type (lots, sold, unsold, bidders,
//! starting and hammer prices, premium rate), and the public pricing notices posted and
//! objected to. `region` is the seller's region; an organization reads the lots it sold or
//! won and its own notices.

use std::collections::{BTreeMap, HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::chart::{BarChart, Series};
use super::figures::{Drawn, Figures, NoParams};
use super::params::{Basis, Filter, Scope};
use super::render::{Table, Tabular, cell};
use crate::auctions::model::{AuctionResult, AuctionRow, AuctionStatus, AuctionType};
use crate::db::DbConnection;
use crate::db::schema::{
    auction_registrations, auctions, notice_objections, notices, organizations,
};
use crate::error::ApiResult;
use crate::notices::model::ObjectionStatus;
use crate::validation::Checker;

/// One type's lots.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TradingGroup {
    /// `english`, `sealed`, `dutch`, `listing`, or `total`.
    pub auction_type: String,
    /// Its Chinese label (英式拍卖, 密封拍卖, 荷兰式拍卖, 挂牌, 合计).
    pub label: String,
    /// Lots announced in the period (cancelled ones aside).
    pub lots: i64,
    /// Closed sold.
    pub sold: i64,
    /// Closed unsold.
    pub unsold: i64,
    /// Organizations registered to bid.
    pub bidders: i64,
    /// Sum of starting prices in fen.
    pub starting_fen: i64,
    /// Sum of hammer prices in fen.
    pub hammer_fen: i64,
    /// 溢价率 over the sold lots: (hammer − their starting prices) / their starting prices.
    pub premium_rate: Option<f64>,
}

/// The trading figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TradingStats {
    /// What the figures cover.
    pub basis: Basis,
    /// Per type (a listing that went on as an English auction counts as a listing), then the
    /// total.
    pub groups: Vec<TradingGroup>,
    /// Public pricing notices posted in the period.
    pub notices: i64,
    /// Objections raised in the period.
    pub objections: i64,
    /// Of them, upheld.
    pub objections_upheld: i64,
}

fn label(kind: &str) -> &'static str {
    match kind {
        "english" => "英式拍卖",
        "sealed" => "密封拍卖",
        "dutch" => "荷兰式拍卖",
        "listing" => "挂牌",
        _ => "合计",
    }
}

fn period(filter: &Filter) -> (Option<chrono::NaiveDateTime>, Option<chrono::NaiveDateTime>) {
    let from = filter.period.from.map(crate::clock::start_of_day);
    let to = filter
        .period
        .to
        .and_then(|to| to.checked_add_days(chrono::Days::new(1)))
        .map(crate::clock::start_of_day);
    (from, to)
}

fn in_region(regions: &HashMap<String, String>, org: &str, filter: &Filter) -> bool {
    filter
        .region
        .as_deref()
        .is_none_or(|prefix| regions.get(org).is_some_and(|r| r.starts_with(prefix)))
}

/// The trading figures of a slice.
pub fn compute(conn: &mut DbConnection, filter: &Filter, scope: &Scope) -> ApiResult<TradingStats> {
    let (from, to) = period(filter);
    let shown = [AuctionStatus::Announced, AuctionStatus::Open, AuctionStatus::Closed];
    let mut query = auctions::table
        .filter(auctions::status.eq_any(shown.map(AuctionStatus::as_str)))
        .filter(auctions::announced_at.is_not_null())
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(auctions::announced_at.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(auctions::announced_at.lt(to));
    }
    let lots: Vec<AuctionRow> = query.select(AuctionRow::as_select()).load(conn)?;
    let regions: HashMap<String, String> = organizations::table
        .select((organizations::id, organizations::region_code))
        .filter(organizations::id.eq_any(lots.iter().map(|l| l.seller_org_id.clone())))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<String> = lots.iter().map(|l| l.id.clone()).collect();
    let registrations: Vec<(String, String, String)> = auction_registrations::table
        .filter(auction_registrations::auction_id.eq_any(&ids))
        .select((
            auction_registrations::auction_id,
            auction_registrations::id,
            auction_registrations::org_id,
        ))
        .load(conn)?;
    let winner_org: HashMap<&String, &String> =
        registrations.iter().map(|(_, id, org)| (id, org)).collect();
    let lots: Vec<&AuctionRow> = lots
        .iter()
        .filter(|lot| in_region(&regions, &lot.seller_org_id, filter))
        .filter(|lot| match scope.organization() {
            Some(org) => {
                lot.seller_org_id == org
                    || lot
                        .winner_registration_id
                        .as_ref()
                        .and_then(|w| winner_org.get(w))
                        .is_some_and(|o| *o == org)
            }
            None => true,
        })
        .collect();
    let mut groups: BTreeMap<usize, (TradingGroup, HashSet<&String>, i64)> = BTreeMap::new();
    for lot in &lots {
        let kind =
            lot.converted_from.clone().unwrap_or_else(|| lot.auction_type.as_str().to_string());
        let position = AuctionType::ALL.iter().position(|t| t.as_str() == kind).unwrap_or(0);
        for key in [position, AuctionType::ALL.len()] {
            let name =
                if key == AuctionType::ALL.len() { "total".to_string() } else { kind.clone() };
            let (group, bidders, sold_starting) = groups.entry(key).or_insert_with(|| {
                (
                    TradingGroup {
                        label: label(&name).into(),
                        auction_type: name,
                        ..TradingGroup::default()
                    },
                    HashSet::new(),
                    0,
                )
            });
            group.lots += 1;
            group.starting_fen += lot.starting_price_fen;
            match lot.result() {
                Some(AuctionResult::Sold) => {
                    group.sold += 1;
                    group.hammer_fen += lot.hammer_price_fen.unwrap_or(0);
                    *sold_starting += lot.starting_price_fen;
                }
                Some(AuctionResult::Unsold) => group.unsold += 1,
                None => {}
            }
            bidders.extend(
                registrations.iter().filter(|(a, _, _)| *a == lot.id).map(|(_, _, org)| org),
            );
        }
    }
    let groups = groups
        .into_values()
        .map(|(mut group, bidders, sold_starting)| {
            group.bidders = i64::try_from(bidders.len()).unwrap_or(i64::MAX);
            group.premium_rate =
                crate::auctions::rules::premium_rate(group.hammer_fen, sold_starting);
            group
        })
        .collect();
    let mut posted = notices::table.into_boxed();
    let mut raised = notice_objections::table.inner_join(notices::table).into_boxed();
    if let Some(from) = from {
        posted = posted.filter(notices::created_at.ge(from));
        raised = raised.filter(notice_objections::created_at.ge(from));
    }
    if let Some(to) = to {
        posted = posted.filter(notices::created_at.lt(to));
        raised = raised.filter(notice_objections::created_at.lt(to));
    }
    if let Some(org) = scope.organization() {
        posted = posted.filter(notices::seller_org_id.eq(org.to_string()));
        raised = raised.filter(notices::seller_org_id.eq(org.to_string()));
    }
    let posted: Vec<String> = posted.select(notices::seller_org_id).load(conn)?;
    let raised: Vec<(String, String)> =
        raised.select((notices::seller_org_id, notice_objections::status)).load(conn)?;
    let seller_regions: HashMap<String, String> = organizations::table
        .select((organizations::id, organizations::region_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let raised: Vec<&(String, String)> =
        raised.iter().filter(|(org, _)| in_region(&seller_regions, org, filter)).collect();
    Ok(TradingStats {
        basis: Basis::new(filter, scope),
        groups,
        notices: count(posted.iter().filter(|org| in_region(&seller_regions, org, filter)).count()),
        objections: count(raised.len()),
        objections_upheld: count(
            raised.iter().filter(|(_, s)| s == ObjectionStatus::Upheld.as_str()).count(),
        ),
    })
}

impl Figures for TradingStats {
    type Query = NoParams;
    type Parsed = ();

    fn parse(_: &NoParams, _: &mut Checker, _: &Filter) {}

    fn compute(conn: &mut DbConnection, filter: &Filter, scope: &Scope, _: ()) -> ApiResult<Self> {
        compute(conn, filter, scope)
    }
}

impl Tabular for TradingStats {
    fn table(&self) -> Table {
        Table {
            headers: vec![
                "auction_type",
                "label",
                "lots",
                "sold",
                "unsold",
                "bidders",
                "starting_fen",
                "hammer_fen",
                "premium_rate",
            ],
            rows: self
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.auction_type.clone(),
                        g.label.clone(),
                        g.lots.to_string(),
                        g.sold.to_string(),
                        g.unsold.to_string(),
                        g.bidders.to_string(),
                        g.starting_fen.to_string(),
                        g.hammer_fen.to_string(),
                        cell(g.premium_rate),
                    ]
                })
                .collect(),
        }
    }
}

impl Drawn for TradingStats {
    fn chart(&self) -> BarChart {
        let groups: Vec<&TradingGroup> =
            self.groups.iter().filter(|g| g.auction_type != "total").collect();
        let values = |f: fn(&TradingGroup) -> i64| groups.iter().map(|g| f(g) as f64).collect();
        BarChart {
            title: "科技成果拍卖与挂牌（按方式）".into(),
            subtitle: super::chart::basis_line(&self.basis),
            counts: true,
            y_label: "标的数（项）".into(),
            categories: groups.iter().map(|g| g.label.clone()).collect(),
            series: vec![
                Series {
                    name: "标的".into(),
                    color: super::chart::GREY_,
                    values: values(|g| g.lots),
                },
                Series {
                    name: "成交".into(),
                    color: super::chart::BLUE_,
                    values: values(|g| g.sold),
                },
            ],
        }
    }
}
