//! Market statistics: the bureau's figures computed straight from the records, as JSON, CSV
//! and SVG charts.
//!
//! Every figure is an aggregate query over the tables the other modules write (users,
//! organizations, listings, deals, contracts, auctions, notices); nothing is copied or kept on the side, so the
//! figures are exactly as current as the records. The audit log is never read.

pub mod brokers;
pub mod chart;
pub mod contracts;
pub mod figures;
pub mod funnel;
pub mod labels;
pub mod libraries;
pub mod overview;
pub mod params;
pub mod render;
pub mod rollups;
pub mod routes;
pub mod sql;
pub mod trading;
pub mod voucher_clearing;
pub mod vouchers;
