//! HTTP conventions shared by every feature: JSON bodies, pagination, versions, request ids,
//! metrics and health checks.

pub mod action_endpoint;
pub mod csv_headers;
pub mod csv_out;
pub mod endpoint;
pub mod health;
pub mod html;
pub mod input_guard;
pub mod json;
pub mod middleware;
pub mod pagination;
pub mod problems;
pub mod show;
pub mod version;

pub use json::ValidJson;
pub use pagination::{Page, PageParams};
