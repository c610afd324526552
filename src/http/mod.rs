//! HTTP conventions shared by every feature: JSON bodies, pagination, versions, request ids,
//! metrics and health checks.

pub mod health;
pub mod json;
pub mod middleware;
pub mod pagination;
pub mod version;

pub use json::ValidJson;
pub use pagination::{Page, PageParams};
