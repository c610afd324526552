//! 成果库: technology achievements listed by universities, research institutes and enterprises.

pub mod dto;
pub mod queries;
pub mod record;
pub mod routes;
