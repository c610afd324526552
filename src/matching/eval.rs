//! `techmarket eval-matching`: MRR@10, Hit@10 and nDCG@10 per query type, for the matcher and
//! for plain BM25 over the same index, side by side.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use super::text::{self, TextMatcherConfig};
use super::vocabulary::Vocabulary;
use crate::search::{Library, SearchDoc, SearchIndex, WordMatch};

/// Ranks evaluated.
pub const CUTOFF: usize = 10;

#[derive(Debug, Deserialize)]
struct EvalRecord {
    external_ref: String,
    title: String,
    summary: String,
    #[serde(default)]
    keywords: Vec<String>,
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

/// Runs the evaluation.
pub fn evaluate(
    achievements: &Path,
    queries: &Path,
    config: &TextMatcherConfig,
) -> anyhow::Result<Report> {
    let records: Vec<EvalRecord> = read_lines(achievements)?;
    let queries: Vec<EvalQuery> = read_lines(queries)?;
    let index = SearchIndex::in_memory().context("search index")?;
    let mut vocabulary = Vocabulary::new();
    let docs: Vec<SearchDoc> = records
        .iter()
        .map(|r| {
            vocabulary.add(&r.external_ref, &r.keywords);
            SearchDoc {
                id: r.external_ref.clone(),
                library: Library::Achievements,
                title: r.title.clone(),
                keywords: r.keywords.clone(),
                body: r.summary.clone(),
            }
        })
        .collect();
    index.upsert_many(&docs).context("indexing")?;
    let mut sums: BTreeMap<String, ([f64; 3], [f64; 3], usize)> = BTreeMap::new();
    for query in &queries {
        let bm25: Vec<String> = index
            .search(Library::Achievements, &query.text, WordMatch::Any, CUTOFF)?
            .into_iter()
            .map(|h| h.id)
            .collect();
        let matched: Vec<String> =
            text::rank(&index, &vocabulary, Library::Achievements, &query.text, CUTOFF, config)?
                .into_iter()
                .map(|m| m.id)
                .collect();
        let base = score_ranking(&bm25, &query.relevant);
        let ours = score_ranking(&matched, &query.relevant);
        for key in [query.query_type.clone(), "all".to_string()] {
            let entry = sums.entry(key).or_default();
            entry.0[0] += base.0;
            entry.0[1] += base.1;
            entry.0[2] += base.2;
            entry.1[0] += ours.0;
            entry.1[1] += ours.1;
            entry.1[2] += ours.2;
            entry.2 += 1;
        }
    }
    Ok(sums
        .into_iter()
        .map(|(kind, (base, ours, n))| {
            let mean = |s: [f64; 3]| Metrics {
                mrr: s[0] / n as f64,
                hit: s[1] / n as f64,
                ndcg: s[2] / n as f64,
                queries: n,
            };
            (kind, (mean(base), mean(ours)))
        })
        .collect())
}

/// Prints the report as a table.
pub fn print(report: &Report) {
    println!(
        "{:<18} {:>7} | {:>9} {:>9} | {:>9} {:>9} | {:>9} {:>9}",
        "query type",
        "queries",
        "BM25 MRR",
        "ours MRR",
        "BM25 Hit",
        "ours Hit",
        "BM25 nDCG",
        "ours nDCG"
    );
    for (kind, (base, ours)) in report {
        println!(
            "{:<18} {:>7} | {:>9.3} {:>9.3} | {:>9.3} {:>9.3} | {:>9.3} {:>9.3}",
            kind, base.queries, base.mrr, ours.mrr, base.hit, ours.hit, base.ndcg, ours.ndcg
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
}
