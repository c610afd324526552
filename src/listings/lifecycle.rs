//! The review lifecycle every library record follows.
//!
//! `draft` → `pending_review` → `published`, or `rejected` (edit, then submit again);
//! `withdrawn`; `expired` (a published record past its `valid_until`: renew it); `closed`
//! (transacted or solved; final).

use chrono::NaiveDate;

use crate::error::ApiError;
use crate::lifecycle::{Lifecycle, Move};

text_enum! {
    /// Where a record stands.
    pub enum ListingStatus {
        /// Being written; only its owners see it.
        Draft => "draft",
        /// Waiting for an administrator's review.
        PendingReview => "pending_review",
        /// Public.
        Published => "published",
        /// Sent back with a reason; edit and submit again.
        Rejected => "rejected",
        /// Taken down by its owner.
        Withdrawn => "withdrawn",
        /// Published but past its validity date; hidden until renewed.
        Expired => "expired",
        /// Transacted or solved; final.
        Closed => "closed",
    }
}

text_enum! {
    /// A lifecycle action (`POST /{id}/{action}`).
    pub enum Action {
        /// Send for review.
        Submit => "submit",
        /// Publish (administrators).
        Approve => "approve",
        /// Send back with a reason (administrators).
        Reject => "reject",
        /// Take down.
        Withdraw => "withdraw",
        /// Extend the validity (and republish an expired record).
        Renew => "renew",
        /// Mark transacted or solved.
        Close => "close",
    }
}

use ListingStatus as L;

/// The review lifecycle as a table: each action, the statuses it may start from and the
/// status it reaches (in the order 409 answers list them).
pub const LIFECYCLE: Lifecycle<ListingStatus> = Lifecycle {
    moves: &[
        Move {
            label: "submit",
            from: &[L::Draft, L::Rejected, L::Withdrawn],
            to: L::PendingReview,
        },
        Move { label: "approve", from: &[L::PendingReview], to: L::Published },
        Move { label: "reject", from: &[L::PendingReview], to: L::Rejected },
        Move {
            label: "withdraw",
            from: &[L::PendingReview, L::Published, L::Expired],
            to: L::Withdrawn,
        },
        Move { label: "renew", from: &[L::Published, L::Expired], to: L::Published },
        Move { label: "close", from: &[L::Published, L::Expired, L::Withdrawn], to: L::Closed },
    ],
    name: ListingStatus::as_str,
};

impl Action {
    /// Whether only administrators may take it.
    pub fn admin_only(self) -> bool {
        matches!(self, Action::Approve | Action::Reject)
    }
}

/// The actions possible from a status.
pub fn allowed_actions(status: ListingStatus) -> Vec<String> {
    LIFECYCLE.allowed(status)
}

/// The status as seen on `today`: a published record past its validity is expired.
pub fn effective_status(
    stored: ListingStatus,
    valid_until: NaiveDate,
    today: NaiveDate,
) -> ListingStatus {
    if stored == ListingStatus::Published && valid_until < today {
        ListingStatus::Expired
    } else {
        stored
    }
}

/// Checks a transition; 409 naming the allowed actions otherwise.
pub fn check(current: ListingStatus, action: Action) -> Result<ListingStatus, ApiError> {
    LIFECYCLE.check(current, action.as_str()).map(|found| found.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_what_the_domain_says() {
        assert_eq!(
            check(ListingStatus::Draft, Action::Submit).unwrap(),
            ListingStatus::PendingReview
        );
        assert_eq!(
            check(ListingStatus::Rejected, Action::Submit).unwrap(),
            ListingStatus::PendingReview
        );
        assert_eq!(check(ListingStatus::Expired, Action::Renew).unwrap(), ListingStatus::Published);
        assert!(check(ListingStatus::Draft, Action::Approve).is_err());
        assert!(check(ListingStatus::Closed, Action::Submit).is_err());
        match check(ListingStatus::Published, Action::Submit) {
            Err(ApiError::Conflict { allowed: Some(allowed), .. }) => {
                assert_eq!(allowed, vec!["withdraw", "renew", "close"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn published_records_expire_after_their_validity() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(
            effective_status(ListingStatus::Published, day(21), day(22)),
            ListingStatus::Expired
        );
        assert_eq!(
            effective_status(ListingStatus::Published, day(22), day(22)),
            ListingStatus::Published
        );
        assert_eq!(effective_status(ListingStatus::Draft, day(1), day(22)), ListingStatus::Draft);
    }

    #[test]
    fn every_action_has_a_row() {
        for action in Action::ALL {
            assert!(LIFECYCLE.describe(action.as_str()).is_ok(), "{action}");
        }
    }

    #[test]
    fn texts_match() {
        crate::macros::assert_text_enum(ListingStatus::ALL, |s| s.as_str());
        crate::macros::assert_text_enum(Action::ALL, |a| a.as_str());
    }
}
