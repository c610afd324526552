//! The route table: every documented operation, registered once for the server and the spec.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::http::health;
use crate::{accounts, achievements, audit, demands, experts, organizations, service_providers};

/// Registers every documented route.
pub fn configure_routes(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz).service(health::metrics).service(
        utoipa_actix_web::scope("/api/v1")
            .service(accounts::routes::register)
            .service(accounts::routes::login)
            .service(accounts::routes::refresh)
            .service(accounts::routes::logout)
            .service(accounts::routes::request_password_reset)
            .service(accounts::routes::confirm_password_reset)
            .service(accounts::routes::verify_email)
            .service(accounts::routes::resend_verification)
            .service(accounts::routes::get_me)
            .service(crate::dashboard::get_dashboard)
            .service(crate::listings::my_access_requests::list_my_access_requests)
            .service(accounts::routes::patch_me)
            .service(accounts::routes::change_password)
            .service(accounts::routes::list_users)
            .service(accounts::routes::create_user)
            .service(accounts::routes::update_user)
            .service(accounts::verification::verify_user)
            .service(organizations::routes::list_organizations)
            .service(organizations::routes::get_organization)
            .service(organizations::routes::update_organization)
            .service(organizations::routes::create_invite)
            .service(organizations::routes::verify_organization)
            .service(crate::taxonomies::routes::get_taxonomy)
            .service(audit::routes::list_audit)
            .service(crate::listings::actions::review_queue)
            .configure(achievements::routes::configure)
            .configure(demands::routes::configure)
            .configure(experts::routes::configure)
            .configure(service_providers::routes::configure)
            .configure(crate::matching::routes::configure)
            .configure(crate::notifications::routes::configure)
            .configure(crate::responses::routes::configure)
            .configure(crate::deals::routes::configure)
            .configure(crate::events::routes::configure)
            .configure(crate::contracts::routes::configure)
            .configure(crate::stats::routes::configure)
            .configure(crate::auctions::routes::configure)
            .configure(crate::notices::routes::configure)
            .configure(crate::vouchers::routes::configure)
            .configure(crate::attachments::configure),
    );
}
