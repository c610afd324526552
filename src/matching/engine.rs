//! The matcher: text candidates from the index and the keyword vocabularies, then the market
//! factors (field, maturity, price, cooperation mode, region, freshness) from the database.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use diesel::prelude::*;

pub use super::answer::Outcome;
use super::cards::Matched;
pub use super::cards::{AchievementMatch, DemandMatch, MatchedAchievement, MatchedDemand};
use super::relevance::Subject;
use super::scoring::{self, Explanation, Factor};
use super::text::{self, TextMatch, TextMatcherConfig};
use super::vocabulary::Vocabulary;
use super::{calibration, candidates, relevance};
use crate::achievements::queries::AchievementRow;
use crate::db::DbConnection;
use crate::db::schema::{achievements, demands, match_feedback};
use crate::demands::queries::DemandRow;
use crate::error::{ApiError, ApiResult};
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::model::Listing;
use crate::listings::queries::today;
use crate::search::{Library, SearchDoc, SearchIndex};
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

    /// Ranks a library's records by text relevance to a problem: its text and, if it is a
    /// stored record, its id (the meaning the index keeps for it is used instead of reading
    /// the text again).
    pub fn rank_text(
        &self,
        index: &SearchIndex,
        library: Library,
        (text, record): (&str, Option<&str>),
    ) -> ApiResult<Vec<TextMatch>> {
        let known = match record {
            Some(id) => index.meanings(&[id]).remove(id),
            None => None,
        };
        let vocabularies = self
            .vocabularies
            .read()
            .map_err(|_| ApiError::Internal("vocabulary lock poisoned".into()))?;
        let empty = Vocabulary::new();
        let vocabulary = vocabularies.get(library.as_str()).unwrap_or(&empty);
        text::rank(
            index,
            vocabulary,
            (library, text),
            known.as_ref(),
            CANDIDATES,
            &TextMatcherConfig::default(),
        )
        .map_err(search_failed)
    }

    /// A problem's subject words, weighted by their rarity among a library's records.
    pub fn subject(index: &SearchIndex, library: Library, text: &str) -> ApiResult<Subject> {
        Subject::of(text, |words| index.rarity(library, words)).map_err(search_failed)
    }
}

fn search_failed(error: crate::search::SearchError) -> ApiError {
    ApiError::Internal(format!("search: {error}"))
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
    /// The stored demand this problem is, if it is one (its meaning is read from the index).
    pub record_id: Option<String>,
}

fn feedback_label(feedback: &HashMap<String, bool>, id: &str) -> Option<String> {
    feedback.get(id).map(|relevant| if *relevant { "relevant" } else { "not_relevant" }.to_string())
}

/// Judges the leading candidates on their text: each one's gated relevance is calibrated into
/// the text factor, which then gates the market factors. Candidates come provisionally scored
/// (full coverage assumed); only the leading `2 × limit` are judged, on the subject words the
/// index says each holds (a record the index does not hold yet is tokenized from its text, as
/// `texts` reads it).
fn judge<T: Matched>(
    (index, library): (&SearchIndex, Library),
    problem: &Subject,
    mut candidates: Vec<T>,
    by_id: &HashMap<&str, &TextMatch>,
    (limit, excluded): (usize, bool),
    texts: impl FnOnce(&[&str]) -> ApiResult<HashMap<String, String>>,
) -> ApiResult<Outcome<T>> {
    let shares_words = candidates
        .iter()
        .filter_map(|found| by_id.get(found.record_id()))
        .any(|text_match| text_match.shares_words());
    candidates.sort_by(|a, b| {
        b.score().total_cmp(&a.score()).then_with(|| a.record_id().cmp(b.record_id()))
    });
    candidates.truncate(limit.saturating_mul(2));
    let ids: Vec<&str> = candidates.iter().map(Matched::record_id).collect();
    let held = index.words_held(library, &ids, &problem.words()).map_err(search_failed)?;
    let unheld: Vec<&str> = ids.iter().copied().filter(|id| !held.contains_key(*id)).collect();
    let texts = if unheld.is_empty() { HashMap::new() } else { texts(&unheld)? };
    let mut assessments: Vec<Option<relevance::Assessment>> = candidates
        .iter()
        .map(|found| {
            let text_match = by_id.get(found.record_id()).copied()?;
            Some(match held.get(found.record_id()) {
                Some(held) => relevance::assess_held(problem, text_match, held),
                None => relevance::assess(
                    problem,
                    text_match,
                    texts.get(found.record_id()).map_or("", String::as_str),
                ),
            })
        })
        .collect();
    calibration::relate(assessments.iter_mut().flatten().map(|a| &mut a.evidence));
    let judged = candidates
        .into_iter()
        .zip(assessments)
        .map(|(mut found, assessment)| {
            if let Some(assessment) = assessment {
                let (score, explanation) = found.scored_mut();
                explanation.factors[0] = scoring::text_factor(
                    calibration::precision(&assessment.evidence),
                    assessment.relevance,
                    assessment.coverage,
                    assessment.terms.len(),
                );
                explanation.matched_terms = assessment.terms;
                *score = scoring::gated_total(&mut explanation.factors);
            }
            found
        })
        .collect();
    Ok(Outcome::judged(judged, limit, excluded, shares_words))
}

/// The provisional text factor of a candidate before it is judged: its ranked relevance,
/// calibrated as if it covered the problem in full.
fn provisional_text(text_match: &TextMatch) -> Factor {
    let relevance = text_match.score;
    let evidence = calibration::Evidence {
        ranked: relevance,
        coverage: 1.0,
        gated: relevance,
        meaning: text_match.meaning,
        closeness: text_match.closeness,
        standout: text_match.standout,
        best_coverage: 1.0,
        ranked_lead: 0.0,
        meaning_lead: 0.0,
    };
    scoring::text_factor(calibration::precision(&evidence), relevance, 1.0, 0)
}

/// The constraints a record misses, by name.
fn violations(below: bool, above: bool, disjoint: bool) -> Vec<String> {
    [
        (below, "maturity_below_required"),
        (above, "price_above_budget"),
        (disjoint, "no_shared_cooperation_mode"),
    ]
    .into_iter()
    .filter(|(hit, _)| *hit)
    .map(|(_, name)| name.to_string())
    .collect()
}

/// The achievements best matching a problem (published and unexpired only, scoring at least the
/// floor), best first.
pub fn match_achievements(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    problem: &MatchSubject,
    limit: usize,
    strict: bool,
) -> ApiResult<Outcome<AchievementMatch>> {
    let text_matches = state.rank_text(
        index,
        Library::Achievements,
        (&problem.text, problem.record_id.as_deref()),
    )?;
    let by_id: HashMap<&str, &TextMatch> =
        text_matches.iter().map(|m| (m.id.as_str(), m)).collect();
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let rows = candidates::open_achievements(conn, &ids)?;
    let field_share = inferred_fields(rows.iter().filter_map(|(l, r)| {
        Some((by_id.get(l.id.as_str())?.score, r.technology_field.parse().ok()?))
    }));
    let mut scored = Vec::new();
    let mut excluded = false;
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
            excluded = true;
            continue;
        }
        let mut factors: Vec<Factor> = vec![
            provisional_text(text_match),
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
        let found = AchievementMatch {
            score: scoring::gated_total(&mut factors),
            explanation: Explanation {
                factors,
                matched_terms: Vec::new(),
                violations: violations(below, above, disjoint),
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
        };
        scored.push(found);
    }
    let subject = MatchingState::subject(index, Library::Achievements, &problem.text)?;
    let mut outcome = judge(
        (index, Library::Achievements),
        &subject,
        scored,
        &by_id,
        (limit, excluded),
        |unheld| candidates::achievement_texts(conn, unheld),
    )?;
    super::cards::name_cards(conn, &mut outcome.items)?;
    Ok(outcome)
}

impl MatchSubject {
    /// A published demand as a problem to match (without brokers' feedback).
    pub fn of_demand(listing: &Listing, row: &DemandRow) -> MatchSubject {
        MatchSubject {
            text: candidates::text(&listing.title, &row.keywords, &row.description),
            technology_field: row.technology_field.parse().ok(),
            required_maturity: row.required_maturity.as_deref().and_then(|m| m.parse().ok()),
            budget_max_fen: row.budget_max_fen,
            cooperation_modes: decode_codes(&row.cooperation_modes),
            region_code: Some(listing.region_code.clone()),
            feedback: HashMap::new(),
            record_id: Some(listing.id.clone()),
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
    /// The stored achievement (its meaning is read from the index).
    pub record_id: String,
}

impl Offer {
    /// A published achievement as an offer to match.
    pub fn of_achievement(listing: &Listing, row: &AchievementRow) -> ApiResult<Offer> {
        Ok(Offer {
            text: candidates::text(&listing.title, &row.keywords, &row.summary),
            technology_field: row.technology_field.parse().map_err(ApiError::Internal)?,
            maturity: row.maturity.parse().map_err(ApiError::Internal)?,
            asking_price_fen: row.asking_price_fen,
            cooperation_modes: decode_codes(&row.cooperation_modes),
            region_code: listing.region_code.clone(),
            record_id: listing.id.clone(),
        })
    }
}

/// The open demands (published, unexpired, deadline not passed, scoring at least the floor) an
/// achievement best answers.
pub fn match_demands(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    offer: &Offer,
    limit: usize,
) -> ApiResult<Outcome<DemandMatch>> {
    let text_matches =
        state.rank_text(index, Library::Demands, (&offer.text, Some(offer.record_id.as_str())))?;
    let by_id: HashMap<&str, &TextMatch> =
        text_matches.iter().map(|m| (m.id.as_str(), m)).collect();
    let ids: Vec<&str> = by_id.keys().copied().collect();
    let today = today();
    let mut scored = Vec::new();
    for (listing, row) in candidates::open_demands(conn, &ids)? {
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
        let (maturity_factor, below) = scoring::maturity_factor(required, offer.maturity);
        let (price_factor, above) =
            scoring::price_factor(row.budget_max_fen, offer.asking_price_fen);
        let (mode_factor, disjoint) = scoring::mode_factor(&wanted, &offer.cooperation_modes);
        let mut factors = vec![
            provisional_text(text_match),
            scoring::field_factor(Some(field), offer.technology_field, 0.0),
            maturity_factor,
            price_factor,
            mode_factor,
            scoring::region_factor(Some(&listing.region_code), &offer.region_code),
            scoring::freshness_factor(listing.updated_at),
        ];
        let found = DemandMatch {
            score: scoring::gated_total(&mut factors),
            explanation: Explanation {
                factors,
                matched_terms: Vec::new(),
                violations: violations(below, above, disjoint),
                feedback: None,
            },
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
        };
        scored.push(found);
    }
    let subject = MatchingState::subject(index, Library::Demands, &offer.text)?;
    let mut outcome =
        judge((index, Library::Demands), &subject, scored, &by_id, (limit, false), |unheld| {
            candidates::demand_texts(conn, unheld)
        })?;
    super::cards::name_cards(conn, &mut outcome.items)?;
    Ok(outcome)
}

/// Records whose field votes, by text relevance, for the field of a problem.
pub const FIELD_NEIGHBOURS: usize = 20;

/// The share of each field among the best text matches, weighted by their relevance.
pub(crate) fn inferred_fields(
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
