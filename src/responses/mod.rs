//! Answers to demands (院校答题): universities, research institutes and experts answer an
//! enterprise's published problem; the enterprise shortlists, declines with a coded reason or
//! accepts, which opens a deal at `intention` (deals from answers skip `connected`: the
//! parties are already in contact). An open call (揭榜挂帅, a demand with a reward) names one
//! winner; its other live answers are declined with `another_solution_chosen`.
//!
//! States: `submitted` → `shortlisted` | `declined` | `accepted`; `shortlisted` → `declined` |
//! `accepted`; the responder may withdraw a `submitted` or `shortlisted` answer.

pub mod access;
pub mod model;
pub mod moves;
pub mod names;
pub mod queries;
pub mod routes;
