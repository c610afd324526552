//! The voucher, order and claim lifecycles as tables: a 409 names the moves allowed from where
//! a record stands, and the OpenAPI text of each action comes from the same tables.

use super::model::{ClaimStatus as C, OrderStatus as O, VoucherStatus as V};
use crate::lifecycle::{Action, Lifecycle, Move};

/// Every move of a voucher (lapsing happens on its use-by day by itself).
pub const VOUCHERS: Lifecycle<V> = Lifecycle {
    moves: &[
        Move { label: "issued", from: &[V::Applied], to: V::Issued },
        Move { label: "rejected", from: &[V::Applied], to: V::Rejected },
        Move { label: "lapsed", from: &[V::Issued], to: V::Lapsed },
    ],
    name: V::as_str,
};

/// The endpoints that move vouchers.
pub const VOUCHER_ACTIONS: &[Action] = &[
    Action { path: "/api/v1/vouchers/{id}/approve", moves: &["issued"] },
    Action { path: "/api/v1/vouchers/{id}/reject", moves: &["rejected"] },
];

/// Every move of an order.
pub const ORDERS: Lifecycle<O> = Lifecycle {
    moves: &[
        Move { label: "accepted", from: &[O::Pending], to: O::Accepted },
        Move { label: "declined", from: &[O::Pending], to: O::Declined },
        Move { label: "delivered", from: &[O::Accepted], to: O::Delivered },
        Move { label: "confirmed", from: &[O::Delivered], to: O::Confirmed },
        Move { label: "cancelled", from: &[O::Pending, O::Accepted], to: O::Cancelled },
    ],
    name: O::as_str,
};

/// The endpoints that move orders.
pub const ORDER_ACTIONS: &[Action] = &[
    Action { path: "/api/v1/voucher-orders/{id}/accept", moves: &["accepted"] },
    Action { path: "/api/v1/voucher-orders/{id}/decline", moves: &["declined"] },
    Action { path: "/api/v1/voucher-orders/{id}/deliver", moves: &["delivered"] },
    Action { path: "/api/v1/voucher-orders/{id}/confirm", moves: &["confirmed"] },
    Action { path: "/api/v1/voucher-orders/{id}/cancel", moves: &["cancelled"] },
];

/// Every move of a claim (paying happens in a settlement batch).
pub const CLAIMS: Lifecycle<C> = Lifecycle {
    moves: &[
        Move { label: "approved", from: &[C::Submitted], to: C::Approved },
        Move { label: "returned", from: &[C::Submitted], to: C::Returned },
        Move { label: "rejected", from: &[C::Submitted, C::Returned], to: C::Rejected },
        Move { label: "resubmitted", from: &[C::Returned], to: C::Submitted },
        Move { label: "paid", from: &[C::Approved], to: C::Paid },
    ],
    name: C::as_str,
};

/// The endpoints that move claims.
pub const CLAIM_ACTIONS: &[Action] = &[
    Action { path: "/api/v1/voucher-claims/{id}/approve", moves: &["approved"] },
    Action { path: "/api/v1/voucher-claims/{id}/return", moves: &["returned"] },
    Action { path: "/api/v1/voucher-claims/{id}/reject", moves: &["rejected"] },
    Action { path: "/api/v1/voucher-claims/{id}/resubmit", moves: &["resubmitted"] },
    Action { path: "/api/v1/voucher-settlements", moves: &["paid"] },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_move_has_an_endpoint_or_happens_on_time() {
        assert!(ORDERS.documented_by(ORDER_ACTIONS));
        assert!(CLAIMS.documented_by(CLAIM_ACTIONS));
        assert_eq!(VOUCHERS.allowed(V::Issued), vec!["lapsed".to_string()]);
        assert_eq!(ORDERS.allowed(O::Accepted), vec!["delivered", "cancelled"]);
    }
}
