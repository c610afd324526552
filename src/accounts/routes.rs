//! Account endpoints: `/auth/*` (sign-in and tokens, [`sign_in`]), `/me` ([`me`]) and
//! `/admin/users` ([`admin`]), with the helpers they share.

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};

use super::dto::{
    AdminCreateUserRequest, AdminUpdateUserRequest, ChangePasswordRequest, LoginRequest, MeOut,
    RefreshRequest, RegisterRequest, UpdateMeRequest, UserFilter, UserOut,
};
use super::model::{Role, UserStatus};
use super::queries::{self, UserDraft};
use crate::audit::{self, Actor};
use crate::auth::extractors::anonymous_actor;
use crate::auth::sessions::{self, RefreshOutcome, TokenPair};
use crate::auth::{AdminUser, AuthUser, password};
use crate::error::{ApiError, ApiResult};
use crate::http::version::{IfMatch, Tagged};
use crate::http::{Page, PageParams, ValidJson};
use crate::organizations::dto::OrganizationOut;
use crate::organizations::model::{OrgKind, Organization};
use crate::organizations::queries as org_queries;
use crate::state::AppState;
use crate::validation::{self, Checker};

pub mod admin;
pub mod me;
pub mod reset;
pub mod sign_in;

pub use admin::*;
pub use me::*;
pub use reset::*;
pub use sign_in::*;

/// Longest display name, in characters.
pub const DISPLAY_NAME_MAX: usize = 100;

/// Checks a display name given (1–100 characters); absent: nothing to check.
fn check_display_name(checker: &mut Checker, display_name: Option<&str>) -> Option<String> {
    let name = display_name?;
    checker.check("display_name", validation::text(name, 1, DISPLAY_NAME_MAX))
}

/// Checks what every new user is given (e-mail, display name, password), for registration and
/// for an administrator's creation alike: the e-mail and display name as stored, when valid.
fn check_new_user(
    checker: &mut Checker,
    email: &str,
    display_name: &str,
    password: &str,
) -> (Option<String>, Option<String>) {
    let valid_email = checker.check("email", validation::email(email));
    let valid_name = check_display_name(checker, Some(display_name));
    checker.check("password", password::check_strength(password, &[email, display_name]));
    (valid_email, valid_name)
}

/// The client's address for rate limiting.
fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return ip;
    }
    req.peer_addr().map_or(IpAddr::from([127, 0, 0, 1]), |addr| addr.ip())
}

fn check_org_kind(role: Role, kind: OrgKind, field: &str) -> Result<(), ApiError> {
    if role.allowed_org_kinds().contains(&kind) {
        Ok(())
    } else {
        let allowed: Vec<&str> = role.allowed_org_kinds().iter().map(|k| k.as_str()).collect();
        Err(ApiError::field(
            field,
            "kind_not_allowed_for_role",
            format!("a `{role}` user can belong to organizations of kind: {}", allowed.join(", ")),
        ))
    }
}

/// Hashes a password on a blocking thread under a hashing permit (argon2 is deliberately slow
/// and takes 19 MiB); 503 `password_hashing_busy` when no permit frees up in time.
async fn hash_password(state: &AppState, password: String) -> ApiResult<String> {
    state.password_hashing.run(move || password::hash(&password)).await?
}

/// Verifies a password like [`hash_password`] hashes one.
async fn verify_password(state: &AppState, password: String, stored: String) -> ApiResult<bool> {
    state.password_hashing.run(move || password::verify(&password, &stored)).await
}
