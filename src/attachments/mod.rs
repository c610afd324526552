//! Attachments: files uploaded once (`POST /api/v1/attachments`, streamed to storage) and
//! attached to records of any kind — patent certificates on achievements, signed contract
//! scans, auction confirmations, and the voucher module's deliverables, invoices and payment
//! proofs. Reading a file follows the rules of the records it is attached to
//! ([`subjects`]); an upload attached to nothing is its uploader's and is swept after a day
//! ([`sweep`]).
//!
//! For another kind of record: add its [`SubjectKind`] arm in `subjects.rs`, and call
//! [`attach`] inside the transaction that writes the record.

pub mod download;
pub mod links;
pub mod model;
pub mod routes;
pub mod sniff;
pub mod storage;
pub mod subjects;
pub mod sweep;
pub mod upload;

pub use links::attach;
pub use subjects::SubjectKind;

use crate::error::ApiError;

/// The audit entity name of attachments.
pub const ENTITY: &str = "attachment";

/// Registers the attachment routes.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload::upload_attachment)
        .service(download::attachment_meta)
        .service(download::download_attachment)
        .service(routes::attach_to_achievement)
        .service(routes::list_achievement_attachments)
        .service(routes::attach_to_contract)
        .service(routes::list_contract_attachments)
        .service(routes::attach_to_auction)
        .service(routes::list_auction_attachments);
}

/// The 404 of an attachment that is missing or not readable by the caller.
pub fn not_found() -> ApiError {
    ApiError::NotFound("attachment".into())
}

/// A storage failure: 503 (retry later), details logged.
pub fn storage_error(error: object_store::Error) -> ApiError {
    ApiError::Unavailable(format!("attachment storage: {error}"))
}
