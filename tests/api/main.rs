//! The HTTP API end to end, on SQLite (default) or PostgreSQL (`TEST_DATABASE_URL`).

mod helpers;

mod achievements;
mod attachments;
mod auction_tidings;
mod auctions;
mod audit;
mod auth;
mod bulk;
mod contracts;
mod conventions;
mod deals;
mod demands;
mod demo;
mod email;
mod events;
mod experts;
mod floods;
mod input;
mod language;
mod matching;
mod notices;
mod notifications;
mod operations;
mod organizations;

mod responses;
mod service_providers;
mod stats;
mod taxonomies;
mod users;
mod vouchers;
mod webhooks;
