//! A presented access token: signed by this market and unexpired, its session not yet read.
//! Every extractor reads the session at once ([`PresentedToken::sign_in`]); a caller that
//! handles many requests in one transaction (a lot's bid queue) holds the tokens and reads all
//! their sessions in one statement ([`PresentedToken::sign_in_all`]) — either way a request is
//! answered only after its session was found live, its user active.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use diesel::prelude::*;

use super::extractors::{AuthUser, bearer_token, request_id};
use crate::accounts::model::{User, UserStatus};
use crate::db::DbConnection;
use crate::db::schema::{sessions, users};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A presented access token whose signature and expiry were checked; see the module
/// documentation.
#[derive(Debug, Clone)]
pub struct PresentedToken {
    user_id: String,
    session_id: String,
    request_id: Option<String>,
}

impl PresentedToken {
    /// The request's token, `None` without an `Authorization` header; 401 for a token this
    /// market did not sign or that has expired.
    pub fn of(req: &HttpRequest) -> ApiResult<Option<PresentedToken>> {
        let Some(token) = bearer_token(req)? else {
            return Ok(None);
        };
        let claims = app_state(req)?.tokens.decode(&token)?;
        Ok(Some(PresentedToken {
            user_id: claims.sub,
            session_id: claims.sid,
            request_id: request_id(req),
        }))
    }

    /// The signed-in user: 401 unless the token's session exists, is live and belongs to an
    /// active user.
    pub fn sign_in(self, conn: &mut DbConnection) -> ApiResult<AuthUser> {
        let found = users::table
            .inner_join(sessions::table)
            .filter(sessions::id.eq(&self.session_id))
            .filter(users::id.eq(&self.user_id))
            .select((User::as_select(), sessions::revoked_at))
            .first::<(User, Option<chrono::NaiveDateTime>)>(conn)
            .optional()?;
        self.admit(found)
    }

    /// [`PresentedToken::sign_in`] for many tokens with one statement, in their order.
    pub fn sign_in_all(
        conn: &mut DbConnection,
        tokens: Vec<PresentedToken>,
    ) -> ApiResult<Vec<ApiResult<AuthUser>>> {
        let session_ids: Vec<&str> = tokens.iter().map(|token| token.session_id.as_str()).collect();
        let found: HashMap<String, (User, Option<chrono::NaiveDateTime>)> = users::table
            .inner_join(sessions::table)
            .filter(sessions::id.eq_any(&session_ids))
            .select((sessions::id, User::as_select(), sessions::revoked_at))
            .load::<(String, User, Option<chrono::NaiveDateTime>)>(conn)?
            .into_iter()
            .map(|(session_id, user, revoked_at)| (session_id, (user, revoked_at)))
            .collect();
        Ok(tokens
            .into_iter()
            .map(|token| {
                let session = found
                    .get(&token.session_id)
                    .filter(|(user, _)| user.id == token.user_id)
                    .cloned();
                token.admit(session)
            })
            .collect())
    }

    fn admit(self, found: Option<(User, Option<chrono::NaiveDateTime>)>) -> ApiResult<AuthUser> {
        let Some((user, revoked_at)) = found else {
            return Err(ApiError::Unauthorized("the session does not exist".into()));
        };
        if revoked_at.is_some() {
            return Err(ApiError::Unauthorized("the session has ended; sign in again".into()));
        }
        if user.status != UserStatus::Active {
            return Err(ApiError::Unauthorized("the account is disabled".into()));
        }
        Ok(AuthUser { user, session_id: self.session_id, request_id: self.request_id })
    }
}

/// The application state of a request (500 if the server was assembled without it).
pub(super) fn app_state(req: &HttpRequest) -> ApiResult<web::Data<AppState>> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))
}

impl FromRequest for PresentedToken {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let presented = PresentedToken::of(req).and_then(|token| {
            token.ok_or_else(|| {
                ApiError::Unauthorized(
                    "sign in: send `Authorization: Bearer <access token>`".into(),
                )
            })
        });
        Box::pin(async move { presented })
    }
}
