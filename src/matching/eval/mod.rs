//! `techmarket eval-matching`: MRR@10, Hit@10 and nDCG@10 per query type, for the matcher and
//! for plain BM25 over the same index, side by side.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use super::calibration::{self, Evidence, FLOOR};
use super::relevance::{self, Subject};
use super::text::{self, TextMatcherConfig};
use super::vocabulary::Vocabulary;
use crate::search::{Library, SearchDoc, SearchIndex};

/// Ranks evaluated.
pub const CUTOFF: usize = 10;

pub mod calibrate;
pub mod fields;

/// One record of the evaluation corpus (the import shape's text fields).
#[derive(Debug, Deserialize)]
pub struct EvalRecord {
    /// Its reference, which the judgements name.
    pub external_ref: String,
    /// Title.
    pub title: String,
    /// Abstract.
    pub summary: String,
    /// Author keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Its technology field.
    #[serde(default)]
    pub technology_field: Option<String>,
}

/// One evaluation query: a demand-like text and the graded relevant records.
#[derive(Debug, Deserialize)]
pub struct EvalQuery {
    /// Query id.
    pub qid: String,
    /// Query type (e.g. `keywords`, `title`, `absent_keywords`).
    #[serde(rename = "type")]
    pub query_type: String,
    /// The text.
    pub text: String,
    /// external_ref → grade (2 the source record, 1 related).
    pub relevant: HashMap<String, u8>,
    /// The field the problem names, if it names one.
    #[serde(default)]
    pub technology_field: Option<String>,
}

/// Mean metrics of one ranker on one query type.
#[derive(Debug, Default, Clone, Copy)]
pub struct Metrics {
    /// Mean reciprocal rank of the first relevant record within the cutoff.
    pub mrr: f64,
    /// Share of queries with a relevant record within the cutoff.
    pub hit: f64,
    /// Normalized discounted cumulative gain (gains 2^grade − 1).
    pub ndcg: f64,
    /// MRR@10 of what an answer lists: the records at or above the floor (plain BM25 lists
    /// every hit, so there it is its MRR).
    pub listed_mrr: f64,
    /// Queries.
    pub queries: usize,
}

/// Scores one ranking against graded judgements.
pub fn score_ranking(ranking: &[String], relevant: &HashMap<String, u8>) -> (f64, f64, f64) {
    let top = &ranking[..ranking.len().min(CUTOFF)];
    let first = top.iter().position(|id| relevant.get(id).is_some_and(|g| *g > 0));
    let reciprocal = first.map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
    let hit = if first.is_some() { 1.0 } else { 0.0 };
    let gain = |grade: u8| f64::from((1u32 << grade) - 1);
    let dcg: f64 = top
        .iter()
        .enumerate()
        .map(|(i, id)| gain(relevant.get(id).copied().unwrap_or(0)) / (i as f64 + 2.0).log2())
        .sum();
    let mut grades: Vec<u8> = relevant.values().copied().collect();
    grades.sort_unstable_by(|a, b| b.cmp(a));
    let ideal: f64 = grades
        .iter()
        .take(CUTOFF)
        .enumerate()
        .map(|(i, g)| gain(*g) / (i as f64 + 2.0).log2())
        .sum();
    (reciprocal, hit, if ideal > 0.0 { dcg / ideal } else { 0.0 })
}

fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path) -> anyhow::Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect()
}

/// The report: per query type, (BM25, matcher) metrics.
pub type Report = BTreeMap<String, (Metrics, Metrics)>;

/// A corpus indexed for evaluation: the search index, the keyword vocabulary and each record's
/// text as the matcher reads it (title, keywords, summary).
pub struct Corpus {
    index: SearchIndex,
    vocabulary: Vocabulary,
    texts: HashMap<String, String>,
}

impl Corpus {
    fn build<'a>(records: impl Iterator<Item = &'a EvalRecord>) -> anyhow::Result<Corpus> {
        let index = SearchIndex::in_memory().context("search index")?;
        let mut vocabulary = Vocabulary::new();
        let mut texts = HashMap::new();
        let docs: Vec<SearchDoc> = records
            .map(|r| {
                vocabulary.add(&r.external_ref, &r.keywords);
                texts.insert(
                    r.external_ref.clone(),
                    format!("{} {} {}", r.title, r.keywords.join(" "), r.summary),
                );
                SearchDoc {
                    id: r.external_ref.clone(),
                    library: Library::Achievements,
                    title: r.title.clone(),
                    keywords: r.keywords.clone(),
                    body: r.summary.clone(),
                    facets: crate::search::Facets::default(),
                }
            })
            .collect();
        index.upsert_many(&docs).context("indexing")?;
        Ok(Corpus { index, vocabulary, texts })
    }

    /// The ranker's leading `2 × CUTOFF` records for a problem with what is known of their
    /// text fit, in the ranker's order.
    pub fn candidates(
        &self,
        text: &str,
        config: &TextMatcherConfig,
    ) -> anyhow::Result<Vec<(String, Evidence)>> {
        let ranked = text::rank(
            &self.index,
            &self.vocabulary,
            (Library::Achievements, text),
            None,
            2 * CUTOFF,
            config,
        )?;
        let problem = Subject::of(text, |words| self.index.rarity(Library::Achievements, words))?;
        let ids: Vec<&str> = ranked.iter().map(|m| m.id.as_str()).collect();
        // As the matcher judges: on the subject words the index says each record holds.
        let held = self.index.words_held(Library::Achievements, &ids, &problem.words())?;
        let mut judged: Vec<(String, Evidence)> = ranked
            .iter()
            .map(|m| {
                let assessment = match held.get(&m.id) {
                    Some(held) => relevance::assess_held(&problem, m, held),
                    None => {
                        let record = self.texts.get(&m.id).map_or("", String::as_str);
                        relevance::assess(&problem, m, record)
                    }
                };
                (m.id.clone(), assessment.evidence)
            })
            .collect();
        calibration::relate(judged.iter_mut().map(|(_, evidence)| evidence));
        Ok(judged)
    }

    /// Plain BM25: one BM25 over each record's whole text, the problem's tokens as they are.
    fn bm25(&self, text: &str) -> anyhow::Result<Vec<String>> {
        Ok(self
            .index
            .rank_problem(Library::Achievements, text, CUTOFF)?
            .into_iter()
            .map(|h| h.id)
            .collect())
    }
}

/// Candidates reordered as the engine orders them, on their calibrated precision, cut to
/// [`CUTOFF`]: (id, precision).
pub fn best_first(candidates: &[(String, Evidence)]) -> Vec<(String, f64)> {
    let mut judged: Vec<(String, f64)> = candidates
        .iter()
        .map(|(id, evidence)| (id.clone(), calibration::precision(evidence)))
        .collect();
    judged.sort_by(|a, b| b.1.total_cmp(&a.1));
    judged.truncate(CUTOFF);
    judged
}

/// The whole evaluation: ranking per query type, and the score's calibration.
pub struct Evaluation {
    /// Ranking figures, BM25 beside the matcher.
    pub ranking: Report,
    /// What the scores mean, on problems with and without an answer in the corpus.
    pub calibration: calibrate::Calibration,
    /// MRR@10 with the right field, none and a wrong one.
    pub fields: fields::FieldReport,
}

/// Runs the evaluation over the records and one or more query files.
pub fn evaluate(
    achievements: &Path,
    query_files: &[PathBuf],
    config: &TextMatcherConfig,
) -> anyhow::Result<Evaluation> {
    let records: Vec<EvalRecord> = read_lines(achievements)?;
    let mut queries: Vec<EvalQuery> = Vec::new();
    for file in query_files {
        queries.extend(read_lines::<EvalQuery>(file)?);
    }
    let two_needs = two_needs(&queries);
    queries.extend(two_needs);
    let corpus = Corpus::build(records.iter())?;
    let mut sums: BTreeMap<String, ([f64; 4], [f64; 4], usize)> = BTreeMap::new();
    let mut judged = Vec::with_capacity(queries.len());
    for query in &queries {
        let bm25 = corpus.bm25(&query.text)?;
        let ours = corpus.candidates(&query.text, config)?;
        let best = best_first(&ours);
        let matched: Vec<String> = best.iter().map(|(id, _)| id.clone()).collect();
        let listed: Vec<String> =
            best.into_iter().filter(|(_, p)| *p >= FLOOR).map(|(id, _)| id).collect();
        let base = score_ranking(&bm25, &query.relevant);
        let mine = score_ranking(&matched, &query.relevant);
        let mine_listed = score_ranking(&listed, &query.relevant).0;
        for key in [query.query_type.clone(), "all".to_string()] {
            let entry = sums.entry(key).or_default();
            for (i, (b, m)) in
                [(base.0, mine.0), (base.1, mine.1), (base.2, mine.2), (base.0, mine_listed)]
                    .into_iter()
                    .enumerate()
            {
                entry.0[i] += b;
                entry.1[i] += m;
            }
            entry.2 += 1;
        }
        judged.push(ours);
    }
    let ranking = sums
        .into_iter()
        .map(|(kind, (base, ours, n))| {
            let mean = |s: [f64; 4]| Metrics {
                mrr: s[0] / n as f64,
                hit: s[1] / n as f64,
                ndcg: s[2] / n as f64,
                listed_mrr: s[3] / n as f64,
                queries: n,
            };
            (kind, (mean(base), mean(ours)))
        })
        .collect();
    let calibration = calibrate::calibrate(&records, &queries, &judged, config)?;
    let record_fields = records
        .iter()
        .filter_map(|r| {
            Some((r.external_ref.clone(), r.technology_field.as_deref()?.parse().ok()?))
        })
        .collect();
    let fields = fields::field_parity(&queries, &judged, &record_fields);
    Ok(Evaluation { ranking, calibration, fields })
}

/// Problems naming two needs, paired from the title problems (at most [`TWO_NEEDS`]): an
/// enterprise often writes "we need A; we also look at B", and both records answer it. They
/// teach the calibration that a record which covers the problem's second need is right though
/// another leads.
fn two_needs(queries: &[EvalQuery]) -> Vec<EvalQuery> {
    let mut titles: Vec<&EvalQuery> = queries.iter().filter(|q| q.query_type == "title").collect();
    titles.sort_by_key(|q| (calibrate::stable_hash(&q.qid), q.qid.as_str()));
    titles
        .chunks_exact(2)
        .take(TWO_NEEDS)
        .map(|pair| {
            let (first, second) = (pair[0], pair[1]);
            let mut relevant = first.relevant.clone();
            for (id, grade) in &second.relevant {
                let kept = relevant.entry(id.clone()).or_default();
                *kept = (*kept).max(*grade);
            }
            EvalQuery {
                qid: format!("{}+{}", first.qid, second.qid),
                query_type: TWO_NEEDS_KIND.to_string(),
                text: format!("{}。我们还关注{}", first.text, second.text),
                relevant,
                technology_field: first.technology_field.clone(),
            }
        })
        .collect()
}

/// Most problems naming two needs evaluated.
pub const TWO_NEEDS: usize = 150;
/// The query type of the problems naming two needs.
pub const TWO_NEEDS_KIND: &str = "two_needs";

/// Prints the report as a table.
pub fn print(report: &Report) {
    println!(
        "{:<18} {:>7} | {:>9} {:>9} {:>11} | {:>9} {:>9} | {:>9} {:>9}",
        "query type",
        "queries",
        "BM25 MRR",
        "ours MRR",
        "ours listed",
        "BM25 Hit",
        "ours Hit",
        "BM25 nDCG",
        "ours nDCG"
    );
    for (kind, (base, ours)) in report {
        println!(
            "{:<18} {:>7} | {:>9.3} {:>9.3} {:>11.3} | {:>9.3} {:>9.3} | {:>9.3} {:>9.3}",
            kind,
            base.queries,
            base.mrr,
            ours.mrr,
            ours.listed_mrr,
            base.hit,
            ours.hit,
            base.ndcg,
            ours.ndcg
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_their_definitions() {
        let relevant: HashMap<String, u8> =
            [("a".to_string(), 2), ("b".to_string(), 1)].into_iter().collect();
        let (mrr, hit, ndcg) = score_ranking(&["x".into(), "a".into(), "b".into()], &relevant);
        assert!((mrr - 0.5).abs() < 1e-9);
        assert!((hit - 1.0).abs() < 1e-9);
        let ideal = 3.0 + 1.0 / 3f64.log2();
        let dcg = 3.0 / 3f64.log2() + 1.0 / 2.0;
        assert!((ndcg - dcg / ideal).abs() < 1e-9);
        assert_eq!(score_ranking(&["x".into()], &relevant), (0.0, 0.0, 0.0));
    }

    #[test]
    fn a_problem_in_lay_words_is_ranked_on_what_it_means() {
        // A lay problem of data/csl/lay-queries.jsonl over the first 200 CSL records: none of
        // the record's keywords or title terms, only the plant's symptom. Its record (a quieter
        // vacuum oil purifier) leads on meaning; on words alone another record does.
        let records: Vec<EvalRecord> = read_lines(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/data/csl/achievements.jsonl"
        )))
        .expect("the CSL records")
        .into_iter()
        .take(200)
        .collect();
        let corpus = Corpus::build(records.iter()).expect("indexed");
        let text = "厂里回收废机油用的那台净油设备一开机就轰隆隆响，车间里说话都听不清，工人投诉，\
                    想找办法让它安静些。";
        let first = |config: &TextMatcherConfig| {
            let ranked = text::rank(
                &corpus.index,
                &corpus.vocabulary,
                (Library::Achievements, text),
                None,
                CUTOFF,
                config,
            )
            .expect("ranked");
            (ranked[0].id.clone(), ranked[0].meaning)
        };
        let (with_meaning, cosine) = first(&TextMatcherConfig::default());
        assert_eq!(with_meaning, "csl-dev-105");
        assert!(cosine > 0.4, "{cosine}");
        let words_only = TextMatcherConfig { meaning_weight: 0.0, ..TextMatcherConfig::default() };
        assert_ne!(first(&words_only).0, "csl-dev-105");
    }
}
