//! The body that creates an auction, and the checks that need no database.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{AuctionRow, AuctionStatus, AuctionType};
use super::rules::{DEFAULT_EXTENSION_SECS, TradingRules};
use crate::db::new_id;
use crate::error::ApiError;
use crate::validation::Checker;

/// The longest English extension a seller may set, in seconds.
pub const MAX_EXTENSION_SECS: i64 = 3600;
/// How long a bidder with the priority right (优先受让权) may match the price, unless the lot
/// says otherwise: one day.
pub const DEFAULT_PRIORITY_WINDOW_SECS: i64 = 86_400;
/// The longest priority window: 30 days.
pub const MAX_PRIORITY_WINDOW_SECS: i64 = 30 * 86_400;
/// The longest reason, in characters.
pub const REASON_MAX: usize = 2000;

/// A new auction (a draft until its seller submits it).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuctionInput {
    /// The published achievement sold; the caller's organization must own it (administrators
    /// may create auctions of any organization's achievement).
    pub achievement_id: String,
    /// `english`, `sealed`, `dutch` or `listing` (挂牌).
    #[serde(rename = "type")]
    pub auction_type: AuctionType,
    /// The starting price in fen (1 yuan = 100 fen): the first English bid's minimum, the
    /// listing price, the Dutch opening price, the sealed minimum.
    pub starting_price_fen: i64,
    /// English and sealed: the lowest price the seller accepts (hidden from bidders); a
    /// closing best bid below it leaves the lot unsold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserve_price_fen: Option<i64>,
    /// English and listing: the step in fen (give this or `increment_bp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment_fen: Option<i64>,
    /// English and listing: the step in basis points of the current price (1–10,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment_bp: Option<i64>,
    /// The deposit each bidder lodges before bidding, in fen: between 5 % and 20 % of the
    /// starting price unless the market is configured otherwise.
    pub deposit_fen: i64,
    /// When bidding opens (RFC 3339); announcement must come at least the notice period
    /// (`TECHMARKET_AUCTION_NOTICE_SECS`, 7 days by default) before.
    pub starts_at: DateTime<Utc>,
    /// When bidding ends (RFC 3339), after `starts_at`; late English bids move it.
    pub ends_at: DateTime<Utc>,
    /// English (and a listing that turns English): a bid accepted within this many seconds of
    /// the end moves the end to the bid's time plus this (0–3,600; default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_secs: Option<i64>,
    /// Dutch: how much the price falls per interval, in fen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrement_fen: Option<i64>,
    /// Dutch: the interval in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decrement_every_secs: Option<i64>,
    /// Dutch: the price never falls below this, in fen (below the starting price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_price_fen: Option<i64>,
    /// The joint session (联合竞价) the lot joins; its times must lie within the session's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// How many seconds after the close a bidder an administrator flagged with the priority
    /// right (优先受让权, Civil Code art. 847) may match the final price (0–2,592,000; default
    /// 86,400). The sale waits that long only when such a bidder is registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_window_secs: Option<i64>,
}

/// An auction body that passed every check needing no database.
#[derive(Debug, Clone)]
pub struct CheckedAuction {
    /// The body as sent.
    pub input: AuctionInput,
    /// The extension that applies.
    pub extension_secs: i64,
    /// Opening, as stored.
    pub starts_at: NaiveDateTime,
    /// End, as stored.
    pub ends_at: NaiveDateTime,
    /// The priority window that applies.
    pub priority_window_secs: i64,
}

fn positive(checker: &mut Checker, field: &str, value: Option<i64>) {
    if value.is_some_and(|v| v <= 0) {
        checker.fail(field, "not_positive", "must be more than 0");
    }
}

fn required(checker: &mut Checker, field: &str, value: Option<i64>, kind: &str) {
    if value.is_none() {
        checker.fail(field, "required", format!("is required for {kind} auctions"));
    }
}

fn not_applicable(checker: &mut Checker, field: &str, value: Option<i64>, kind: AuctionType) {
    if value.is_some() {
        checker.fail(field, "not_applicable", format!("does not apply to {kind} auctions"));
    }
}

impl AuctionInput {
    /// Checks prices, steps, deposit bounds and times against `rules` at `now`.
    pub fn check(
        self,
        rules: &TradingRules,
        now: NaiveDateTime,
    ) -> Result<CheckedAuction, ApiError> {
        let mut checker = Checker::new();
        let kind = self.auction_type;
        if self.achievement_id.trim().is_empty() {
            checker.fail("achievement_id", "required", "names the achievement sold");
        }
        positive(&mut checker, "starting_price_fen", Some(self.starting_price_fen));
        positive(&mut checker, "reserve_price_fen", self.reserve_price_fen);
        positive(&mut checker, "increment_fen", self.increment_fen);
        positive(&mut checker, "decrement_fen", self.decrement_fen);
        positive(&mut checker, "decrement_every_secs", self.decrement_every_secs);
        let ascending = matches!(kind, AuctionType::English | AuctionType::Listing);
        if ascending {
            match (self.increment_fen, self.increment_bp) {
                (None, None) => checker.fail(
                    "increment_fen",
                    "required",
                    "give the step as increment_fen or increment_bp",
                ),
                (Some(_), Some(_)) => checker.fail(
                    "increment_bp",
                    "conflicting",
                    "give the step as increment_fen or increment_bp, not both",
                ),
                _ => {}
            }
            if self.increment_bp.is_some_and(|bp| !(1..=10_000).contains(&bp)) {
                checker.fail("increment_bp", "out_of_range", "must be between 1 and 10000");
            }
        } else {
            not_applicable(&mut checker, "increment_fen", self.increment_fen, kind);
            not_applicable(&mut checker, "increment_bp", self.increment_bp, kind);
            not_applicable(&mut checker, "extension_secs", self.extension_secs, kind);
        }
        if self.extension_secs.is_some_and(|s| !(0..=MAX_EXTENSION_SECS).contains(&s)) {
            checker.fail("extension_secs", "out_of_range", "must be between 0 and 3600 seconds");
        }
        if kind == AuctionType::Dutch {
            required(&mut checker, "decrement_fen", self.decrement_fen, "dutch");
            required(&mut checker, "decrement_every_secs", self.decrement_every_secs, "dutch");
            required(&mut checker, "floor_price_fen", self.floor_price_fen, "dutch");
            not_applicable(&mut checker, "reserve_price_fen", self.reserve_price_fen, kind);
            if self.floor_price_fen.is_some_and(|f| f < 0 || f >= self.starting_price_fen) {
                checker.fail(
                    "floor_price_fen",
                    "out_of_range",
                    "must be at least 0 and below the starting price",
                );
            }
        } else {
            not_applicable(&mut checker, "decrement_fen", self.decrement_fen, kind);
            not_applicable(&mut checker, "decrement_every_secs", self.decrement_every_secs, kind);
            not_applicable(&mut checker, "floor_price_fen", self.floor_price_fen, kind);
        }
        if kind == AuctionType::Listing {
            not_applicable(&mut checker, "reserve_price_fen", self.reserve_price_fen, kind);
        }
        let deposit = i128::from(self.deposit_fen) * 10_000;
        let start = i128::from(self.starting_price_fen);
        if self.deposit_fen < 0
            || deposit < start * i128::from(rules.deposit_min_bp)
            || deposit > start * i128::from(rules.deposit_max_bp)
        {
            checker.fail(
                "deposit_fen",
                "out_of_range",
                format!(
                    "must be between {} and {} basis points of the starting price",
                    rules.deposit_min_bp, rules.deposit_max_bp
                ),
            );
        }
        let starts_at = self.starts_at.naive_utc();
        let ends_at = self.ends_at.naive_utc();
        if starts_at <= now {
            checker.fail("starts_at", "in_the_past", "must be in the future");
        }
        if ends_at <= starts_at {
            checker.fail("ends_at", "before_start", "must be after starts_at");
        }
        let extension_secs =
            self.extension_secs.unwrap_or(if ascending { DEFAULT_EXTENSION_SECS } else { 0 });
        let priority_window_secs =
            self.priority_window_secs.unwrap_or(DEFAULT_PRIORITY_WINDOW_SECS);
        if !(0..=MAX_PRIORITY_WINDOW_SECS).contains(&priority_window_secs) {
            checker.fail(
                "priority_window_secs",
                "out_of_range",
                "must be between 0 and 2592000 seconds (30 days)",
            );
        }
        checker.finish()?;
        Ok(CheckedAuction { input: self, extension_secs, starts_at, ends_at, priority_window_secs })
    }
}

impl CheckedAuction {
    /// The lot as a new draft of `seller_org_id`, created by `created_by` at `stamp` (a
    /// relisting names the lot it puts up again).
    pub fn draft(
        &self,
        seller_org_id: String,
        created_by: &str,
        relisted_from: Option<String>,
        stamp: NaiveDateTime,
    ) -> AuctionRow {
        AuctionRow {
            id: new_id(),
            achievement_id: self.input.achievement_id.clone(),
            seller_org_id,
            auction_type: self.input.auction_type,
            status: AuctionStatus::Draft,
            result: None,
            starting_price_fen: self.input.starting_price_fen,
            reserve_price_fen: self.input.reserve_price_fen,
            increment_fen: self.input.increment_fen,
            increment_bp: self.input.increment_bp,
            deposit_fen: self.input.deposit_fen,
            starts_at: self.starts_at,
            scheduled_ends_at: self.ends_at,
            ends_at: self.ends_at,
            extension_secs: self.extension_secs,
            priority_window_secs: self.priority_window_secs,
            priority_until: None,
            decrement_fen: self.input.decrement_fen,
            decrement_every_secs: self.input.decrement_every_secs,
            floor_price_fen: self.input.floor_price_fen,
            session_id: self.input.session_id.clone(),
            converted_from: None,
            current_price_fen: None,
            leading_bid_id: None,
            bid_count: 0,
            hammer_price_fen: None,
            winner_registration_id: None,
            deal_id: None,
            relisted_from,
            defaulted_registration_id: None,
            defaulted_at: None,
            runner_up_registration_id: None,
            runner_up_price_fen: None,
            runner_up_status: None,
            reject_reason: None,
            cancel_reason: None,
            created_by: created_by.to_string(),
            version: 1,
            created_at: stamp,
            updated_at: stamp,
            announced_at: None,
            opened_at: None,
            closed_at: None,
        }
    }
}

/// A reason an administrator (or the seller) gives for returning or calling off an auction.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    /// Why, in a sentence the seller reads (1–2,000 characters).
    pub reason: String,
    /// The version the caller saw (or send `If-Match`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl ReasonInput {
    /// The reason, trimmed, or the 422.
    pub fn checked(&self) -> Result<String, ApiError> {
        let mut checker = Checker::new();
        let reason = checker.check("reason", crate::validation::text(&self.reason, 1, REASON_MAX));
        checker.finish_with(|| reason)
    }
}
