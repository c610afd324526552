//! 需求库: enterprises' technical problems (stub until its routes land)

pub mod queries;
pub mod routes;
