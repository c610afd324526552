//! Public pricing notices (公示): before a university or institute concludes a price by
//! agreement, the result's name, summary, transfer mode and proposed price are shown to the
//! public for at least `TECHMARKET_NOTICE_MIN_DAYS` China days, during which anyone signed
//! in may object and an administrator decides; an upheld objection halts the notice.
//! Announced auctions and listings post notices of their own. With
//! `TECHMARKET_PRICING_NOTICE_REQUIRED`, such sellers' transfer and licence contracts
//! register only after a completed notice or a sold auction for their deal ([`required`]).

pub mod model;
pub mod objections;
pub mod required;
pub mod routes;
