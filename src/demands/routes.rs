//! Routes of this library.

use crate::listings::Library;

/// Registers the library's routes (its own first, then the shared lifecycle).
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    crate::listings::actions::configure(cfg, Library::Demands);
}
