//! Expert profile queries.

use diesel::helper_types::InnerJoin;
use diesel::prelude::*;

use super::dto::ExpertFilter;
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::db::schema::{experts, listings, organizations, users};
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::codec::contains_code_pattern;
use crate::listings::facets::{code_terms, listing_facets, optional_term};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::ListScope;
use crate::listings::model::Listing;
use crate::listings::queries::{self as listing_queries};
use crate::search::{Facets, IndexFilter};

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

crate::selected_queries! {
    ExpertFilter, Experts;
    from InnerJoin<listings::table, experts::table>;
    rows Listing, ExpertRow
}

/// The index's form of the filters on the expert's own columns (the same fields as
/// `selected`).
fn own_index_filter(f: &ExpertFilter) -> Vec<IndexFilter> {
    // Every field named, so that a new filter must be sorted here; the shared ones are the
    // listing selection's.
    let ExpertFilter {
        technology_field,
        service,
        title,
        availability,
        q: _,
        status: _,
        mine: _,
        sort: _,
        region: _,
    } = f;
    [
        optional_term("technology_field", technology_field.map(|v| v.as_str())),
        optional_term("service", service.map(|v| v.as_str())),
        optional_term("title", title.map(|v| v.as_str())),
        optional_term("availability", availability.map(|v| v.as_str())),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// What the index holds of an expert profile for lists to filter by.
pub fn facets(listing: &Listing, row: &ExpertRow) -> Facets {
    let mut facets = listing_facets(listing);
    code_terms(&mut facets, "technology_field", &row.technology_fields);
    code_terms(&mut facets, "service", &row.services);
    facets.term("title", &row.professional_title);
    facets.term("availability", &row.availability);
    facets
}

fn selected(f: &ExpertFilter, scope: &ListScope, hit_ids: Option<Vec<String>>) -> Selected {
    let mut query: Selected = listings::table.inner_join(experts::table).into_boxed();
    query = crate::apply_listing_selection!(query, listing_selection(f, scope, hit_ids));
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
    query
}
