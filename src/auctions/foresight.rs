//! What a turn knows of a bid before placing it, from the lot it holds: a plain English bid
//! is certainly too low, certainly accepted, or left to [`super::bidding::place`].

use chrono::NaiveDateTime;

use super::bidding::{BidInput, too_low};
use super::model::{AuctionRow, AuctionStatus, AuctionType};
use super::rules;
use crate::auth::AuthUser;
use crate::error::ApiError;

/// How a bid stands against a lot before it is placed, judged from the lot alone: see
/// [`foresee`].
#[derive(Debug)]
pub enum Foreseen {
    /// Certainly too low: refused with this problem.
    TooLow(ApiError),
    /// Certainly accepted: only a failing statement could refuse it.
    Accepted,
    /// Anything else: [`super::bidding::place`] decides.
    Unsure,
}

/// How a plain English bid stands, judged from `row` alone (and whether the bidder's deposit
/// is `held`). A bid on a lot open now, from a bidder with a held deposit who may see the lot
/// and is not its seller, is certainly too low below the lowest acceptable bid and certainly
/// accepted at or above it (proxies may answer it, but nothing refuses it). English prices only
/// rise, so a bid too low against any committed state of the lot is too low against its locked
/// state as well. Every other bid (and any doubt) is [`Foreseen::Unsure`]. Under a race most
/// bids are outbid ones; a turn refuses them from the lot it holds, without a statement, and
/// places the certain ones without a savepoint of their own (see [`super::turn::Turn`]).
pub fn foresee(
    row: &AuctionRow,
    held: bool,
    user: &AuthUser,
    input: &BidInput,
    now: NaiveDateTime,
) -> Foreseen {
    let (Some(amount), None) = (input.amount_fen, input.max_amount_fen) else {
        return Foreseen::Unsure;
    };
    let plain_open_english = row.auction_type == AuctionType::English
        && row.status == AuctionStatus::Open
        && row.converted_from.is_none()
        && now < row.ends_at;
    let eligible = held
        && !user.belongs_to(&row.seller_org_id)
        && <super::access::Auctions as crate::policy::Policy>::may_see(Some(user), row);
    if !(plain_open_english && eligible) {
        return Foreseen::Unsure;
    }
    let min_next = rules::min_next(row, now);
    if amount < min_next { Foreseen::TooLow(too_low(min_next)) } else { Foreseen::Accepted }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::accounts::model::{Role, User, UserStatus};
    use crate::auctions::input::{AuctionInput, CheckedAuction};

    fn open_lot(now: NaiveDateTime) -> AuctionRow {
        let input: AuctionInput = serde_json::from_value(serde_json::json!({
            "achievement_id": "achievement", "type": "english", "starting_price_fen": 10_000,
            "increment_fen": 500, "deposit_fen": 1_000,
            "starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-12-02T00:00:00Z",
        }))
        .expect("an English lot");
        let checked = CheckedAuction {
            input,
            extension_secs: 0,
            starts_at: now - Duration::minutes(1),
            ends_at: now + Duration::hours(1),
            priority_window_secs: 0,
        };
        let mut row = checked.draft("seller-org".into(), "seller", None, now);
        row.status = AuctionStatus::Open;
        row
    }

    fn bidder(org: &str) -> AuthUser {
        let stamp = crate::db::now();
        AuthUser {
            user: User {
                id: format!("user-of-{org}"),
                email: format!("bidder@{org}.example"),
                password_hash: String::new(),
                display_name: "bidder".into(),
                role: Role::Enterprise,
                organization_id: Some(org.to_string()),
                status: UserStatus::Active,
                version: 1,
                created_at: stamp,
                updated_at: stamp,
                last_login_at: None,
                verified_at: None,
                email_verified_at: None,
                language: "zh-CN".into(),
            },
            session_id: "session".into(),
            request_id: None,
        }
    }

    fn plain(amount: i64) -> BidInput {
        BidInput { amount_fen: Some(amount), max_amount_fen: None }
    }

    #[test]
    fn plain_english_bids_are_foreseen_and_every_doubt_is_left_to_the_turn() {
        let now = crate::db::now();
        let lot = open_lot(now);
        let buyer = bidder("buyer-org");
        let code = |foreseen: Foreseen| match foreseen {
            Foreseen::TooLow(_) => "too_low",
            Foreseen::Accepted => "accepted",
            Foreseen::Unsure => "unsure",
        };
        assert_eq!(code(foresee(&lot, true, &buyer, &plain(9_999), now)), "too_low");
        assert_eq!(code(foresee(&lot, true, &buyer, &plain(10_000), now)), "accepted");
        // No held deposit, the seller's own side, a proxy, a closed clock: place decides.
        assert_eq!(code(foresee(&lot, false, &buyer, &plain(10_000), now)), "unsure");
        assert_eq!(code(foresee(&lot, true, &bidder("seller-org"), &plain(10_000), now)), "unsure");
        let proxy = BidInput { amount_fen: None, max_amount_fen: Some(20_000) };
        assert_eq!(code(foresee(&lot, true, &buyer, &proxy, now)), "unsure");
        assert_eq!(code(foresee(&lot, true, &buyer, &plain(10_000), lot.ends_at)), "unsure");
        let mut converted = lot.clone();
        converted.converted_from = Some("listing".into());
        assert_eq!(code(foresee(&converted, true, &buyer, &plain(10_000), now)), "unsure");
    }
}
