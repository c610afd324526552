//! What a match score means, measured: the matcher's gated text relevance of every record it
//! would list, labelled by the judgements, fitted into a precision curve on one half of the
//! problems and checked on the other half — including problems whose answers were taken out of
//! the corpus, so that "nothing fits" is measured too.

use std::collections::{HashMap, HashSet};

use super::{CUTOFF, Corpus, EvalQuery, EvalRecord, TWO_NEEDS_KIND};
use crate::matching::calibration::Evidence;
use crate::matching::calibration::{self, FEATURES, FLOOR};
use crate::matching::text::TextMatcherConfig;

/// Scores whose meaning is checked on the held-out problems.
pub const CHECKED_SCORES: [f64; 5] = [0.1, 0.2, FLOOR, 0.5, 0.8];

/// How the shipped calibration holds on held-out problems at one score.
#[derive(Debug, Clone, Copy)]
pub struct ThresholdCheck {
    /// The score (calibrated relevance) checked.
    pub threshold: f64,
    /// Records in the held-out top 10s at or above it.
    pub listed: usize,
    /// The share of them that address their problem.
    pub precision: f64,
    /// The share of answerable problems whose best record reaches it.
    pub answerable_top: f64,
    /// The share of answerable problems whose best record reaches it and addresses the problem.
    pub answerable_top_right: f64,
    /// The share of problems without an answer in the corpus whose best record still reaches it.
    pub no_answer_top: f64,
    /// The share of problems naming two needs with at least two records that address them
    /// reaching it.
    pub both_needs: f64,
}

/// The calibration's figures.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The logistic model fitted on the fitting half: weights and intercept.
    pub model: ([f64; FEATURES], f64),
    /// Labelled records it was fitted on.
    pub fitted_on: usize,
    /// The shipped model ([`calibration::WEIGHTS`]) checked on the held-out half.
    pub checks: Vec<ThresholdCheck>,
    /// Held-out problems with an answer in the corpus.
    pub answerable: usize,
    /// Held-out problems without one.
    pub no_answer: usize,
}

/// What the problems naming two needs weigh in the fit beside each other kind: a fifth, enough
/// that the record answering a problem's second need stays listed more often than before they
/// were fitted on, not so much that the best record of a problem with no answer is listed more
/// often (BENCHMARKS.md, "The calibration fitted to its optimum").
const TWO_NEEDS_SHARE: f64 = 0.2;

/// FNV-1a: a stable hash to split problems and pick withheld records reproducibly.
pub(super) fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Problems fitted on (the others are held out).
fn fitting(query: &EvalQuery) -> bool {
    stable_hash(&query.qid).is_multiple_of(2)
}

/// One judged problem: its candidates' evidence and whether each addresses it.
struct Judged {
    labelled: Vec<(Evidence, bool)>,
    kind: String,
    answerable: bool,
    fitting: bool,
}

/// Builds the calibration from the judgements of every query over the whole corpus
/// (`judged[i]` for `queries[i]`), adding problems without an answer: the records one in five
/// source records stands for, with every record judged relevant to their problems, are taken
/// out of a second corpus, and those problems are judged there.
pub fn calibrate(
    records: &[EvalRecord],
    queries: &[EvalQuery],
    judged: &[Vec<(String, Evidence)>],
    config: &TextMatcherConfig,
) -> anyhow::Result<Calibration> {
    // A problem's one source record (a problem naming two needs has two, and is never made
    // one without an answer).
    fn source(query: &EvalQuery) -> Option<&String> {
        let mut sources = query.relevant.iter().filter(|(_, grade)| **grade == 2);
        match (sources.next(), sources.next()) {
            (Some((id, _)), None) => Some(id),
            _ => None,
        }
    }
    let withheld: HashSet<&String> =
        queries.iter().filter_map(source).filter(|id| stable_hash(id).is_multiple_of(5)).collect();
    let mut removed: HashSet<&String> = withheld.clone();
    for query in queries.iter().filter(|q| source(q).is_some_and(|s| withheld.contains(s))) {
        removed.extend(query.relevant.iter().filter(|(_, g)| **g > 0).map(|(id, _)| id));
    }
    let reduced = Corpus::build(records.iter().filter(|r| !removed.contains(&r.external_ref)))?;
    let mut problems = Vec::with_capacity(queries.len());
    for (query, ranked) in queries.iter().zip(judged) {
        let unanswerable = source(query).is_some_and(|s| withheld.contains(s));
        let labelled = if unanswerable {
            reduced.candidates(&query.text, config)?.into_iter().map(|(_, e)| (e, false)).collect()
        } else {
            ranked
                .iter()
                .map(|(id, e)| (*e, query.relevant.get(id).is_some_and(|g| *g > 0)))
                .collect()
        };
        problems.push(Judged {
            labelled,
            kind: query.query_type.clone(),
            answerable: !unanswerable,
            fitting: fitting(query),
        });
    }
    // Every kind of problem weighs the same in the fit, however many of it there are (the
    // title and keyword problems are many and easy, the lay ones few and hard), but for the
    // problems naming two needs.
    let mut per_kind: HashMap<&str, f64> = HashMap::new();
    for problem in problems.iter().filter(|p| p.fitting) {
        *per_kind.entry(problem.kind.as_str()).or_default() += problem.labelled.len() as f64;
    }
    let pairs: Vec<([f64; FEATURES], bool, f64)> = problems
        .iter()
        .filter(|p| p.fitting)
        .flat_map(|p| {
            let share = if p.kind == TWO_NEEDS_KIND { TWO_NEEDS_SHARE } else { 1.0 };
            let weight = share / per_kind.get(p.kind.as_str()).copied().unwrap_or(1.0);
            p.labelled.iter().map(move |(e, relevant)| (e.features(), *relevant, weight))
        })
        .collect();
    let held_out: Vec<&Judged> = problems.iter().filter(|p| !p.fitting).collect();
    Ok(Calibration {
        model: calibration::fit(&pairs),
        fitted_on: pairs.len(),
        checks: CHECKED_SCORES.iter().map(|t| check(&held_out, *t)).collect(),
        answerable: held_out.iter().filter(|p| p.answerable).count(),
        no_answer: held_out.iter().filter(|p| !p.answerable).count(),
    })
}

/// A listed record: its calibrated precision and whether it addresses its problem.
type Scored = (f64, bool);

fn check(problems: &[&Judged], threshold: f64) -> ThresholdCheck {
    // Each problem's records as the engine lists them: by calibrated precision, best first.
    let listed: Vec<Vec<(f64, bool)>> = problems
        .iter()
        .map(|p| {
            let mut scored: Vec<(f64, bool)> =
                p.labelled.iter().map(|(e, r)| (calibration::precision(e), *r)).collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0));
            scored.truncate(CUTOFF);
            scored
        })
        .collect();
    let cleared: Vec<bool> = listed
        .iter()
        .flatten()
        .filter(|(p, _)| *p >= threshold)
        .map(|(_, relevant)| *relevant)
        .collect();
    let share = |wanted: &dyn Fn(Option<&Scored>) -> bool, answerable: bool| {
        let pool: Vec<Option<&Scored>> = problems
            .iter()
            .zip(&listed)
            .filter(|(p, _)| p.answerable == answerable)
            .map(|(_, l)| l.first())
            .collect();
        if pool.is_empty() {
            return 0.0;
        }
        pool.iter().filter(|top| wanted(**top)).count() as f64 / pool.len() as f64
    };
    ThresholdCheck {
        threshold,
        listed: cleared.len(),
        precision: if cleared.is_empty() {
            0.0
        } else {
            cleared.iter().filter(|r| **r).count() as f64 / cleared.len() as f64
        },
        answerable_top: share(&|top| top.is_some_and(|(p, _)| *p >= threshold), true),
        answerable_top_right: share(&|top| top.is_some_and(|(p, r)| *p >= threshold && *r), true),
        no_answer_top: share(&|top| top.is_some_and(|(p, _)| *p >= threshold), false),
        both_needs: mean(
            problems.iter().zip(&listed).filter(|(p, _)| p.kind == TWO_NEEDS_KIND).map(
                |(_, records)| records.iter().filter(|(p, r)| *r && *p >= threshold).count() >= 2,
            ),
        ),
    }
}

/// Prints the calibration: the held-out checks and the fitted curve as a Rust table.
pub fn print(calibration: &Calibration) {
    println!(
        "\nscore meaning, on {} held-out problems with an answer and {} without:",
        calibration.answerable, calibration.no_answer
    );
    println!(
        "{:>6} | {:>7} {:>9} | {:>14} {:>16} | {:>15} | {:>16}",
        "score",
        "listed",
        "precision",
        "answered: top",
        "top is relevant",
        "no answer: top",
        "two needs: both"
    );
    for c in &calibration.checks {
        println!(
            "{:>6.2} | {:>7} {:>9.3} | {:>14.3} {:>16.3} | {:>15.3} | {:>16.3}",
            c.threshold,
            c.listed,
            c.precision,
            c.answerable_top,
            c.answerable_top_right,
            c.no_answer_top,
            c.both_needs
        );
    }
    let (weights, bias) = calibration.model;
    println!(
        "\nlogistic model fitted on {} labelled records (src/matching/calibration.rs):",
        calibration.fitted_on
    );
    println!("pub const WEIGHTS: [f64; FEATURES] = {weights:?};\npub const BIAS: f64 = {bias:?};");
}

/// The share of true values (0 when there are none).
fn mean(values: impl Iterator<Item = bool>) -> f64 {
    let (hits, count) = values.fold((0usize, 0usize), |(h, c), v| (h + usize::from(v), c + 1));
    if count == 0 { 0.0 } else { hits as f64 / count as f64 }
}
