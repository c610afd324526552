//! Registered technology contracts per group, with year-on-year growth (同比增长).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::labels;
use super::params::{Basis, Filter, Period, Scope, growth, level_digits, region_level};
use super::render::{Table, Tabular, cell};
use super::rollups::{self, Dimension, Reading, Summed};
use super::sql::{Backend, Bind, Group, Sql, sum};
use crate::db::DbConnection;
use crate::domain::regions::RegionLevel;
use crate::error::ApiResult;
use crate::validation::Checker;

text_enum! {
    /// How registered contracts are grouped.
    pub enum ContractGroup {
        /// Contract type (技术开发, 技术转让, 技术许可, 技术咨询, 技术服务).
        Type => "type",
        /// Technology field.
        TechnologyField => "technology_field",
        /// The seller's region (技术输出地), rolled up to `region_level`.
        Region => "region",
        /// Month of registration.
        Month => "month",
        /// Quarter of registration.
        Quarter => "quarter",
        /// The buyer's legal-entity kind.
        BuyerKind => "buyer_kind",
        /// The seller's legal-entity kind.
        SellerKind => "seller_kind",
    }
}

text_enum! {
    /// A level of GB/T 2260 regions to roll up to.
    pub enum StatsRegionLevel {
        /// Province: the first 2 digits.
        Province => "province",
        /// City: the first 4 digits.
        City => "city",
        /// District: all 6 digits.
        District => "district",
    }
}

/// Query of `GET /api/v1/stats/contracts`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractsQuery {
    /// The grouping (default `type`).
    #[param(value_type = Option<ContractGroup>)]
    pub group_by: Option<String>,
    /// For `group_by=region`: the level to roll up to (default: one level below `region`,
    /// provinces without it).
    #[param(value_type = Option<StatsRegionLevel>)]
    pub region_level: Option<String>,
}

/// The checked grouping.
#[derive(Debug, Clone, Copy)]
pub struct Grouping {
    /// By what.
    pub group: ContractGroup,
    /// The region level, for region groups.
    pub level: RegionLevel,
}

impl ContractsQuery {
    /// Checks the grouping.
    pub fn parse(&self, checker: &mut Checker, filter: &Filter) -> Grouping {
        let group = match self.group_by.as_deref().map(str::trim) {
            None => ContractGroup::Type,
            Some(text) => text.parse().unwrap_or_else(|message: String| {
                checker.fail("group_by", "invalid_value", message);
                ContractGroup::Type
            }),
        };
        let level = region_level(checker, self.region_level.as_deref(), filter.region.as_deref());
        Grouping { group, level }
    }
}

/// Count, 成交额 and 技术交易额 of a set of registered contracts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContractFigures {
    /// Contracts registered.
    pub count: i64,
    /// 成交额: the sum of the contract amounts, in fen.
    pub amount_fen: i64,
    /// 技术交易额: the sum of the technology transaction amounts, in fen.
    pub technology_amount_fen: i64,
}

impl ContractFigures {
    fn add(&mut self, other: ContractFigures) {
        self.count += other.count;
        self.amount_fen += other.amount_fen;
        self.technology_amount_fen += other.technology_amount_fen;
    }
}

/// Year-on-year growth of each figure, as a ratio (0.25 = +25 %); null without a base.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContractGrowth {
    /// Of the count.
    pub count: Option<f64>,
    /// Of 成交额.
    pub amount_fen: Option<f64>,
    /// Of 技术交易额.
    pub technology_amount_fen: Option<f64>,
}

impl ContractGrowth {
    fn of(current: &ContractFigures, previous: Option<&ContractFigures>) -> ContractGrowth {
        ContractGrowth {
            count: growth(current.count, previous.map(|p| p.count)),
            amount_fen: growth(current.amount_fen, previous.map(|p| p.amount_fen)),
            technology_amount_fen: growth(
                current.technology_amount_fen,
                previous.map(|p| p.technology_amount_fen),
            ),
        }
    }
}

/// One group of registered contracts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractGroupOut {
    /// The group's code (a type, field, region prefix, `2025-03`, `2025-Q1`, entity kind);
    /// null for contracts without one (e.g. a foreign seller has no region).
    pub key: Option<String>,
    /// The group's Chinese label.
    pub label: String,
    /// The figures in the period.
    pub current: ContractFigures,
    /// The same group one year earlier; null when there is no comparison period.
    pub previous: Option<ContractFigures>,
    /// 同比增长.
    pub growth: ContractGrowth,
}

/// Registered contracts per group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractStats {
    /// What the figures cover.
    pub basis: Basis,
    /// The grouping.
    pub group_by: ContractGroup,
    /// The region level of region groups.
    pub region_level: Option<StatsRegionLevel>,
    /// The comparison period (the same days one year earlier), if any.
    pub previous_from: Option<chrono::NaiveDate>,
    /// Its last day.
    pub previous_to: Option<chrono::NaiveDate>,
    /// The groups: months and quarters in time order (those with contracts in the period),
    /// other groups by 成交额, largest first (with those that had contracts only a year
    /// earlier).
    pub groups: Vec<ContractGroupOut>,
    /// All groups together.
    pub total: ContractGroupOut,
}

fn key_expression(backend: Backend, grouping: Grouping) -> String {
    match grouping.group {
        ContractGroup::Type => "c.contract_type".into(),
        ContractGroup::TechnologyField => "c.technology_field".into(),
        ContractGroup::Region => {
            format!("substr(c.seller_region_code, 1, {})", level_digits(grouping.level))
        }
        ContractGroup::Month | ContractGroup::Quarter => backend.month_of_date("c.registered_on"),
        ContractGroup::BuyerKind => "c.buyer_entity_kind".into(),
        ContractGroup::SellerKind => "c.seller_entity_kind".into(),
    }
}

/// Restricts contracts (alias `c`) to the registered ones of a slice.
pub fn registered(sql: &mut Sql, filter: &Filter, period: &Period, scope: &Scope) {
    sql.push(" WHERE c.registration_number IS NOT NULL");
    period.on_date(sql, "c.registered_on");
    filter.on_region(sql, "c.seller_region_code");
    match scope {
        Scope::All => {}
        Scope::Organization(id) => {
            sql.and(
                "c.buyer_org_id = ? OR c.seller_org_id = ?",
                vec![Bind::Text(id.clone()), Bind::Text(id.clone())],
            );
        }
        Scope::Broker(id) => {
            sql.and("c.intermediary_user_id = ?", vec![Bind::Text(id.clone())]);
        }
    }
}

fn load(
    conn: &mut DbConnection,
    filter: &Filter,
    period: &Period,
    scope: &Scope,
    grouping: Grouping,
) -> ApiResult<HashMap<Option<String>, ContractFigures>> {
    let reading = match grouping.group {
        ContractGroup::Type => Reading::By(Dimension::Type.code()),
        ContractGroup::TechnologyField => Reading::By(Dimension::TechnologyField.code()),
        ContractGroup::Region => Reading::Region(level_digits(grouping.level)),
        ContractGroup::Month | ContractGroup::Quarter => Reading::Month,
        ContractGroup::BuyerKind => Reading::By(Dimension::BuyerKind.code()),
        ContractGroup::SellerKind => Reading::By(Dimension::SellerKind.code()),
    };
    let key = key_expression(Backend::of(conn), grouping);
    let groups = registered_groups(conn, filter, period, scope, reading, &key)?;
    let mut out: HashMap<Option<String>, ContractFigures> = HashMap::new();
    for (key, summed) in groups {
        let figures = summed.figures;
        let key = match grouping.group {
            ContractGroup::Quarter => key.as_deref().map(labels::quarter_of_month),
            _ => key,
        };
        out.entry(key).or_default().add(figures);
    }
    Ok(out)
}

/// A slice's registered contracts per group (figures and the intermediaries' commission;
/// key `None` for contracts without a value): the whole market's from the sums, grouped as
/// `reading` says; one organization's or broker's from its contracts (a slice the sums do not
/// keep; its contracts are few and found through their indexes), grouped by `key_sql`, the
/// same grouping as an SQL expression over contracts `c`.
pub fn registered_groups(
    conn: &mut DbConnection,
    filter: &Filter,
    period: &Period,
    scope: &Scope,
    reading: Reading,
    key_sql: &str,
) -> ApiResult<HashMap<Option<String>, Summed>> {
    if matches!(scope, Scope::All) {
        return rollups::contracts::load(conn, filter.region.as_deref(), period, reading);
    }
    let mut sql = Sql::new(&format!(
        "SELECT {key_sql} AS key, COUNT(*) AS n, {} AS a, {} AS b, {} AS c FROM contracts c",
        sum("c.amount_fen"),
        sum("c.technology_amount_fen"),
        sum(rollups::COMMISSION),
    ));
    registered(&mut sql, filter, period, scope);
    sql.push(" GROUP BY 1");
    Ok(sql
        .load::<Group>(conn)?
        .into_iter()
        .map(|row| {
            let figures =
                ContractFigures { count: row.n, amount_fen: row.a, technology_amount_fen: row.b };
            (row.key, Summed { figures, commission_fen: row.c })
        })
        .collect())
}

fn label(grouping: Grouping, key: Option<&str>) -> String {
    let Some(key) = key else {
        return match grouping.group {
            ContractGroup::Region => labels::region(None),
            _ => "未填".to_string(),
        };
    };
    match grouping.group {
        ContractGroup::Type => labels::contract_type(key),
        ContractGroup::TechnologyField => labels::technology_field(key),
        ContractGroup::Region => labels::region(Some(key)),
        ContractGroup::Month => labels::month(key),
        ContractGroup::Quarter => labels::quarter(key),
        ContractGroup::BuyerKind | ContractGroup::SellerKind => labels::entity_kind(key),
    }
}

fn is_time(group: ContractGroup) -> bool {
    matches!(group, ContractGroup::Month | ContractGroup::Quarter)
}

/// The comparison period: the same days one year earlier. Months and quarters always have
/// one (each is compared with itself a year before); other groups need `from`.
fn comparison(period: &Period, group: ContractGroup) -> Option<Period> {
    if period.from.is_none() && !is_time(group) {
        return None;
    }
    let to = period.to.unwrap_or_else(super::params::today);
    Some(Period { from: period.from, to: Some(to) }.year_earlier())
}

fn sort(groups: &mut [ContractGroupOut], group: ContractGroup) {
    match group {
        ContractGroup::Month | ContractGroup::Quarter => groups.sort_by(|a, b| a.key.cmp(&b.key)),
        _ => groups.sort_by(|a, b| {
            b.current.amount_fen.cmp(&a.current.amount_fen).then_with(|| a.key.cmp(&b.key))
        }),
    }
}

/// Registered contracts of the slice per group, each with the same group a year earlier.
pub fn compute(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    grouping: Grouping,
) -> ApiResult<ContractStats> {
    let current = load(conn, filter, &filter.period, scope, grouping)?;
    let previous_period = comparison(&filter.period, grouping.group);
    let previous = match &previous_period {
        Some(period) => {
            let rows = load(conn, filter, period, scope, grouping)?;
            let shift = is_time(grouping.group);
            Some(
                rows.into_iter()
                    .map(|(key, figures)| {
                        let key = if shift { key.as_deref().map(labels::year_later) } else { key };
                        (key, figures)
                    })
                    .collect::<HashMap<_, _>>(),
            )
        }
        None => None,
    };
    let mut current = current;
    if let Some(previous) = &previous
        && !is_time(grouping.group)
    {
        // A group that had contracts a year ago and none now is listed (growth −100 %).
        for key in previous.keys() {
            current.entry(key.clone()).or_default();
        }
    }
    let mut total = ContractFigures::default();
    let mut groups: Vec<ContractGroupOut> = current
        .into_iter()
        .map(|(key, figures)| {
            total.add(figures);
            let before = previous.as_ref().map(|p| p.get(&key).copied().unwrap_or_default());
            ContractGroupOut {
                label: label(grouping, key.as_deref()),
                key,
                current: figures,
                growth: ContractGrowth::of(&figures, before.as_ref()),
                previous: before,
            }
        })
        .collect();
    sort(&mut groups, grouping.group);
    let previous_total = match (&previous, filter.period.from) {
        (Some(rows), Some(_)) => {
            Some(rows.values().fold(ContractFigures::default(), |mut t, f| {
                t.add(*f);
                t
            }))
        }
        _ => None,
    };
    let basis = Basis::new(filter, scope);
    Ok(ContractStats {
        basis,
        group_by: grouping.group,
        region_level: (grouping.group == ContractGroup::Region).then_some(match grouping.level {
            RegionLevel::Province => StatsRegionLevel::Province,
            RegionLevel::City => StatsRegionLevel::City,
            RegionLevel::District => StatsRegionLevel::District,
        }),
        previous_from: previous_period.and_then(|p| p.from),
        previous_to: previous_period.and_then(|p| p.to),
        groups,
        total: ContractGroupOut {
            key: None,
            label: "合计".into(),
            current: total,
            growth: ContractGrowth::of(&total, previous_total.as_ref()),
            previous: previous_total,
        },
    })
}

impl Tabular for ContractStats {
    fn table(&self) -> Table {
        let row = |g: &ContractGroupOut| {
            vec![
                cell(g.key.as_deref()),
                g.label.clone(),
                g.current.count.to_string(),
                g.current.amount_fen.to_string(),
                g.current.technology_amount_fen.to_string(),
                cell(g.previous.map(|p| p.count)),
                cell(g.previous.map(|p| p.amount_fen)),
                cell(g.previous.map(|p| p.technology_amount_fen)),
                cell(g.growth.count),
                cell(g.growth.amount_fen),
                cell(g.growth.technology_amount_fen),
            ]
        };
        let mut rows: Vec<Vec<String>> = self.groups.iter().map(row).collect();
        rows.push(row(&self.total));
        Table {
            headers: vec![
                "key",
                "label",
                "count",
                "amount_fen",
                "technology_amount_fen",
                "previous_count",
                "previous_amount_fen",
                "previous_technology_amount_fen",
                "count_growth",
                "amount_growth",
                "technology_amount_growth",
            ],
            rows,
        }
    }
}
