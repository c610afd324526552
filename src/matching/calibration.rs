//! What a match score means: what is known of a record's text fit to a problem mapped to the
//! probability that the record addresses it, as measured on labelled problems.
//!
//! The model is a logistic regression over what is known of a candidate's text fit (the ranker's
//! relevance, the share of the problem's subject words the record holds beside the best share
//! any candidate holds, how close the record's meaning is to the problem's, absolutely and
//! beside the closest candidate's, and how far the record leads the others), fitted by
//! `techmarket eval-matching` on one half of the CSL dev queries, the lay problems, problems
//! naming two needs (so that a second good record is not held against the first's lead) and
//! problems whose answers were taken out of the corpus (so that "nothing fits" is in the data),
//! and checked on the other half (BENCHMARKS.md).

/// What is known of a candidate's text fit when it is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Evidence {
    /// The ranker's relevance (BM25 normalized by the best hit, recognized author keywords,
    /// keyword feedback and meaning normalized by the closest candidate's, combined), 0–1.
    pub ranked: f64,
    /// The share of the problem's subject words the record's text contains, 0–1.
    pub coverage: f64,
    /// The ranked relevance gated by coverage, 0–1.
    pub gated: f64,
    /// The cosine of the record's and the problem's meaning, 0–1.
    pub meaning: f64,
    /// The cosine relative to the closest candidate's, 0–1 (1 for the closest).
    pub closeness: f64,
    /// How far the cosine stands out above the candidates' mean (standard deviations / 4), 0–1.
    pub standout: f64,
    /// The best coverage among the candidates judged with this one, 0–1: a problem in lay
    /// words shares few subject words with any record, so a record's low coverage tells
    /// against it only where others cover the problem well.
    pub best_coverage: f64,
    /// How far the ranker's relevance leads the best other candidate's, 0–1 (0 for a record
    /// that does not lead).
    pub ranked_lead: f64,
    /// How far the meaning's cosine leads the best other candidate's, 0–1 (0 for a record that
    /// does not lead; read where no candidate covers the problem's words).
    pub meaning_lead: f64,
}

impl Evidence {
    /// The features of the logistic model, in [`WEIGHTS`] order.
    pub fn features(&self) -> [f64; FEATURES] {
        [
            self.ranked,
            self.coverage,
            self.gated,
            self.meaning,
            self.closeness,
            self.standout,
            self.best_coverage,
            (1.0 - self.best_coverage) * self.ranked,
            (1.0 - self.best_coverage) * self.standout,
            self.ranked_lead,
            (1.0 - self.best_coverage) * self.meaning_lead,
        ]
    }
}

/// Sets what each candidate's evidence says beside the others judged with it: the best
/// coverage among them, and how far its relevance and meaning lead the best other's (0 for a
/// record that does not lead — a second good record is not held against the first's lead —
/// and 0 where fewer than [`MIN_RIVALS`] others are judged: a lead over one or two records says
/// little).
pub fn relate<'a>(judged: impl IntoIterator<Item = &'a mut Evidence>) {
    let mut judged: Vec<&mut Evidence> = judged.into_iter().collect();
    let best = judged.iter().map(|e| e.coverage).fold(0.0, f64::max);
    let ranked = leads(judged.iter().map(|e| e.ranked));
    let meanings = leads(judged.iter().map(|e| e.meaning));
    for ((evidence, ranked_lead), meaning_lead) in judged.iter_mut().zip(ranked).zip(meanings) {
        evidence.best_coverage = best;
        evidence.ranked_lead = ranked_lead;
        evidence.meaning_lead = meaning_lead;
    }
}

/// Each value's lead over the best of the others, in one pass: only the first highest value
/// leads (by its margin over the runner-up); none does over fewer than [`MIN_RIVALS`] rivals.
fn leads(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let values: Vec<f64> = values.collect();
    let mut leads = vec![0.0; values.len()];
    if values.len() <= MIN_RIVALS {
        return leads;
    }
    let (mut leader, mut best, mut second) = (0, f64::MIN, f64::MIN);
    for (at, value) in values.iter().copied().enumerate() {
        if value > best {
            (leader, best, second) = (at, value, best);
        } else if value > second {
            second = value;
        }
    }
    leads[leader] = (best - second.max(0.0)).max(0.0);
    leads
}

/// How many other candidates a lead must be measured against to count.
pub const MIN_RIVALS: usize = 3;

/// How many features the model reads.
pub const FEATURES: usize = 11;

/// The fitted logistic model's weights over [`Evidence::features`]: the eighth and ninth let
/// the ranker's relevance and a standing-out meaning count more where no candidate covers the
/// problem's words (a problem in lay words); the last two read how far the record leads the
/// others on relevance and, where nothing covers the problem, on meaning.
pub const WEIGHTS: [f64; FEATURES] =
    [10.643, 5.46, 0.844, 5.096, -4.2, -1.563, -3.184, -5.434, 9.269, 5.908, 0.381];
/// The fitted logistic model's intercept.
pub const BIAS: f64 = -8.275;

/// The score below which a record is not listed as a match: a record at this score addresses
/// the problem about three times in ten; of all records listed at or above it, 88 % did on the
/// held-out problems, and the best record of a problem with no answer in the corpus still
/// reached it about one time in three (BENCHMARKS.md).
pub const FLOOR: f64 = 0.30;

/// The measured probability that a record with this evidence addresses the problem.
pub fn precision(evidence: &Evidence) -> f64 {
    let z: f64 = BIAS + WEIGHTS.iter().zip(evidence.features()).map(|(w, x)| w * x).sum::<f64>();
    1.0 / (1.0 + (-z).exp())
}

/// The L2 penalty of the fit, on the weighted mean log loss (the intercept is not penalized):
/// light, so that the rare evidence of lay problems is not flattened towards the mean.
const PENALTY: f64 = 2.5e-6;

/// Fits a logistic regression of relevance on the evidence by Newton's method (iteratively
/// reweighted least squares) on the weighted mean log loss with a light L2 penalty, to
/// convergence: each sample is (features, relevant, weight). Returns the weights and the
/// intercept.
pub fn fit(labelled: &[([f64; FEATURES], bool, f64)]) -> ([f64; FEATURES], f64) {
    const PARAMETERS: usize = FEATURES + 1;
    // The intercept is the last parameter, read against a constant 1.
    let mut beta = [0.0; PARAMETERS];
    let total: f64 = labelled.iter().map(|(_, _, weight)| weight).sum();
    if labelled.is_empty() || total <= 0.0 {
        return ([0.0; FEATURES], 0.0);
    }
    for _ in 0..50 {
        let mut gradient = [0.0; PARAMETERS];
        let mut hessian = [[0.0; PARAMETERS]; PARAMETERS];
        for (features, relevant, weight) in labelled {
            let mut x = [1.0; PARAMETERS];
            x[..FEATURES].copy_from_slice(features);
            let z: f64 = beta.iter().zip(&x).map(|(b, v)| b * v).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let error = weight / total * (p - if *relevant { 1.0 } else { 0.0 });
            let curvature = weight / total * p * (1.0 - p);
            for i in 0..PARAMETERS {
                gradient[i] += error * x[i];
                for j in 0..PARAMETERS {
                    hessian[i][j] += curvature * x[i] * x[j];
                }
            }
        }
        for i in 0..FEATURES {
            gradient[i] += PENALTY * beta[i];
            hessian[i][i] += PENALTY;
        }
        let Some(step) = solve(hessian, gradient) else {
            break;
        };
        for (b, s) in beta.iter_mut().zip(step) {
            *b -= s;
        }
        if step.iter().map(|s| s.abs()).fold(0.0, f64::max) < 1e-9 {
            break;
        }
    }
    let mut weights = [0.0; FEATURES];
    weights.copy_from_slice(&beta[..FEATURES]);
    (weights.map(round3), round3(beta[FEATURES]))
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting (`None` when `a` is
/// singular).
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for column in 0..N {
        let pivot =
            (column..N).max_by(|i, j| a[*i][column].abs().total_cmp(&a[*j][column].abs()))?;
        if a[pivot][column].abs() < 1e-300 {
            return None;
        }
        a.swap(column, pivot);
        b.swap(column, pivot);
        let pivot_row = a[column];
        for row in column + 1..N {
            let factor = a[row][column] / pivot_row[column];
            for (target, pivot) in a[row][column..].iter_mut().zip(&pivot_row[column..]) {
                *target -= factor * pivot;
            }
            b[row] -= factor * b[column];
        }
    }
    let mut x = [0.0; N];
    for row in (0..N).rev() {
        let rest: f64 = (row + 1..N).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    Some(x)
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fitted_model_follows_the_labels() {
        // Features of a candidate whose coverage (and so best coverage) varies.
        let row = |coverage: f64| -> [f64; FEATURES] {
            let lay = 1.0 - coverage;
            [0.5, coverage, coverage, 0.3, 0.5, 0.3, coverage, lay * 0.5, lay * 0.3, 0.1, lay * 0.1]
        };
        let labelled: Vec<([f64; FEATURES], bool, f64)> = (0..200)
            .map(|i| {
                let coverage = f64::from(i % 100) / 100.0;
                (row(coverage), coverage > 0.6 || i == 3, 1.0)
            })
            .collect();
        let (weights, bias) = fit(&labelled);
        let p = |coverage: f64| {
            let z: f64 = bias + weights.iter().zip(row(coverage)).map(|(w, x)| w * x).sum::<f64>();
            1.0 / (1.0 + (-z).exp())
        };
        assert!(p(0.1) < 0.2 && p(0.95) > 0.8, "{weights:?} {bias}");
        assert!(p(0.7) > p(0.5));
    }

    #[test]
    fn the_fit_recovers_the_model_that_made_the_labels() {
        // Each point is labelled relevant with the weight the true model gives it and
        // irrelevant with the rest, so the best fit is the true model itself.
        let truth = |x: &[f64; FEATURES]| 1.0 / (1.0 + (-(3.0 * x[0] - 2.0 * x[1] + 0.5)).exp());
        let mut labelled = Vec::new();
        for i in 0..40 {
            let mut x = [0.0; FEATURES];
            (x[0], x[1]) = (f64::from(i % 8) / 8.0, f64::from(i / 8) / 5.0);
            x[2] = x[0] * x[1];
            let p = truth(&x);
            labelled.push((x, true, p));
            labelled.push((x, false, 1.0 - p));
        }
        let (weights, bias) = fit(&labelled);
        assert!((weights[0] - 3.0).abs() < 0.01, "{weights:?}");
        assert!((weights[1] + 2.0).abs() < 0.01, "{weights:?}");
        assert!(weights[2].abs() < 0.01 && (bias - 0.5).abs() < 0.01, "{weights:?} {bias}");
    }

    #[test]
    fn precision_is_a_probability_that_rises_with_the_evidence() {
        let weak = Evidence {
            ranked: 0.2,
            coverage: 0.1,
            gated: 0.05,
            meaning: 0.1,
            closeness: 0.2,
            standout: 0.1,
            best_coverage: 0.9,
            ranked_lead: -0.5,
            meaning_lead: -0.3,
        };
        let strong = Evidence {
            ranked: 0.95,
            coverage: 0.9,
            gated: 0.95,
            meaning: 0.6,
            closeness: 1.0,
            standout: 0.8,
            best_coverage: 0.9,
            ranked_lead: 0.3,
            meaning_lead: 0.2,
        };
        let (low, high) = (precision(&weak), precision(&strong));
        assert!((0.0..=1.0).contains(&low) && (0.0..=1.0).contains(&high));
        assert!(low < FLOOR && high > 0.8, "{low} {high}");
    }

    #[test]
    fn a_lead_counts_only_over_enough_rivals() {
        let at = |ranked: f64, meaning: f64| Evidence { ranked, meaning, ..Evidence::default() };
        let mut few = [at(1.0, 0.6), at(0.4, 0.2), at(0.3, 0.1)];
        relate(few.iter_mut());
        assert_eq!((few[0].ranked_lead, few[0].meaning_lead), (0.0, 0.0));
        let mut many = [at(1.0, 0.3), at(0.6, 0.5), at(0.5, 0.2), at(0.2, 0.1)];
        relate(many.iter_mut());
        assert!((many[0].ranked_lead - 0.4).abs() < 1e-9);
        assert_eq!((many[0].meaning_lead, many[1].ranked_lead), (0.0, 0.0));
        assert!((many[1].meaning_lead - 0.2).abs() < 1e-9);
    }
}
