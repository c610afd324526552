//! Trading by auction (拍卖) and listing (挂牌): a seller's lot, its review and announcement,
//! the bidders and their deposits, the bids under each type's rules, and the close on time
//! that sells the lot and opens the deal with the winner.
//!
//! - [`model`]: the rows and their enums; [`input`] and [`output`]: the API's bodies;
//! - [`access`]: who sees and manages a lot; [`lifecycle`]: the lot's and the deposit's tables;
//! - [`rules`]: prices derived from a lot; [`bidding`]: the bid rules; [`closing`]: opening,
//!   closing and settling on time; [`queue`] and [`turn`]: bids on a hot lot judged together;
//!   [`feed`]: the live stream of each lot;
//! - [`routes`], [`participation`], [`sessions`] (joint sessions and their report) and
//!   [`aftermath`] (relisting, a winner's default, the runner-up) and [`priority`] (the
//!   inventors' priority right): the endpoints; [`store`]: reads and writes;
//! - [`tidings`]: what bidders are told (outbid, starting soon, won, lost).

pub mod access;
pub mod aftermath;
pub mod bidding;
pub mod closing;
pub mod confirmation;
pub mod demo;
pub mod feed;
pub mod foresight;
pub mod input;
pub mod lifecycle;
pub mod model;
pub mod output;
pub mod participation;
pub mod priority;
pub mod queue;
pub mod routes;
pub mod rules;
pub mod sessions;
pub mod store;
pub mod tidings;
pub mod turn;
