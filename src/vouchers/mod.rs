//! Innovation vouchers (科技创新券): a bureau's programme funds services that enterprises buy
//! from the market's service organizations. Enterprises of the programme's region apply for a
//! voucher (申领); administrators issue it with a number, a balance and a use-by day. The
//! enterprise orders a service with it (使用): the provider accepts (the voucher share is then
//! reserved against the balance, the enterprise's yearly cap and the programme's budget),
//! delivers, and the enterprise confirms. The claimant — the provider when the programme pays
//! providers directly (通兑), the enterprise when it reimburses (通用) — claims the voucher share
//! of confirmed orders with an invoice (兑付); approved claims are paid in settlement batches.
//! Unused balances lapse at their use-by day.

pub mod access;
pub mod claims;
pub mod demo;
pub mod issuing;
pub mod lapse;
pub mod lifecycle;
pub mod model;
pub mod order_moves;
pub mod orders;
pub mod output;
pub mod programs;
pub mod routes;
pub mod settlements;
pub mod store;
pub mod tidings;

/// The audit entity of programmes.
pub const PROGRAM_ENTITY: &str = "voucher_program";
/// The audit entity of vouchers.
pub const VOUCHER_ENTITY: &str = "voucher";
/// The audit entity of orders.
pub const ORDER_ENTITY: &str = "voucher_order";
/// The audit entity of claims.
pub const CLAIM_ENTITY: &str = "voucher_claim";
/// The audit entity of settlement batches.
pub const SETTLEMENT_ENTITY: &str = "voucher_settlement";
