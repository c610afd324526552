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
