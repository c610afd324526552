//! Technology contracts (技术合同): recorded by the seller side, registered by the registry
//! (认定登记) with a gap-free registration number, then performed and paid.

pub mod routes;
