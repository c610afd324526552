//! The auction lifecycle and the deposit ledger as tables: every move, the states it may
//! start from and the state it reaches; a 409 names the moves allowed from where a record
//! stands, and the OpenAPI text of each action comes from the same table.

use super::model::{AuctionStatus as S, DepositStatus as D};
use crate::lifecycle::{Action, Lifecycle, Move};

/// Every move of an auction.
pub const LIFECYCLE: Lifecycle<S> = Lifecycle {
    moves: &[
        Move { label: "submitted", from: &[S::Draft], to: S::Submitted },
        Move { label: "announced", from: &[S::Submitted], to: S::Announced },
        Move { label: "returned", from: &[S::Submitted], to: S::Draft },
        Move { label: "opened", from: &[S::Announced], to: S::Open },
        Move { label: "closed", from: &[S::Open], to: S::Closed },
        Move {
            label: "cancelled",
            from: &[S::Draft, S::Submitted, S::Announced, S::Open],
            to: S::Cancelled,
        },
    ],
    name: S::as_str,
};

/// The endpoints that make the moves of [`LIFECYCLE`] (opening and closing happen on time).
pub const ACTIONS: &[Action] = &[
    Action { path: "/api/v1/auctions/{id}/submit", moves: &["submitted"] },
    Action { path: "/api/v1/auctions/{id}/announce", moves: &["announced"] },
    Action { path: "/api/v1/auctions/{id}/reject", moves: &["returned"] },
    Action { path: "/api/v1/auctions/{id}/cancel", moves: &["cancelled"] },
];

/// The deposit ledger: received, then paid back, counted towards the price, or kept (also
/// once applied, when the winner defaults).
pub const DEPOSITS: Lifecycle<D> = Lifecycle {
    moves: &[
        Move { label: "held", from: &[D::Pending], to: D::Held },
        Move { label: "refunded", from: &[D::Held], to: D::Refunded },
        Move { label: "applied", from: &[D::Held], to: D::Applied },
        Move { label: "forfeited", from: &[D::Held, D::Applied], to: D::Forfeited },
    ],
    name: D::as_str,
};

/// The endpoint that moves deposits.
pub const DEPOSIT_ACTIONS: &[Action] = &[Action {
    path: "/api/v1/auctions/{id}/registrations/{registration_id}/deposit",
    moves: &["held", "refunded", "applied", "forfeited"],
}];
