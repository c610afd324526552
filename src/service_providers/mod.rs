//! 服务机构库: service organizations — technology transfer, IP agency, testing and
//! certification, finance, incubation, legal, appraisal and consulting — with their
//! qualifications, the services they offer and whether they accept innovation vouchers (创新券).
//! One profile per organization of kind `service_provider`.

pub mod dto;
pub mod queries;
pub mod record;
pub mod routes;
