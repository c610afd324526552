//! The trading rules: what the operator configures (auctions and notices), and the prices the bidding rules derive
//! from a lot (the next acceptable English bid, the Dutch price at an instant, the extension
//! a late bid earns).

use chrono::{Duration, NaiveDateTime};

use super::model::{AuctionRow, AuctionType};

/// What the operator sets (`TECHMARKET_AUCTION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TradingRules {
    /// How long before its start an auction must be announced, in seconds.
    pub notice_secs: u64,
    /// How long before a lot opens its registered bidders are told, in seconds (0: never).
    pub starting_soon_secs: i64,
    /// The smallest deposit, in basis points of the starting price.
    pub deposit_min_bp: i64,
    /// The largest deposit, in basis points of the starting price.
    pub deposit_max_bp: i64,
    /// The shortest public pricing notice, in China days.
    pub notice_min_days: i64,
    /// Whether universities' and institutes' transfers and licences register only after a
    /// completed notice or a sold auction for their deal.
    pub pricing_notice_required: bool,
}

/// English auctions extend by five minutes unless the seller sets otherwise.
pub const DEFAULT_EXTENSION_SECS: i64 = 300;

/// The English step above `current`: the fixed increment, or the basis points of the current
/// price rounded up to a whole fen (at least one fen).
pub fn step(lot: &AuctionRow, current: i64) -> i64 {
    match (lot.increment_fen, lot.increment_bp) {
        (Some(fen), _) => fen.max(1),
        (None, Some(bp)) => (current.saturating_mul(bp) + 9_999).div_euclid(10_000).max(1),
        (None, None) => 1,
    }
}

/// The lowest bid an open lot accepts now: the starting price before the first bid, then the
/// current price plus one step (English); the listing price (listing); the price of the
/// moment (Dutch, see [`dutch_price`]); the starting price (sealed).
pub fn min_next(lot: &AuctionRow, now: NaiveDateTime) -> i64 {
    match (lot.auction_type, lot.current_price_fen) {
        (AuctionType::English, Some(current)) => current.saturating_add(step(lot, current)),
        (AuctionType::Dutch, _) => dutch_price(lot, now),
        _ => lot.starting_price_fen,
    }
}

/// The Dutch price at `now`: the opening price less one decrement per full interval since
/// the start, never below the floor.
pub fn dutch_price(lot: &AuctionRow, now: NaiveDateTime) -> i64 {
    let every = lot.decrement_every_secs.unwrap_or(0);
    let fall = lot.decrement_fen.unwrap_or(0);
    let elapsed = (now - lot.starts_at).num_seconds().max(0);
    let ticks = if every > 0 { elapsed / every } else { 0 };
    let floor = lot.floor_price_fen.unwrap_or(0);
    lot.starting_price_fen.saturating_sub(fall.saturating_mul(ticks)).max(floor)
}

/// The end an English bid accepted at `accepted_at` moves the lot to, when it falls within
/// `extension_secs` of the effective end (otherwise the end stays).
pub fn extended_end(lot: &AuctionRow, accepted_at: NaiveDateTime) -> Option<NaiveDateTime> {
    if lot.auction_type != AuctionType::English {
        return None;
    }
    let moved = accepted_at + Duration::seconds(lot.extension_secs);
    (moved > lot.ends_at).then_some(moved)
}

/// 溢价率: how far hammer prices rose above the starting prices of the same lots, as a ratio
/// rounded to four places ((hammer − starting) / starting); None without a starting price.
pub fn premium_rate(hammer_fen: i64, starting_fen: i64) -> Option<f64> {
    (starting_fen > 0).then(|| {
        ((hammer_fen - starting_fen) as f64 / starting_fen as f64 * 10_000.0).round() / 10_000.0
    })
}
