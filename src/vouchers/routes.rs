//! The voucher routes.

use utoipa_actix_web::service_config::ServiceConfig;

use super::{claims, issuing, order_moves, orders, programs, settlements};

/// Registers the voucher routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(programs::create_program)
        .service(programs::list_programs)
        .service(programs::get_program)
        .service(issuing::apply_for_voucher)
        .service(issuing::list_vouchers)
        .service(issuing::get_voucher)
        .service(issuing::approve_voucher)
        .service(issuing::reject_voucher)
        .service(orders::create_order)
        .service(orders::list_orders)
        .service(orders::get_order)
        .service(order_moves::accept_order)
        .service(order_moves::decline_order)
        .service(order_moves::deliver_order)
        .service(order_moves::confirm_order)
        .service(order_moves::cancel_order)
        .service(claims::create_claim)
        .service(claims::list_claims)
        .service(claims::get_claim)
        .service(claims::approve_claim)
        .service(claims::return_claim)
        .service(claims::reject_claim)
        .service(claims::resubmit_claim)
        .service(settlements::create_settlement)
        .service(settlements::list_settlements)
        .service(settlements::get_settlement)
        .service(settlements::settlement_csv);
}
