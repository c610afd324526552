//! The owner's consent carried by a deal. A deal opens a record's confidential details to its
//! participants only after an act of the record owner's side: a member of the seller
//! organization (for the achievement) or of the buyer organization (for the demand) opened,
//! accepted or advanced the deal. A broker or an unrelated party naming a record in a deal
//! gains nothing by it.

use diesel::prelude::*;

use super::model::DealRow;
use crate::auth::AuthUser;
use crate::db::schema::deals;
use crate::db::{DbConnection, now};
use crate::error::ApiResult;
use crate::listings::Library;

/// Which sides of a deal an act is an act of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sides {
    /// The buyer organization (owner of the demand).
    pub buyer: bool,
    /// The seller organization (owner of the achievement).
    pub seller: bool,
}

impl Sides {
    /// Both sides: an accepted answer is the seller's offer and the buyer's acceptance.
    pub const BOTH: Sides = Sides { buyer: true, seller: true };

    /// The sides a user acts for: the organizations they belong to among buyer and seller.
    pub fn of(user: &AuthUser, buyer_org_id: &str, seller_org_id: &str) -> Sides {
        Sides { buyer: user.belongs_to(buyer_org_id), seller: user.belongs_to(seller_org_id) }
    }
}

/// Stamps the sides the user acts for on the deal, where not stamped yet (inside the
/// transaction of the act itself).
pub fn record_act(conn: &mut DbConnection, user: &AuthUser, deal: &DealRow) -> ApiResult<()> {
    let sides = Sides::of(user, &deal.buyer_org_id, &deal.seller_org_id);
    let stamp = now();
    if sides.buyer && deal.buyer_acted_at.is_none() {
        diesel::update(deals::table.find(&deal.id))
            .set(deals::buyer_acted_at.eq(stamp))
            .execute(conn)?;
    }
    if sides.seller && deal.seller_acted_at.is_none() {
        diesel::update(deals::table.find(&deal.id))
            .set(deals::seller_acted_at.eq(stamp))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the owner's side of a record of this library has acted on the deal, so that the
/// deal opens that record's confidential details.
pub fn owner_has_acted(deal: &DealRow, library: Library) -> bool {
    match library {
        Library::Achievements => deal.seller_acted_at.is_some(),
        Library::Demands => deal.buyer_acted_at.is_some(),
        _ => false,
    }
}
