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
pub mod transitions;
pub mod verify;
