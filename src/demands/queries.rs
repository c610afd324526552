//! Demand queries.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::dto::{DemandFilter, DemandInput, ValidDemand};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::db::schema::{demands, listings};
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::codec::contains_code_pattern;
use crate::listings::codec::{decode_codes, encode_codes, from_json, to_json};
use crate::listings::edit::{EditAudit, ListingEdit, NewListing, audit_edit, save_edit};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::listings::model::Listing;
use crate::listings::queries::{self as listing_queries};
use crate::organizations::queries::like_escape;
use crate::search::SearchDoc;

/// A demand's own row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = demands, treat_none_as_null = true)]
pub struct DemandRow {
    /// Id (the listing's).
    pub id: String,
    /// Description.
    pub description: String,
    /// Keywords (JSON).
    pub keywords: String,
    /// Technology field code.
    pub technology_field: String,
    /// Industry code.
    pub industry: Option<String>,
    /// Required maturity code (a minimum).
    pub required_maturity: Option<String>,
    /// Lowest budget in fen.
    pub budget_min_fen: Option<i64>,
    /// Highest budget in fen.
    pub budget_max_fen: Option<i64>,
    /// Cooperation modes wanted (`,a,b,`).
    pub cooperation_modes: String,
    /// Last day to answer.
    pub deadline: Option<NaiveDate>,
    /// Reward of an open call in fen.
    pub reward_fen: Option<i64>,
    /// Contact (JSON).
    pub contact: Option<String>,
    /// Confidential details.
    pub confidential_details: Option<String>,
}

impl DemandRow {
    /// The row for checked values.
    pub fn from_valid(id: &str, valid: &ValidDemand) -> DemandRow {
        DemandRow {
            id: id.to_string(),
            description: valid.description.clone(),
            keywords: to_json(&valid.keywords),
            technology_field: valid.technology_field.as_str().into(),
            industry: valid.industry.map(|i| i.as_str().into()),
            required_maturity: valid.required_maturity.map(|m| m.as_str().into()),
            budget_min_fen: valid.budget_min_fen,
            budget_max_fen: valid.budget_max_fen,
            cooperation_modes: encode_codes(
                &valid.cooperation_modes.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ),
            deadline: valid.deadline,
            reward_fen: valid.reward_fen,
            contact: valid.contact.as_ref().map(to_json),
            confidential_details: valid.confidential_details.clone(),
        }
    }
}

/// The stored record as its owner wrote it (the base of a merge patch).
pub fn to_input(listing: &Listing, row: &DemandRow) -> ApiResult<DemandInput> {
    Ok(DemandInput {
        title: listing.title.clone(),
        description: row.description.clone(),
        keywords: from_json(&row.keywords),
        technology_field: row.technology_field.parse().map_err(ApiError::Internal)?,
        industry: row.industry.as_deref().and_then(|i| i.parse().ok()),
        required_maturity: row.required_maturity.as_deref().and_then(|m| m.parse().ok()),
        budget_min_fen: row.budget_min_fen,
        budget_max_fen: row.budget_max_fen,
        cooperation_modes: decode_codes(&row.cooperation_modes),
        region_code: Some(listing.region_code.clone()),
        deadline: row.deadline,
        reward_fen: row.reward_fen,
        contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        external_ref: listing.external_ref.clone(),
        valid_until: Some(listing.valid_until),
        confidential_details: row.confidential_details.clone(),
        org_id: listing.org_id.clone(),
    })
}

/// One demand with its listing.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<(Listing, DemandRow)> {
    let listing = listing_queries::find(conn, Library::Demands, id)?;
    let row = demands::table.find(id).select(DemandRow::as_select()).first(conn)?;
    Ok((listing, row))
}

/// Creates a demand (listing + row + audit) and returns it.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    created_by: &str,
    org_id: &str,
    org_region: &str,
    valid: &ValidDemand,
    status: ListingStatus,
) -> ApiResult<(Listing, DemandRow)> {
    let listing = NewListing {
        library: Library::Demands,
        org_id: Some(org_id.to_string()),
        owner_user_id: None,
        created_by: created_by.to_string(),
        status,
        title: valid.title.clone(),
        region_code: valid.region_code.clone().unwrap_or_else(|| org_region.to_string()),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    }
    .insert(conn)?;
    let id = listing.id.clone();
    let row = DemandRow::from_valid(&id, valid);
    diesel::insert_into(demands::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "demand.create",
        "demand",
        &id,
        serde_json::json!({
            "title": listing.title, "status": listing.status, "org_id": org_id,
            "technology_field": row.technology_field,
            "required_maturity": row.required_maturity,
            "budget_min_fen": row.budget_min_fen, "budget_max_fen": row.budget_max_fen,
            "reward_fen": row.reward_fen,
        }),
    )?;
    Ok((listing, row))
}

/// Saves an edit (listing + row) if the version is still `expected`, and audits the change.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &(Listing, DemandRow),
    valid: &ValidDemand,
    expected: i64,
) -> ApiResult<(Listing, DemandRow)> {
    let (listing, row) = current;
    let edit = ListingEdit {
        title: valid.title.clone(),
        region_code: valid.region_code.clone(),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    };
    let saved = save_edit(conn, listing, edit, expected)?;
    let new_row = DemandRow::from_valid(&listing.id, valid);
    diesel::update(demands::table.find(&listing.id)).set(&new_row).execute(conn)?;
    let how = EditAudit { title_key: "title", redacted: &["confidential_details"] };
    audit_edit(conn, actor, (listing, row), (&saved, &new_row), how)?;
    Ok((saved, new_row))
}

/// The search document of a demand.
pub fn search_doc(listing: &Listing, row: &DemandRow) -> SearchDoc {
    SearchDoc {
        id: listing.id.clone(),
        library: crate::search::Library::Demands,
        title: listing.title.clone(),
        keywords: from_json(&row.keywords),
        body: row.description.clone(),
    }
}

/// Every demand's search document (for rebuilding the index).
pub fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
    let rows: Vec<(Listing, DemandRow)> = listings::table
        .inner_join(demands::table)
        .select((Listing::as_select(), DemandRow::as_select()))
        .load(conn)?;
    Ok(rows.iter().map(|(l, r)| search_doc(l, r)).collect())
}

/// Candidate records with their descriptions (for near-duplicate detection).
pub fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>> {
    Ok(listings::table
        .inner_join(demands::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), demands::description))
        .load(conn)?)
}

/// A page (or export batch) of demands matching a list's filters, in the given order.
pub fn list_rows(
    conn: &mut DbConnection,
    f: &DemandFilter,
    scope: &ListScope,
    hit_ids: Option<Vec<String>>,
    sort: SortOrder,
    db_window: &Window,
) -> ApiResult<Vec<(Listing, DemandRow)>> {
    let scope_for_query = scope.clone();
    let db_window = db_window.clone();
    let mut query = listings::table
        .inner_join(demands::table)
        .filter(listings::library.eq(Library::Demands.as_str()))
        .into_boxed();
    query = crate::apply_scope!(query, scope_for_query);
    // Searches sort their (at most a thousand) hits in memory: no ORDER BY, so the database
    // looks the hits up by primary key instead of walking the whole table in id order.
    let searching = hit_ids.is_some();
    if let Some(ids) = hit_ids {
        query = query.filter(listings::id.eq_any(ids));
    }
    if let Some(field) = f.technology_field {
        query = query.filter(demands::technology_field.eq(field.as_str()));
    }
    if let Some(industry) = f.industry {
        query = query.filter(demands::industry.eq(industry.as_str()));
    }
    if let Some(maturity) = f.required_maturity {
        query = query.filter(demands::required_maturity.eq(maturity.as_str()));
    }
    if let Some(region) = f.region.as_deref() {
        query = query
            .filter(listings::region_code.like(format!("{}%", like_escape(region))).escape('\\'));
    }
    if let Some(mode) = f.cooperation_mode {
        query = query.filter(demands::cooperation_modes.like(contains_code_pattern(mode.as_str())));
    }
    if let Some(min) = f.budget_min {
        query = query.filter(demands::budget_max_fen.ge(min));
    }
    if let Some(max) = f.budget_max {
        query = query.filter(demands::budget_min_fen.le(max).or(demands::budget_min_fen.is_null()));
    }
    match f.open_call {
        Some(true) => query = query.filter(demands::reward_fen.is_not_null()),
        Some(false) => query = query.filter(demands::reward_fen.is_null()),
        None => {}
    }
    if let Some(org) = f.org_id.as_deref() {
        query = query.filter(listings::org_id.eq(org.to_string()));
    }
    query = match sort {
        SortOrder::PriceAsc => query.order((
            demands::budget_max_fen.is_null().asc(),
            demands::budget_max_fen.asc(),
            listings::id.desc(),
        )),
        SortOrder::PriceDesc => query.order((
            demands::budget_max_fen.is_null().asc(),
            demands::budget_max_fen.desc(),
            listings::id.desc(),
        )),
        SortOrder::Newest | SortOrder::Relevance if searching => query,
        SortOrder::Newest | SortOrder::Relevance => query.order(listings::id.desc()),
    };
    if let Some(after) = db_window.after_id {
        query = query.filter(listings::id.lt(after));
    }
    query = query.offset(db_window.offset).limit(db_window.limit);
    Ok(query.select((Listing::as_select(), DemandRow::as_select())).load(conn)?)
}
