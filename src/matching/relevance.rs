//! How well a record's text addresses a problem in absolute terms: the share of the problem's
//! subject words the record contains gates the ranker's relevance, which is normalized by the
//! best hit and so makes the best candidate look relevant even when nothing fits.

use std::collections::HashSet;

use super::calibration::Evidence;
use super::text::TextMatch;
use crate::search::tokens;

/// Words of a request that say nothing about its subject.
const REQUEST_WORDS: &[&str] = &[
    "希望", "寻求", "需要", "需求", "技术", "方案", "方面", "相关", "我们", "我司", "公司", "解决",
    "问题", "合作", "提供", "找到", "高校", "难题", "遇到", "现有", "能够", "可以", "进行",
];

/// A problem's subject words (two characters or more, request boilerplate left out), each
/// weighted by how rare it is among the records, taken once for all its candidates.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    words: Vec<(String, f64)>,
}

impl Subject {
    /// The subject words of a problem text, weighted by `rarity` (one weight per word given).
    pub fn of<E>(
        text: &str,
        rarity: impl FnOnce(&[String]) -> Result<Vec<f64>, E>,
    ) -> Result<Subject, E> {
        let subject: Vec<String> = tokens(text)
            .into_iter()
            .filter(|t| t.chars().count() >= 2 && !REQUEST_WORDS.contains(&t.as_str()))
            .collect();
        let weights = rarity(&subject)?;
        Ok(Subject { words: subject.into_iter().zip(weights).collect() })
    }

    /// The subject words, in the problem's order.
    pub fn words(&self) -> Vec<String> {
        self.words.iter().map(|(word, _)| word.clone()).collect()
    }

    /// The share of the subject's weight a record holds (`held`: one flag per subject word):
    /// an absolute measure of textual fit, where BM25 is normalized by the best hit and so
    /// makes the best candidate look relevant even when nothing fits.
    fn share_covered(&self, held: &[bool]) -> f64 {
        let total: f64 = self.words.iter().map(|(_, weight)| weight).sum();
        if total <= 0.0 {
            return 1.0;
        }
        let covered: f64 = self
            .words
            .iter()
            .zip(held)
            .filter(|(_, held)| **held)
            .map(|((_, weight), _)| weight)
            .sum();
        covered / total
    }
}

/// Coverage from which the text relevance counts in full.
pub const FULL_COVERAGE: f64 = 0.4;

/// How a record's text answers a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The ranker's relevance scaled down when the record covers less than
    /// [`FULL_COVERAGE`] of the problem's subject words: what a match is judged and calibrated on.
    pub relevance: f64,
    /// The share of the problem's subject words the record's text contains.
    pub coverage: f64,
    /// The problem's words and corpus keywords the record shares with it (at most 20).
    pub terms: Vec<String>,
    /// All of it, as the calibration reads it.
    pub evidence: Evidence,
}

/// Assesses a ranked record's text against the problem's subject.
pub fn assess(problem: &Subject, text_match: &TextMatch, record_text: &str) -> Assessment {
    let record: HashSet<String> = tokens(record_text).into_iter().collect();
    let held: Vec<bool> = problem.words.iter().map(|(word, _)| record.contains(word)).collect();
    assess_held(problem, text_match, &held)
}

/// Assesses a ranked record against the problem's subject from which subject words it holds
/// (one flag per word of [`Subject::words`], as the search index answers it).
pub fn assess_held(problem: &Subject, text_match: &TextMatch, held: &[bool]) -> Assessment {
    let mut terms: Vec<String> = text_match.matched_keywords.clone();
    for ((word, _), held) in problem.words.iter().zip(held) {
        if *held && !terms.iter().any(|t| t.contains(word.as_str())) {
            terms.push(word.clone());
        }
    }
    terms.truncate(20);
    let covered = problem.share_covered(held);
    let relevance = text_match.score * (covered / FULL_COVERAGE).min(1.0);
    Assessment {
        relevance,
        coverage: covered,
        terms,
        evidence: Evidence {
            ranked: text_match.score,
            coverage: covered,
            gated: relevance,
            meaning: text_match.meaning,
            closeness: text_match.closeness,
            standout: text_match.standout,
            best_coverage: covered,
            ranked_lead: 0.0,
            meaning_lead: 0.0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record ranked on its words alone, at `score`.
    fn ranked_by_words(score: f64) -> TextMatch {
        TextMatch {
            id: "r".into(),
            score,
            bm25: score,
            keywords: 0.0,
            feedback: 0.0,
            meaning: 0.0,
            closeness: 0.0,
            standout: 0.0,
            matched_keywords: Vec::new(),
        }
    }

    fn coverage(problem: &str, record: &str) -> f64 {
        assess(&uniform(problem), &ranked_by_words(1.0), record).coverage
    }

    fn uniform(problem: &str) -> Subject {
        Subject::of(problem, |words| Ok::<_, ()>(vec![1.0; words.len()])).unwrap_or_default()
    }

    #[test]
    fn coverage_measures_the_subject_not_the_request_wording() {
        let problem = "希望寻求印染废水深度处理技术方案";
        assert!(coverage(problem, "一种印染废水深度处理工艺，出水COD低于50mg/L") > 0.7);
        assert!(coverage(problem, "罗非鱼链球菌病的防治") < 0.1);
        assert!((coverage("希望寻求技术方案", "任何文本") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn relevance_is_gated_by_coverage_and_shared_terms_are_named() {
        let ranked = ranked_by_words(0.8);
        let fit = assess(&uniform("印染废水深度处理"), &ranked, "印染废水深度处理工艺");
        assert!((fit.relevance - 0.8).abs() < 1e-9 && fit.terms.contains(&"印染".to_string()));
        let off = assess(&uniform("印染废水深度处理"), &ranked, "罗非鱼链球菌病的防治");
        assert!(off.relevance < 0.1 && off.terms.is_empty());
    }
}
