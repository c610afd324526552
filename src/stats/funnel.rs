//! The deal funnel (对接 → 意向 → 达成意向 → 签约), counted by the furthest stage reached.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::params::{Basis, Filter, Scope, ratio};
use super::render::{Table, Tabular, cell};
use super::rollups::{self, Reading, deals};
use super::sql::{Bind, Group, Sql};
use crate::db::DbConnection;
use crate::deals::model::{DealStage, LossReason};
use crate::error::ApiResult;

/// Query of `GET /api/v1/stats/funnel`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FunnelQuery {
    /// Only the deals of this matchmaking event (对接会).
    pub event_id: Option<String>,
    /// Only the deals this broker carries (brokers may name only themselves).
    pub broker_id: Option<String>,
}

/// Restricts deals (alias `d`, buyer organization joined as `bo` when a region is given) to a
/// slice: the period applies to `connected_at`, the region to the buyer's region.
pub fn deals_in(sql: &mut Sql, filter: &Filter, scope: &Scope) {
    if filter.region.is_some() {
        sql.push(" JOIN organizations bo ON bo.id = d.buyer_org_id");
    }
    sql.push(" WHERE 1 = 1");
    filter.period.on_timestamp(sql, "d.connected_at");
    filter.on_region(sql, "bo.region_code");
    match scope {
        Scope::All => {}
        Scope::Organization(id) => {
            sql.and(
                "d.buyer_org_id = ? OR d.seller_org_id = ?",
                vec![Bind::Text(id.clone()), Bind::Text(id.clone())],
            );
        }
        Scope::Broker(id) => {
            sql.and("d.broker_id = ?", vec![Bind::Text(id.clone())]);
        }
    }
}

/// One step of the funnel.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelStep {
    /// The stage.
    pub stage: DealStage,
    /// 对接, 意向, 达成意向, 签约.
    pub label: String,
    /// Deals that reached at least this stage.
    pub count: i64,
    /// This step's count over the previous step's (null for the first step or a zero base).
    pub conversion: Option<f64>,
}

/// Lost deals with one reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LostReasonCount {
    /// The coded reason.
    pub reason: Option<LossReason>,
    /// Its Chinese label.
    pub label: String,
    /// Deals lost for it.
    pub count: i64,
}

/// Conversion rates between the steps, as ratios.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct FunnelConversion {
    /// intention / connected.
    pub intention_per_connected: Option<f64>,
    /// agreement / intention.
    pub agreement_per_intention: Option<f64>,
    /// signed / agreement.
    pub signed_per_agreement: Option<f64>,
    /// signed / connected: the whole funnel.
    pub signed_per_connected: Option<f64>,
}

/// The funnel of the deals connected in the period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FunnelStats {
    /// What the figures cover.
    pub basis: Basis,
    /// The event filter.
    pub event_id: Option<String>,
    /// The broker filter.
    pub broker_id: Option<String>,
    /// 对接: every deal connected in the period.
    pub connected: i64,
    /// 意向: deals whose furthest stage is intention or beyond.
    pub intention: i64,
    /// 达成意向: deals whose furthest stage is agreement or beyond.
    pub agreement: i64,
    /// 签约: deals signed.
    pub signed: i64,
    /// Deals lost (at whatever stage; they still count at the furthest stage they reached).
    pub lost: i64,
    /// Deals still open (connected, intention or agreement now).
    pub open: i64,
    /// The conversion rates.
    pub conversion: FunnelConversion,
    /// The steps in order, for charts.
    pub steps: Vec<FunnelStep>,
    /// Lost deals by coded reason.
    pub lost_by_reason: Vec<LostReasonCount>,
}

/// The Chinese label of a funnel stage.
pub fn stage_label(stage: DealStage) -> &'static str {
    match stage {
        DealStage::Connected => "对接",
        DealStage::Intention => "意向",
        DealStage::Agreement => "达成意向",
        DealStage::Signed => "签约",
        DealStage::Lost => "流失",
    }
}

fn reason_label(reason: Option<LossReason>) -> &'static str {
    match reason {
        Some(LossReason::TooEarly) => "时机过早",
        Some(LossReason::BenefitUnclear) => "效益不明",
        Some(LossReason::PriceGap) => "价格差距",
        Some(LossReason::NoCommercialRoute) => "无商业化路径",
        Some(LossReason::AnotherSolutionChosen) => "已选其他方案",
        Some(LossReason::Other) => "其他",
        None => "未填",
    }
}

fn filtered(filter: &Filter, scope: &Scope, query: &FunnelQuery, select: &str) -> Sql {
    let mut sql = Sql::new(select);
    deals_in(&mut sql, filter, scope);
    if let Some(event) = &query.event_id {
        sql.and("d.event_id = ?", vec![Bind::Text(event.clone())]);
    }
    if let Some(broker) = &query.broker_id {
        sql.and("d.broker_id = ?", vec![Bind::Text(broker.clone())]);
    }
    sql
}

/// Deals per furthest stage (`a`: of them lost) and lost deals per reason: the whole market's
/// from the sums, a slice's (one organization, broker or event) from its deals.
fn furthest_and_reasons(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    query: &FunnelQuery,
) -> ApiResult<(Vec<Group>, Vec<Group>)> {
    if matches!(scope, Scope::All) && query.event_id.is_none() && query.broker_id.is_none() {
        let mut read = |dimension| -> ApiResult<Vec<Group>> {
            let groups = rollups::groups(conn, &[deals::FAMILY], filter, Reading::By(dimension))?;
            Ok(groups.into_iter().map(|(_, group)| group).collect())
        };
        return Ok((read(deals::FURTHEST)?, read(deals::LOST_REASON)?));
    }
    let mut by_furthest = filtered(
        filter,
        scope,
        query,
        "SELECT d.furthest_stage AS key, COUNT(*) AS n, \
         COALESCE(SUM(CASE WHEN d.stage = 'lost' THEN 1 ELSE 0 END), 0) AS a, \
         CAST(0 AS BIGINT) AS b, CAST(0 AS BIGINT) AS c FROM deals d",
    );
    by_furthest.push(" GROUP BY 1");
    let mut by_reason = filtered(
        filter,
        scope,
        query,
        "SELECT d.lost_reason AS key, COUNT(*) AS n, CAST(0 AS BIGINT) AS a, \
         CAST(0 AS BIGINT) AS b, CAST(0 AS BIGINT) AS c FROM deals d",
    );
    by_reason.push(" AND d.stage = 'lost' GROUP BY 1");
    Ok((by_furthest.load(conn)?, by_reason.load(conn)?))
}

/// The funnel of a slice.
pub fn compute(
    conn: &mut DbConnection,
    filter: &Filter,
    scope: &Scope,
    query: &FunnelQuery,
) -> ApiResult<FunnelStats> {
    let (rows, reasons) = furthest_and_reasons(conn, filter, scope, query)?;
    let reached = |stage: DealStage| -> i64 {
        rows.iter()
            .filter(|row| {
                row.key
                    .as_deref()
                    .and_then(|k| k.parse::<DealStage>().ok())
                    .and_then(DealStage::rank)
                    .zip(stage.rank())
                    .is_some_and(|(furthest, wanted)| furthest >= wanted)
            })
            .map(|row| row.n)
            .sum()
    };
    let connected: i64 = rows.iter().map(|row| row.n).sum();
    let lost: i64 = rows.iter().map(|row| row.a).sum();
    let (intention, agreement, signed) =
        (reached(DealStage::Intention), reached(DealStage::Agreement), reached(DealStage::Signed));
    let mut lost_by_reason: Vec<LostReasonCount> = reasons
        .into_iter()
        .map(|row| {
            let reason = row.key.as_deref().and_then(|k| k.parse().ok());
            LostReasonCount { reason, label: reason_label(reason).to_string(), count: row.n }
        })
        .collect();
    lost_by_reason.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    let counts = [connected, intention, agreement, signed];
    let steps = DealStage::FUNNEL
        .iter()
        .zip(counts)
        .enumerate()
        .map(|(i, (stage, count))| FunnelStep {
            stage: *stage,
            label: stage_label(*stage).to_string(),
            count,
            conversion: i.checked_sub(1).and_then(|p| ratio(count, counts[p])),
        })
        .collect();
    Ok(FunnelStats {
        basis: Basis::new(filter, scope),
        event_id: query.event_id.clone(),
        broker_id: query.broker_id.clone(),
        connected,
        intention,
        agreement,
        signed,
        lost,
        open: connected - signed - lost,
        conversion: FunnelConversion {
            intention_per_connected: ratio(intention, connected),
            agreement_per_intention: ratio(agreement, intention),
            signed_per_agreement: ratio(signed, agreement),
            signed_per_connected: ratio(signed, connected),
        },
        steps,
        lost_by_reason,
    })
}

impl Tabular for FunnelStats {
    fn table(&self) -> Table {
        let mut rows: Vec<Vec<String>> = self
            .steps
            .iter()
            .map(|step| {
                vec![
                    step.stage.to_string(),
                    step.label.clone(),
                    step.count.to_string(),
                    cell(step.conversion),
                ]
            })
            .collect();
        rows.push(vec![
            DealStage::Lost.to_string(),
            stage_label(DealStage::Lost).into(),
            self.lost.to_string(),
            String::new(),
        ]);
        for reason in &self.lost_by_reason {
            rows.push(vec![
                format!("lost:{}", cell(reason.reason)),
                format!("流失：{}", reason.label),
                reason.count.to_string(),
                String::new(),
            ]);
        }
        Table { headers: vec!["stage", "label", "count", "conversion"], rows }
    }
}
