//! Linking uploads to records: [`attach`], which any record kind calls inside the transaction
//! that writes the record (so a record never names a file that is not there, and a refused
//! file leaves no record behind), and the listing of a record's files.

use std::collections::HashMap;

use diesel::prelude::*;

use super::ENTITY;
use super::model::{AttachmentOut, AttachmentRow, LinkRow};
use super::subjects::SubjectKind;
use crate::audit;
use crate::auth::AuthUser;
use crate::db::schema::{attachment_links, attachments};
use crate::db::{DbConnection, now};
use crate::error::{ApiError, ApiResult, FieldError};

/// The most attachments one request links.
pub const MAX_IDS: usize = 20;
/// The longest role name.
pub const ROLE_MAX: usize = 40;
/// The field attachment ids are read from (errors name `attachment_ids[i]`).
pub const FIELD: &str = "attachment_ids";

/// Checks a role: 1–40 characters of `a-z`, `0-9` and `_`, starting with a letter.
pub fn check_role(role: &str) -> ApiResult<()> {
    let ok = !role.is_empty()
        && role.len() <= ROLE_MAX
        && role.starts_with(|c: char| c.is_ascii_lowercase())
        && role.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "role",
            "invalid_role",
            format!("1–{ROLE_MAX} characters of a-z, 0-9 and _, starting with a letter"),
        ))
    }
}

/// Loads these uploads, locked on PostgreSQL (`FOR UPDATE`) so the sweep of unattached
/// uploads (which skips locked rows) cannot remove one while it is being linked.
fn load_locked(conn: &mut DbConnection, ids: &[String]) -> ApiResult<Vec<AttachmentRow>> {
    macro_rules! query {
        () => {
            attachments::table
                .filter(attachments::id.eq_any(ids))
                .select(AttachmentRow::as_select())
        };
    }
    Ok(match conn {
        DbConnection::Postgresql(pg) => query!().for_update().load(pg)?,
        DbConnection::Sqlite(sqlite) => query!().load(sqlite)?,
    })
}

/// Links the caller's uploads to a record, inside the caller's transaction; call it after the
/// record is written and after checking that the caller may change the record. Each id must
/// name an upload of the caller or of a member of the caller's organization; otherwise a 422
/// names each bad entry (`attachment_ids[i]`, code `not_found` or `not_yours`) and nothing is
/// linked. An attachment already on the record keeps its first role. Every link is audited.
/// Returns the linked uploads.
pub fn attach(
    conn: &mut DbConnection,
    user: &AuthUser,
    kind: SubjectKind,
    subject_id: &str,
    role: &str,
    ids: &[String],
) -> ApiResult<Vec<AttachmentRow>> {
    check_role(role)?;
    if ids.len() > MAX_IDS {
        return Err(ApiError::field(FIELD, "too_many", format!("at most {MAX_IDS} attachments")));
    }
    let found: HashMap<String, AttachmentRow> =
        load_locked(conn, ids)?.into_iter().map(|row| (row.id.clone(), row)).collect();
    let mut errors = Vec::new();
    for (index, id) in ids.iter().enumerate() {
        let field = format!("{FIELD}[{index}]");
        match found.get(id) {
            None => errors.push(FieldError::new(field, "not_found", "no such upload")),
            Some(row) => {
                let own = row.uploaded_by == user.id()
                    || row.org_id.as_deref().is_some_and(|org| user.belongs_to(org));
                if !own {
                    errors.push(FieldError::new(
                        field,
                        "not_yours",
                        "only uploads of yours or of your organization's members can be attached",
                    ));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let stamp = now();
    let mut linked = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id.as_str()) {
            continue;
        }
        let Some(row) = found.get(id) else { continue };
        let link = LinkRow {
            attachment_id: id.clone(),
            subject_kind: kind.as_str().to_string(),
            subject_id: subject_id.to_string(),
            role: role.to_string(),
            created_by: user.id().to_string(),
            created_at: stamp,
        };
        let insert =
            diesel::insert_into(attachment_links::table).values(&link).on_conflict_do_nothing();
        let inserted = match conn {
            DbConnection::Postgresql(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
        if inserted > 0 {
            audit::record(
                conn,
                &user.actor(),
                "attachment.attach",
                ENTITY,
                id,
                serde_json::json!({ "subject_kind": kind, "subject_id": subject_id, "role": role }),
            )?;
        }
        linked.push(row.clone());
    }
    Ok(linked)
}

/// The files on a record, oldest link first.
pub fn list(
    conn: &mut DbConnection,
    kind: SubjectKind,
    subject_id: &str,
) -> ApiResult<Vec<AttachmentOut>> {
    let rows: Vec<(LinkRow, AttachmentRow)> = attachment_links::table
        .inner_join(attachments::table)
        .filter(attachment_links::subject_kind.eq(kind.as_str()))
        .filter(attachment_links::subject_id.eq(subject_id))
        .order((attachment_links::created_at.asc(), attachment_links::attachment_id.asc()))
        .select((LinkRow::as_select(), AttachmentRow::as_select()))
        .load(conn)?;
    Ok(rows.into_iter().map(|(link, row)| AttachmentOut::linked(row, &link)).collect())
}

/// The files on several records of one kind, per record id (oldest link first).
pub fn list_many(
    conn: &mut DbConnection,
    kind: SubjectKind,
    subject_ids: &[String],
) -> ApiResult<HashMap<String, Vec<AttachmentOut>>> {
    let rows: Vec<(LinkRow, AttachmentRow)> = attachment_links::table
        .inner_join(attachments::table)
        .filter(attachment_links::subject_kind.eq(kind.as_str()))
        .filter(attachment_links::subject_id.eq_any(subject_ids))
        .order((attachment_links::created_at.asc(), attachment_links::attachment_id.asc()))
        .select((LinkRow::as_select(), AttachmentRow::as_select()))
        .load(conn)?;
    let mut out: HashMap<String, Vec<AttachmentOut>> = HashMap::new();
    for (link, row) in rows {
        out.entry(link.subject_id.clone()).or_default().push(AttachmentOut::linked(row, &link));
    }
    Ok(out)
}

/// Why a user may read an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    /// Its uploader, while it is attached to nothing.
    Uploader,
    /// A reader of this record it is attached to.
    Subject(SubjectKind, String),
}

/// Why the user may read this upload — through a record it is attached to, or, while it is
/// attached to none, as its uploader — or `None`.
pub fn reader(
    conn: &mut DbConnection,
    user: &AuthUser,
    row: &AttachmentRow,
) -> ApiResult<Option<Reader>> {
    let links: Vec<(String, String)> = attachment_links::table
        .filter(attachment_links::attachment_id.eq(&row.id))
        .order((attachment_links::created_at.asc(), attachment_links::subject_id.asc()))
        .select((attachment_links::subject_kind, attachment_links::subject_id))
        .load(conn)?;
    if links.is_empty() {
        return Ok((row.uploaded_by == user.id()).then_some(Reader::Uploader));
    }
    for (kind, subject_id) in links {
        let Ok(kind) = kind.parse::<SubjectKind>() else { continue };
        if super::subjects::may_read(conn, user, kind, &subject_id)? {
            return Ok(Some(Reader::Subject(kind, subject_id)));
        }
    }
    Ok(None)
}

/// One upload the user may read, and why (404 for a missing one and for one they may not
/// read).
pub fn find_readable(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
) -> ApiResult<(AttachmentRow, Reader)> {
    let row = attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(super::not_found)?;
    match reader(conn, user, &row)? {
        Some(reader) => Ok((row, reader)),
        None => Err(super::not_found()),
    }
}
