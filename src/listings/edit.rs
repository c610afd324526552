//! Creating and editing the shared listing row the same way in every library: a new listing
//! from its parts, an edit's shared fields, and the audit entry of an edit.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Library;
use super::lifecycle::ListingStatus;
use super::model::Listing;
use super::queries::{self, default_valid_until};
use crate::audit::{self, Actor};
use crate::db::{DbConnection, new_id, now};
use crate::error::ApiResult;

/// What a new listing is made of; stamps, review and version follow from `status`.
#[derive(Debug, Clone)]
pub struct NewListing {
    /// The library it belongs to.
    pub library: Library,
    /// The owning organization.
    pub org_id: Option<String>,
    /// The owning user (an expert's own profile).
    pub owner_user_id: Option<String>,
    /// The creating user (also the reviewer when created as published).
    pub created_by: String,
    /// `draft`, or `published` for administrators.
    pub status: ListingStatus,
    /// Title or name.
    pub title: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// Last day of validity; a year from today when not given.
    pub valid_until: Option<NaiveDate>,
    /// The owner's own reference.
    pub external_ref: Option<String>,
}

impl NewListing {
    /// Inserts the listing under a new id (409 on a duplicate `external_ref`).
    pub fn insert(self, conn: &mut DbConnection) -> ApiResult<Listing> {
        let stamp = now();
        let published = self.status == ListingStatus::Published;
        let listing = Listing {
            id: new_id(),
            library: self.library,
            org_id: self.org_id,
            owner_user_id: self.owner_user_id,
            reviewed_by: published.then(|| self.created_by.clone()),
            created_by: self.created_by,
            status: self.status,
            title: self.title,
            region_code: self.region_code,
            valid_until: self.valid_until.unwrap_or_else(default_valid_until),
            external_ref: self.external_ref,
            rejection_reason: None,
            submitted_at: None,
            reviewed_at: published.then_some(stamp),
            published_at: published.then_some(stamp),
            closed_reason: None,
            version: 1,
            created_at: stamp,
            updated_at: stamp,
        };
        queries::insert(conn, &listing)?;
        Ok(listing)
    }
}

/// The shared fields an edit sets.
#[derive(Debug, Clone)]
pub struct ListingEdit {
    /// The new title or name.
    pub title: String,
    /// A new region (kept when not given).
    pub region_code: Option<String>,
    /// A new validity date (kept when not given).
    pub valid_until: Option<NaiveDate>,
    /// The owner's reference (cleared when not given).
    pub external_ref: Option<String>,
}

/// Saves an edit's shared fields if the version is still `expected` (409 otherwise).
pub fn save_edit(
    conn: &mut DbConnection,
    listing: &Listing,
    edit: ListingEdit,
    expected: i64,
) -> ApiResult<Listing> {
    let mut next = listing.clone();
    next.title = edit.title;
    if let Some(region) = edit.region_code {
        next.region_code = region;
    }
    if let Some(date) = edit.valid_until {
        next.valid_until = date;
    }
    next.external_ref = edit.external_ref;
    queries::save(conn, &next, expected)
}

/// How an edit is written to the audit log.
#[derive(Debug, Clone, Copy)]
pub struct EditAudit<'a> {
    /// The key the listing's title is logged under (`title`, or `name` for people and
    /// organizations).
    pub title_key: &'a str,
    /// Row fields logged only as whether they are set, never their text.
    pub redacted: &'a [&'a str],
}

/// Audits an edit (`{entity}.update`): every changed field of the listing and of the
/// library's row as `{from, to}`.
pub fn audit_edit<R: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    before: (&Listing, &R),
    after: (&Listing, &R),
    how: EditAudit<'_>,
) -> ApiResult<()> {
    let old = edit_fields(before, how);
    let new = edit_fields(after, how);
    let mut changes = Map::new();
    for (key, to) in new {
        let from = old.get(&key).cloned().unwrap_or(Value::Null);
        if from != to {
            changes.insert(key, json!({ "from": from, "to": to }));
        }
    }
    let entity = before.0.library.entity();
    let action = format!("{entity}.update");
    audit::record(conn, actor, &action, entity, &before.0.id, Value::Object(changes))
}

/// The audited fields of a record: the listing's shared ones and the row's own.
fn edit_fields<R: Serialize>(
    (listing, row): (&Listing, &R),
    how: EditAudit<'_>,
) -> Map<String, Value> {
    let mut fields = match serde_json::to_value(row) {
        Ok(Value::Object(fields)) => fields,
        _ => Map::new(),
    };
    fields.remove("id");
    for key in how.redacted {
        if let Some(value) = fields.get_mut(*key) {
            *value = Value::Bool(!value.is_null());
        }
    }
    fields.insert(how.title_key.into(), listing.title.clone().into());
    fields.insert("region_code".into(), listing.region_code.clone().into());
    fields.insert("external_ref".into(), listing.external_ref.clone().into());
    fields.insert("valid_until".into(), listing.valid_until.to_string().into());
    fields
}
