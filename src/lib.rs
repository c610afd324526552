//! techmarket — the backend of a technology market (科技大市场).
//!
//! Enterprises post technical problems, universities and research institutes list their
//! results, brokers close the deals, and a science-and-technology bureau reads the market's
//! figures straight from the records. This crate holds the HTTP service, its storage on SQLite
//! or PostgreSQL, and the command-line tools around it.

#[macro_use]
mod macros;

// The message catalogue (`locales/`), Chinese first; see [`i18n`].
rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod accounts;
pub mod achievements;
pub mod attachments;
pub mod auctions;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod contracts;
pub mod dashboard;
pub mod db;
pub mod deals;
pub mod demands;
pub mod demo;
pub mod domain;
pub mod error;
pub mod events;
pub mod experts;
pub mod http;
pub mod i18n;
pub mod lifecycle;
pub mod listings;
pub mod mail;
pub mod matching;
pub mod meaning;
pub mod notices;
pub mod notifications;
pub mod openapi;
pub mod organizations;
pub mod policy;
pub mod responses;
pub mod routes;
pub mod search;
pub mod service_providers;
pub mod startup;
pub mod state;
pub mod stats;
pub mod taxonomies;
pub mod telemetry;
pub mod validation;
pub mod vouchers;

pub use startup::Application;
