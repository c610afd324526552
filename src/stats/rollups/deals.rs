//! Deals in the sums (family `deals`): every deal counts on its connection day in its buyer's
//! region, per current stage ([`STAGE`]), per furthest stage reached with those lost since
//! ([`FURTHEST`]: `n` deals, `a` of them lost), per broker carrying it ([`BROKER`]: `n` deals,
//! `a` of them signed; `''` without one) and, when lost, per coded reason ([`LOST_REASON`]; `''`
//! without one).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use super::super::sql::{Backend, Bind, Sql};
use super::facts::{self, Source, Which};
use super::{Counted, Deltas};
use crate::db::DbConnection;
use crate::deals::model::DealStage;
use crate::error::ApiResult;

/// The family name of deals in `stat_sums`.
pub const FAMILY: &str = "deals";
/// The audit log's entity type of a deal.
pub const ENTITY: &str = "deal";
/// Deals per current stage.
pub const STAGE: &str = "stage";
/// Deals per furthest stage reached (`a`: of them lost).
pub const FURTHEST: &str = "furthest";
/// Lost deals per coded reason.
pub const LOST_REASON: &str = "lost_reason";
/// Deals per broker (`a`: of them signed).
pub const BROKER: &str = "broker";

/// What a deal counts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealFacts {
    /// Connection day (China Standard Time).
    day: NaiveDate,
    /// The buyer organization's region.
    region: Option<String>,
    stage: String,
    furthest: String,
    lost_reason: Option<String>,
    /// The broker carrying it.
    #[serde(default)]
    broker: Option<String>,
}

#[derive(Debug, diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Timestamp)]
    connected_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    region_code: Option<String>,
    #[diesel(sql_type = Text)]
    stage: String,
    #[diesel(sql_type = Text)]
    furthest_stage: String,
    #[diesel(sql_type = Nullable<Text>)]
    lost_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    broker_id: Option<String>,
}

/// Deals as a source of the sums.
#[derive(Debug)]
pub struct Deals;

impl Source for Deals {
    const KIND: &'static str = "deals";
    type Facts = DealFacts;

    fn load(conn: &mut DbConnection, which: Which<'_>) -> ApiResult<Vec<(String, DealFacts)>> {
        let mut sql = Sql::new(
            "SELECT d.id, d.connected_at, bo.region_code, d.stage, d.furthest_stage, \
             d.lost_reason, d.broker_id FROM deals d JOIN organizations bo ON bo.id = d.buyer_org_id \
             WHERE 1 = 1",
        );
        which.restrict(&mut sql, "d.id", "d", Backend::of(conn) == Backend::Postgres);
        Ok(sql
            .load::<Row>(conn)?
            .into_iter()
            .map(|row| {
                let facts = DealFacts {
                    day: crate::clock::china_time(row.connected_at).date_naive(),
                    region: row.region_code.filter(|code| !code.is_empty()),
                    stage: row.stage,
                    furthest: row.furthest_stage,
                    lost_reason: row.lost_reason,
                    broker: row.broker_id,
                };
                (row.id, facts)
            })
            .collect())
    }

    fn contributions(facts: &DealFacts, sign: i64, into: &mut Deltas) {
        let counted = Counted { family: FAMILY, day: facts.day, region: facts.region.as_deref() };
        let lost = facts.stage == DealStage::Lost.as_str();
        into.add(counted, STAGE, &facts.stage, [sign, 0, 0, 0]);
        into.add(counted, FURTHEST, &facts.furthest, [sign, sign * i64::from(lost), 0, 0]);
        let signed = i64::from(facts.furthest == DealStage::Signed.as_str());
        let broker = facts.broker.as_deref().unwrap_or_default();
        into.add(counted, BROKER, broker, [sign, sign * signed, 0, 0]);
        if lost {
            let reason = facts.lost_reason.as_deref().unwrap_or_default();
            into.add(counted, LOST_REASON, reason, [sign, 0, 0, 0]);
        }
    }
}

/// Moves the deals an organization buys in to its new region.
pub fn follow_buyer_region(conn: &mut DbConnection, org_id: &str) -> ApiResult<()> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = Text)]
        id: String,
    }
    let mut sql = Sql::new("SELECT id FROM deals WHERE buyer_org_id = ");
    sql.bind(Bind::Text(org_id.into()));
    let ids: Vec<String> = sql.load::<Id>(conn)?.into_iter().map(|row| row.id).collect();
    facts::sync::<Deals>(conn, &ids)
}
