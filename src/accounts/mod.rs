//! Accounts: registration, sign-in, the caller's own profile, and user administration.

pub mod dto;
pub mod model;
pub mod queries;
pub mod routes;
pub mod tokens;
pub mod verification;
