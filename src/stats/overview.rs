//! The overview: the handful of figures every yearly report of a bureau quotes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::contracts::{ContractFigures, registered_groups};
use super::funnel::deals_in;
use super::libraries::published_in;
use super::params::{Basis, Filter, Scope};
use super::render::{Table, Tabular};
use super::rollups::{self, ALL, Dimension, Reading, deals as deal_sums, listings as listing_sums};
use super::sql::{Backend, Bind, Group, Sql, sum};
use crate::db::DbConnection;
use crate::deals::model::DealStage;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::organizations::model::OrgKind;

/// Organizations per kind.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct OrganizationCounts {
    /// 企业.
    pub enterprise: i64,
    /// 高校.
    pub university: i64,
    /// 科研院所.
    pub research_institute: i64,
    /// 服务机构.
    pub service_provider: i64,
    /// 政府部门.
    pub government: i64,
    /// All kinds.
    pub total: i64,
}

/// Deals per current stage.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
pub struct DealStageCounts {
    /// 对接 now.
    pub connected: i64,
    /// 意向 now.
    pub intention: i64,
    /// 达成意向 now.
    pub agreement: i64,
    /// 签约.
    pub signed: i64,
    /// Lost.
    pub lost: i64,
    /// All deals.
    pub total: i64,
}

/// The overview of a slice. Every figure counts the records whose defining date falls in
/// the period (leave `from` out for cumulative figures up to `to`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Overview {
    /// What the figures cover.
    pub basis: Basis,
    /// 会员: active users who registered in the period (administrators, the bureau's staff,
    /// are not members).
    pub members: i64,
    /// Organizations registered in the period, per kind.
    pub organizations: OrganizationCounts,
    /// 上线企业: enterprises registered in the period with at least one active user.
    pub enterprises_online: i64,
    /// 成果: achievements first published in the period and published now.
    pub achievements_published: i64,
    /// Of them, international achievements.
    pub achievements_international: i64,
    /// 技术难题/需求: demands first published in the period, whatever they are now.
    pub demands_posted: i64,
    /// 专家: expert profiles first published in the period and published now.
    pub experts: i64,
    /// 服务机构: service-organization profiles first published in the period and published now.
    pub service_providers: i64,
    /// Deals connected in the period, per current stage.
    pub deals: DealStageCounts,
    /// Technology contracts registered in the period: count, 成交额 and 技术交易额.
    pub contracts: ContractFigures,
    /// Innovation vouchers used in the period: the voucher share of service orders confirmed
    /// in it, in fen (region: the enterprise's).
    pub vouchers_used_fen: i64,
}

fn count(conn: &mut DbConnection, sql: &Sql) -> ApiResult<Vec<Group>> {
    Ok(sql.load::<Group>(conn)?)
}

const GROUP_TAIL: &str = "CAST(0 AS BIGINT) AS a, CAST(0 AS BIGINT) AS b, CAST(0 AS BIGINT) AS c";

fn members(conn: &mut DbConnection, filter: &Filter, scope: &Scope) -> ApiResult<i64> {
    let mut sql = Sql::new(&format!(
        "SELECT CAST(NULL AS TEXT) AS key, COUNT(*) AS n, {GROUP_TAIL} FROM users u"
    ));
    if filter.region.is_some() {
        sql.push(" JOIN organizations o ON o.id = u.organization_id");
    }
    sql.push(" WHERE u.status = 'active' AND u.role <> 'admin'");
    filter.period.on_timestamp(&mut sql, "u.created_at");
    filter.on_region(&mut sql, "o.region_code");
    if let Some(org) = scope.organization() {
        sql.and("u.organization_id = ?", vec![Bind::Text(org.to_string())]);
    }
    Ok(count(conn, &sql)?.iter().map(|g| g.n).sum())
}

fn organizations_where(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    filter.period.on_timestamp(sql, "o.created_at");
    filter.on_region(sql, "o.region_code");
    if let Some(org) = scope.organization() {
        sql.and("o.id = ?", vec![Bind::Text(org.to_string())]);
    }
}

fn organizations(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
) -> ApiResult<(OrganizationCounts, i64)> {
    let mut sql = Sql::new(&format!(
        "SELECT o.kind AS key, COUNT(*) AS n, {GROUP_TAIL} FROM organizations o WHERE 1 = 1"
    ));
    organizations_where(&mut sql, filter, scope);
    sql.push(" GROUP BY 1");
    let mut counts = OrganizationCounts::default();
    for row in count(conn, &sql)? {
        match row.key.as_deref().and_then(|k| k.parse().ok()) {
            Some(OrgKind::Enterprise) => counts.enterprise += row.n,
            Some(OrgKind::University) => counts.university += row.n,
            Some(OrgKind::ResearchInstitute) => counts.research_institute += row.n,
            Some(OrgKind::ServiceProvider) => counts.service_provider += row.n,
            Some(OrgKind::Government) => counts.government += row.n,
            None => {}
        }
        counts.total += row.n;
    }
    let mut online = Sql::new(&format!(
        "SELECT CAST(NULL AS TEXT) AS key, COUNT(*) AS n, {GROUP_TAIL} FROM organizations o \
         WHERE o.kind = 'enterprise' AND EXISTS (SELECT 1 FROM users u \
         WHERE u.organization_id = o.id AND u.status = 'active')"
    ));
    organizations_where(&mut online, filter, scope);
    let online = count(conn, &online)?.iter().map(|g| g.n).sum();
    Ok((counts, online))
}

/// Listings per library: (first published in the period, of them published now, of them
/// international); the whole market's from the sums, a slice's from its listings.
fn listings(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
) -> ApiResult<Vec<(Library, Group)>> {
    if matches!(scope, Scope::All) {
        let groups = rollups::groups(conn, &listing_sums::families(), filter, Reading::By(ALL))?;
        return Ok(groups
            .into_iter()
            .filter_map(|(family, group)| Some((family.parse::<Library>().ok()?, group)))
            .collect());
    }
    let backend = Backend::of(conn);
    let mut sql = Sql::new(&format!(
        "SELECT l.library AS key, COUNT(*) AS n, {} AS a, {} AS b, CAST(0 AS BIGINT) AS c \
         FROM {} LEFT JOIN achievements ach{} ON ach.id = l.id AND l.library = 'achievements'",
        sum("CASE WHEN l.status = 'published' THEN 1 ELSE 0 END"),
        sum("CASE WHEN l.status = 'published' AND ach.international = TRUE THEN 1 ELSE 0 END"),
        backend.listings(),
        backend.indexed_by("achievements_stats_idx"),
    ));
    published_in(&mut sql, filter, scope);
    sql.push(" GROUP BY 1");
    Ok(count(conn, &sql)?
        .into_iter()
        .filter_map(|row| {
            let library = row.key.as_deref()?.parse::<Library>().ok()?;
            Some((library, row))
        })
        .collect())
}

/// Deals per current stage: the whole market's from the sums, a slice's from its deals.
fn deals(conn: &mut DbConnection, filter: &Filter, scope: &Scope) -> ApiResult<DealStageCounts> {
    let rows = if matches!(scope, Scope::All) {
        let groups =
            rollups::groups(conn, &[deal_sums::FAMILY], filter, Reading::By(deal_sums::STAGE))?;
        groups.into_iter().map(|(_, group)| group).collect()
    } else {
        let mut sql =
            Sql::new(&format!("SELECT d.stage AS key, COUNT(*) AS n, {GROUP_TAIL} FROM deals d"));
        deals_in(&mut sql, filter, scope);
        sql.push(" GROUP BY 1");
        count(conn, &sql)?
    };
    let mut counts = DealStageCounts::default();
    for row in rows {
        match row.key.as_deref().and_then(|k| k.parse().ok()) {
            Some(DealStage::Connected) => counts.connected += row.n,
            Some(DealStage::Intention) => counts.intention += row.n,
            Some(DealStage::Agreement) => counts.agreement += row.n,
            Some(DealStage::Signed) => counts.signed += row.n,
            Some(DealStage::Lost) => counts.lost += row.n,
            None => {}
        }
        counts.total += row.n;
    }
    Ok(counts)
}

/// Registered contracts of a slice: count, 成交额, 技术交易额.
pub fn contract_totals(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
) -> ApiResult<ContractFigures> {
    let sums = registered_groups(
        conn,
        filter,
        &filter.period,
        scope,
        Reading::By(Dimension::All.code()),
        "CAST(NULL AS TEXT)",
    )?;
    Ok(sums.into_values().next().map(|summed| summed.figures).unwrap_or_default())
}

/// The overview of a slice.
pub fn compute(conn: &mut DbConnection, filter: &Filter, scope: &Scope) -> ApiResult<Overview> {
    let members = members(conn, filter, scope)?;
    let (organizations, enterprises_online) = organizations(conn, filter, scope)?;
    let listings = listings(conn, filter, scope)?;
    let of = |library: Library| listings.iter().find(|(l, _)| *l == library).map(|(_, g)| g);
    let overview = Overview {
        basis: Basis::new(filter, scope),
        members,
        organizations,
        enterprises_online,
        achievements_published: of(Library::Achievements).map_or(0, |g| g.a),
        achievements_international: of(Library::Achievements).map_or(0, |g| g.b),
        demands_posted: of(Library::Demands).map_or(0, |g| g.n),
        experts: of(Library::Experts).map_or(0, |g| g.a),
        service_providers: of(Library::ServiceProviders).map_or(0, |g| g.a),
        deals: deals(conn, filter, scope)?,
        contracts: contract_totals(conn, filter, scope)?,
        vouchers_used_fen: super::vouchers::used_total(conn, filter, scope)?,
    };
    Ok(overview)
}

impl Tabular for Overview {
    fn table(&self) -> Table {
        let o = &self.organizations;
        let d = &self.deals;
        let c = &self.contracts;
        let rows: Vec<(&str, &str, i64)> = vec![
            ("members", "会员", self.members),
            ("organizations", "机构", o.total),
            ("organizations.enterprise", "企业", o.enterprise),
            ("organizations.university", "高校", o.university),
            ("organizations.research_institute", "科研院所", o.research_institute),
            ("organizations.service_provider", "服务机构", o.service_provider),
            ("organizations.government", "政府部门", o.government),
            ("enterprises_online", "上线企业", self.enterprises_online),
            ("achievements_published", "发布成果", self.achievements_published),
            ("achievements_international", "其中国际成果", self.achievements_international),
            ("demands_posted", "发布需求", self.demands_posted),
            ("experts", "专家", self.experts),
            ("service_providers", "服务机构（服务库）", self.service_providers),
            ("deals", "对接", d.total),
            ("deals.connected", "对接中", d.connected),
            ("deals.intention", "意向", d.intention),
            ("deals.agreement", "达成意向", d.agreement),
            ("deals.signed", "签约", d.signed),
            ("deals.lost", "流失", d.lost),
            ("contracts", "登记技术合同", c.count),
            ("contracts.amount_fen", "成交额（分）", c.amount_fen),
            ("contracts.technology_amount_fen", "技术交易额（分）", c.technology_amount_fen),
            ("vouchers_used_fen", "创新券使用额（分）", self.vouchers_used_fen),
        ];
        Table {
            headers: vec!["figure", "label", "value"],
            rows: rows
                .into_iter()
                .map(|(figure, label, value)| {
                    vec![figure.to_string(), label.to_string(), value.to_string()]
                })
                .collect(),
        }
    }
}
