//! Matchmaking events (对接会): the achievements and demands they collect, their participants
//! and the funnel of the deals they produce.

pub mod routes;
