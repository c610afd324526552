//! Auctions, registrations and bids as the API shows them: what a viewer may read depends
//! on who they are (the reserve only to the seller and administrators, sealed bids to nobody
//! until the close, bidders' identities only to the seller and administrators after it).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{
    AuctionResult, AuctionRow, AuctionStatus, AuctionType, BidRow, DepositStatus, RegistrationRow,
};
use super::rules;
use crate::db::to_utc;

/// An auction as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuctionOut {
    /// Auction id.
    pub id: String,
    /// The achievement sold.
    pub achievement_id: String,
    /// The seller: the achievement's organization.
    pub seller_org_id: String,
    /// The title of the achievement sold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achievement_title: Option<String>,
    /// The seller's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_name: Option<String>,
    /// `english`, `sealed`, `dutch` or `listing`.
    #[serde(rename = "type")]
    pub auction_type: AuctionType,
    /// `listing` when a listing with two or more takers went on as an English auction.
    pub converted_from: Option<AuctionType>,
    /// `draft` → `submitted` → `announced` → `open` → `closed`, or `cancelled`.
    pub status: AuctionStatus,
    /// Once closed: `sold` or `unsold`.
    pub result: Option<AuctionResult>,
    /// The starting price in fen (listing price, Dutch opening price, sealed minimum).
    pub starting_price_fen: i64,
    /// The hidden reserve in fen: shown only to the seller and administrators.
    pub reserve_price_fen: Option<i64>,
    /// Whether the best bid so far reaches the reserve (null without a reserve, and for sealed
    /// auctions until they close).
    pub reserve_met: Option<bool>,
    /// The English step in fen, if fixed.
    pub increment_fen: Option<i64>,
    /// The English step in basis points of the current price, if proportional.
    pub increment_bp: Option<i64>,
    /// The deposit each bidder lodges, in fen.
    pub deposit_fen: i64,
    /// When bidding opens (RFC 3339 UTC).
    pub starts_at: DateTime<Utc>,
    /// The effective end (RFC 3339 UTC): the announced end, moved by late English bids.
    pub ends_at: DateTime<Utc>,
    /// The end as announced.
    pub scheduled_ends_at: DateTime<Utc>,
    /// English: how many seconds a late bid moves the end to beyond its own time.
    pub extension_secs: i64,
    /// How long after the close a bidder with the priority right may match the price.
    pub priority_window_secs: i64,
    /// A sale waiting for the priority right (优先受让权): until when the flagged bidder may
    /// match the hammer price (`POST /api/v1/auctions/{id}/priority-match`); the deal opens
    /// once it has or the window has passed.
    pub priority_until: Option<DateTime<Utc>>,
    /// Dutch: the fall per interval in fen.
    pub decrement_fen: Option<i64>,
    /// Dutch: the interval in seconds.
    pub decrement_every_secs: Option<i64>,
    /// Dutch: the floor in fen.
    pub floor_price_fen: Option<i64>,
    /// The joint session the lot belongs to, if any.
    pub session_id: Option<String>,
    /// The price now, in fen: the highest accepted bid (English; null before the first), the
    /// falling price (Dutch), the listing price (listing), null for sealed auctions until the
    /// close; once sold, the hammer price.
    pub current_price_fen: Option<i64>,
    /// While open: the lowest bid the lot accepts now, in fen.
    pub min_next_fen: Option<i64>,
    /// Accepted bids so far (null for sealed auctions until the close).
    pub bid_count: Option<i64>,
    /// Once sold: the price in fen.
    pub hammer_price_fen: Option<i64>,
    /// Once sold: the winner's bidder code.
    pub winner_bidder_code: Option<String>,
    /// Once sold: the deal opened between seller and winner (at `agreement`, source
    /// `auction`), shown to the seller, the winner and administrators.
    pub deal_id: Option<String>,
    /// The lot this one puts up again (relisted after going unsold or a default).
    pub relisted_from: Option<String>,
    /// When the winner's default was recorded (the deposit forfeited, the deal lost).
    pub defaulted_at: Option<DateTime<Utc>>,
    /// After a default: the runner-up's price offered by the seller, in fen.
    pub runner_up_price_fen: Option<i64>,
    /// After a default: `offered`, `accepted` or `declined`.
    pub runner_up_status: Option<String>,
    /// Why an administrator returned it to the seller (shown to the seller and administrators).
    pub reject_reason: Option<String>,
    /// Why it was called off.
    pub cancel_reason: Option<String>,
    /// The user who created it.
    pub created_by: String,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it was created (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339 UTC).
    pub updated_at: DateTime<Utc>,
    /// When it was announced.
    pub announced_at: Option<DateTime<Utc>>,
    /// When it closed or was cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

crate::versioned!(AuctionOut);

/// Who is looking at an auction, for what it may show.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer {
    /// The seller's members and administrators.
    pub seller_side: bool,
    /// The winner's members.
    pub winner: bool,
}

/// An auction as `viewer` may read it at `now`; `winner_code` names the winning bidder.
pub fn auction_out(
    row: AuctionRow,
    viewer: Viewer,
    winner_code: Option<String>,
    now: NaiveDateTime,
) -> AuctionOut {
    let sealed_open =
        row.auction_type == AuctionType::Sealed && row.status != AuctionStatus::Closed;
    let open = row.status == AuctionStatus::Open;
    let current_price_fen = if sealed_open {
        None
    } else if row.auction_type == AuctionType::Dutch && open {
        Some(rules::dutch_price(&row, now))
    } else if row.auction_type == AuctionType::Listing {
        Some(row.starting_price_fen)
    } else {
        row.hammer_price_fen.or(row.current_price_fen)
    };
    let reserve_met = match (row.reserve_price_fen, sealed_open) {
        (Some(reserve), false) => Some(row.current_price_fen.is_some_and(|p| p >= reserve)),
        _ => None,
    };
    AuctionOut {
        min_next_fen: open.then(|| rules::min_next(&row, now)),
        bid_count: (!sealed_open).then_some(row.bid_count),
        reserve_price_fen: row.reserve_price_fen.filter(|_| viewer.seller_side),
        reserve_met,
        current_price_fen,
        converted_from: row.converted_from.as_deref().and_then(|t| t.parse().ok()),
        result: row.result(),
        deal_id: row.deal_id.filter(|_| viewer.seller_side || viewer.winner),
        reject_reason: row.reject_reason.filter(|_| viewer.seller_side),
        winner_bidder_code: winner_code,
        id: row.id,
        achievement_id: row.achievement_id,
        seller_org_id: row.seller_org_id,
        achievement_title: None,
        seller_name: None,
        auction_type: row.auction_type,
        status: row.status,
        starting_price_fen: row.starting_price_fen,
        increment_fen: row.increment_fen,
        increment_bp: row.increment_bp,
        deposit_fen: row.deposit_fen,
        starts_at: to_utc(row.starts_at),
        ends_at: to_utc(row.ends_at),
        scheduled_ends_at: to_utc(row.scheduled_ends_at),
        extension_secs: row.extension_secs,
        priority_window_secs: row.priority_window_secs,
        priority_until: row.priority_until.map(to_utc),
        decrement_fen: row.decrement_fen,
        decrement_every_secs: row.decrement_every_secs,
        floor_price_fen: row.floor_price_fen,
        session_id: row.session_id,
        hammer_price_fen: row.hammer_price_fen,
        cancel_reason: row.cancel_reason,
        relisted_from: row.relisted_from,
        defaulted_at: row.defaulted_at.map(to_utc),
        runner_up_price_fen: row.runner_up_price_fen,
        runner_up_status: row.runner_up_status,
        created_by: row.created_by,
        version: row.version,
        created_at: to_utc(row.created_at),
        updated_at: to_utc(row.updated_at),
        announced_at: row.announced_at.map(to_utc),
        closed_at: row.closed_at.map(to_utc),
    }
}

/// A bidder's registration for an auction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BidderOut {
    /// Registration id.
    pub id: String,
    /// The auction.
    pub auction_id: String,
    /// The bidding organization (shown to the bidder itself, the seller and administrators).
    pub org_id: String,
    /// The code the bidder appears under in bid lists (B001, B002, …).
    pub bidder_code: String,
    /// The deposit: `pending` → `held` → `refunded`, `applied` or `forfeited`. Only a bidder
    /// whose deposit is `held` bids.
    pub deposit_status: DepositStatus,
    /// 优先受让权 (the inventors' priority right): may match the final price after the close.
    pub priority: bool,
    /// English proxy bidding: the most the server bids for this bidder (the bidder's own view).
    pub max_amount_fen: Option<i64>,
    /// Version of the registration.
    pub version: i64,
    /// When it registered (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: RegistrationRow => BidderOut {
    same { id, auction_id, org_id, bidder_code, deposit_status, priority, max_amount_fen, version }
    times { created_at }
} }

/// An accepted bid in a lot's list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BidOut {
    /// Bid id.
    pub id: String,
    /// The amount in fen.
    pub amount_fen: i64,
    /// The bidder's code.
    pub bidder_code: String,
    /// The bidder's organization: only to the seller and administrators, after the close.
    pub org_id: Option<String>,
    /// Placed by the server for a proxy bidder, at the minimum step.
    pub proxy: bool,
    /// When the server accepted it (RFC 3339 UTC; server time is authoritative).
    pub accepted_at: DateTime<Utc>,
    /// Sealed: when the bidder replaced this bid by another (it no longer counts).
    pub replaced_at: Option<DateTime<Utc>>,
}

impl BidOut {
    /// A bid under its bidder's code; `org_id` only when the viewer may know it.
    pub fn new(row: BidRow, bidder_code: String, org_id: Option<String>) -> BidOut {
        BidOut {
            id: row.id,
            amount_fen: row.amount_fen,
            bidder_code,
            org_id,
            proxy: row.proxy,
            accepted_at: to_utc(row.accepted_at),
            replaced_at: row.replaced_at.map(to_utc),
        }
    }
}

/// The answer to an accepted bid.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BidAccepted {
    /// Bid id (for a proxy bid: the bid the server placed now, if any).
    pub id: Option<String>,
    /// The amount the bid stands at in fen (a proxy bid: what the server bid so far).
    pub amount_fen: Option<i64>,
    /// For a proxy bid: the maximum the server bids up to.
    pub max_amount_fen: Option<i64>,
    /// Whether the caller leads after the bid (sealed: null, nobody knows until the close).
    pub leading: Option<bool>,
    /// When the server accepted it (RFC 3339 UTC).
    pub accepted_at: DateTime<Utc>,
    /// The lot's effective end after the bid (moved by a late English bid).
    pub ends_at: DateTime<Utc>,
    /// The lot's status after the bid (a Dutch bid closes it).
    pub status: AuctionStatus,
}
