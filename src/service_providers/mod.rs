//! 服务机构库: service organizations

pub mod queries;
pub mod routes;
