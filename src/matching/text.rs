//! Text relevance of records to a free-text problem: BM25 from the search index, plus the
//! corpus's own author keywords recognized in the text, plus pseudo-relevance feedback over the
//! keywords of the best first-round records.

use rustc_hash::FxHashMap;

use super::vocabulary::{Slot, Vocabulary};
use crate::meaning::{Meaning, PIECES, Vector};
use crate::search::{Library, SearchError, SearchIndex};

/// Tuning of the text matcher.
#[derive(Debug, Clone, Copy)]
pub struct TextMatcherConfig {
    /// BM25 candidates fetched from the index.
    pub candidates: usize,
    /// Records a recognized keyword may pull in.
    pub keyword_postings: usize,
    /// First-round records whose keywords feed back into the query.
    pub feedback_records: usize,
    /// Feedback keywords kept.
    pub feedback_terms: usize,
    /// Weight of BM25 (normalized by the best hit).
    pub bm25_weight: f64,
    /// Weight of recognized author keywords.
    pub keyword_weight: f64,
    /// Weight of feedback keywords.
    pub feedback_weight: f64,
    /// Weight of what the record's text means next to the problem's (the cosine of their
    /// sentence vectors, normalized by the best candidate's), against the parts above.
    pub meaning_weight: f64,
    /// The leading candidates (by the parts above) whose meaning is compared.
    pub meaning_pool: usize,
    /// The records closest in meaning to the problem, over the whole library, that join the
    /// candidates whatever words they share with it.
    pub meaning_neighbours: usize,
}

impl Default for TextMatcherConfig {
    fn default() -> Self {
        TextMatcherConfig {
            candidates: 200,
            keyword_postings: 500,
            feedback_records: 5,
            feedback_terms: 8,
            bm25_weight: 0.5,
            keyword_weight: 0.4,
            feedback_weight: 0.1,
            meaning_weight: 0.4,
            meaning_pool: 200,
            meaning_neighbours: 30,
        }
    }
}

/// A record's text relevance to a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct TextMatch {
    /// The record.
    pub id: String,
    /// Relevance in [0, 1].
    pub score: f64,
    /// The BM25 part, normalized by the best hit, in [0, 1].
    pub bm25: f64,
    /// The recognized-keyword part, in [0, 1].
    pub keywords: f64,
    /// The feedback part, in [0, 1].
    pub feedback: f64,
    /// The cosine of the record's and the problem's sentence vectors (negative ones as 0), in
    /// [0, 1]: absolute, unlike the parts normalized by the best hit.
    pub meaning: f64,
    /// The cosine relative to the closest of the candidates compared, in [0, 1] (1 for the
    /// closest; 0 where meanings are not compared).
    pub closeness: f64,
    /// How far the cosine stands above the compared candidates' mean, in standard deviations
    /// over four, in [0, 1]: a problem with an answer tends to have one record that stands out
    /// in meaning, one without has none.
    pub standout: f64,
    /// The corpus keywords the record shares with the problem (recognized or fed back).
    pub matched_keywords: Vec<String>,
}

impl TextMatch {
    /// Whether the record shares a word with the problem (BM25, a recognized or a feedback
    /// keyword): a record found by its meaning alone does not.
    pub fn shares_words(&self) -> bool {
        self.bm25 > 0.0 || self.keywords > 0.0 || self.feedback > 0.0
    }
}

/// Ranks the records of a library for a problem text, best first. Where the library keeps what
/// its records mean, the problem's meaning (`known`, or read from the text) is compared too.
pub fn rank(
    index: &SearchIndex,
    vocabulary: &Vocabulary,
    (library, text): (Library, &str),
    known: Option<&Vector>,
    limit: usize,
    config: &TextMatcherConfig,
) -> Result<Vec<TextMatch>, SearchError> {
    let problem_text = text;
    // Lay words bring the technical terms the records are written in.
    let expansion = super::lay::expansion(text);
    let expanded;
    let text = if expansion.is_empty() {
        text
    } else {
        expanded = format!("{text} {expansion}");
        expanded.as_str()
    };
    let hits = index.rank_problem(library, text, config.candidates)?;
    let read;
    let problem_meaning = match (library.keeps_meaning(), known) {
        (false, _) => None,
        (true, Some(meaning)) => Some(meaning),
        (true, None) => {
            read = Meaning::shared()?.embed(problem_text, PIECES);
            Some(&read)
        }
    };
    let neighbours = problem_meaning.map_or_else(Vec::new, |meaning| {
        index.nearest_meanings(library, meaning, config.meaning_neighbours)
    });
    // Every candidate's three parts in one map, by vocabulary slot: BM25 hits, records carrying
    // a recognized keyword, records carrying a feedback keyword. A hit the vocabulary does not
    // hold yet gets a slot past the vocabulary's.
    let mut candidates = Candidates { vocabulary, strangers: Vec::new() };
    let mut parts: FxHashMap<Slot, Parts> = FxHashMap::default();
    let top_bm25 = hits.first().map_or(0.0, |h| f64::from(h.score));
    if top_bm25 > 0.0 {
        for hit in &hits {
            let slot = candidates.slot(&hit.id);
            parts.entry(slot).or_default().bm25 = f64::from(hit.score) / top_bm25;
        }
    }
    // The records closest in meaning are candidates whatever words they share.
    let neighbour_slots: Vec<(&str, Slot)> = neighbours
        .iter()
        .map(|(id, _)| {
            let slot = candidates.slot(id);
            parts.entry(slot).or_default();
            (id.as_str(), slot)
        })
        .collect();

    let recognized = vocabulary.recognize(text);
    let recognized_total: f64 = recognized.iter().map(|k| vocabulary.idf(k)).sum();
    if recognized_total > 0.0 {
        for keyword in &recognized {
            let weight = vocabulary.idf(keyword) / recognized_total;
            for slot in vocabulary.records_with(keyword).iter().take(config.keyword_postings) {
                parts.entry(*slot).or_default().keywords += weight;
            }
        }
    }

    let first_round: Vec<(&str, Slot, f64)> = parts
        .iter()
        .map(|(slot, p)| {
            let score = config.bm25_weight * p.bm25 + config.keyword_weight * p.keywords;
            (candidates.id(*slot), *slot, score)
        })
        .collect();
    let first = best(first_round, config.feedback_records);

    // Pseudo-relevance feedback: keywords common among the best first-round records.
    let mut counts: FxHashMap<&str, f64> = FxHashMap::default();
    for (_, slot, _) in &first {
        for keyword in vocabulary.keywords_at(*slot) {
            if !recognized.contains(keyword) {
                *counts.entry(keyword.as_str()).or_default() += 1.0;
            }
        }
    }
    let mut feedback: Vec<(&str, f64)> = counts
        .into_iter()
        .filter(|(_, count)| *count >= 2.0)
        .map(|(k, count)| (k, count * vocabulary.idf(k)))
        .collect();
    feedback.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    feedback.truncate(config.feedback_terms);
    let feedback_total: f64 = feedback.iter().map(|(_, w)| w).sum();
    if feedback_total > 0.0 {
        for (keyword, weight) in &feedback {
            for slot in vocabulary.records_with(keyword).iter().take(config.keyword_postings) {
                parts.entry(*slot).or_default().feedback += weight / feedback_total;
            }
        }
    }

    // Every candidate is scored; the leading ones and the closest in meaning are compared on
    // their meaning, and only the leading `limit` are described.
    let scored: Vec<(&str, Slot, f64)> = parts
        .iter()
        .map(|(slot, p)| (candidates.id(*slot), *slot, p.capped().weighted(config)))
        .collect();
    let mut cosines: FxHashMap<&str, f64> = FxHashMap::default();
    let scored = if let Some(problem) = problem_meaning {
        let mut pool = best(scored, config.meaning_pool.max(limit));
        for (id, slot) in &neighbour_slots {
            if !pool.iter().any(|(pooled, _, _)| pooled == id) {
                pool.push((id, *slot, 0.0));
            }
        }
        cosines = compare_meanings(index, problem, &mut pool, config.meaning_weight);
        pool
    } else {
        scored
    };
    let spread = Spread::of(cosines.values().copied());
    let ranked = best(scored, limit)
        .into_iter()
        .map(|(id, slot, score)| {
            let p = parts.get(&slot).copied().unwrap_or_default().capped();
            let matched_keywords = vocabulary
                .keywords_at(slot)
                .iter()
                .filter(|kw| {
                    recognized.contains(kw) || feedback.iter().any(|(fk, _)| *fk == kw.as_str())
                })
                .cloned()
                .collect();
            let meaning = cosines.get(id).copied().unwrap_or(0.0);
            TextMatch {
                score,
                bm25: p.bm25,
                keywords: p.keywords,
                feedback: p.feedback,
                meaning,
                closeness: spread.closeness(meaning),
                standout: spread.standout(meaning),
                matched_keywords,
                id: id.to_string(),
            }
        })
        .collect();
    Ok(ranked)
}

/// Compares the meaning of each candidate of `pool` with the problem's and mixes it into the
/// candidate's score by `weight` (the cosine normalized by the closest candidate's). Returns
/// each candidate's cosine (negative ones as 0).
fn compare_meanings<'a>(
    index: &SearchIndex,
    problem: &Vector,
    pool: &mut [(&'a str, Slot, f64)],
    weight: f64,
) -> FxHashMap<&'a str, f64> {
    let ids: Vec<&str> = pool.iter().map(|(id, _, _)| *id).collect();
    let found = index.meaning_cosines(problem, &ids);
    let cosines: FxHashMap<&str, f64> = ids
        .into_iter()
        .zip(found)
        .filter_map(|(id, cosine)| Some((id, cosine?.max(0.0))))
        .collect();
    let closest = cosines.values().copied().fold(0.0, f64::max);
    if closest > 0.0 {
        for (id, _, score) in pool.iter_mut() {
            let cosine = cosines.get(id).copied().unwrap_or(0.0);
            *score = (1.0 - weight) * *score + weight * cosine / closest;
        }
    }
    cosines
}

/// How the cosines of the candidates compared spread: a record's cosine means more where it
/// stands out from the others'.
struct Spread {
    closest: f64,
    mean: f64,
    deviation: f64,
}

impl Spread {
    /// The largest cosine, the mean and the standard deviation of `cosines`, the mean and the
    /// deviation drawn towards those of unrelated texts ([`UNRELATED_MEAN`],
    /// [`UNRELATED_DEVIATION`]) as if [`PRIOR_CANDIDATES`] more had been compared: a market of
    /// a few records has no spread of its own to stand out from.
    fn of(cosines: impl Iterator<Item = f64> + Clone) -> Spread {
        let count = cosines.clone().count() as f64 + PRIOR_CANDIDATES;
        let mean = (cosines.clone().sum::<f64>() + PRIOR_CANDIDATES * UNRELATED_MEAN) / count;
        let spread_of_prior = UNRELATED_DEVIATION.powi(2) + (UNRELATED_MEAN - mean).powi(2);
        let variance = (cosines.clone().map(|c| (c - mean).powi(2)).sum::<f64>()
            + PRIOR_CANDIDATES * spread_of_prior)
            / count;
        Spread { closest: cosines.fold(0.0, f64::max), mean, deviation: variance.sqrt() }
    }

    /// A cosine relative to the closest, 0–1.
    fn closeness(&self, cosine: f64) -> f64 {
        if self.closest > 0.0 { cosine / self.closest } else { 0.0 }
    }

    /// How many standard deviations a cosine lies above the mean, as a share of
    /// [`STANDOUT_DEVIATIONS`], 0–1.
    fn standout(&self, cosine: f64) -> f64 {
        if self.deviation > 0.0 {
            ((cosine - self.mean) / self.deviation / STANDOUT_DEVIATIONS).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// Standard deviations above the candidates' mean cosine from which a record stands out fully.
const STANDOUT_DEVIATIONS: f64 = 4.0;
/// The mean and standard deviation of the cosine of two unrelated texts (measured over every
/// pair of the 1,469 CSL records: 0.153 and 0.093).
const UNRELATED_MEAN: f64 = 0.15;
const UNRELATED_DEVIATION: f64 = 0.09;
/// How many unrelated candidates the spread is drawn towards.
const PRIOR_CANDIDATES: f64 = 20.0;

/// The candidates of one ranking: the vocabulary's records by slot, and the hits it does not
/// hold yet in slots past its own.
struct Candidates<'a> {
    vocabulary: &'a Vocabulary,
    strangers: Vec<&'a str>,
}

impl<'a> Candidates<'a> {
    /// The slot of a record, given one past the vocabulary's if it holds none.
    fn slot(&mut self, id: &'a str) -> Slot {
        if let Some(slot) = self.vocabulary.slot(id) {
            return slot;
        }
        if let Some(at) = self.strangers.iter().position(|known| *known == id) {
            return self.vocabulary.slots().saturating_add(stranger_count(&self.strangers[..at]));
        }
        let own = self.vocabulary.slots().saturating_add(stranger_count(&self.strangers));
        self.strangers.push(id);
        own
    }

    /// The id of the record in a slot.
    fn id(&self, slot: Slot) -> &'a str {
        match slot.checked_sub(self.vocabulary.slots()) {
            Some(stranger) => self.strangers.get(stranger as usize).copied().unwrap_or(""),
            None => self.vocabulary.id_at(slot),
        }
    }
}

/// How many strangers there are, as a slot offset.
fn stranger_count(strangers: &[&str]) -> Slot {
    Slot::try_from(strangers.len()).unwrap_or(Slot::MAX)
}

/// A candidate's parts of text relevance, before weighting.
#[derive(Debug, Clone, Copy, Default)]
struct Parts {
    /// BM25, normalized by the best hit.
    bm25: f64,
    /// The recognized keywords it carries, weighted by rarity (a share of them all).
    keywords: f64,
    /// The feedback keywords it carries, weighted (a share of them all).
    feedback: f64,
}

impl Parts {
    /// The parts with the keyword shares capped at 1.
    fn capped(self) -> Parts {
        Parts { keywords: self.keywords.min(1.0), feedback: self.feedback.min(1.0), ..self }
    }

    /// The weighted sum of the parts.
    fn weighted(self, config: &TextMatcherConfig) -> f64 {
        config.bm25_weight * self.bm25
            + config.keyword_weight * self.keywords
            + config.feedback_weight * self.feedback
    }
}

/// The `most` best of scored records (id, slot, score), best first (ties by id), without sorting
/// all of them.
fn best(mut scored: Vec<(&str, Slot, f64)>, most: usize) -> Vec<(&str, Slot, f64)> {
    let order = |a: &(&str, Slot, f64), b: &(&str, Slot, f64)| {
        b.2.total_cmp(&a.2).then_with(|| a.0.cmp(b.0))
    };
    if most == 0 {
        return Vec::new();
    }
    if scored.len() > most {
        scored.select_nth_unstable_by(most - 1, order);
        scored.truncate(most);
    }
    scored.sort_by(order);
    scored
}
