//! 成果库: technology achievements listed by universities, research institutes and enterprises.

pub mod bulk;
pub mod dto;
pub mod queries;
pub mod routes;
