//! 需求库: enterprises' technical problems (难题), some of them open calls with a reward for
//! the solver (揭榜挂帅).

pub mod dto;
pub mod queries;
pub mod record;
pub mod routes;
