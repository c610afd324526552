//! Who sees voucher records: an enterprise its vouchers and orders, a provider its orders, a
//! claimant its claims, administrators everything; to everyone else they do not exist.

use super::model::{ClaimRow, OrderRow, VoucherRow};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy::{Carries, Policy};

/// The voucher policy: the enterprise's members see it, administrators decide it.
pub struct Vouchers;

impl Policy for Vouchers {
    type Subject = VoucherRow;

    fn may_see(user: Option<&AuthUser>, voucher: &VoucherRow) -> bool {
        user.is_some_and(|u| u.is_admin() || u.belongs_to(&voucher.org_id))
    }

    fn may_manage(user: &AuthUser, _: &VoucherRow) -> bool {
        user.is_admin()
    }

    fn not_found(_: &VoucherRow) -> ApiError {
        ApiError::NotFound("voucher".into())
    }

    fn forbidden(_: &VoucherRow) -> ApiError {
        ApiError::Forbidden("only an administrator of the issuing bureau decides a voucher".into())
    }
}

impl Carries<VoucherRow> for VoucherRow {
    fn subject(&self) -> &VoucherRow {
        self
    }
}

/// Whether the user speaks for the ordering enterprise.
pub fn is_enterprise_side(user: &AuthUser, order: &OrderRow) -> bool {
    user.belongs_to(&order.enterprise_org_id)
}

/// Whether the user speaks for the provider.
pub fn is_provider_side(user: &AuthUser, order: &OrderRow) -> bool {
    user.belongs_to(&order.provider_org_id)
}

/// The order policy: both parties and administrators see it; the moves say which side makes
/// them.
pub struct Orders;

impl Policy for Orders {
    type Subject = OrderRow;

    fn may_see(user: Option<&AuthUser>, order: &OrderRow) -> bool {
        user.is_some_and(|u| {
            u.is_admin() || is_enterprise_side(u, order) || is_provider_side(u, order)
        })
    }

    fn may_manage(user: &AuthUser, order: &OrderRow) -> bool {
        is_enterprise_side(user, order) || is_provider_side(user, order)
    }

    fn not_found(_: &OrderRow) -> ApiError {
        ApiError::NotFound("voucher order".into())
    }

    fn forbidden(_: &OrderRow) -> ApiError {
        ApiError::Forbidden("only the enterprise and the provider of an order move it".into())
    }
}

impl Carries<OrderRow> for OrderRow {
    fn subject(&self) -> &OrderRow {
        self
    }
}

/// The claim policy: the claimant's members and administrators see it; administrators decide.
pub struct Claims;

impl Policy for Claims {
    type Subject = ClaimRow;

    fn may_see(user: Option<&AuthUser>, claim: &ClaimRow) -> bool {
        user.is_some_and(|u| u.is_admin() || u.belongs_to(&claim.claimant_org_id))
    }

    fn may_manage(user: &AuthUser, _: &ClaimRow) -> bool {
        user.is_admin()
    }

    fn not_found(_: &ClaimRow) -> ApiError {
        ApiError::NotFound("voucher claim".into())
    }

    fn forbidden(_: &ClaimRow) -> ApiError {
        ApiError::Forbidden("only an administrator decides a claim".into())
    }
}

impl Carries<ClaimRow> for ClaimRow {
    fn subject(&self) -> &ClaimRow {
        self
    }
}

/// The 403 of a move made by the wrong party of an order.
pub fn wrong_side(who: &str, action: &str) -> ApiError {
    ApiError::Forbidden(format!("only the {who} of an order may {action} it"))
}
