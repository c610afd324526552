//! The registry of record kinds attachments belong to: for each [`SubjectKind`], who may read
//! its attachments ([`may_read`]) and — for the kinds with `/{kind}/{id}/attachments` routes —
//! who sees and who manages the record ([`ensure_visible`], [`ensure_manager`]). A new kind of
//! record adds a variant and one arm in each match below.

use diesel::prelude::*;

use crate::auctions::model::AuctionRow;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::auction_registrations;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::policy::{Managed, Visible};

text_enum! {
    /// The kinds of record a file can be attached to.
    pub enum SubjectKind {
        /// An achievement (成果): patent certificates, confidential by default.
        Achievement => "achievement",
        /// A technology contract: the signed contract scan.
        Contract => "contract",
        /// An auction lot: the auction confirmation (成交确认书).
        Auction => "auction",
        /// A voucher order: the deliverable, read by the order's enterprise and provider.
        VoucherOrder => "voucher_order",
        /// A voucher claim: the invoice and the payment proof, read by the claimant.
        VoucherClaim => "voucher_claim",
    }
}

impl SubjectKind {
    /// The role an attachment takes when the request names none.
    pub fn default_role(self) -> &'static str {
        match self {
            SubjectKind::Achievement => "patent_certificate",
            SubjectKind::Contract => "signed_contract",
            SubjectKind::Auction => "confirmation",
            SubjectKind::VoucherOrder => "deliverable",
            SubjectKind::VoucherClaim => "invoice",
        }
    }
}

/// Whether the user may read the attachments of this record (false for a missing record).
pub fn may_read(
    conn: &mut DbConnection,
    user: &AuthUser,
    kind: SubjectKind,
    subject_id: &str,
) -> ApiResult<bool> {
    let found = match kind {
        SubjectKind::Achievement => achievement_may_read(conn, user, subject_id),
        SubjectKind::Contract => contract_may_read(conn, user, subject_id),
        SubjectKind::Auction => auction_may_read(conn, user, subject_id),
        SubjectKind::VoucherOrder | SubjectKind::VoucherClaim => {
            ensure(conn, user, kind, subject_id, Purpose::See).map(|()| true)
        }
    };
    match found {
        Err(ApiError::NotFound(_)) => Ok(false),
        other => other,
    }
}

/// What a caller wants to do with a record's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// List and download them.
    See,
    /// Attach and remove them.
    Manage,
}

/// 404 unless the user may see the record (as its own routes decide); to manage its files,
/// also 403 unless they manage it.
pub fn ensure(
    conn: &mut DbConnection,
    user: &AuthUser,
    kind: SubjectKind,
    subject_id: &str,
    purpose: Purpose,
) -> ApiResult<()> {
    let manage = purpose == Purpose::Manage;
    match kind {
        SubjectKind::Achievement => {
            let listing = crate::listings::queries::find(conn, Library::Achievements, subject_id)?;
            if manage {
                crate::listings::access::ensure_manage(user, &listing)
            } else {
                crate::listings::access::ensure_visible(Some(user), &listing)
            }
        }
        SubjectKind::Contract => {
            let contract = crate::contracts::queries::find(conn, subject_id)?;
            if manage {
                crate::contracts::access::ensure_manager(user, &contract)
            } else {
                crate::contracts::access::ensure_visible(user, &contract)
            }
        }
        SubjectKind::Auction => {
            let auction = crate::auctions::store::find(conn, subject_id)?;
            if manage {
                Managed::check::<crate::auctions::access::Auctions>(user, &auction).map(drop)
            } else {
                Visible::check::<crate::auctions::access::Auctions>(Some(user), &auction).map(drop)
            }
        }
        SubjectKind::VoucherOrder => {
            let order = crate::vouchers::store::order(conn, subject_id)?;
            let order = Visible::check::<crate::vouchers::access::Orders>(Some(user), order)?;
            if !manage || crate::vouchers::access::is_provider_side(user, order.get()) {
                Ok(())
            } else {
                Err(crate::vouchers::access::wrong_side("provider", "deliver files for"))
            }
        }
        SubjectKind::VoucherClaim => {
            let claim = crate::vouchers::store::claim(conn, subject_id)?;
            let claim = Visible::check::<crate::vouchers::access::Claims>(Some(user), claim)?;
            if !manage || user.belongs_to(&claim.get().claimant_org_id) {
                Ok(())
            } else {
                Err(ApiError::Forbidden("only the claimant attaches files to a claim".into()))
            }
        }
    }
}

/// Patent certificates are confidential: read by whoever may read the achievement's
/// confidential details (its organization, administrators, granted requesters, participants
/// of a deal the owner's side acted on).
fn achievement_may_read(conn: &mut DbConnection, user: &AuthUser, id: &str) -> ApiResult<bool> {
    let listing = crate::listings::queries::find(conn, Library::Achievements, id)?;
    crate::listings::confidential::may_read(conn, user, &listing)
}

/// A contract's files are read by whoever may see the contract.
fn contract_may_read(conn: &mut DbConnection, user: &AuthUser, id: &str) -> ApiResult<bool> {
    let contract = crate::contracts::queries::find(conn, id)?;
    Ok(crate::contracts::access::can_see(user, &contract))
}

/// An auction's confirmation is read by the seller's organization, the winner's organization
/// and administrators.
fn auction_may_read(conn: &mut DbConnection, user: &AuthUser, id: &str) -> ApiResult<bool> {
    let auction: AuctionRow = crate::auctions::store::find(conn, id)?;
    if crate::auctions::access::is_seller_side(user, &auction) {
        return Ok(true);
    }
    let Some(winner) = auction.winner_registration_id.as_deref() else {
        return Ok(false);
    };
    let winner_org: Option<String> = auction_registrations::table
        .find(winner)
        .select(auction_registrations::org_id)
        .first(conn)
        .optional()?;
    Ok(winner_org.is_some_and(|org| user.belongs_to(&org)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_kinds_are_their_texts() {
        crate::macros::assert_text_enum(SubjectKind::ALL, |k| k.as_str());
    }
}
