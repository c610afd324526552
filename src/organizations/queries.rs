//! Organization and invite queries.

use chrono::Duration;
use diesel::prelude::*;

use super::dto::{OrganizationFilter, ValidNewOrganization};
use super::model::{Invite, Organization};
use crate::audit::{self, Actor};
use crate::auth::tokens::hash_secret;
use crate::db::schema::{invites, organizations};
use crate::db::{DbConnection, new_id, now};
use crate::error::{ApiError, ApiResult};
use crate::http::pagination::PageRequest;

diesel::define_sql_function! {
    /// SQL `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// One organization.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<Organization> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::NotFound("organization".into()))
}

/// A page of organizations, newest first.
pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    page: &PageRequest,
) -> ApiResult<Vec<Organization>> {
    let mut query = organizations::table.into_boxed();
    if let Some(name) = filter.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let pattern = format!("%{}%", like_escape(&name.to_lowercase()));
        query = query.filter(lower(organizations::name).like(pattern).escape('\\'));
    }
    crate::narrow!(query, organizations, filter; kind);
    if let Some(region) = filter.region.as_deref() {
        query = query.filter(
            organizations::region_code.like(format!("{}%", like_escape(region))).escape('\\'),
        );
    }
    if let Some(verified) = filter.verified {
        query = query.filter(organizations::verified.eq(verified));
    }
    if let Some(after) = page.after.as_deref() {
        query = query.filter(organizations::id.lt(after.to_string()));
    }
    Ok(query
        .order(organizations::id.desc())
        .limit(page.fetch())
        .select(Organization::as_select())
        .load(conn)?)
}

/// The organization holding a credit code, if any.
pub fn find_by_credit_code(
    conn: &mut DbConnection,
    credit_code: &str,
) -> ApiResult<Option<Organization>> {
    Ok(organizations::table
        .filter(organizations::credit_code.eq(credit_code))
        .select(Organization::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a new (unverified) organization; 409 naming the existing one on a duplicate credit code.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    new: &ValidNewOrganization,
) -> ApiResult<Organization> {
    if let Some(existing) = find_by_credit_code(conn, new.credit_code.as_str())? {
        return Err(ApiError::duplicate(
            format!(
                "an organization with credit code {} is already registered; ask one of its members for an invite code",
                new.credit_code
            ),
            existing.id,
        ));
    }
    let created = now();
    let org = Organization {
        id: new_id(),
        name: new.name.clone(),
        kind: new.kind,
        credit_code: new.credit_code.as_str().to_string(),
        region_code: new.region_code.clone(),
        address: new.address.clone(),
        website: new.website.clone(),
        verified: false,
        version: 1,
        created_at: created,
        updated_at: created,
    };
    diesel::insert_into(organizations::table).values(org.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "organization.create",
        "organization",
        &org.id,
        serde_json::json!({
            "name": org.name, "kind": org.kind, "credit_code": org.credit_code,
            "region_code": org.region_code, "address": org.address, "website": org.website,
        }),
    )?;
    Ok(org)
}

/// Saves an updated organization if its stored version is still `expected`; 409 otherwise.
pub fn save(
    conn: &mut DbConnection,
    updated: &Organization,
    expected: i64,
) -> ApiResult<Organization> {
    let changed = diesel::update(
        organizations::table
            .filter(organizations::id.eq(&updated.id))
            .filter(organizations::version.eq(expected)),
    )
    .set((
        organizations::name.eq(&updated.name),
        organizations::region_code.eq(&updated.region_code),
        organizations::address.eq(&updated.address),
        organizations::website.eq(&updated.website),
        organizations::verified.eq(updated.verified),
        organizations::version.eq(expected + 1),
        organizations::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        let current = find(conn, &updated.id)?;
        return Err(ApiError::stale_version(expected, current.version));
    }
    find(conn, &updated.id)
}

/// Creates an invite and returns it with its plain code.
pub fn create_invite(
    conn: &mut DbConnection,
    actor: &Actor,
    organization_id: &str,
    max_uses: i32,
    expires_in_days: i32,
) -> ApiResult<(Invite, String)> {
    let (code, code_hash) = new_invite_code();
    let created = now();
    let invite = Invite {
        id: new_id(),
        organization_id: organization_id.to_string(),
        code_hash,
        created_by: actor.user_id.clone().unwrap_or_default(),
        created_at: created,
        expires_at: created + Duration::days(i64::from(expires_in_days)),
        max_uses,
        uses: 0,
    };
    diesel::insert_into(invites::table).values(&invite).execute(conn)?;
    audit::record(
        conn,
        actor,
        "invite.create",
        "organization",
        organization_id,
        serde_json::json!({ "invite_id": invite.id, "max_uses": max_uses, "expires_at": invite.expires_at.and_utc() }),
    )?;
    Ok((invite, code))
}

/// A readable invite code: 16 characters from an unambiguous alphabet, in groups of four.
fn new_invite_code() -> (String, String) {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let raw: String =
        (0..16).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
    let code = format!("{}-{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12], &raw[12..16]);
    let hash = hash_secret(&normalize_invite_code(&code));
    (code, hash)
}

fn normalize_invite_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Consumes one use of an invite code; 422 on the `invite_code` field when it is unknown,
/// expired or used up.
pub fn redeem_invite(conn: &mut DbConnection, code: &str) -> ApiResult<Organization> {
    let unusable = |why: &str| ApiError::field("invite_code", "invalid_invite", why.to_string());
    let hash = hash_secret(&normalize_invite_code(code));
    let invite = invites::table
        .filter(invites::code_hash.eq(&hash))
        .select(Invite::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| unusable("is not a valid invite code"))?;
    if invite.expires_at <= now() {
        return Err(unusable("has expired; ask for a new one"));
    }
    let used = diesel::update(
        invites::table
            .filter(invites::id.eq(&invite.id))
            .filter(invites::uses.lt(invites::max_uses)),
    )
    .set(invites::uses.eq(invites::uses + 1))
    .execute(conn)?;
    if used == 0 {
        return Err(unusable("has been used up; ask for a new one"));
    }
    find(conn, &invite.organization_id)
}

/// The names of these organizations, by id (unknown ids are left out).
pub fn names(
    conn: &mut DbConnection,
    ids: &[&String],
) -> ApiResult<std::collections::HashMap<String, String>> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_grouped_and_normalized() {
        let (code, hash) = new_invite_code();
        assert_eq!(code.len(), 19);
        assert_eq!(hash_secret(&normalize_invite_code(&code.to_lowercase())), hash);
    }

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
    }
}
