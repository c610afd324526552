//! Deals (对接): a pairing of a buyer and a seller, usually a demand and an achievement,
//! carried by its parties and a technology broker through the funnel
//! 对接 `connected` → 意向 `intention` → 达成意向 `agreement` → 签约 `signed`, or `lost` with a
//! coded reason. Each move is stamped in the audit log; the funnel counts deals by the
//! furthest stage they reached.

pub mod access;
pub mod consent;
pub mod dto;
pub mod messages;
pub mod model;
pub mod names;
pub mod queries;
pub mod routes;
