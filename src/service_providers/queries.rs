//! Service-provider queries.

use diesel::helper_types::InnerJoin;
use diesel::prelude::*;

use super::dto::{ServiceProviderFilter, ServiceProviderInput, ValidServiceProvider};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::db::schema::{listings, organizations, service_providers};
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::codec::contains_code_pattern;
use crate::listings::codec::{decode_codes, from_json};
use crate::listings::edit::{EditAudit, ListingEdit, NewListing, audit_edit, save_edit};
use crate::listings::facets::{code_terms, listing_facets, optional_term};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::ListScope;
use crate::listings::model::Listing;
use crate::listings::queries::{self as listing_queries};
use crate::organizations::model::Organization;
use crate::search::{Facets, IndexFilter, SearchDoc};
use crate::taxonomies::ServiceType;

/// A service provider's own row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = service_providers, treat_none_as_null = true)]
pub struct ServiceProviderRow {
    /// Id (the listing's).
    pub id: String,
    /// Service type codes (`,a,b,`).
    pub service_types: String,
    /// Technology field codes (`,a,b,`).
    pub technology_fields: String,
    /// Qualifications (JSON list).
    pub qualifications: String,
    /// Description.
    pub description: String,
    /// Accepts innovation vouchers.
    pub accepts_vouchers: bool,
    /// Services offered (JSON list).
    pub services: String,
    /// Contact (JSON).
    pub contact: Option<String>,
}

/// What a profile shows of its organization.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrgFacts {
    /// The organization's registered name.
    pub name: String,
    /// Verified by an administrator.
    pub verified: bool,
}

impl From<&Organization> for OrgFacts {
    fn from(org: &Organization) -> Self {
        OrgFacts { name: org.name.clone(), verified: org.verified }
    }
}

/// A stored profile: the listing, the library's row and the organization's facts.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The shared listing (its title is the profile's name).
    pub listing: Listing,
    /// The library's own row.
    pub row: ServiceProviderRow,
    /// The owning organization's name and verification.
    pub org: OrgFacts,
}

impl From<(Listing, ServiceProviderRow, OrgFacts)> for Profile {
    fn from((listing, row, org): (Listing, ServiceProviderRow, OrgFacts)) -> Self {
        Profile { listing, row, org }
    }
}

/// The stored profile as its owner wrote it (the base of a merge patch).
pub fn to_input(profile: &Profile) -> ServiceProviderInput {
    let Profile { listing, row, .. } = profile;
    ServiceProviderInput {
        name: Some(listing.title.clone()),
        service_types: decode_codes(&row.service_types),
        technology_fields: decode_codes(&row.technology_fields),
        region_code: Some(listing.region_code.clone()),
        qualifications: from_json(&row.qualifications),
        description: row.description.clone(),
        accepts_vouchers: row.accepts_vouchers,
        services: from_json(&row.services),
        contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        valid_until: Some(listing.valid_until),
        external_ref: listing.external_ref.clone(),
        org_id: listing.org_id.clone(),
    }
}

/// The facts of the organization owning a listing (500 if the listing has none: profiles
/// always belong to an organization).
fn org_facts(conn: &mut DbConnection, listing: &Listing) -> ApiResult<OrgFacts> {
    let org_id = listing.org_id.as_deref().ok_or_else(|| {
        ApiError::Internal(format!("service provider {} has no organization", listing.id))
    })?;
    Ok(organizations::table.find(org_id).select(OrgFacts::as_select()).first(conn)?)
}

/// One profile with its listing and organization.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<Profile> {
    let listing = listing_queries::find(conn, Library::ServiceProviders, id)?;
    let row =
        service_providers::table.find(id).select(ServiceProviderRow::as_select()).first(conn)?;
    let org = org_facts(conn, &listing)?;
    Ok(Profile { listing, row, org })
}

/// The organization's live profile (any status but `closed`), if it has one.
pub fn live_profile(conn: &mut DbConnection, org_id: &str) -> ApiResult<Option<String>> {
    Ok(listings::table
        .filter(listings::library.eq(Library::ServiceProviders.as_str()))
        .filter(listings::org_id.eq(org_id))
        .filter(listings::status.ne(ListingStatus::Closed.as_str()))
        .select(listings::id)
        .first(conn)
        .optional()?)
}

/// Creates a profile (listing + row + audit) for `org` and returns it; 409 with
/// `existing_id` while the organization has a profile that is not closed.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    created_by: &str,
    org: &Organization,
    valid: &ValidServiceProvider,
    status: ListingStatus,
) -> ApiResult<Profile> {
    // Take the organization's row lock first (a no-op update), so that two concurrent
    // creations for one organization are serialized on PostgreSQL too (SQLite's write
    // transactions are serialized already) and the check below cannot be raced.
    diesel::update(organizations::table.find(&org.id))
        .set(organizations::version.eq(organizations::version))
        .execute(conn)?;
    if let Some(existing_id) = live_profile(conn, &org.id)? {
        return Err(ApiError::duplicate(
            "this organization already has a service-provider profile; edit it, or close it before creating another",
            existing_id,
        ));
    }
    let listing = NewListing {
        library: Library::ServiceProviders,
        org_id: Some(org.id.clone()),
        owner_user_id: None,
        created_by: created_by.to_string(),
        status,
        title: valid.name.clone().unwrap_or_else(|| org.name.clone()),
        region_code: valid.region_code.clone().unwrap_or_else(|| org.region_code.clone()),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    }
    .insert(conn)?;
    let id = listing.id.clone();
    let row = ServiceProviderRow { id: id.clone(), ..valid.row.clone() };
    diesel::insert_into(service_providers::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "service_provider.create",
        "service_provider",
        &id,
        serde_json::json!({
            "name": listing.title, "status": listing.status, "org_id": org.id,
            "service_types": row.service_types, "accepts_vouchers": row.accepts_vouchers,
        }),
    )?;
    Ok(Profile { listing, row, org: OrgFacts::from(org) })
}

/// Saves an edit (listing + row) if the version is still `expected`, and audits the change.
/// A profile without a name takes its organization's.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &Profile,
    valid: &ValidServiceProvider,
    expected: i64,
) -> ApiResult<Profile> {
    let Profile { listing, row, org } = current;
    let edit = ListingEdit {
        title: valid.name.clone().unwrap_or_else(|| org.name.clone()),
        region_code: valid.region_code.clone(),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    };
    let saved = save_edit(conn, listing, edit, expected)?;
    let new_row = ServiceProviderRow { id: listing.id.clone(), ..valid.row.clone() };
    diesel::update(service_providers::table.find(&listing.id)).set(&new_row).execute(conn)?;
    let how = EditAudit { title_key: "name", redacted: &[] };
    audit_edit(conn, actor, (listing, row), (&saved, &new_row), how)?;
    Ok(Profile { listing: saved, row: new_row, org: org.clone() })
}

/// The searchable text of a profile beyond its name: the description, then each service's
/// name and description.
pub fn body_text(row: &ServiceProviderRow) -> String {
    let services: Vec<super::dto::ServiceOffer> = from_json(&row.services);
    let mut body = row.description.clone();
    for service in services {
        body.push('\n');
        body.push_str(&service.name);
        if let Some(description) = service.description {
            body.push('：');
            body.push_str(&description);
        }
    }
    body
}

/// The search document of a profile: its name; the Chinese labels of its service types and
/// its qualifications as keywords; its description and services as body.
pub fn search_doc(listing: &Listing, row: &ServiceProviderRow, org: &OrgFacts) -> SearchDoc {
    let types: Vec<ServiceType> = decode_codes(&row.service_types);
    let mut keywords: Vec<String> = types.iter().map(|t| t.zh().to_string()).collect();
    keywords.extend(from_json::<Vec<String>>(&row.qualifications));
    SearchDoc {
        id: listing.id.clone(),
        library: crate::search::Library::ServiceProviders,
        title: listing.title.clone(),
        keywords,
        body: body_text(row),
        facets: facets(listing, row, org),
    }
}

/// What the index holds of a profile for lists to filter by (its organization's verification
/// included: verifying an organization re-indexes its profiles).
fn facets(listing: &Listing, row: &ServiceProviderRow, org: &OrgFacts) -> Facets {
    let mut facets = listing_facets(listing);
    code_terms(&mut facets, "service_type", &row.service_types);
    code_terms(&mut facets, "technology_field", &row.technology_fields);
    facets.term("accepts_vouchers", row.accepts_vouchers);
    facets.term("verified", org.verified);
    facets
}

/// Every profile's search document (for rebuilding the index).
pub fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
    let rows: Vec<(Listing, ServiceProviderRow, OrgFacts)> = listings::table
        .inner_join(service_providers::table)
        .inner_join(organizations::table)
        .select((Listing::as_select(), ServiceProviderRow::as_select(), OrgFacts::as_select()))
        .load(conn)?;
    Ok(rows.iter().map(|(l, r, o)| search_doc(l, r, o)).collect())
}

/// Candidate profiles with their searchable text (for near-duplicate detection).
pub fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>> {
    let rows: Vec<(Listing, ServiceProviderRow)> = listings::table
        .inner_join(service_providers::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), ServiceProviderRow::as_select()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(listing, row)| {
            let text = body_text(&row);
            (listing, text)
        })
        .collect())
}

crate::selected_queries! {
    ServiceProviderFilter, ServiceProviders, org_id;
    from InnerJoin<InnerJoin<listings::table, service_providers::table>, organizations::table>;
    rows Listing, ServiceProviderRow, OrgFacts
}

/// The index's form of the filters on the profile's own columns and its organization (the
/// same fields as `selected`).
fn own_index_filter(f: &ServiceProviderFilter) -> Vec<IndexFilter> {
    // Every field named, so that a new filter must be sorted here; the shared ones are the
    // listing selection's.
    let ServiceProviderFilter {
        service_type,
        technology_field,
        accepts_vouchers,
        verified,
        q: _,
        status: _,
        mine: _,
        sort: _,
        region: _,
        org_id: _,
    } = f;
    [
        optional_term("service_type", service_type.map(|v| v.as_str())),
        optional_term("technology_field", technology_field.map(|v| v.as_str())),
        accepts_vouchers.map(|accepts| IndexFilter::term("accepts_vouchers", accepts)),
        verified.map(|verified| IndexFilter::term("verified", verified)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn selected(
    f: &ServiceProviderFilter,
    scope: &ListScope,
    hit_ids: Option<Vec<String>>,
) -> Selected {
    let mut query: Selected = listings::table
        .inner_join(service_providers::table)
        .inner_join(organizations::table)
        .into_boxed();
    query = crate::apply_listing_selection!(query, listing_selection(f, scope, hit_ids));
    if let Some(kind) = f.service_type {
        query = query
            .filter(service_providers::service_types.like(contains_code_pattern(kind.as_str())));
    }
    if let Some(field) = f.technology_field {
        query = query.filter(
            service_providers::technology_fields.like(contains_code_pattern(field.as_str())),
        );
    }
    if let Some(accepts) = f.accepts_vouchers {
        query = query.filter(service_providers::accepts_vouchers.eq(accepts));
    }
    if let Some(verified) = f.verified {
        query = query.filter(organizations::verified.eq(verified));
    }
    query
}
