//! Who may see and move a deal: its parties (members of the buyer or seller organization),
//! its broker and administrators. Everyone else gets 404, so deal ids reveal nothing.

use super::model::DealRow;
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy::{Managed, Policy};

/// Whether the user belongs to the buyer or the seller organization.
pub fn is_party(user: &AuthUser, deal: &DealRow) -> bool {
    user.belongs_to(&deal.buyer_org_id) || user.belongs_to(&deal.seller_org_id)
}

/// Whether the user is the deal's broker (and still verified: a broker whose verification
/// was withdrawn no longer carries deals).
pub fn is_broker(user: &AuthUser, deal: &DealRow) -> bool {
    user.role() == Role::Broker
        && user.user.is_verified()
        && deal.broker_id.as_deref() == Some(user.id())
}

/// Whether the user takes part in the deal (party, broker or administrator).
pub fn is_participant(user: &AuthUser, deal: &DealRow) -> bool {
    user.is_admin() || is_party(user, deal) || is_broker(user, deal)
}

/// 404 unless the user takes part in the deal.
pub fn ensure_participant(user: &AuthUser, deal: &DealRow) -> Result<(), ApiError> {
    Managed::check::<Deals>(user, deal).map(drop)
}

/// The deal policy: its participants (the parties' members, its verified broker and
/// administrators) see and carry it; to everyone else it does not exist.
pub struct Deals;

impl Policy for Deals {
    type Subject = DealRow;

    fn may_see(user: Option<&AuthUser>, deal: &DealRow) -> bool {
        user.is_some_and(|user| is_participant(user, deal))
    }

    fn may_manage(user: &AuthUser, deal: &DealRow) -> bool {
        is_participant(user, deal)
    }

    fn not_found(_: &DealRow) -> ApiError {
        not_found()
    }

    fn forbidden(_: &DealRow) -> ApiError {
        not_found()
    }
}

/// The 404 for a deal the caller may not see.
pub fn not_found() -> ApiError {
    ApiError::NotFound("deal".into())
}
