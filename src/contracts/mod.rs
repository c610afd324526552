//! Technology contracts (技术合同): recorded by the seller side, registered by the registry
//! (认定登记) with a gap-free registration number, then performed and paid.

pub mod access;
pub mod amendments;
pub mod certificate;
pub mod checks;
pub mod commissions;
pub mod edit;
pub mod idempotency;
pub mod input;
pub mod model;
pub mod output;
pub mod performance;
pub mod queries;
pub mod registration;
pub mod resolve;
pub mod routes;
pub mod schedule;

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today's date where the registry works (China Standard Time, UTC+8): registration dates,
/// validity checks and overdue milestones use it.
pub fn today() -> NaiveDate {
    match FixedOffset::east_opt(8 * 3600) {
        Some(china) => Utc::now().with_timezone(&china).date_naive(),
        None => Utc::now().date_naive(),
    }
}
