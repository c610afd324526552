//! The application state every handler shares, below the features that use it.

use std::sync::Arc;

use crate::auth::hashing::HashingGate;
use crate::auth::rate_limit::{ClientLimiter, LoginLimiter};
use crate::auth::tokens::TokenService;
use crate::config::Config;
use crate::db::Db;
use crate::matching::engine::MatchingState;
use crate::search::SearchIndex;

/// Everything handlers share.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The configuration.
    pub config: Arc<Config>,
    /// Token issuing and checking.
    pub tokens: TokenService,
    /// Login rate limits.
    pub login_limiter: LoginLimiter,
    /// Registration rate limit per client address.
    pub register_limiter: ClientLimiter,
    /// The bound on concurrent password hashing and verification.
    pub password_hashing: HashingGate,
    /// A hash verified when the e-mail is unknown, so both failures cost the same.
    pub dummy_hash: String,
    /// The full-text index of the libraries.
    pub search: SearchIndex,
    /// The matcher's keyword vocabularies.
    pub matching: Arc<MatchingState>,
    /// This instance's follower of what happens to auctions, for their live streams.
    pub auction_feed: crate::auctions::feed::AuctionFeed,
    /// This instance's bids waiting for their lot, judged together.
    pub bid_queues: crate::auctions::queue::BidQueues,
    /// Where attachments are stored.
    pub storage: crate::attachments::storage::Storage,
}
