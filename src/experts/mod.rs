//! 专家库: expert profiles, created by experts themselves (one each) or, unclaimed, by brokers
//! and administrators; an expert claims such a profile when its contact e-mail is theirs.

pub mod dto;
pub mod queries;
pub mod record;
pub mod routes;
