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
