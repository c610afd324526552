//! The matcher: text candidates from the index and the keyword vocabularies, then the market
//! factors (field, maturity, price, cooperation mode, region, freshness) from the database.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use diesel::prelude::*;

pub use super::cards::{AchievementMatch, DemandMatch, MatchedAchievement, MatchedDemand};
use super::scoring::{self, Explanation, Factor};
use super::text::{self, TextMatch, TextMatcherConfig};
use super::vocabulary::Vocabulary;
use crate::achievements::queries::AchievementRow;
use crate::db::DbConnection;
use crate::db::schema::{achievements, demands, listings, match_feedback};
use crate::demands::queries::DemandRow;
use crate::error::{ApiError, ApiResult};
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::model::Listing;
use crate::listings::queries::today;
use crate::search::{Library, SearchDoc, SearchIndex, tokens};
use crate::taxonomies::{CooperationMode, Maturity, TechnologyField};

/// Text candidates considered per match request.
pub const CANDIDATES: usize = 100;
/// Largest `limit` of a match request.
pub const MAX_LIMIT: usize = 50;

/// The keyword vocabularies of the libraries, kept in step with the search index.
#[derive(Default)]
pub struct MatchingState {
    vocabularies: RwLock<HashMap<&'static str, Vocabulary>>,
}

impl MatchingState {
    /// Builds the vocabularies of achievements and demands from the database.
    pub fn load(conn: &mut DbConnection) -> ApiResult<Arc<MatchingState>> {
        let state = MatchingState::default();
        let achievement_keywords: Vec<(String, String)> =
            achievements::table.select((achievements::id, achievements::keywords)).load(conn)?;
        let demand_keywords: Vec<(String, String)> =
            demands::table.select((demands::id, demands::keywords)).load(conn)?;
        {
            let mut vocabularies = state
                .vocabularies
                .write()
                .map_err(|_| ApiError::Internal("vocabulary lock poisoned".into()))?;
            let mut add = |library: Library, rows: Vec<(String, String)>| {
                let vocabulary = vocabularies.entry(library.as_str()).or_default();
                for (id, keywords) in rows {
                    let keywords: Vec<String> = from_json(&keywords);
                    vocabulary.add(&id, &keywords);
                }
            };
            add(Library::Achievements, achievement_keywords);
            add(Library::Demands, demand_keywords);
        }
        Ok(Arc::new(state))
    }

    /// Updates the vocabulary with written records (called wherever the index is written).
    pub fn upsert(&self, docs: &[SearchDoc]) {
        if let Ok(mut vocabularies) = self.vocabularies.write() {
            for doc in docs {
                vocabularies
                    .entry(doc.library.as_str())
                    .or_default()
                    .upsert(&doc.id, &doc.keywords);
            }
        }
    }

    /// Forgets a deleted record.
    pub fn remove(&self, id: &str) {
        if let Ok(mut vocabularies) = self.vocabularies.write() {
            for vocabulary in vocabularies.values_mut() {
                vocabulary.remove(id);
            }
        }
    }

    /// Ranks a library's records by text relevance.
    pub fn rank_text(
        &self,
        index: &SearchIndex,
        library: Library,
        text: &str,
    ) -> ApiResult<Vec<TextMatch>> {
        let vocabularies = self
            .vocabularies
            .read()
            .map_err(|_| ApiError::Internal("vocabulary lock poisoned".into()))?;
        let empty = Vocabulary::new();
        let vocabulary = vocabularies.get(library.as_str()).unwrap_or(&empty);
        text::rank(index, vocabulary, library, text, CANDIDATES, &TextMatcherConfig::default())
            .map_err(|e| ApiError::Internal(format!("search: {e}")))
    }
}

/// What is being matched: a problem's text and constraints.
#[derive(Debug, Clone, Default)]
pub struct MatchSubject {
    /// Title, keywords and description.
    pub text: String,
    /// The field asked for.
    pub technology_field: Option<TechnologyField>,
    /// The minimum maturity.
    pub required_maturity: Option<Maturity>,
    /// The highest budget, in fen.
    pub budget_max_fen: Option<i64>,
    /// Cooperation modes wanted.
    pub cooperation_modes: Vec<CooperationMode>,
    /// Region of the problem.
    pub region_code: Option<String>,
    /// Feedback on candidates: id → relevant.
    pub feedback: HashMap<String, bool>,
}

/// Words of a request that say nothing about its subject.
const REQUEST_WORDS: &[&str] = &[
    "希望", "寻求", "需要", "需求", "技术", "方案", "方面", "相关", "我们", "我司", "公司", "解决",
    "问题", "合作", "提供", "找到", "高校", "难题", "遇到", "现有", "能够", "可以", "进行",
];

/// The share of a problem's subject words (two characters or more, request boilerplate left
/// out) that a record's text contains: an absolute measure of textual fit, where BM25 is
/// normalized by the best hit and so makes the best candidate look relevant even when nothing
/// fits.
pub fn coverage(problem_text: &str, record_text: &str) -> f64 {
    let record: HashSet<String> = tokens(record_text).into_iter().collect();
    let subject: Vec<String> = tokens(problem_text)
        .into_iter()
        .filter(|t| t.chars().count() >= 2 && !REQUEST_WORDS.contains(&t.as_str()))
        .collect();
    if subject.is_empty() {
        return 1.0;
    }
    subject.iter().filter(|t| record.contains(*t)).count() as f64 / subject.len() as f64
}

/// Coverage from which the text relevance counts in full.
pub const FULL_COVERAGE: f64 = 0.4;

fn matched_terms(problem_text: &str, text_match: &TextMatch, record_text: &str) -> Vec<String> {
    let record: HashSet<String> = tokens(record_text).into_iter().collect();
    let mut terms: Vec<String> = text_match.matched_keywords.clone();
    for token in tokens(problem_text) {
        if token.chars().count() >= 2
            && record.contains(&token)
            && !terms.iter().any(|t| t.contains(&token))
        {
            terms.push(token);
        }
    }
    terms.truncate(20);
    terms
}

fn published_now<T>(rows: Vec<(Listing, T)>) -> Vec<(Listing, T)> {
    let today = today();
    rows.into_iter()
        .filter(|(l, _)| l.status == ListingStatus::Published && l.valid_until >= today)
        .collect()
}

fn feedback_label(feedback: &HashMap<String, bool>, id: &str) -> Option<String> {
    feedback.get(id).map(|relevant| if *relevant { "relevant" } else { "not_relevant" }.to_string())
}

/// The achievements best matching a problem (published and unexpired only), best first.
pub fn match_achievements(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    problem: &MatchSubject,
    limit: usize,
    strict: bool,
) -> ApiResult<Vec<AchievementMatch>> {
    let text_matches = state.rank_text(index, Library::Achievements, &problem.text)?;
    let by_id: HashMap<&str, &TextMatch> =
        text_matches.iter().map(|m| (m.id.as_str(), m)).collect();
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let rows: Vec<(Listing, AchievementRow)> = listings::table
        .inner_join(achievements::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), AchievementRow::as_select()))
        .load(conn)?;
    let rows = published_now(rows);
    let field_share = inferred_fields(rows.iter().filter_map(|(l, r)| {
        Some((by_id.get(l.id.as_str())?.score, r.technology_field.parse().ok()?))
    }));
    let mut matches = Vec::new();
    let mut texts: HashMap<String, String> = HashMap::new();
    for (listing, row) in rows {
        if problem.feedback.get(&listing.id) == Some(&false) {
            continue;
        }
        let Some(text_match) = by_id.get(listing.id.as_str()) else {
            continue;
        };
        let field: TechnologyField = row.technology_field.parse().map_err(ApiError::Internal)?;
        let maturity: Maturity = row.maturity.parse().map_err(ApiError::Internal)?;
        let modes: Vec<CooperationMode> = decode_codes(&row.cooperation_modes);
        let (maturity_factor, below) =
            scoring::maturity_factor(problem.required_maturity, maturity);
        let (price_factor, above) =
            scoring::price_factor(problem.budget_max_fen, row.asking_price_fen);
        let (mode_factor, disjoint) = scoring::mode_factor(&problem.cooperation_modes, &modes);
        if strict && (below || above || disjoint) {
            continue;
        }
        let factors: Vec<Factor> = vec![
            scoring::text_factor(text_match.score, text_match.matched_keywords.len()),
            scoring::field_factor(
                problem.technology_field,
                field,
                field_share.get(&field).copied().unwrap_or(0.0),
            ),
            maturity_factor,
            price_factor,
            mode_factor,
            scoring::region_factor(problem.region_code.as_deref(), &listing.region_code),
            scoring::freshness_factor(listing.updated_at),
        ];
        let violations = [
            (below, "maturity_below_required"),
            (above, "price_above_budget"),
            (disjoint, "no_shared_cooperation_mode"),
        ]
        .into_iter()
        .filter(|(hit, _)| *hit)
        .map(|(_, name)| name.to_string())
        .collect();
        let keywords: Vec<String> = from_json(&row.keywords);
        texts.insert(
            listing.id.clone(),
            format!("{} {} {}", listing.title, keywords.join(" "), row.summary),
        );
        matches.push(AchievementMatch {
            score: scoring::total(&factors),
            explanation: Explanation {
                factors,
                matched_terms: Vec::new(),
                violations,
                feedback: feedback_label(&problem.feedback, &listing.id),
            },
            achievement: MatchedAchievement {
                id: listing.id,
                external_ref: listing.external_ref,
                title: listing.title,
                technology_field: field,
                maturity,
                asking_price_fen: row.asking_price_fen,
                region_code: listing.region_code,
                org_id: listing.org_id,
                organization_name: None,
                region_name: None,
            },
        });
    }
    matches.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| a.achievement.id.cmp(&b.achievement.id))
    });
    // Absolute fit and shared terms are worked out for the leading candidates only: tokenizing
    // every candidate's text is the costliest step of a match.
    matches.truncate(limit.saturating_mul(2));
    for found in &mut matches {
        let id = found.achievement.id.clone();
        if let (Some(text_match), Some(text)) = (by_id.get(id.as_str()), texts.get(&id)) {
            found.explanation.matched_terms = matched_terms(&problem.text, text_match, text);
            let covered = coverage(&problem.text, text);
            let fit = (covered / FULL_COVERAGE).min(1.0);
            if let Some(factor) = found.explanation.factors.iter_mut().find(|f| f.name == "text") {
                *factor = scoring::text_factor(
                    text_match.score * fit,
                    found.explanation.matched_terms.len(),
                );
                factor.detail = format!(
                    "text relevance {:.2} (BM25 and keywords {:.2} × subject coverage {:.0}%)",
                    text_match.score * fit,
                    text_match.score,
                    covered * 100.0
                );
            }
            found.score = scoring::total(&found.explanation.factors);
        }
    }
    matches.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then_with(|| a.achievement.id.cmp(&b.achievement.id))
    });
    matches.truncate(limit);
    super::cards::name_achievements(conn, &mut matches)?;
    Ok(matches)
}

impl MatchSubject {
    /// A published demand as a problem to match (without brokers' feedback).
    pub fn of_demand(listing: &Listing, row: &DemandRow) -> MatchSubject {
        let keywords: Vec<String> = from_json(&row.keywords);
        MatchSubject {
            text: format!("{} {} {}", listing.title, keywords.join(" "), row.description),
            technology_field: row.technology_field.parse().ok(),
            required_maturity: row.required_maturity.as_deref().and_then(|m| m.parse().ok()),
            budget_max_fen: row.budget_max_fen,
            cooperation_modes: decode_codes(&row.cooperation_modes),
            region_code: Some(listing.region_code.clone()),
            feedback: HashMap::new(),
        }
    }
}

/// What an achievement offers, as matched against demands.
#[derive(Debug, Clone)]
pub struct Offer {
    /// Title, keywords and summary.
    pub text: String,
    /// Its field.
    pub technology_field: TechnologyField,
    /// Its maturity.
    pub maturity: Maturity,
    /// Asking price in fen.
    pub asking_price_fen: Option<i64>,
    /// Cooperation modes offered.
    pub cooperation_modes: Vec<CooperationMode>,
    /// Region.
    pub region_code: String,
}

impl Offer {
    /// A published achievement as an offer to match.
    pub fn of_achievement(listing: &Listing, row: &AchievementRow) -> ApiResult<Offer> {
        let keywords: Vec<String> = from_json(&row.keywords);
        Ok(Offer {
            text: format!("{} {} {}", listing.title, keywords.join(" "), row.summary),
            technology_field: row.technology_field.parse().map_err(ApiError::Internal)?,
            maturity: row.maturity.parse().map_err(ApiError::Internal)?,
            asking_price_fen: row.asking_price_fen,
            cooperation_modes: decode_codes(&row.cooperation_modes),
            region_code: listing.region_code.clone(),
        })
    }
}

/// The open demands (published, unexpired, deadline not passed) an achievement best answers.
pub fn match_demands(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    offer: &Offer,
    limit: usize,
) -> ApiResult<Vec<DemandMatch>> {
    let text_matches = state.rank_text(index, Library::Demands, &offer.text)?;
    let by_id: HashMap<&str, &TextMatch> =
        text_matches.iter().map(|m| (m.id.as_str(), m)).collect();
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let rows: Vec<(Listing, DemandRow)> = listings::table
        .inner_join(demands::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), DemandRow::as_select()))
        .load(conn)?;
    let today = today();
    let mut matches = Vec::new();
    for (listing, row) in published_now(rows) {
        if row.deadline.is_some_and(|d| d < today) {
            continue;
        }
        let Some(text_match) = by_id.get(listing.id.as_str()) else {
            continue;
        };
        let field: TechnologyField = row.technology_field.parse().map_err(ApiError::Internal)?;
        let required: Option<Maturity> =
            row.required_maturity.as_deref().and_then(|m| m.parse().ok());
        let wanted: Vec<CooperationMode> = decode_codes(&row.cooperation_modes);
        let keywords: Vec<String> = from_json(&row.keywords);
        let record_text = format!("{} {} {}", listing.title, keywords.join(" "), row.description);
        let terms = matched_terms(&offer.text, text_match, &record_text);
        let (maturity_factor, below) = scoring::maturity_factor(required, offer.maturity);
        let (price_factor, above) =
            scoring::price_factor(row.budget_max_fen, offer.asking_price_fen);
        let (mode_factor, disjoint) = scoring::mode_factor(&wanted, &offer.cooperation_modes);
        let factors = vec![
            scoring::text_factor(text_match.score, terms.len()),
            scoring::field_factor(Some(field), offer.technology_field, 0.0),
            maturity_factor,
            price_factor,
            mode_factor,
            scoring::region_factor(Some(&listing.region_code), &offer.region_code),
            scoring::freshness_factor(listing.updated_at),
        ];
        let violations = [
            (below, "maturity_below_required"),
            (above, "price_above_budget"),
            (disjoint, "no_shared_cooperation_mode"),
        ]
        .into_iter()
        .filter(|(hit, _)| *hit)
        .map(|(_, name)| name.to_string())
        .collect();
        matches.push(DemandMatch {
            score: scoring::total(&factors),
            explanation: Explanation { factors, matched_terms: terms, violations, feedback: None },
            demand: MatchedDemand {
                id: listing.id,
                external_ref: listing.external_ref,
                title: listing.title,
                technology_field: field,
                required_maturity: required,
                budget_min_fen: row.budget_min_fen,
                budget_max_fen: row.budget_max_fen,
                reward_fen: row.reward_fen,
                region_code: listing.region_code,
                org_id: listing.org_id,
                organization_name: None,
                region_name: None,
            },
        });
    }
    matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.demand.id.cmp(&b.demand.id)));
    matches.truncate(limit);
    super::cards::name_demands(conn, &mut matches)?;
    Ok(matches)
}

/// Records whose field votes, by text relevance, for the field of a problem.
pub const FIELD_NEIGHBOURS: usize = 20;

/// The share of each field among the best text matches, weighted by their relevance.
fn inferred_fields(
    scored: impl Iterator<Item = (f64, TechnologyField)>,
) -> HashMap<TechnologyField, f64> {
    let mut best: Vec<(f64, TechnologyField)> = scored.collect();
    best.sort_by(|a, b| b.0.total_cmp(&a.0));
    best.truncate(FIELD_NEIGHBOURS);
    let total: f64 = best.iter().map(|(s, _)| s).sum();
    let mut shares = HashMap::new();
    if total > 0.0 {
        for (score, field) in best {
            *shares.entry(field).or_insert(0.0) += score / total;
        }
    }
    shares
}

/// The latest feedback per achievement on a demand's matches.
pub fn feedback_for(conn: &mut DbConnection, demand_id: &str) -> ApiResult<HashMap<String, bool>> {
    let rows: Vec<(String, bool)> = match_feedback::table
        .filter(match_feedback::demand_id.eq(demand_id))
        .order(match_feedback::id.asc())
        .select((match_feedback::achievement_id, match_feedback::relevant))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_measures_the_subject_not_the_request_wording() {
        let problem = "希望寻求印染废水深度处理技术方案";
        assert!(coverage(problem, "一种印染废水深度处理工艺，出水COD低于50mg/L") > 0.7);
        assert!(coverage(problem, "罗非鱼链球菌病的防治") < 0.1);
        assert!((coverage("希望寻求技术方案", "任何文本") - 1.0).abs() < 1e-9);
    }
}
