//! Extractors that authenticate the caller. The user is read from the database on every
//! request, so disabling a user or changing a role takes effect at once, and a token dies
//! with its session (sign-out, refresh-token reuse).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::presented::{PresentedToken, app_state};
use crate::accounts::model::{Role, User};
use crate::audit::Actor;
use crate::error::ApiError;
use crate::http::middleware::RequestId;

/// A signed-in, active user.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user as stored now.
    pub user: User,
    /// The session the token belongs to.
    pub session_id: String,
    /// The request's id.
    pub request_id: Option<String>,
}

impl AuthUser {
    /// The user's id.
    pub fn id(&self) -> &str {
        &self.user.id
    }

    /// The user's current role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether the user is an administrator.
    pub fn is_admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Whether the user belongs to this organization.
    pub fn belongs_to(&self, organization_id: &str) -> bool {
        self.user.organization_id.as_deref() == Some(organization_id)
    }

    /// The caller's organization id, or an empty one (which no record carries) for a caller in
    /// none: what lists of "our own" records filter by.
    pub fn own_organization(&self) -> String {
        self.user.organization_id.clone().unwrap_or_default()
    }

    /// The audit actor for changes this user makes.
    pub fn actor(&self) -> Actor {
        Actor { user_id: Some(self.user.id.clone()), request_id: self.request_id.clone() }
    }

    /// 403 unless the user has one of these roles.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ApiError::Forbidden(format!(
                "this action needs one of the roles: {}",
                names.join(", ")
            )))
        }
    }
}

/// The request id stored by the middleware.
pub fn request_id(req: &HttpRequest) -> Option<String> {
    req.extensions().get::<RequestId>().map(|id| id.0.clone())
}

/// The audit actor of an anonymous request.
pub fn anonymous_actor(req: &HttpRequest) -> Actor {
    Actor { user_id: None, request_id: request_id(req) }
}

pub(super) fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not readable".into()))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <access token>`".into(),
        ));
    }
    Ok(Some(token.trim().to_string()))
}

async fn authenticate(req: HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let Some(token) = PresentedToken::of(&req)? else {
        return Ok(None);
    };
    let db = app_state(&req)?.db.clone();
    Ok(Some(db.read(move |conn| token.sign_in(conn)).await?))
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req).await?.ok_or_else(|| {
                ApiError::Unauthorized(
                    "sign in: send `Authorization: Bearer <access token>`".into(),
                )
            })
        })
    }
}

/// The caller if signed in; a present but invalid token is still 401.
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<AuthUser>);

impl FromRequest for MaybeUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeUser(authenticate(req).await?)) })
    }
}

/// A signed-in administrator (403 for anyone else).
#[derive(Debug, Clone)]
pub struct AdminUser(pub AuthUser);

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            user.require_role(&[Role::Admin])?;
            Ok(AdminUser(user))
        })
    }
}
