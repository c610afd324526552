//! The factors of a match and how they add up to its score.
//!
//! The text factor's value is the record's calibrated relevance `p`: the measured share of
//! records at its text relevance that address the problem ([`super::calibration`]). It gates
//! the market factors: `score = p × (W_TEXT + Σ weight × value)` over field, maturity, price,
//! cooperation mode, region and freshness, the weights summing to 1. So a score never exceeds
//! the record's calibrated relevance and equals it when every market factor is met in full; a
//! record whose text does not address the problem scores near 0 whatever its price or region.
//! The explanation's contributions add up to the score exactly.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::taxonomies::{CooperationMode, Maturity, TechnologyField};

/// Weight of text relevance: the share of the score a record keeps when it meets no market
/// factor at all.
pub const W_TEXT: f64 = 0.70;
/// Weight of the technology field.
pub const W_FIELD: f64 = 0.08;
/// Weight of maturity against the required minimum.
pub const W_MATURITY: f64 = 0.06;
/// Weight of price against budget.
pub const W_PRICE: f64 = 0.06;
/// Weight of shared cooperation modes.
pub const W_MODE: f64 = 0.04;
/// Weight of regional proximity.
pub const W_REGION: f64 = 0.03;
/// Weight of freshness.
pub const W_FRESHNESS: f64 = 0.03;

/// One factor of a match.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Factor {
    /// `text`, `technology_field`, `maturity`, `price`, `cooperation_mode`, `region` or `freshness`.
    pub name: String,
    /// Its weight (the weights sum to 1).
    pub weight: f64,
    /// How well it is met, 0–1; for `text`, the calibrated relevance: the measured share of
    /// records at this text relevance that address the problem.
    pub value: f64,
    /// What the factor adds to the score: weight × value for the text factor, weight × value ×
    /// the text factor's value for the others (text gates them); the contributions sum to the
    /// score.
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

/// Text relevance: `precision` is the calibrated value, `relevance` the gated text relevance
/// it was read from and `coverage` the share of the problem's subject words the record holds.
pub fn text_factor(precision: f64, relevance: f64, coverage: f64, matched: usize) -> Factor {
    factor(
        "text",
        W_TEXT,
        precision,
        format!(
            "calibrated relevance {:.2} (text relevance {:.2}, subject coverage {:.0}%, {matched} shared terms)",
            precision,
            relevance,
            coverage * 100.0
        ),
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

/// The plain sum of a set of factors' contributions (expert and service matches, whose text
/// relevance is not calibrated).
pub fn total(factors: &[Factor]) -> f64 {
    round(factors.iter().map(|f| f.contribution).sum())
}

/// The score of a set of factors, the text factor first: each market factor's contribution is
/// gated by the text factor's value, and the score is the sum of the contributions.
pub fn gated_total(factors: &mut [Factor]) -> f64 {
    let gate = factors.first().filter(|f| f.name == "text").map_or(1.0, |f| f.value);
    for market in factors.iter_mut().skip(1) {
        market.contribution = round(gate * market.weight * market.value);
    }
    round(factors.iter().map(|f| f.contribution).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_contributions_to_the_score() {
        let sum = W_TEXT + W_FIELD + W_MATURITY + W_PRICE + W_MODE + W_REGION + W_FRESHNESS;
        assert!((sum - 1.0).abs() < 1e-12);
        let mut factors = vec![
            text_factor(0.8, 0.9, 0.5, 3),
            field_factor(Some(TechnologyField::NewEnergy), TechnologyField::NewEnergy, 0.0),
            maturity_factor(Some(Maturity::Pilot), Maturity::Lab).0,
            price_factor(Some(100), Some(150)).0,
            mode_factor(&[CooperationMode::Transfer], &[CooperationMode::License]).0,
            region_factor(Some("330106"), "330108"),
            freshness_factor(crate::clock::now().naive_utc()),
        ];
        let score = gated_total(&mut factors);
        assert!((0.0..=0.8).contains(&score), "never above the calibrated relevance");
        assert!((score - factors.iter().map(|f| f.contribution).sum::<f64>()).abs() < 1e-9);
    }

    #[test]
    fn text_gates_the_market_factors() {
        let market = || {
            vec![
                field_factor(Some(TechnologyField::NewEnergy), TechnologyField::NewEnergy, 1.0),
                maturity_factor(None, Maturity::Industrialization).0,
                price_factor(Some(100), Some(50)).0,
                mode_factor(&[CooperationMode::Transfer], &[CooperationMode::Transfer]).0,
                region_factor(Some("330106"), "330106"),
                freshness_factor(crate::clock::now().naive_utc()),
            ]
        };
        let with_text = |precision: f64| {
            let mut factors = vec![text_factor(precision, precision, 1.0, 0)];
            factors.extend(market());
            gated_total(&mut factors)
        };
        // Every market factor met in full: the score is the calibrated relevance itself.
        assert!((with_text(0.9) - 0.9).abs() < 1e-3);
        // No text relevance: perfect price, field and region add nothing.
        assert_eq!(with_text(0.0), 0.0);
        assert!(with_text(0.1) <= 0.1);
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
