//! Does the field a problem names sway the ranking? The same problems ranked with the right
//! technology field, with none, and with a wrong one, through the engine's own field factor
//! (the other market factors held at "met", so only the field moves): issue 15 asks that
//! no field or a wrong field stay within 0.02 MRR@10 of the right one.

use std::collections::{BTreeMap, HashMap};

use super::{CUTOFF, EvalQuery, score_ranking};
use crate::matching::calibration::{self, Evidence};
use crate::matching::engine::inferred_fields;
use crate::matching::scoring::{self, W_FIELD, W_TEXT};
use crate::taxonomies::TechnologyField;

/// MRR@10 per query type: (right field, no field, wrong field, queries).
pub type FieldReport = BTreeMap<String, (f64, f64, f64, usize)>;

/// The field a problem asks for: its own, or its source record's.
fn right_field(
    query: &EvalQuery,
    fields: &HashMap<String, TechnologyField>,
) -> Option<TechnologyField> {
    query.technology_field.as_deref().and_then(|f| f.parse().ok()).or_else(|| {
        let source = query.relevant.iter().find(|(_, grade)| **grade == 2)?.0;
        fields.get(source).copied()
    })
}

/// Another field than the right one, chosen deterministically.
fn wrong_field(right: TechnologyField) -> TechnologyField {
    let all = TechnologyField::ALL;
    let at = all.iter().position(|f| *f == right).unwrap_or(0);
    all[(at + 1) % all.len()]
}

/// The candidates' order with the field factor of the engine for the asked field.
fn ranked_with(
    candidates: &[(String, Evidence)],
    fields: &HashMap<String, TechnologyField>,
    asked: Option<TechnologyField>,
) -> Vec<String> {
    let shares =
        inferred_fields(candidates.iter().filter_map(|(id, e)| Some((e.ranked, *fields.get(id)?))));
    let mut scored: Vec<(String, f64)> = candidates
        .iter()
        .map(|(id, evidence)| {
            let p = calibration::precision(evidence);
            let field = fields.get(id).map_or(0.2, |offered| {
                let share = shares.get(offered).copied().unwrap_or(0.0);
                scoring::field_factor(asked, *offered, share).value
            });
            (id.clone(), p * (W_TEXT + W_FIELD * field + (1.0 - W_TEXT - W_FIELD)))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(CUTOFF);
    scored.into_iter().map(|(id, _)| id).collect()
}

/// Ranks every problem three ways from its judged candidates (`candidates[i]` for `queries[i]`).
pub fn field_parity(
    queries: &[EvalQuery],
    candidates: &[Vec<(String, Evidence)>],
    fields: &HashMap<String, TechnologyField>,
) -> FieldReport {
    let mut sums: BTreeMap<String, (f64, f64, f64, usize)> = BTreeMap::new();
    for (query, judged) in queries.iter().zip(candidates) {
        let Some(right) = right_field(query, fields) else {
            continue;
        };
        let mrr = |asked| score_ranking(&ranked_with(judged, fields, asked), &query.relevant).0;
        let (with_right, with_none, with_wrong) =
            (mrr(Some(right)), mrr(None), mrr(Some(wrong_field(right))));
        for key in [query.query_type.clone(), "all".to_string()] {
            let entry = sums.entry(key).or_default();
            entry.0 += with_right;
            entry.1 += with_none;
            entry.2 += with_wrong;
            entry.3 += 1;
        }
    }
    sums.into_iter()
        .map(|(kind, (r, n, w, count))| {
            let c = count as f64;
            (kind, (r / c, n / c, w / c, count))
        })
        .collect()
}

/// Prints the field report.
pub fn print(report: &FieldReport) {
    println!("\nMRR@10 by the field the problem names (other market factors held at met):");
    println!(
        "{:<18} {:>7} | {:>7} {:>8} {:>7} | {:>10}",
        "query type", "queries", "right", "none", "wrong", "worst gap"
    );
    for (kind, (right, none, wrong, count)) in report {
        let gap = (right - none).abs().max((right - wrong).abs());
        println!(
            "{:<18} {:>7} | {:>7.3} {:>8.3} {:>7.3} | {:>10.3}",
            kind, count, right, none, wrong, gap
        );
    }
}
