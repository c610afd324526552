//! E-mailed account links. Password reset: `POST /auth/password-reset {email}` answers 202
//! whether or not the address is known (nothing to enumerate) and, for an active user, e-mails
//! a single-use token valid for 30 minutes; `POST /auth/password-reset/confirm {token,
//! new_password}` sets the password and ends every session of the user. E-mail verification:
//! registration e-mails a link valid for 7 days; `POST /auth/verify-email {token}` confirms the
//! address, `POST /me/verify-email` sends a new link.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::*;
use crate::accounts::model::User;
use crate::accounts::tokens::{self, Purpose};
use crate::db::DbConnection;
use crate::http::endpoint::State;

/// How long a reset token is valid, in minutes.
pub const RESET_MINUTES: i64 = 30;
/// How long a verification link is valid, in days.
pub const VERIFY_DAYS: i64 = 7;

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

/// An e-mailed verification token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmail {
    /// The token from the e-mail.
    pub token: String,
}

/// E-mails the user a link to confirm the address (registration, or on request).
pub fn send_verification(conn: &mut DbConnection, user: &User, public_url: &str) -> ApiResult<()> {
    let token = tokens::issue(
        conn,
        &user.id,
        Purpose::EmailVerification,
        chrono::Duration::days(VERIFY_DAYS),
    )?;
    let link = format!("{public_url}/verify-email?token={token}");
    let days = VERIFY_DAYS.to_string();
    mail_token(conn, user, "verify", "email_verification", &link, &token, ("days", &days))
}

/// Queues the e-mail that carries a single-use token, in the user's language: the catalogue's
/// `mail.{template}_subject` and `mail.{template}_body`, filled with the user's name, the link,
/// the token and how long it lasts (`validity`: its placeholder and value).
fn mail_token(
    conn: &mut DbConnection,
    user: &User,
    template: &str,
    kind: &str,
    link: &str,
    token: &str,
    validity: (&str, &str),
) -> ApiResult<()> {
    let lang = user.lang();
    let values = [("name", user.display_name.as_str()), ("link", link), ("token", token), validity];
    let body = crate::i18n::fill(&format!("mail.{template}_body"), lang, &values);
    let subject = crate::i18n::fill(&format!("mail.{template}_subject"), lang, &[]);
    crate::mail::queue(conn, &user.email, &subject, &body, kind)
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
            let token = tokens::issue(conn, &user.id, Purpose::PasswordReset, chrono::Duration::minutes(RESET_MINUTES))?;
            let link = format!("{link_base}{token}");
            let minutes = RESET_MINUTES.to_string();
            mail_token(conn, &user, "reset", "password_reset", &link, &token, ("minutes", &minutes))?;
            audit::record(conn, &actor, "user.password_reset_requested", "user", &user.id, serde_json::json!({}))
        }).await?;
        Ok(HttpResponse::Accepted().finish())
    }
}

crate::endpoint! {
    /// Sets a new password with the e-mailed token (once, within 30 minutes of the request);
    /// every session of the user ends and every other outstanding reset token is void.
    post "/auth/password-reset/confirm" => confirm_password_reset, tag "auth",
    public, body ResetConfirm, ok 204 "Password set; every session ended",
    problems { 422: "An unknown, used or expired token (`invalid_token`), or a weak password", 429: "Too many requests from this client (`Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<ResetConfirm>| -> ApiResult<HttpResponse> {
        state.register_limiter.check(client_ip(&req, state.config.trust_forwarded_for)).await?;
        let body = body.into_inner();
        let token = body.token.clone();
        let (token_id, user) = state.db.read(move |conn| {
            let (id, user_id) = tokens::holder(conn, &token, Purpose::PasswordReset)?;
            Ok((id, queries::find(conn, &user_id)?))
        }).await?;
        let mut checker = Checker::new();
        checker.check("new_password", password::check_strength(&body.new_password, &[&user.email, &user.display_name]));
        checker.finish()?;
        let password_hash = hash_password(&state, body.new_password).await?;
        let actor = anonymous_actor(&req);
        state.db.write(move |conn| {
            tokens::redeem(conn, &token_id, &user.id, Purpose::PasswordReset)?;
            queries::set_password(conn, &user.id, &password_hash)?;
            let ended = sessions::revoke_all_for_user(conn, &user.id, None, "password_reset")?;
            audit::record(conn, &actor, "user.password_reset", "user", &user.id,
                serde_json::json!({ "sessions_ended": ended }))
        }).await?;
        Ok(HttpResponse::NoContent().finish())
    }
}

crate::endpoint! {
    /// Confirms the e-mail address with the token of the link e-mailed at registration (or
    /// sent again with `POST /api/v1/me/verify-email`).
    post "/auth/verify-email" => verify_email, tag "auth",
    public, body VerifyEmail, ok 204 "The address is confirmed",
    problems { 422: "An unknown, used or expired token (`invalid_token`)", 429: "Too many requests from this client (`Retry-After`)" },
    |req: HttpRequest, state: State, body: ValidJson<VerifyEmail>| -> ApiResult<HttpResponse> {
        state.register_limiter.check(client_ip(&req, state.config.trust_forwarded_for)).await?;
        let token = body.into_inner().token;
        let actor = anonymous_actor(&req);
        state.db.write(move |conn| {
            let (id, user_id) = tokens::holder(conn, &token, Purpose::EmailVerification)?;
            tokens::redeem(conn, &id, &user_id, Purpose::EmailVerification)?;
            queries::confirm_email(conn, &user_id)?;
            audit::record(conn, &actor, "user.email_verified", "user", &user_id, serde_json::json!({}))
        }).await?;
        Ok(HttpResponse::NoContent().finish())
    }
}

crate::endpoint! {
    /// E-mails the caller a new link to confirm the address (409 when it is confirmed already).
    post "/me/verify-email" => resend_verification, tag "me",
    ok 202 "A new link is on its way",
    problems { 409: "The address is confirmed already (`email_verified`)" },
    |user: AuthUser, state: State| -> ApiResult<HttpResponse> {
        if user.user.email_verified_at.is_some() {
            return Err(ApiError::refused("email_verified", "your e-mail address is confirmed already"));
        }
        let public_url = state.config.mail.public_url.clone();
        state.db.write(move |conn| send_verification(conn, &user.user, &public_url)).await?;
        Ok(HttpResponse::Accepted().finish())
    }
}
