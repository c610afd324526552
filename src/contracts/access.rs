//! Who sees and who manages a contract.
//!
//! - **Managers** (edit the draft, submit, record payments, perform, complete, terminate,
//!   request amendments): members of the owner organization (the seller, when it is on the
//!   platform), the intermediary (the broker, or members of the intermediary service
//!   organization), administrators, and — for contracts whose seller is not on the platform —
//!   the user who recorded it.
//! - **Viewers**: managers, members of the buyer or seller organization, and the user who
//!   recorded it. Everyone else gets 404, so contract ids reveal nothing.

use super::model::ContractRow;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::policy::{Carries, Managed, Policy, Visible};

fn member_of(user: &AuthUser, org: Option<&str>) -> bool {
    org.is_some_and(|org| user.belongs_to(org))
}

/// Whether the user is the contract's intermediary (the broker, or a member of the
/// intermediary service organization).
pub fn is_intermediary(user: &AuthUser, contract: &ContractRow) -> bool {
    contract.intermediary_user_id.as_deref() == Some(user.id())
        || member_of(user, contract.intermediary_org_id.as_deref())
}

/// Whether the user manages the contract.
pub fn can_manage(user: &AuthUser, contract: &ContractRow) -> bool {
    user.is_admin()
        || member_of(user, contract.owner_org_id.as_deref())
        || is_intermediary(user, contract)
        || (contract.owner_org_id.is_none() && contract.created_by == user.id())
}

/// Whether the user may see the contract.
pub fn can_see(user: &AuthUser, contract: &ContractRow) -> bool {
    can_manage(user, contract)
        || member_of(user, contract.buyer_org_id.as_deref())
        || member_of(user, contract.seller_org_id.as_deref())
        || contract.created_by == user.id()
}

/// The 404 for a contract the caller may not see.
pub fn not_found() -> ApiError {
    ApiError::NotFound("contract".into())
}

/// 404 unless the user may see the contract.
pub fn ensure_visible(user: &AuthUser, contract: &ContractRow) -> Result<(), ApiError> {
    Visible::check::<Contracts>(Some(user), contract).map(drop)
}

/// 404 unless the user may see the contract, 403 unless they manage it.
pub fn ensure_manager(user: &AuthUser, contract: &ContractRow) -> Result<(), ApiError> {
    Managed::check::<Contracts>(user, contract).map(drop)
}

/// The contract policy (see the module's rules); contracts are never public.
pub struct Contracts;

impl Policy for Contracts {
    type Subject = ContractRow;

    fn may_see(user: Option<&AuthUser>, contract: &ContractRow) -> bool {
        user.is_some_and(|user| can_see(user, contract))
    }

    fn may_manage(user: &AuthUser, contract: &ContractRow) -> bool {
        can_manage(user, contract)
    }

    fn not_found(_: &ContractRow) -> ApiError {
        not_found()
    }

    fn forbidden(_: &ContractRow) -> ApiError {
        ApiError::Forbidden(
            "only the seller side, the intermediary and administrators may do this".into(),
        )
    }
}

/// A loaded contract row is its own subject.
impl Carries<ContractRow> for ContractRow {
    fn subject(&self) -> &ContractRow {
        self
    }
}
