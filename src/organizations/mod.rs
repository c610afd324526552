//! Organizations: the enterprises, universities, institutes, service providers and
//! government offices users belong to, and the invites with which users join them.

pub mod dto;
pub mod model;
pub mod queries;
pub mod routes;
