//! The public cards of matched records: what a match answer shows of an achievement or a
//! demand (never its confidential details), with its score and explanation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::scoring::Explanation;
use crate::taxonomies::{Maturity, TechnologyField};

/// The public card of a matched achievement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchedAchievement {
    /// Achievement id (read it at `GET /api/v1/achievements/{id}`).
    pub id: String,
    /// The owner's reference.
    pub external_ref: Option<String>,
    /// The result's title as its owner wrote it.
    pub title: String,
    /// One of the 11 technology fields.
    pub technology_field: TechnologyField,
    /// How far the result has come: `lab`, `small_scale`, `pilot` or `industrialization`.
    pub maturity: Maturity,
    /// Asking price in fen (null: negotiable).
    pub asking_price_fen: Option<i64>,
    /// GB/T 2260 code of the region the result comes from.
    pub region_code: String,
    /// The organization that owns the result.
    pub org_id: Option<String>,
    /// That organization's name.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// The region's full name (e.g. 浙江省杭州市西湖区).
    #[serde(default)]
    pub region_name: Option<String>,
}

/// One achievement matched to a problem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AchievementMatch {
    /// The achievement.
    pub achievement: MatchedAchievement,
    /// 0–1: the sum of the explanation's contributions.
    pub score: f64,
    /// Why it is listed: each factor's contribution to `score`, the words it shares with the
    /// problem and any constraint it breaks.
    pub explanation: Explanation,
}

/// The public card of a matched demand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchedDemand {
    /// Demand id (read it at `GET /api/v1/demands/{id}`).
    pub id: String,
    /// The owner's reference.
    pub external_ref: Option<String>,
    /// The problem in one line, as the enterprise wrote it.
    pub title: String,
    /// One of the 11 technology fields.
    pub technology_field: TechnologyField,
    /// The lowest maturity a solution must have (null: any).
    pub required_maturity: Option<Maturity>,
    /// Lowest budget in fen (1 yuan = 100 fen); null means negotiable.
    pub budget_min_fen: Option<i64>,
    /// Highest budget in fen; null means negotiable.
    pub budget_max_fen: Option<i64>,
    /// Reward of an open call (揭榜挂帅).
    pub reward_fen: Option<i64>,
    /// GB/T 2260 code of the enterprise's region.
    pub region_code: String,
    /// The enterprise that posted the demand.
    pub org_id: Option<String>,
    /// That enterprise's name.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// The region's full name (e.g. 浙江省杭州市西湖区).
    #[serde(default)]
    pub region_name: Option<String>,
}

/// One open demand matched to an achievement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DemandMatch {
    /// The demand.
    pub demand: MatchedDemand,
    /// 0–1: the sum of the explanation's contributions.
    pub score: f64,
    /// Why it is listed: each factor's contribution to `score`, the words it shares with the
    /// achievement and any constraint it breaks.
    pub explanation: Explanation,
}

/// The names of organizations, by id (one query).
fn organization_names(
    conn: &mut crate::db::DbConnection,
    ids: Vec<&String>,
) -> crate::error::ApiResult<std::collections::HashMap<String, String>> {
    use crate::db::schema::organizations;
    use diesel::prelude::*;
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Fills in the owners' names and the regions' full names of matched achievements.
pub fn name_achievements(
    conn: &mut crate::db::DbConnection,
    matches: &mut [AchievementMatch],
) -> crate::error::ApiResult<()> {
    let names = organization_names(
        conn,
        matches.iter().filter_map(|m| m.achievement.org_id.as_ref()).collect(),
    )?;
    for found in matches {
        let card = &mut found.achievement;
        card.organization_name = card.org_id.as_ref().and_then(|id| names.get(id)).cloned();
        card.region_name = crate::domain::regions::full_name(&card.region_code);
    }
    Ok(())
}

/// Fills in the enterprises' names and the regions' full names of matched demands.
pub fn name_demands(
    conn: &mut crate::db::DbConnection,
    matches: &mut [DemandMatch],
) -> crate::error::ApiResult<()> {
    let names = organization_names(
        conn,
        matches.iter().filter_map(|m| m.demand.org_id.as_ref()).collect(),
    )?;
    for found in matches {
        let card = &mut found.demand;
        card.organization_name = card.org_id.as_ref().and_then(|id| names.get(id)).cloned();
        card.region_name = crate::domain::regions::full_name(&card.region_code);
    }
    Ok(())
}
