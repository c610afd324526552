//! Innovation-voucher figures (创新券): vouchers issued and the amount issued, used (the voucher
//! share of confirmed orders), claimed, paid and lapsed in the period, per group; and the
//! cross-region clearing matrix (通用通兑): what each programme's region owes providers of
//! each region for confirmed orders. Every amount is dated by its own event (issue, confirm,
//! claim, payment, lapse) as a China day; `region` is the enterprise's region. An organization
//! reads the vouchers and orders where it is the enterprise or the provider.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::chart::{BarChart, Series};
use super::figures::{Drawn, Figures};
use super::params::{Basis, Filter, Scope, level_digits, region_level, region_name};
use super::render::{Table, Tabular};
use super::sql::{Bind, Group, Sql, sum};
use crate::db::DbConnection;
use crate::db::schema::{organizations, voucher_claims, voucher_orders, vouchers};
use crate::domain::regions::RegionLevel;
use crate::error::ApiResult;
use crate::taxonomies::ServiceType;
use crate::validation::Checker;
use crate::vouchers::model::{ClaimStatus, OrderStatus, VoucherStatus};

text_enum! {
    /// How voucher figures are grouped.
    pub enum VoucherGroupBy {
        /// The enterprise's region, rolled up to `region_level`.
        Region => "region",
        /// The service organization (voucher-level figures — issued, lapsed — only in the
        /// total).
        Provider => "provider",
        /// The service type (voucher-level figures only in the total).
        ServiceType => "service_type",
        /// The China month of each event.
        Month => "month",
    }
}

/// Query of the voucher figures.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VouchersQuery {
    /// `region` (default), `provider`, `service_type` or `month`.
    pub group_by: Option<VoucherGroupBy>,
    /// With `group_by=region`: `province`, `city` or `district` (default: one level below
    /// `region`, provinces without it).
    pub region_level: Option<String>,
}

/// One group's voucher figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct VoucherGroup {
    /// The group's key: a region prefix, a provider organization id, a service type, a month
    /// `YYYY-MM`, or `total`.
    pub key: String,
    /// Its label (a region's or organization's name, the service type's Chinese name, the
    /// month, 合计).
    pub label: String,
    /// Vouchers issued in the period.
    pub vouchers_issued: i64,
    /// The amount issued, in fen.
    pub approved_fen: i64,
    /// Used: the voucher share of orders confirmed in the period, in fen (the bureau's
    /// headline figure).
    pub used_fen: i64,
    /// Claimed: the voucher share of orders in claims filed in the period (refused claims
    /// aside), in fen.
    pub claimed_fen: i64,
    /// Paid in settlement batches in the period, in fen.
    pub paid_fen: i64,
    /// Lapsed unused at use-by days in the period, in fen.
    pub lapsed_fen: i64,
}

/// The voucher figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherStats {
    /// What the figures cover.
    pub basis: Basis,
    /// How they are grouped.
    pub group_by: VoucherGroupBy,
    /// Per group (only groups with a figure), then the total.
    pub groups: Vec<VoucherGroup>,
}

/// The period as instants: from the first instant of `from` to before the day after `to`.
pub(super) fn in_period(filter: &Filter, at: Option<NaiveDateTime>) -> bool {
    let Some(at) = at else { return false };
    let day = crate::clock::china_time(at).date_naive();
    filter.period.from.is_none_or(|from| day >= from) && filter.period.to.is_none_or(|to| day <= to)
}

fn month(at: NaiveDateTime) -> String {
    crate::clock::china_time(at).format("%Y-%m").to_string()
}

struct Grouper {
    by: VoucherGroupBy,
    digits: usize,
    groups: BTreeMap<String, VoucherGroup>,
    total: VoucherGroup,
}

impl Grouper {
    fn add(&mut self, key: Option<String>, update: impl Fn(&mut VoucherGroup)) {
        update(&mut self.total);
        if let Some(key) = key {
            let group = self
                .groups
                .entry(key.clone())
                .or_insert_with(|| VoucherGroup { key, ..VoucherGroup::default() });
            update(group);
        }
    }

    fn region_key(&self, region: &str) -> String {
        region.chars().take(self.digits).collect()
    }
}

/// Rows read for the figures.
type VoucherFacts =
    (String, String, Option<i64>, Option<NaiveDateTime>, String, i64, Option<NaiveDateTime>);
pub(super) type OrderFacts =
    (String, String, String, i64, Option<NaiveDateTime>, Option<String>, String);

/// The voucher figures of a slice.
pub fn compute(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    by: VoucherGroupBy,
    level: RegionLevel,
) -> ApiResult<VoucherStats> {
    let regions: HashMap<String, String> = organizations::table
        .select((organizations::id, organizations::region_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let region_of = |org: &str| regions.get(org).cloned().unwrap_or_default();
    let in_region =
        |org: &str| filter.region.as_deref().is_none_or(|p| region_of(org).starts_with(p));
    let own = |orgs: &[&str]| scope.organization().is_none_or(|o| orgs.contains(&o));
    let mut grouper = Grouper {
        by,
        digits: level_digits(level),
        groups: BTreeMap::new(),
        total: VoucherGroup::default(),
    };

    let issued = [VoucherStatus::Issued.as_str(), VoucherStatus::Lapsed.as_str()];
    let facts: Vec<VoucherFacts> = vouchers::table
        .filter(vouchers::status.eq_any(issued))
        .select((
            vouchers::id,
            vouchers::org_id,
            vouchers::approved_fen,
            vouchers::decided_at,
            vouchers::status,
            vouchers::lapsed_fen,
            vouchers::lapsed_at,
        ))
        .load(conn)?;
    for (_, org, approved, decided_at, _, lapsed, lapsed_at) in
        facts.iter().filter(|f| in_region(&f.1) && own(&[&f.1]))
    {
        if in_period(filter, *decided_at) {
            let key = match by {
                VoucherGroupBy::Region => Some(grouper.region_key(&region_of(org))),
                VoucherGroupBy::Month => decided_at.map(month),
                _ => None,
            };
            grouper.add(key, |g| {
                g.vouchers_issued += 1;
                g.approved_fen += approved.unwrap_or(0);
            });
        }
        if *lapsed > 0 && in_period(filter, *lapsed_at) {
            let key = match by {
                VoucherGroupBy::Region => Some(grouper.region_key(&region_of(org))),
                VoucherGroupBy::Month => lapsed_at.map(month),
                _ => None,
            };
            grouper.add(key, |g| g.lapsed_fen += lapsed);
        }
    }

    let claims: HashMap<String, (String, NaiveDateTime, Option<NaiveDateTime>)> =
        voucher_claims::table
            .select((
                voucher_claims::id,
                voucher_claims::status,
                voucher_claims::created_at,
                voucher_claims::paid_at,
            ))
            .load::<(String, String, NaiveDateTime, Option<NaiveDateTime>)>(conn)?
            .into_iter()
            .map(|(id, status, created, paid)| (id, (status, created, paid)))
            .collect();
    let orders: Vec<OrderFacts> = voucher_orders::table
        .filter(voucher_orders::status.eq(OrderStatus::Confirmed.as_str()))
        .select((
            voucher_orders::enterprise_org_id,
            voucher_orders::provider_org_id,
            voucher_orders::service_type,
            voucher_orders::voucher_fen,
            voucher_orders::confirmed_at,
            voucher_orders::claim_id,
            voucher_orders::provider_region_code,
        ))
        .load(conn)?;
    for (enterprise, provider, service, share, confirmed_at, claim, _) in
        orders.iter().filter(|o| in_region(&o.0) && own(&[&o.0, &o.1]))
    {
        let key_at = |at: Option<NaiveDateTime>| match by {
            VoucherGroupBy::Region => {
                Some(region_of(enterprise).chars().take(grouper.digits).collect())
            }
            VoucherGroupBy::Provider => Some(provider.clone()),
            VoucherGroupBy::ServiceType => Some(service.clone()),
            VoucherGroupBy::Month => at.map(month),
        };
        let claim = claim.as_ref().and_then(|id| claims.get(id));
        let used_key = key_at(*confirmed_at);
        let claimed = claim.filter(|(status, created, _)| {
            status != ClaimStatus::Rejected.as_str() && in_period(filter, Some(*created))
        });
        let claimed_key = claimed.map(|(_, created, _)| key_at(Some(*created)));
        let paid = claim.filter(|(status, _, paid)| {
            status == ClaimStatus::Paid.as_str() && in_period(filter, *paid)
        });
        let paid_key = paid.map(|(_, _, paid)| key_at(*paid));
        if in_period(filter, *confirmed_at) {
            grouper.add(used_key, |g| g.used_fen += share);
        }
        if let Some(key) = claimed_key {
            grouper.add(key, |g| g.claimed_fen += share);
        }
        if let Some(key) = paid_key {
            grouper.add(key, |g| g.paid_fen += share);
        }
    }
    let names = labels(conn, &grouper)?;
    let mut groups: Vec<VoucherGroup> = grouper
        .groups
        .into_values()
        .map(|mut g| {
            g.label = names.get(&g.key).cloned().unwrap_or_else(|| g.key.clone());
            g
        })
        .collect();
    groups.push(VoucherGroup { key: "total".into(), label: "合计".into(), ..grouper.total });
    Ok(VoucherStats { basis: Basis::new(filter, scope), group_by: by, groups })
}

fn labels(conn: &mut DbConnection, grouper: &Grouper) -> ApiResult<HashMap<String, String>> {
    let keys: Vec<&String> = grouper.groups.keys().collect();
    Ok(match grouper.by {
        VoucherGroupBy::Region => keys
            .iter()
            .filter_map(|k| region_name(k).map(|n| ((*k).clone(), n.to_string())))
            .collect(),
        VoucherGroupBy::ServiceType => keys
            .iter()
            .filter_map(|k| {
                k.parse::<ServiceType>().ok().map(|t| ((*k).clone(), t.zh().to_string()))
            })
            .collect(),
        VoucherGroupBy::Provider => organizations::table
            .filter(organizations::id.eq_any(keys))
            .select((organizations::id, organizations::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect(),
        VoucherGroupBy::Month => HashMap::new(),
    })
}

impl Figures for VoucherStats {
    type Query = VouchersQuery;
    type Parsed = (VoucherGroupBy, RegionLevel);

    fn parse(query: &VouchersQuery, checker: &mut Checker, filter: &Filter) -> Self::Parsed {
        let level = region_level(checker, query.region_level.as_deref(), filter.region.as_deref());
        (query.group_by.unwrap_or(VoucherGroupBy::Region), level)
    }

    fn compute(
        conn: &mut DbConnection,
        filter: &Filter,
        scope: &Scope,
        (by, level): Self::Parsed,
    ) -> ApiResult<Self> {
        compute(conn, filter, scope, by, level)
    }
}

impl Tabular for VoucherStats {
    fn table(&self) -> Table {
        Table {
            headers: vec![
                "key",
                "label",
                "vouchers_issued",
                "approved_fen",
                "used_fen",
                "claimed_fen",
                "paid_fen",
                "lapsed_fen",
            ],
            rows: self
                .groups
                .iter()
                .map(|g| {
                    vec![
                        g.key.clone(),
                        g.label.clone(),
                        g.vouchers_issued.to_string(),
                        g.approved_fen.to_string(),
                        g.used_fen.to_string(),
                        g.claimed_fen.to_string(),
                        g.paid_fen.to_string(),
                        g.lapsed_fen.to_string(),
                    ]
                })
                .collect(),
        }
    }
}

impl Drawn for VoucherStats {
    fn chart(&self) -> BarChart {
        let groups: Vec<&VoucherGroup> = self.groups.iter().filter(|g| g.key != "total").collect();
        let yuan = |f: fn(&VoucherGroup) -> i64| {
            groups.iter().map(|g| f(g) as f64 / 1_000_000.0).collect()
        };
        BarChart {
            title: "科技创新券（发放、使用与兑付）".into(),
            subtitle: super::chart::basis_line(&self.basis),
            counts: false,
            y_label: "金额（万元）".into(),
            categories: groups.iter().map(|g| g.label.clone()).collect(),
            series: vec![
                Series {
                    name: "发放".into(),
                    color: super::chart::GREY_,
                    values: yuan(|g| g.approved_fen),
                },
                Series {
                    name: "使用".into(),
                    color: super::chart::BLUE_,
                    values: yuan(|g| g.used_fen),
                },
                Series {
                    name: "兑付".into(),
                    color: plotters::style::RGBColor(39, 174, 96),
                    values: yuan(|g| g.paid_fen),
                },
            ],
        }
    }
}

/// Innovation vouchers used in a slice: the voucher share of the service orders confirmed in
/// the period, in fen (region: the enterprise's; an organization's slice: the orders it is the
/// enterprise or the provider of), summed in one query.
pub fn used_total(conn: &mut DbConnection, filter: &Filter, scope: &Scope) -> ApiResult<i64> {
    let mut sql = Sql::new(&format!(
        "SELECT CAST(NULL AS TEXT) AS key, COUNT(*) AS n, {} AS a, CAST(0 AS BIGINT) AS b, \
         CAST(0 AS BIGINT) AS c FROM voucher_orders o",
        sum("o.voucher_fen")
    ));
    if filter.region.is_some() {
        sql.push(" JOIN organizations e ON e.id = o.enterprise_org_id");
    }
    sql.push(" WHERE o.status = ").bind(Bind::Text(OrderStatus::Confirmed.as_str().into()));
    filter.period.on_timestamp(&mut sql, "o.confirmed_at");
    filter.on_region(&mut sql, "e.region_code");
    if let Some(org) = scope.organization() {
        let (enterprise, provider) = (Bind::Text(org.to_string()), Bind::Text(org.to_string()));
        sql.and("o.enterprise_org_id = ? OR o.provider_org_id = ?", vec![enterprise, provider]);
    }
    Ok(sql.load::<Group>(conn)?.first().map_or(0, |total| total.a))
}
