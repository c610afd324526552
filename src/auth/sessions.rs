//! Sessions and refresh tokens: sign-in opens a session, each refresh rotates its token,
//! presenting a rotated token revokes the whole session (token family), sign-out revokes it.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::model::{User, UserStatus};
use crate::audit::{self, Actor};
use crate::auth::tokens::{TokenService, hash_secret, new_refresh_token};
use crate::db::schema::{refresh_tokens, sessions, users};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};

/// The answer of sign-in and refresh.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// A JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// An opaque token for `POST /api/v1/auth/refresh`; usable once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

fn insert_refresh_token(
    conn: &mut DbConnection,
    session_id: &str,
    ttl_secs: i64,
) -> ApiResult<String> {
    let (token, hash) = new_refresh_token();
    let created = now();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::created_at.eq(created),
            refresh_tokens::expires_at.eq(created + Duration::seconds(ttl_secs)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Opens a session for a user and issues its first token pair.
pub fn open(
    conn: &mut DbConnection,
    tokens: &TokenService,
    user: &User,
    refresh_ttl_secs: i64,
) -> ApiResult<TokenPair> {
    let session_id = new_id();
    let created = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session_id),
            sessions::user_id.eq(&user.id),
            sessions::created_at.eq(created),
            sessions::last_used_at.eq(created),
        ))
        .execute(conn)?;
    let refresh_token = insert_refresh_token(conn, &session_id, refresh_ttl_secs)?;
    Ok(TokenPair {
        access_token: tokens.issue(&user.id, user.role.as_str(), &session_id)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: tokens.access_ttl_secs(),
    })
}

/// Revokes a session (idempotent).
pub fn revoke(conn: &mut DbConnection, session_id: &str, reason: &str) -> ApiResult<()> {
    diesel::update(
        sessions::table.filter(sessions::id.eq(session_id)).filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(now()), sessions::revoked_reason.eq(reason)))
    .execute(conn)?;
    Ok(())
}

/// Revokes every open session of a user, except `keep`.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
) -> ApiResult<usize> {
    let mut query = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(sessions::id.ne(keep));
    }
    Ok(query
        .set((sessions::revoked_at.eq(now()), sessions::revoked_reason.eq(reason)))
        .execute(conn)?)
}

/// A refresh token with its session's state and user: session id, expiry, rotation, revocation.
type RefreshRow = (String, NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>, User);

/// What a refresh found.
pub enum RefreshOutcome {
    /// A new pair.
    Rotated(TokenPair),
    /// The token was already used: the session is now revoked.
    ReuseDetected,
}

/// Rotates a refresh token. Unknown, expired or revoked → 401; an already-rotated token →
/// the session is revoked (the caller commits that and answers 401).
pub fn rotate(
    conn: &mut DbConnection,
    tokens: &TokenService,
    presented: &str,
    refresh_ttl_secs: i64,
    actor: &Actor,
) -> ApiResult<RefreshOutcome> {
    let invalid = || ApiError::Unauthorized("the refresh token is invalid or expired".into());
    let hash = hash_secret(presented);
    let found: Option<RefreshRow> = refresh_tokens::table
        .inner_join(sessions::table.inner_join(users::table))
        .filter(refresh_tokens::token_hash.eq(&hash))
        .select((
            refresh_tokens::session_id,
            refresh_tokens::expires_at,
            refresh_tokens::rotated_at,
            sessions::revoked_at,
            User::as_select(),
        ))
        .first(conn)
        .optional()?;
    let Some((session_id, expires_at, rotated_at, revoked_at, user)) = found else {
        return Err(invalid());
    };
    if revoked_at.is_some() || user.status != UserStatus::Active {
        return Err(invalid());
    }
    let current = now();
    if rotated_at.is_some() {
        revoke(conn, &session_id, "refresh_token_reuse")?;
        audit::record(
            conn,
            &Actor { user_id: Some(user.id.clone()), request_id: actor.request_id.clone() },
            "session.reuse_detected",
            "session",
            &session_id,
            serde_json::json!({ "revoked": true }),
        )?;
        return Ok(RefreshOutcome::ReuseDetected);
    }
    if expires_at <= current {
        return Err(invalid());
    }
    let claimed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(&hash))
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(current))
    .execute(conn)?;
    if claimed == 0 {
        revoke(conn, &session_id, "refresh_token_reuse")?;
        return Ok(RefreshOutcome::ReuseDetected);
    }
    diesel::update(sessions::table.filter(sessions::id.eq(&session_id)))
        .set(sessions::last_used_at.eq(current))
        .execute(conn)?;
    let refresh_token = insert_refresh_token(conn, &session_id, refresh_ttl_secs)?;
    Ok(RefreshOutcome::Rotated(TokenPair {
        access_token: tokens.issue(&user.id, user.role.as_str(), &session_id)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: tokens.access_ttl_secs(),
    }))
}

/// The session a refresh token belongs to, if the token is known.
pub fn session_of(conn: &mut DbConnection, presented: &str) -> ApiResult<Option<(String, String)>> {
    Ok(refresh_tokens::table
        .inner_join(sessions::table)
        .filter(refresh_tokens::token_hash.eq(hash_secret(presented)))
        .select((sessions::id, sessions::user_id))
        .first(conn)
        .optional()?)
}
