//! Single-use account tokens e-mailed to a user — password reset, e-mail verification — stored
//! only as their SHA-256, valid until they expire or are used (using one voids the user's other
//! tokens of the same purpose).

use base64::Engine;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::schema::account_tokens;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Setting a new password.
    PasswordReset,
    /// Confirming the e-mail address.
    EmailVerification,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::PasswordReset => "password_reset",
            Purpose::EmailVerification => "email_verification",
        }
    }
}

fn hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The 422 of an unknown, used or expired token.
pub fn invalid() -> ApiError {
    ApiError::field(
        "token",
        "invalid_token",
        "the link is unknown, used or expired: ask for a new one",
    )
}

/// Issues a token for the user, valid for `lifetime`; answers the token itself (to e-mail).
pub fn issue(
    conn: &mut DbConnection,
    user_id: &str,
    purpose: Purpose,
    lifetime: chrono::Duration,
) -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let stamp = now();
    diesel::insert_into(account_tokens::table)
        .values((
            account_tokens::id.eq(new_id()),
            account_tokens::user_id.eq(user_id),
            account_tokens::purpose.eq(purpose.as_str()),
            account_tokens::token_hash.eq(hash(&token)),
            account_tokens::expires_at.eq(stamp + lifetime),
            account_tokens::created_at.eq(stamp),
        ))
        .execute(conn)?;
    Ok(token)
}

/// The user a valid token of this purpose belongs to, with the token's id.
pub fn holder(
    conn: &mut DbConnection,
    token: &str,
    purpose: Purpose,
) -> ApiResult<(String, String)> {
    let found: Option<(String, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> =
        account_tokens::table
            .filter(account_tokens::token_hash.eq(hash(token)))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .select((
                account_tokens::id,
                account_tokens::user_id,
                account_tokens::expires_at,
                account_tokens::used_at,
            ))
            .first(conn)
            .optional()?;
    match found {
        Some((id, user_id, expires_at, None)) if expires_at >= now() => Ok((id, user_id)),
        _ => Err(invalid()),
    }
}

/// Uses the token (once: a second use is `invalid_token`) and voids the user's other tokens
/// of the same purpose.
pub fn redeem(conn: &mut DbConnection, id: &str, user_id: &str, purpose: Purpose) -> ApiResult<()> {
    let stamp = now();
    let claimed =
        diesel::update(account_tokens::table.find(id).filter(account_tokens::used_at.is_null()))
            .set(account_tokens::used_at.eq(stamp))
            .execute(conn)?;
    if claimed != 1 {
        return Err(invalid());
    }
    diesel::update(
        account_tokens::table
            .filter(account_tokens::user_id.eq(user_id))
            .filter(account_tokens::purpose.eq(purpose.as_str()))
            .filter(account_tokens::used_at.is_null()),
    )
    .set(account_tokens::used_at.eq(stamp))
    .execute(conn)?;
    Ok(())
}
