//! Password reset by e-mail: `POST /auth/password-reset {email}` answers 202 whether or not the
//! address is known (nothing to enumerate) and, for an active user, e-mails a single-use token
//! valid for 30 minutes, stored only as its SHA-256; `POST /auth/password-reset/confirm
//! {token, new_password}` sets the password and ends every session of the user.

use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::*;
use crate::db::schema::password_resets;
use crate::db::{new_id, now};
use crate::http::endpoint::State;

/// How long a reset token is valid.
pub const TOKEN_MINUTES: i64 = 30;

/// A reset request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    /// The account's e-mail address.
    pub email: String,
}

/// A reset with the e-mailed token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirm {
    /// The token from the e-mail.
    pub token: String,
    /// The new password (the same strength rules as at registration).
    pub new_password: String,
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

fn invalid_token() -> ApiError {
    ApiError::field(
        "token",
        "invalid_token",
        "the link is unknown, used or expired: ask for a new one",
    )
}

crate::endpoint! {
    /// Asks for a password reset. The answer is 202 whether or not the address belongs to an
    /// account; an active account is e-mailed a link with a single-use token valid for 30
    /// minutes.
    post "/auth/password-reset" => request_password_reset, tag "auth",
    public, body ResetRequest, ok 202 "Accepted (whether or not the address is known)",
    problems { 429: "Too many requests from this client (`Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<ResetRequest>| -> ApiResult<HttpResponse> {
        state.register_limiter.check(client_ip(&req, state.config.trust_forwarded_for)).await?;
        let email = body.into_inner().email.trim().to_lowercase();
        let actor = anonymous_actor(&req);
        let link_base = format!("{}/reset-password?token=", state.config.mail.public_url);
        state.db.write(move |conn| {
            let Some(user) = queries::find_by_email(conn, &email)? else { return Ok(()) };
            if user.status != UserStatus::Active {
                return Ok(());
            }
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let stamp = now();
            diesel::insert_into(password_resets::table)
                .values((
                    password_resets::id.eq(new_id()),
                    password_resets::user_id.eq(&user.id),
                    password_resets::token_hash.eq(token_hash(&token)),
                    password_resets::expires_at.eq(stamp + chrono::Duration::minutes(TOKEN_MINUTES)),
                    password_resets::created_at.eq(stamp),
                ))
                .execute(conn)?;
            let body = format!(
                "{}，您好：\n\n有人（希望是您）申请重置科技大市场账户的密码。请在 {TOKEN_MINUTES} 分钟内打开以下链接设置新密码：\n\n{link_base}{token}\n\n重置码：{token}\n\n如果不是您本人操作，请忽略本邮件，您的密码不会改变。\n",
                user.display_name
            );
            crate::mail::queue(conn, &user.email, "重置科技大市场账户密码", &body, "password_reset")?;
            audit::record(conn, &actor, "user.password_reset_requested", "user", &user.id, serde_json::json!({}))
        }).await?;
        Ok(HttpResponse::Accepted().finish())
    }
}

crate::endpoint! {
    /// Sets a new password with the e-mailed token (once, within 30 minutes of the request);
    /// every session of the user ends and every other outstanding token is void.
    post "/auth/password-reset/confirm" => confirm_password_reset, tag "auth",
    public, body ResetConfirm, ok 204 "Password set; every session ended",
    problems { 422: "An unknown, used or expired token (`invalid_token`), or a weak password", 429: "Too many requests from this client (`Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<ResetConfirm>| -> ApiResult<HttpResponse> {
        state.register_limiter.check(client_ip(&req, state.config.trust_forwarded_for)).await?;
        let body = body.into_inner();
        let hash = token_hash(&body.token);
        let found = state.db.read(move |conn| {
            let reset: Option<(String, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
                password_resets::table
                    .filter(password_resets::token_hash.eq(&hash))
                    .select((password_resets::id, password_resets::user_id, password_resets::expires_at, password_resets::used_at))
                    .first(conn)
                    .optional()?;
            let Some((id, user_id, expires_at, None)) = reset else { return Err(invalid_token()) };
            if expires_at < now() {
                return Err(invalid_token());
            }
            let user = queries::find(conn, &user_id)?;
            Ok((id, user))
        }).await?;
        let (reset_id, user) = found;
        let mut checker = Checker::new();
        checker.check("new_password", password::check_strength(&body.new_password, &[&user.email, &user.display_name]));
        checker.finish()?;
        let password_hash = hash_password(&state, body.new_password).await?;
        let actor = anonymous_actor(&req);
        state.db.write(move |conn| {
            let claimed = diesel::update(
                password_resets::table.find(&reset_id).filter(password_resets::used_at.is_null()),
            )
            .set(password_resets::used_at.eq(now()))
            .execute(conn)?;
            if claimed != 1 {
                return Err(invalid_token());
            }
            diesel::update(
                password_resets::table
                    .filter(password_resets::user_id.eq(&user.id))
                    .filter(password_resets::used_at.is_null()),
            )
            .set(password_resets::used_at.eq(now()))
            .execute(conn)?;
            queries::set_password(conn, &user.id, &password_hash)?;
            let ended = sessions::revoke_all_for_user(conn, &user.id, None, "password_reset")?;
            audit::record(conn, &actor, "user.password_reset", "user", &user.id,
                serde_json::json!({ "sessions_ended": ended }))
        }).await?;
        Ok(HttpResponse::NoContent().finish())
    }
}
