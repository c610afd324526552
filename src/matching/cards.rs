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
    /// 0–1, the sum of the explanation's contributions: at most the calibrated relevance (the
    /// measured share of records at this text relevance that address the problem; see the
    /// README), equal to it when every market factor is met in full. Never below the answer's
    /// `floor`.
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
    /// 0–1, the sum of the explanation's contributions: at most the calibrated relevance (the
    /// measured share of records at this text relevance that address the problem; see the
    /// README), equal to it when every market factor is met in full. Never below the answer's
    /// `floor`.
    pub score: f64,
    /// Why it is listed: each factor's contribution to `score`, the words it shares with the
    /// achievement and any constraint it breaks.
    pub explanation: Explanation,
}

/// What the matcher needs of a match, whichever kind of record it lists.
pub trait Matched {
    /// The matched record's id.
    fn record_id(&self) -> &str;
    /// The score and the explanation, to judge and rescore.
    fn scored_mut(&mut self) -> (&mut f64, &mut Explanation);
    /// The score.
    fn score(&self) -> f64;
    /// The organization that owns the matched record.
    fn owner(&self) -> Option<&String>;
    /// Fills in the owner's name and the region's full name.
    fn set_names(&mut self, organization_name: Option<String>);
}

macro_rules! matched {
    ($match:ty, $card:ident) => {
        impl Matched for $match {
            fn record_id(&self) -> &str {
                &self.$card.id
            }
            fn scored_mut(&mut self) -> (&mut f64, &mut Explanation) {
                (&mut self.score, &mut self.explanation)
            }
            fn score(&self) -> f64 {
                self.score
            }
            fn owner(&self) -> Option<&String> {
                self.$card.org_id.as_ref()
            }
            fn set_names(&mut self, organization_name: Option<String>) {
                self.$card.organization_name = organization_name;
                self.$card.region_name = crate::domain::regions::full_name(&self.$card.region_code);
            }
        }
    };
}
matched!(AchievementMatch, achievement);
matched!(DemandMatch, demand);

/// Fills in the owners' names and the regions' full names of matches (one query).
pub fn name_cards<T: Matched>(
    conn: &mut crate::db::DbConnection,
    matches: &mut [T],
) -> crate::error::ApiResult<()> {
    use crate::db::schema::organizations;
    use diesel::prelude::*;
    let ids: Vec<&String> = matches.iter().filter_map(|m| m.owner()).collect();
    let wanted = crate::db::id_set::one_of(conn, organizations::id, ids);
    let names: std::collections::HashMap<String, String> = organizations::table
        .filter(wanted)
        .select((organizations::id, organizations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    for found in matches {
        let name = found.owner().and_then(|id| names.get(id)).cloned();
        found.set_names(name);
    }
    Ok(())
}
