//! Technology brokers' figures and the period's top brokers (十佳技术经纪人).

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::contracts::registered_groups;
use super::funnel::deals_in;
use super::params::{Basis, Filter, Scope};
use super::render::{Table, Tabular, cell};
use super::rollups::{self, Dimension, Reading, deals as deal_sums};
use super::sql::{Backend, Group, Sql};
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::ApiResult;
use crate::validation::Checker;

/// The default length of the ranking.
pub const DEFAULT_TOP: i64 = 10;
/// The longest ranking.
pub const MAX_TOP: i64 = 100;

/// Query of `GET /api/v1/stats/brokers`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BrokersQuery {
    /// How many brokers, 1–100 (default 10: 十佳).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub top: Option<String>,
}

impl BrokersQuery {
    /// Checks `top`.
    pub fn parse(&self, checker: &mut Checker) -> i64 {
        match self.top.as_deref().map(str::trim) {
            None => DEFAULT_TOP,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if (1..=MAX_TOP).contains(&n) => n,
                _ => {
                    checker.fail(
                        "top",
                        "out_of_range",
                        format!("must be a whole number from 1 to {MAX_TOP}"),
                    );
                    DEFAULT_TOP
                }
            },
        }
    }
}

/// One broker's figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct BrokerFigures {
    /// Place in the ranking, from 1.
    pub rank: usize,
    /// The broker (a user id).
    pub broker_id: String,
    /// Their display name.
    pub display_name: Option<String>,
    /// Deals connected in the period that the broker carries.
    pub deals_brokered: i64,
    /// Of those, the deals signed.
    pub deals_signed: i64,
    /// Registered contracts (in the period) naming the broker as intermediary.
    pub contracts: i64,
    /// Their 成交额, in fen.
    pub amount_fen: i64,
    /// Their 技术交易额, in fen.
    pub technology_amount_fen: i64,
    /// The broker's commission on them, in fen: the fixed commission, else the rate in basis
    /// points × 技术交易额 / 10,000 (rounded down per contract).
    pub commission_fen: i64,
}

/// The ranking of brokers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BrokerStats {
    /// What the figures cover.
    pub basis: Basis,
    /// The length asked for.
    pub top: i64,
    /// Brokers with any deal or contract in the slice (the ranking shows `top` of them).
    pub brokers_total: usize,
    /// Ranked by contract amount, then deals signed, then deals brokered.
    pub items: Vec<BrokerFigures>,
}

/// Deals per broker (key) in a slice, `a` of them signed: the whole market's from the sums, a
/// slice's from its deals.
fn brokered_deals(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
) -> ApiResult<Vec<Group>> {
    if matches!(scope, Scope::All) {
        let groups =
            rollups::groups(conn, &[deal_sums::FAMILY], filter, Reading::By(deal_sums::BROKER))?;
        return Ok(groups.into_iter().map(|(_, group)| group).collect());
    }
    // The covering index beats the broker index here: most deals have a broker.
    let mut deals = Sql::new(&format!(
        "SELECT d.broker_id AS key, COUNT(*) AS n, \
         COALESCE(SUM(CASE WHEN d.furthest_stage = 'signed' THEN 1 ELSE 0 END), 0) AS a, \
         CAST(0 AS BIGINT) AS b, CAST(0 AS BIGINT) AS c FROM deals d{}",
        Backend::of(conn).indexed_by("deals_stats_idx"),
    ));
    deals_in(&mut deals, filter, scope);
    deals.push(" AND d.broker_id IS NOT NULL GROUP BY 1");
    Ok(deals.load::<Group>(conn)?)
}

/// The brokers' figures of a slice, best first.
pub fn compute(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    top: i64,
) -> ApiResult<BrokerStats> {
    let mut brokers: HashMap<String, BrokerFigures> = HashMap::new();
    for row in brokered_deals(conn, filter, scope)? {
        let Some(id) = row.key else { continue };
        let entry = brokers.entry(id).or_default();
        entry.deals_brokered = row.n;
        entry.deals_signed = row.a;
    }
    let per_broker = registered_groups(
        conn,
        filter,
        &filter.period,
        scope,
        Reading::By(Dimension::Broker.code()),
        "c.intermediary_user_id",
    )?;
    for (id, summed) in per_broker {
        let Some(id) = id else { continue };
        let entry = brokers.entry(id).or_default();
        entry.contracts = summed.figures.count;
        entry.amount_fen = summed.figures.amount_fen;
        entry.technology_amount_fen = summed.figures.technology_amount_fen;
        entry.commission_fen = summed.commission_fen;
    }
    let mut items: Vec<BrokerFigures> = brokers
        .into_iter()
        .map(|(id, mut figures)| {
            figures.broker_id = id;
            figures
        })
        .collect();
    let brokers_total = items.len();
    items.sort_by(|a, b| {
        b.amount_fen
            .cmp(&a.amount_fen)
            .then(b.deals_signed.cmp(&a.deals_signed))
            .then(b.deals_brokered.cmp(&a.deals_brokered))
            .then(a.broker_id.cmp(&b.broker_id))
    });
    items.truncate(usize::try_from(top).unwrap_or(10));
    let ids: Vec<String> = items.iter().map(|b| b.broker_id.clone()).collect();
    let names: HashMap<String, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for (i, item) in items.iter_mut().enumerate() {
        item.rank = i + 1;
        item.display_name = names.get(&item.broker_id).cloned();
    }
    Ok(BrokerStats { basis: Basis::new(filter, scope), top, brokers_total, items })
}

impl Tabular for BrokerStats {
    fn table(&self) -> Table {
        Table {
            headers: vec![
                "rank",
                "broker_id",
                "display_name",
                "deals_brokered",
                "deals_signed",
                "contracts",
                "amount_fen",
                "technology_amount_fen",
                "commission_fen",
            ],
            rows: self
                .items
                .iter()
                .map(|b| {
                    vec![
                        b.rank.to_string(),
                        b.broker_id.clone(),
                        cell(b.display_name.as_deref()),
                        b.deals_brokered.to_string(),
                        b.deals_signed.to_string(),
                        b.contracts.to_string(),
                        b.amount_fen.to_string(),
                        b.technology_amount_fen.to_string(),
                        b.commission_fen.to_string(),
                    ]
                })
                .collect(),
        }
    }
}
