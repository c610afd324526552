//! 专家库: expert profiles

pub mod queries;
pub mod routes;
