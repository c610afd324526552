//! Who sees and who manages an auction: announced lots are public; drafts and lots waiting
//! for review belong to the seller's members and administrators, and to everyone else they
//! do not exist.

use super::model::{AuctionRow, AuctionStatus};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy::{Carries, Policy};

/// Whether the user speaks for the seller: a member of its organization or an administrator.
pub fn is_seller_side(user: &AuthUser, auction: &AuctionRow) -> bool {
    user.is_admin() || user.belongs_to(&auction.seller_org_id)
}

/// Whether the public sees the auction: once announced (and, when cancelled, if it had been).
pub fn is_public(auction: &AuctionRow) -> bool {
    match auction.status {
        AuctionStatus::Announced | AuctionStatus::Open | AuctionStatus::Closed => true,
        AuctionStatus::Cancelled => auction.announced_at.is_some(),
        AuctionStatus::Draft | AuctionStatus::Submitted => false,
    }
}

/// The auction policy.
pub struct Auctions;

impl Policy for Auctions {
    type Subject = AuctionRow;

    fn may_see(user: Option<&AuthUser>, auction: &AuctionRow) -> bool {
        is_public(auction) || user.is_some_and(|user| is_seller_side(user, auction))
    }

    fn may_manage(user: &AuthUser, auction: &AuctionRow) -> bool {
        is_seller_side(user, auction)
    }

    fn not_found(_: &AuctionRow) -> ApiError {
        not_found()
    }

    fn forbidden(_: &AuctionRow) -> ApiError {
        ApiError::Forbidden(
            "only the seller's organization or an administrator manages an auction".into(),
        )
    }
}

/// The 404 of an auction the caller may not see.
pub fn not_found() -> ApiError {
    ApiError::NotFound("auction".into())
}

impl Carries<AuctionRow> for AuctionRow {
    fn subject(&self) -> &AuctionRow {
        self
    }
}
