//! The contract lifecycle's table and the one runner every status action goes through:
//! load → authorize → check status and version → apply → save with its audit entry →
//! follow-up (in the same transaction) → answer with the contract and its ETag.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::access::Contracts;
use super::model::{ContractRow, ContractStatus};
use super::output::detail;
use super::queries::{self, check_version};
use super::routes::contract_response;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::lifecycle::{self, Lifecycle, Move};
use crate::policy::Managed;
use crate::state::AppState;

use ContractStatus as S;

/// Every status move of a contract; a 409 lists the labels allowed from where it stands.
pub const LIFECYCLE: Lifecycle<ContractStatus> = Lifecycle {
    moves: &[
        Move { label: "submitted", from: &[S::Draft, S::Returned], to: S::Submitted },
        Move { label: "registered", from: &[S::Submitted], to: S::Registered },
        Move { label: "returned", from: &[S::Submitted], to: S::Returned },
        Move { label: "refused", from: &[S::Submitted], to: S::Refused },
        Move { label: "performing", from: &[S::Registered], to: S::Performing },
        Move { label: "completed", from: &[S::Performing], to: S::Completed },
        Move { label: "terminated", from: &[S::Registered, S::Performing], to: S::Terminated },
    ],
    name: ContractStatus::as_str,
};

/// The endpoints that make the moves of [`LIFECYCLE`] (documented from the table).
pub const ACTIONS: &[lifecycle::Action] = &[
    lifecycle::Action { path: "/api/v1/contracts/{id}/submit", moves: &["submitted"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/register", moves: &["registered"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/return", moves: &["returned"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/refuse", moves: &["refused"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/perform", moves: &["performing"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/complete", moves: &["completed"] },
    lifecycle::Action { path: "/api/v1/contracts/{id}/terminate", moves: &["terminated"] },
];

/// Who may make a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The contract's managers (seller side, intermediary, administrators).
    Manager,
    /// Already checked by the handler's extractor (administrators, as the registry).
    Checked,
}

/// One status action: the move, its audit action, who may make it and the version the
/// caller based it on.
#[derive(Debug, Clone)]
pub struct Action {
    /// The move's label in [`LIFECYCLE`].
    pub label: &'static str,
    /// The audit entry's action name (`contract.submit`, …).
    pub audit: &'static str,
    /// Who may make it.
    pub who: Who,
    /// The version the caller based it on (checked when given).
    pub version: Option<i64>,
}

impl Action {
    /// A move the contract's managers make.
    pub fn by_manager(label: &'static str, audit: &'static str, version: Option<i64>) -> Action {
        Action { label, audit, who: Who::Manager, version }
    }

    /// A move whose caller the handler's extractor has already checked (the registry).
    pub fn by_registry(label: &'static str, audit: &'static str, version: Option<i64>) -> Action {
        Action { label, audit, who: Who::Checked, version }
    }
}

/// Sets the new fields of a move on `next` (status already set) and returns the audit
/// entry's extra fields; may refuse the move.
pub type Apply = Box<
    dyn FnOnce(&mut DbConnection, &ContractRow, &mut ContractRow) -> ApiResult<serde_json::Value>
        + Send,
>;

/// Work done after the saved move in the same transaction (e.g. signing the deal).
pub type After = fn(&mut DbConnection, &AuthUser, &ContractRow) -> ApiResult<()>;

/// Runs one status action on contract `id` and answers 200 with the contract.
pub async fn run(
    state: &AppState,
    user: AuthUser,
    id: String,
    action: Action,
    apply: Apply,
    after: Option<After>,
) -> ApiResult<HttpResponse> {
    let out = state
        .db
        .write(move |conn| {
            let found = queries::find(conn, &id)?;
            let current = match action.who {
                Who::Manager => Managed::check::<Contracts>(&user, found)?.into_inner(),
                Who::Checked => found,
            };
            let found = LIFECYCLE.check(current.status, action.label)?;
            check_version(&current, action.version)?;
            let mut next = current.clone();
            next.status = found.to;
            let extra = apply(conn, &current, &mut next)?;
            let saved = queries::stamp_change(conn, &user, &current, &next, action.audit, extra)?;
            crate::notifications::events::contract_decided(conn, &saved)?;
            if let Some(after) = after {
                after(conn, &user, &saved)?;
            }
            detail(conn, saved)
        })
        .await?;
    Ok(contract_response(StatusCode::OK, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_lists_follow_the_table() {
        assert_eq!(LIFECYCLE.allowed(S::Draft), ["submitted"]);
        assert_eq!(LIFECYCLE.allowed(S::Submitted), ["registered", "returned", "refused"]);
        assert_eq!(LIFECYCLE.allowed(S::Registered), ["performing", "terminated"]);
        assert_eq!(LIFECYCLE.allowed(S::Performing), ["completed", "terminated"]);
        assert!(LIFECYCLE.allowed(S::Completed).is_empty());
        assert_eq!(
            LIFECYCLE.describe("terminated").ok().as_deref(),
            Some("Moves the record from `registered` or `performing` to `terminated`.")
        );
        assert!(LIFECYCLE.documented_by(ACTIONS));
    }
}
