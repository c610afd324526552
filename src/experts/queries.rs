//! Expert profile queries.

use diesel::prelude::*;

use super::dto::{ExpertFilter, ExpertInput, ValidExpert};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::db::schema::{experts, listings, organizations, users};
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::codec::contains_code_pattern;
use crate::listings::codec::{decode_codes, encode_codes, from_json, to_json};
use crate::listings::edit::{EditAudit, ListingEdit, NewListing, audit_edit, save_edit};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, Window};
use crate::listings::model::Listing;
use crate::listings::queries::{self as listing_queries};
use crate::organizations::queries::like_escape;
use crate::search::SearchDoc;

/// An expert profile's own row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = experts, treat_none_as_null = true)]
pub struct ExpertRow {
    /// Id (the listing's).
    pub id: String,
    /// Professional title code.
    #[serde(rename = "title")]
    pub professional_title: String,
    /// Affiliated registered organization.
    pub affiliation_org_id: Option<String>,
    /// Affiliation as free text.
    pub affiliation_name: Option<String>,
    /// Technology field codes (`,a,b,`).
    pub technology_fields: String,
    /// Expertise keywords (JSON).
    pub expertise_keywords: String,
    /// Biography.
    pub bio: String,
    /// Service codes (`,a,b,`).
    pub services: String,
    /// Availability code.
    pub availability: String,
    /// Contact (JSON).
    pub contact: Option<String>,
}

impl ExpertRow {
    /// The row for checked values.
    pub fn from_valid(id: &str, valid: &ValidExpert) -> ExpertRow {
        ExpertRow {
            id: id.to_string(),
            professional_title: valid.title.as_str().into(),
            affiliation_org_id: valid.affiliation_org_id.clone(),
            affiliation_name: valid.affiliation_name.clone(),
            technology_fields: encode_codes(
                &valid.technology_fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            ),
            expertise_keywords: to_json(&valid.expertise_keywords),
            bio: valid.bio.clone(),
            services: encode_codes(&valid.services.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
            availability: valid.availability.as_str().into(),
            contact: valid.contact.as_ref().map(to_json),
        }
    }

    /// The contact e-mail, if any.
    pub fn contact_email(&self) -> Option<String> {
        self.contact
            .as_deref()
            .and_then(|c| serde_json::from_str::<crate::listings::fields::Contact>(c).ok())
            .and_then(|c| c.email)
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
    }
}

/// Who a new profile belongs to.
#[derive(Debug, Clone)]
pub struct Ownership {
    /// The creating user.
    pub created_by: String,
    /// The expert's own account (None: unclaimed).
    pub owner_user_id: Option<String>,
    /// The organization the profile belongs to.
    pub org_id: Option<String>,
}

/// The stored profile as its manager wrote it (the base of a merge patch).
pub fn to_input(listing: &Listing, row: &ExpertRow) -> ApiResult<ExpertInput> {
    Ok(ExpertInput {
        name: listing.title.clone(),
        title: row.professional_title.parse().map_err(ApiError::Internal)?,
        affiliation_org_id: row.affiliation_org_id.clone(),
        affiliation_name: row.affiliation_name.clone(),
        technology_fields: decode_codes(&row.technology_fields),
        expertise_keywords: from_json(&row.expertise_keywords),
        bio: row.bio.clone(),
        region_code: listing.region_code.clone(),
        services: decode_codes(&row.services),
        availability: row.availability.parse().ok(),
        contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        external_ref: listing.external_ref.clone(),
        valid_until: Some(listing.valid_until),
        org_id: listing.org_id.clone(),
    })
}

/// One expert profile with its listing.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<(Listing, ExpertRow)> {
    let listing = listing_queries::find(conn, Library::Experts, id)?;
    let row = experts::table.find(id).select(ExpertRow::as_select()).first(conn)?;
    Ok((listing, row))
}

/// Whether an organization exists.
pub fn org_exists(conn: &mut DbConnection, id: &str) -> ApiResult<bool> {
    let found: Option<String> =
        organizations::table.find(id).select(organizations::id).first(conn).optional()?;
    Ok(found.is_some())
}

/// The profile a user owns (closed profiles aside), if any.
pub fn owned_profile(conn: &mut DbConnection, user_id: &str) -> ApiResult<Option<String>> {
    Ok(listings::table
        .filter(listings::library.eq(Library::Experts.as_str()))
        .filter(listings::owner_user_id.eq(user_id))
        .filter(listings::status.ne(ListingStatus::Closed.as_str()))
        .select(listings::id)
        .order(listings::id.asc())
        .first(conn)
        .optional()?)
}

/// Locks the user's row for the rest of the transaction (PostgreSQL; SQLite's write
/// transactions are serial anyway), so that concurrent creations and claims by one user cannot
/// both pass the one-profile-per-expert check.
pub fn lock_user(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::version.eq(users::version))
        .execute(conn)?;
    Ok(())
}

/// 409 naming the user's profile if they already own one.
pub fn ensure_no_profile(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    lock_user(conn, user_id)?;
    match owned_profile(conn, user_id)? {
        None => Ok(()),
        Some(existing) => Err(ApiError::duplicate(
            "you already have an expert profile; edit that one instead",
            existing,
        )),
    }
}

/// Creates a profile (listing + row + audit) and returns it.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    ownership: &Ownership,
    valid: &ValidExpert,
    status: ListingStatus,
) -> ApiResult<(Listing, ExpertRow)> {
    let listing = NewListing {
        library: Library::Experts,
        org_id: ownership.org_id.clone(),
        owner_user_id: ownership.owner_user_id.clone(),
        created_by: ownership.created_by.clone(),
        status,
        title: valid.name.clone(),
        region_code: valid.region_code.clone(),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    }
    .insert(conn)?;
    let id = listing.id.clone();
    let row = ExpertRow::from_valid(&id, valid);
    diesel::insert_into(experts::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "expert.create",
        "expert",
        &id,
        serde_json::json!({
            "name": listing.title, "status": listing.status,
            "owner_user_id": listing.owner_user_id, "org_id": listing.org_id,
            "title": row.professional_title, "technology_fields": row.technology_fields,
            "services": row.services,
        }),
    )?;
    Ok((listing, row))
}

/// Saves an edit (listing + row) if the version is still `expected`, and audits the change.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &(Listing, ExpertRow),
    valid: &ValidExpert,
    expected: i64,
) -> ApiResult<(Listing, ExpertRow)> {
    let (listing, row) = current;
    let edit = ListingEdit {
        title: valid.name.clone(),
        region_code: Some(valid.region_code.clone()),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    };
    let saved = save_edit(conn, listing, edit, expected)?;
    let new_row = ExpertRow::from_valid(&listing.id, valid);
    diesel::update(experts::table.find(&listing.id)).set(&new_row).execute(conn)?;
    let how = EditAudit { title_key: "name", redacted: &[] };
    audit_edit(conn, actor, (listing, row), (&saved, &new_row), how)?;
    Ok((saved, new_row))
}

/// Makes `user_id` the owner of an unclaimed profile (version-checked, so two claims of one
/// profile cannot both succeed) and audits `expert.claim`.
pub fn set_owner(
    conn: &mut DbConnection,
    actor: &Actor,
    listing: &Listing,
    user_id: &str,
) -> ApiResult<Listing> {
    let mut next = listing.clone();
    next.owner_user_id = Some(user_id.to_string());
    let saved = listing_queries::save(conn, &next, listing.version)?;
    audit::record(
        conn,
        actor,
        "expert.claim",
        "expert",
        &listing.id,
        serde_json::json!({
            "owner_user_id": {"from": listing.owner_user_id, "to": user_id},
            "created_by": listing.created_by,
        }),
    )?;
    Ok(saved)
}

/// The search document of a profile: the name as title, the expertise keywords, and the
/// biography with the affiliation as body.
pub fn search_doc(listing: &Listing, row: &ExpertRow) -> SearchDoc {
    let body = match row.affiliation_name.as_deref() {
        Some(affiliation) => format!("{}\n{affiliation}", row.bio),
        None => row.bio.clone(),
    };
    SearchDoc {
        id: listing.id.clone(),
        library: crate::search::Library::Experts,
        title: listing.title.clone(),
        keywords: from_json(&row.expertise_keywords),
        body,
    }
}

/// Every profile's search document (for rebuilding the index).
pub fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
    let rows: Vec<(Listing, ExpertRow)> = listings::table
        .inner_join(experts::table)
        .select((Listing::as_select(), ExpertRow::as_select()))
        .load(conn)?;
    Ok(rows.iter().map(|(l, r)| search_doc(l, r)).collect())
}

/// Candidate profiles with their biographies (for near-duplicate detection).
pub fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>> {
    Ok(listings::table
        .inner_join(experts::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), experts::bio))
        .load(conn)?)
}

/// A page (or export batch) of expert profiles matching a list's filters, newest first.
pub fn list_rows(
    conn: &mut DbConnection,
    f: &ExpertFilter,
    scope: &ListScope,
    hit_ids: Option<Vec<String>>,
    db_window: &Window,
) -> ApiResult<Vec<(Listing, ExpertRow)>> {
    let scope = scope.clone();
    let db_window = db_window.clone();
    let mut query = listings::table
        .inner_join(experts::table)
        .filter(listings::library.eq(Library::Experts.as_str()))
        .into_boxed();
    query = crate::apply_scope!(query, scope);
    // Searches sort their hits in memory: no ORDER BY (see achievements' list_rows).
    let searching = hit_ids.is_some();
    if let Some(ids) = hit_ids {
        query = query.filter(listings::id.eq_any(ids));
    }
    if let Some(field) = f.technology_field {
        query =
            query.filter(experts::technology_fields.like(contains_code_pattern(field.as_str())));
    }
    if let Some(service) = f.service {
        query = query.filter(experts::services.like(contains_code_pattern(service.as_str())));
    }
    if let Some(title) = f.title {
        query = query.filter(experts::professional_title.eq(title.as_str()));
    }
    if let Some(availability) = f.availability {
        query = query.filter(experts::availability.eq(availability.as_str()));
    }
    if let Some(region) = f.region.as_deref() {
        query = query
            .filter(listings::region_code.like(format!("{}%", like_escape(region))).escape('\\'));
    }
    if !searching {
        query = query.order(listings::id.desc());
    }
    if let Some(after) = db_window.after_id {
        query = query.filter(listings::id.lt(after));
    }
    query = query.offset(db_window.offset).limit(db_window.limit);
    Ok(query.select((Listing::as_select(), ExpertRow::as_select())).load(conn)?)
}
