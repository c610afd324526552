//! User queries.

use diesel::prelude::*;

use super::dto::UserFilter;
use super::model::{NewUser, Role, User, UserStatus};
use crate::audit::{self, Actor};
use crate::db::schema::users;
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;
use crate::i18n::Lang;
use crate::organizations::queries::{like_escape, lower};

/// One user.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<User> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("user".into()))
}

/// The user with this (normalized) e-mail, if any.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> ApiResult<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// A user about to be created, already checked.
#[derive(Debug, Clone)]
pub struct UserDraft {
    /// Normalized e-mail.
    pub email: String,
    /// argon2id hash.
    pub password_hash: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organization.
    pub organization_id: Option<String>,
    /// Vetted at creation: users an administrator (or the operator's CLI) creates are
    /// verified; self-registered ones wait for an administrator.
    pub verified: bool,
    /// The language the user reads e-mails in.
    pub language: Lang,
}

/// Inserts a user (409 if the e-mail is taken) and audits it.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    draft: UserDraft,
    action: &str,
) -> ApiResult<User> {
    if let Some(existing) = find_by_email(conn, &draft.email)? {
        return Err(ApiError::Conflict {
            detail: "this e-mail address is already registered".into(),
            allowed: None,
            existing_id: actor.user_id.as_ref().map(|_| existing.id),
            current_version: None,
        });
    }
    let created = now();
    let id = new_id();
    let new_user = NewUser {
        id: id.clone(),
        email: draft.email,
        password_hash: draft.password_hash,
        display_name: draft.display_name,
        role: draft.role,
        organization_id: draft.organization_id,
        status: UserStatus::Active,
        version: 1,
        verified_at: draft.verified.then_some(created),
        created_at: created,
        updated_at: created,
        language: draft.language.tag().to_string(),
    };
    let created_values = serde_json::json!({
        "email": new_user.email, "display_name": new_user.display_name,
        "role": new_user.role, "organization_id": new_user.organization_id,
    });
    diesel::insert_into(users::table).values(new_user).execute(conn)?;
    let actor = Actor {
        user_id: actor.user_id.clone().or_else(|| Some(id.clone())),
        request_id: actor.request_id.clone(),
    };
    audit::record(conn, &actor, action, "user", &id, created_values)?;
    find(conn, &id)
}

/// A page of users, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    page: &PageRequest,
) -> ApiResult<Vec<User>> {
    let mut query = users::table.into_boxed();
    if let Some(email) = filter.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        let pattern = format!("%{}%", like_escape(&email.to_lowercase()));
        query = query.filter(lower(users::email).like(pattern).escape('\\'));
    }
    crate::narrow!(query, users, filter; role, status);
    if let Some(org) = filter.organization_id.as_deref() {
        query = query.filter(users::organization_id.eq(org.to_string()));
    }
    if let Some(after) = page.after.as_deref() {
        query = query.filter(users::id.lt(after.to_string()));
    }
    Ok(query.order(users::id.desc()).limit(page.fetch()).select(User::as_select()).load(conn)?)
}

/// Saves a user's role, status and display name if the stored version is still `expected`.
pub fn save(conn: &mut DbConnection, updated: &User, expected: i64) -> ApiResult<User> {
    let changed = diesel::update(
        users::table.filter(users::id.eq(&updated.id)).filter(users::version.eq(expected)),
    )
    .set((
        users::display_name.eq(&updated.display_name),
        users::role.eq(updated.role.as_str()),
        users::status.eq(updated.status.as_str()),
        users::version.eq(expected + 1),
        users::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        let current = find(conn, &updated.id)?;
        return Err(ApiError::stale_version(expected, current.version));
    }
    find(conn, &updated.id)
}

/// Records that the user confirmed their e-mail address (the first confirmation stands).
pub fn confirm_email(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::update(
        users::table.filter(users::id.eq(user_id)).filter(users::email_verified_at.is_null()),
    )
    .set(users::email_verified_at.eq(crate::db::now()))
    .execute(conn)?;
    Ok(())
}

/// Replaces a user's password hash.
pub fn set_password(conn: &mut DbConnection, user_id: &str, password_hash: &str) -> ApiResult<()> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set((
            users::password_hash.eq(password_hash),
            users::version.eq(users::version + 1),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stamps a successful sign-in.
pub fn touch_login(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set(users::last_login_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
