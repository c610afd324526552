//! The taxonomies: canonical codes the API exchanges for technology fields, industries,
//! maturity, IP, cooperation modes, experts and service organizations (see the domain notes),
//! and `GET /api/v1/taxonomies/{name}`, which lists them (and the GB/T 2260 regions) with their
//! labels for clients' pickers.

mod codes;
pub mod routes;
mod states;

pub use codes::{
    CooperationMode, ExpertService, ExpertTitle, Industry, IpType, Maturity, PatentStatus,
    ServiceType, TechnologyField,
};
