//! Auctions, their registered bidders and their bids as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{auction_bids, auction_registrations, auctions};

text_enum! {
    /// How a lot is sold (the three ways of the law on transforming results: 拍卖, 挂牌).
    pub enum AuctionType {
        /// 英式拍卖: open ascending bids, each at least one step above the last; a bid near the
        /// end extends it.
        English => "english",
        /// 密封拍卖: one hidden bid per bidder, replaceable until the end; the highest wins.
        Sealed => "sealed",
        /// 荷兰式拍卖: the price falls by a step at fixed intervals; the first bid takes it.
        Dutch => "dutch",
        /// 挂牌: a fixed price for the listing period; one taker buys at it, two or more bid on
        /// in an English auction starting at it.
        Listing => "listing",
    }
}

text_enum! {
    /// Where an auction stands.
    pub enum AuctionStatus {
        /// Being prepared by the seller (or returned by an administrator with a reason).
        Draft => "draft",
        /// Waiting for an administrator to announce or reject it.
        Submitted => "submitted",
        /// Announced (公告): bidders register and lodge deposits until it opens.
        Announced => "announced",
        /// Taking bids.
        Open => "open",
        /// Over, with a `result`.
        Closed => "closed",
        /// Called off before it closed.
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// How a closed auction ended.
    pub enum AuctionResult {
        /// Sold to the winning bidder at the hammer price.
        Sold => "sold",
        /// No acceptable bid (none, or none reaching the reserve).
        Unsold => "unsold",
    }
}

text_enum! {
    /// A bidder's deposit (保证金), a ledger without a payment gateway.
    pub enum DepositStatus {
        /// Registered; the deposit has not been received.
        Pending => "pending",
        /// Received and held: the bidder may bid.
        Held => "held",
        /// Paid back (a bidder who did not win, or a cancelled auction).
        Refunded => "refunded",
        /// Counted towards the winner's price.
        Applied => "applied",
        /// Kept by the market (a winner who defaulted).
        Forfeited => "forfeited",
    }
}

/// A stored auction.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = auctions, treat_none_as_null = true)]
pub struct AuctionRow {
    /// Id.
    pub id: String,
    /// The achievement sold.
    pub achievement_id: String,
    /// The achievement's organization, the seller.
    pub seller_org_id: String,
    /// How it is sold.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub auction_type: AuctionType,
    /// Where it stands.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: AuctionStatus,
    /// `sold` or `unsold` once closed.
    pub result: Option<String>,
    /// Starting (or listing, or Dutch opening) price in fen.
    pub starting_price_fen: i64,
    /// The lowest price the seller accepts, hidden from bidders.
    pub reserve_price_fen: Option<i64>,
    /// English step in fen.
    pub increment_fen: Option<i64>,
    /// English step in basis points of the current price.
    pub increment_bp: Option<i64>,
    /// The deposit a bidder lodges, in fen.
    pub deposit_fen: i64,
    /// When bidding opens.
    pub starts_at: NaiveDateTime,
    /// The end as announced.
    pub scheduled_ends_at: NaiveDateTime,
    /// The effective end (moved by late English bids).
    pub ends_at: NaiveDateTime,
    /// English: how far a late bid moves the end.
    pub extension_secs: i64,
    /// How long after the close a bidder with the priority right may match the price.
    pub priority_window_secs: i64,
    /// A sale waiting for the priority right: until when it may be matched.
    pub priority_until: Option<NaiveDateTime>,
    /// Dutch: the fall per interval in fen.
    pub decrement_fen: Option<i64>,
    /// Dutch: the interval in seconds.
    pub decrement_every_secs: Option<i64>,
    /// Dutch: the lowest price.
    pub floor_price_fen: Option<i64>,
    /// The joint session the lot belongs to.
    pub session_id: Option<String>,
    /// `listing` when a listing with two or more takers went on as an English auction.
    pub converted_from: Option<String>,
    /// The highest accepted bid (English, listing) or the hammer price.
    pub current_price_fen: Option<i64>,
    /// The leading bid.
    pub leading_bid_id: Option<String>,
    /// Accepted bids.
    pub bid_count: i64,
    /// The price the lot sold at.
    pub hammer_price_fen: Option<i64>,
    /// The winning registration.
    pub winner_registration_id: Option<String>,
    /// The deal opened with the winner.
    pub deal_id: Option<String>,
    /// The unsold (or defaulted) lot this one puts up again.
    pub relisted_from: Option<String>,
    /// The winner who defaulted (barred from the lot's re-auction).
    pub defaulted_registration_id: Option<String>,
    /// When the default was recorded.
    pub defaulted_at: Option<NaiveDateTime>,
    /// The runner-up the seller offered the lot to after a default.
    pub runner_up_registration_id: Option<String>,
    /// The runner-up's best bid, the price offered.
    pub runner_up_price_fen: Option<i64>,
    /// `offered`, `accepted` or `declined`.
    pub runner_up_status: Option<String>,
    /// Why an administrator returned it.
    pub reject_reason: Option<String>,
    /// Why it was called off.
    pub cancel_reason: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Version, raised by every change.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
    /// When it was announced.
    pub announced_at: Option<NaiveDateTime>,
    /// When it opened.
    pub opened_at: Option<NaiveDateTime>,
    /// When it closed (or was cancelled).
    pub closed_at: Option<NaiveDateTime>,
}

impl AuctionRow {
    /// The result, once closed.
    pub fn result(&self) -> Option<AuctionResult> {
        self.result.as_deref().and_then(|r| r.parse().ok())
    }
}

/// A stored bidder registration.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auction_registrations)]
pub struct RegistrationRow {
    /// Id.
    pub id: String,
    /// The auction.
    pub auction_id: String,
    /// The bidding organization.
    pub org_id: String,
    /// The member who registered it.
    pub user_id: String,
    /// The code the bidder appears under (B001, …).
    pub bidder_code: String,
    /// The deposit's state.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub deposit_status: DepositStatus,
    /// 优先受让权: may match the final price after the close.
    pub priority: bool,
    /// English proxy bidding: the most the server bids for this bidder.
    pub max_amount_fen: Option<i64>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored bid.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = auction_bids)]
pub struct BidRow {
    /// Id.
    pub id: String,
    /// The auction.
    pub auction_id: String,
    /// The bidder.
    pub registration_id: String,
    /// The amount in fen.
    pub amount_fen: i64,
    /// Placed by the server for a proxy bidder.
    pub proxy: bool,
    /// When the server accepted it (the authoritative time).
    pub accepted_at: NaiveDateTime,
    /// Sealed: when the bidder replaced it.
    pub replaced_at: Option<NaiveDateTime>,
}
