//! A match answer: the records at or above the calibrated floor, best first, and when there are
//! none, why not.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::calibration::FLOOR;
use super::cards::{AchievementMatch, DemandMatch, Matched};

crate::text_enum! {
    /// Why a match answer lists nothing.
    pub enum NoMatchReason {
        /// No published record shares a word with the problem.
        NoCandidates => "no_candidates",
        /// Records address the problem, but every one misses the maturity, budget or
        /// cooperation-mode constraints (strict matching).
        ConstraintsExclude => "constraints_exclude",
        /// Records share words with the problem, but none reaches the floor score: nothing
        /// listed is likely to solve it.
        BelowFloor => "below_floor",
    }
}

/// What the matcher found for a problem.
#[derive(Debug, Clone)]
pub struct Outcome<T> {
    /// The matches at or above the floor, best first.
    pub items: Vec<T>,
    /// Why there are none, when there are none.
    pub reason: Option<NoMatchReason>,
    /// The best score among the records left out for falling below the floor.
    pub best_below_floor: Option<f64>,
}

impl<T: Matched> Outcome<T> {
    /// Keeps the judged matches at or above the floor (best first, at most `limit`); `excluded`
    /// says whether strict constraints left records out, `shares_words` whether any candidate
    /// shares a word with the problem (the others are candidates by meaning alone).
    pub fn judged(
        mut judged: Vec<T>,
        limit: usize,
        excluded: bool,
        shares_words: bool,
    ) -> Outcome<T> {
        judged.sort_by(|a, b| {
            b.score().total_cmp(&a.score()).then_with(|| a.record_id().cmp(b.record_id()))
        });
        let best_below_floor = judged.iter().map(Matched::score).find(|s| *s < FLOOR);
        judged.retain(|m| m.score() >= FLOOR);
        judged.truncate(limit);
        let reason = match (judged.is_empty(), best_below_floor, excluded) {
            (false, _, _) => None,
            (true, Some(_), _) if shares_words => Some(NoMatchReason::BelowFloor),
            (true, _, true) => Some(NoMatchReason::ConstraintsExclude),
            (true, _, false) => Some(NoMatchReason::NoCandidates),
        };
        Outcome { items: judged, reason, best_below_floor }
    }

    /// The reason in words, in the caller's language.
    fn explained(&self) -> Option<String> {
        self.reason.map(|reason| match reason {
            NoMatchReason::NoCandidates => {
                "no published record shares a word with the problem".to_string()
            }
            NoMatchReason::ConstraintsExclude => {
                "every record that addresses the problem misses its maturity, budget or cooperation-mode constraints"
                    .to_string()
            }
            NoMatchReason::BelowFloor => format!(
                "no record reaches the floor score of {FLOOR:.2} (the best scores {:.2}): nothing listed is likely to solve this problem",
                self.best_below_floor.unwrap_or(0.0)
            ),
        })
    }
}

macro_rules! answer {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, Serialize, Deserialize, ToSchema)]
        pub struct $name {
            /// The matches scoring at least `floor`, best score first; empty when nothing is
            /// likely to solve the problem (then `reason` says why).
            pub items: Vec<$item>,
            /// The score below which a record is not listed (0.30: a record at this score
            /// addresses the problem about three times in ten; see the README).
            pub floor: f64,
            /// Why `items` is empty: `no_candidates`, `constraints_exclude` or `below_floor`;
            /// null when anything is listed.
            pub reason: Option<NoMatchReason>,
            /// The reason in words, in the caller's language; null when anything is listed.
            #[serde(serialize_with = "crate::i18n::serialize_optional_localized")]
            pub reason_detail: Option<String>,
        }

        impl From<Outcome<$item>> for $name {
            fn from(outcome: Outcome<$item>) -> $name {
                $name {
                    reason_detail: outcome.explained(),
                    reason: outcome.reason,
                    floor: FLOOR,
                    items: outcome.items,
                }
            }
        }
    };
}

answer!(
    /// Matches of a demand.
    AchievementMatches,
    AchievementMatch
);
answer!(
    /// Matches of an achievement.
    DemandMatches,
    DemandMatch
);
