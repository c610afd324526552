//! The factors of a match and how they add up to its score.
//!
//! `score = Σ weight × value` over the factors, each value in [0, 1] and the weights summing to
//! 1, so a score is in [0, 1] and its explanation's contributions add up to it exactly.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::taxonomies::{CooperationMode, Maturity, TechnologyField};

/// Weight of text relevance.
pub const W_TEXT: f64 = 0.50;
/// Weight of the technology field.
pub const W_FIELD: f64 = 0.12;
/// Weight of maturity against the required minimum.
pub const W_MATURITY: f64 = 0.10;
/// Weight of price against budget.
pub const W_PRICE: f64 = 0.10;
/// Weight of shared cooperation modes.
pub const W_MODE: f64 = 0.08;
/// Weight of regional proximity.
pub const W_REGION: f64 = 0.05;
/// Weight of freshness.
pub const W_FRESHNESS: f64 = 0.05;

/// One factor of a match.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Factor {
    /// `text`, `technology_field`, `maturity`, `price`, `cooperation_mode`, `region` or `freshness`.
    pub name: String,
    /// Its weight (the weights sum to 1).
    pub weight: f64,
    /// How well it is met, 0–1.
    pub value: f64,
    /// weight × value; the contributions sum to the score.
    pub contribution: f64,
    /// What was compared, in words (in the caller's language).
    #[serde(serialize_with = "crate::i18n::serialize_localized")]
    pub detail: String,
}

/// Why a record matches.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Explanation {
    /// The factors, in a fixed order.
    pub factors: Vec<Factor>,
    /// Words and keywords the problem and the record share.
    pub matched_terms: Vec<String>,
    /// Constraints the record misses (`maturity_below_required`, `price_above_budget`,
    /// `no_shared_cooperation_mode`).
    pub violations: Vec<String>,
    /// Feedback recorded on this pair, if any: `relevant` or `not_relevant`.
    pub feedback: Option<String>,
}

fn factor(name: &str, weight: f64, value: f64, detail: String) -> Factor {
    let value = value.clamp(0.0, 1.0);
    Factor {
        name: name.into(),
        weight,
        value: round(value),
        contribution: round(weight * value),
        detail,
    }
}

/// Rounds to 4 decimals (the contributions are rounded the same way, and the score is their sum).
pub fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// Text relevance.
pub fn text_factor(value: f64, matched: usize) -> Factor {
    factor(
        "text",
        W_TEXT,
        value,
        format!("text relevance {:.2}; {matched} shared corpus keywords", value),
    )
}

/// Same field → 1. Otherwise the field is a soft signal: the share of this field among the
/// records that match the text best (a nearest-neighbour classifier learned from the listed
/// records), at least 0.2 — problems are often filed under a neighbouring field, or none.
pub fn field_factor(
    wanted: Option<TechnologyField>,
    offered: TechnologyField,
    inferred_share: f64,
) -> Factor {
    let inferred = inferred_share.clamp(0.0, 1.0);
    match wanted {
        Some(w) if w == offered => {
            factor("technology_field", W_FIELD, 1.0, format!("same field: {}", w.zh()))
        }
        Some(w) => factor(
            "technology_field",
            W_FIELD,
            inferred.max(0.2),
            format!(
                "asked {}, offered {} ({:.0}% of the closest records are {})",
                w.zh(),
                offered.zh(),
                inferred * 100.0,
                offered.zh()
            ),
        ),
        None => factor(
            "technology_field",
            W_FIELD,
            inferred.max(0.2),
            format!(
                "no field asked; {:.0}% of the closest records are {}",
                inferred * 100.0,
                offered.zh()
            ),
        ),
    }
}

/// Maturity at or above the required minimum → 1; each level short costs 0.4.
pub fn maturity_factor(required: Option<Maturity>, offered: Maturity) -> (Factor, bool) {
    match required {
        None => (
            factor("maturity", W_MATURITY, 1.0, format!("no minimum; offered {}", offered.zh())),
            false,
        ),
        Some(r) if offered.meets(r) => (
            factor(
                "maturity",
                W_MATURITY,
                1.0,
                format!("{} meets the required {}", offered.zh(), r.zh()),
            ),
            false,
        ),
        Some(r) => {
            let gap = f64::from(r.rank() - offered.rank());
            (
                factor(
                    "maturity",
                    W_MATURITY,
                    1.0 - 0.4 * gap,
                    format!("{} is below the required {}", offered.zh(), r.zh()),
                ),
                true,
            )
        }
    }
}

fn yuan(fen: i64) -> String {
    format!("{:.2} 万元", fen as f64 / 1_000_000.0)
}

/// Asking price within the budget → 1; negotiable on either side → 0.7; above the budget, the
/// value falls with the gap (0 at twice the budget).
pub fn price_factor(budget_max_fen: Option<i64>, asking_fen: Option<i64>) -> (Factor, bool) {
    match (budget_max_fen, asking_fen) {
        (_, None) => (factor("price", W_PRICE, 0.7, "price negotiable (面议)".into()), false),
        (None, Some(a)) => {
            (factor("price", W_PRICE, 0.7, format!("asking {}; budget negotiable", yuan(a))), false)
        }
        (Some(b), Some(a)) if a <= b => (
            factor(
                "price",
                W_PRICE,
                1.0,
                format!("asking {} within the budget of {}", yuan(a), yuan(b)),
            ),
            false,
        ),
        (Some(b), Some(a)) => {
            let gap = if b > 0 { (a - b) as f64 / b as f64 } else { 1.0 };
            (
                factor(
                    "price",
                    W_PRICE,
                    1.0 - gap,
                    format!("asking {} above the budget of {}", yuan(a), yuan(b)),
                ),
                true,
            )
        }
    }
}

/// Any shared cooperation mode → 1; none asked or none offered → 0.6; disjoint → 0.
pub fn mode_factor(wanted: &[CooperationMode], offered: &[CooperationMode]) -> (Factor, bool) {
    if wanted.is_empty() || offered.is_empty() {
        return (factor("cooperation_mode", W_MODE, 0.6, "cooperation modes open".into()), false);
    }
    let shared: Vec<&str> = wanted.iter().filter(|m| offered.contains(m)).map(|m| m.zh()).collect();
    if shared.is_empty() {
        (factor("cooperation_mode", W_MODE, 0.0, "no shared cooperation mode".into()), true)
    } else {
        (factor("cooperation_mode", W_MODE, 1.0, format!("shared: {}", shared.join("、"))), false)
    }
}

/// Same city → 1, same province → 0.6, elsewhere → 0.3 (technology travels; proximity helps).
pub fn region_factor(wanted: Option<&str>, offered: &str) -> Factor {
    let same = |n: usize| {
        wanted.is_some_and(|w| w.len() >= n && offered.len() >= n && w[..n] == offered[..n])
    };
    let (value, detail) = match wanted {
        None => (0.6, "no region given".to_string()),
        Some(_) if same(4) => (1.0, "same city".into()),
        Some(_) if same(2) => (0.6, "same province".into()),
        Some(_) => (0.3, "another province".into()),
    };
    factor("region", W_REGION, value, detail)
}

/// Updated within 90 days → 1, falling to 0.3 at two years.
pub fn freshness_factor(updated_at: NaiveDateTime) -> Factor {
    let days = (crate::clock::now().naive_utc() - updated_at).num_days().max(0) as f64;
    let value = if days <= 90.0 { 1.0 } else { (1.0 - 0.7 * (days - 90.0) / 640.0).max(0.3) };
    factor("freshness", W_FRESHNESS, value, format!("updated {days:.0} days ago"))
}

/// The score of a set of factors: the sum of their contributions.
pub fn total(factors: &[Factor]) -> f64 {
    round(factors.iter().map(|f| f.contribution).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_contributions_to_the_score() {
        let sum = W_TEXT + W_FIELD + W_MATURITY + W_PRICE + W_MODE + W_REGION + W_FRESHNESS;
        assert!((sum - 1.0).abs() < 1e-12);
        let factors = vec![
            text_factor(0.8, 3),
            field_factor(Some(TechnologyField::NewEnergy), TechnologyField::NewEnergy, 0.0),
            maturity_factor(Some(Maturity::Pilot), Maturity::Lab).0,
            price_factor(Some(100), Some(150)).0,
            mode_factor(&[CooperationMode::Transfer], &[CooperationMode::License]).0,
            region_factor(Some("330106"), "330108"),
            freshness_factor(crate::clock::now().naive_utc()),
        ];
        let score = total(&factors);
        assert!((0.0..=1.0).contains(&score));
        assert!((score - factors.iter().map(|f| f.contribution).sum::<f64>()).abs() < 1e-9);
    }

    #[test]
    fn constraints_lower_their_factor_and_are_reported() {
        let (maturity, below) =
            maturity_factor(Some(Maturity::Industrialization), Maturity::SmallScale);
        assert!(below && maturity.value < 0.3);
        let (price, above) = price_factor(Some(1_000_000), Some(1_500_000));
        assert!(above && (price.value - 0.5).abs() < 1e-9);
        let (_, disjoint) = mode_factor(&[CooperationMode::Equity], &[CooperationMode::Transfer]);
        assert!(disjoint);
        assert!(!price_factor(Some(1_000_000), None).1);
    }
}
