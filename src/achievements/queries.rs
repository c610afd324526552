//! Achievement queries.

use diesel::prelude::*;

use super::dto::{AchievementFilter, AchievementInput, ValidAchievement};
use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::db::schema::{achievements, listings};
use crate::error::ApiResult;
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

/// An achievement's own row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, serde::Serialize)]
#[diesel(table_name = achievements, treat_none_as_null = true)]
pub struct AchievementRow {
    /// Id (the listing's).
    pub id: String,
    /// Summary.
    pub summary: String,
    /// Keywords (JSON).
    pub keywords: String,
    /// Technology field code.
    pub technology_field: String,
    /// Industry code.
    pub industry: Option<String>,
    /// Maturity code.
    pub maturity: String,
    /// TRL.
    pub trl: Option<i32>,
    /// IP type code.
    pub ip_type: String,
    /// Patents (JSON).
    pub patents: String,
    /// Cooperation modes (`,a,b,`).
    pub cooperation_modes: String,
    /// Asking price in fen.
    pub asking_price_fen: Option<i64>,
    /// Team.
    pub team: Option<String>,
    /// Contact (JSON).
    pub contact: Option<String>,
    /// International.
    pub international: bool,
    /// Confidential details.
    pub confidential_details: Option<String>,
}

impl AchievementRow {
    /// The row for checked values.
    pub fn from_valid(id: &str, valid: &ValidAchievement) -> AchievementRow {
        AchievementRow {
            id: id.to_string(),
            summary: valid.summary.clone(),
            keywords: to_json(&valid.keywords),
            technology_field: valid.technology_field.as_str().into(),
            industry: valid.industry.map(|i| i.as_str().into()),
            maturity: valid.maturity.as_str().into(),
            trl: valid.trl,
            ip_type: valid.ip_type.as_str().into(),
            patents: to_json(&valid.patents),
            cooperation_modes: encode_codes(
                &valid.cooperation_modes.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ),
            asking_price_fen: valid.asking_price_fen,
            team: valid.team.clone(),
            contact: valid.contact.as_ref().map(to_json),
            international: valid.international,
            confidential_details: valid.confidential_details.clone(),
        }
    }
}

/// The stored record as its owner wrote it (the base of a merge patch).
pub fn to_input(listing: &Listing, row: &AchievementRow) -> ApiResult<AchievementInput> {
    Ok(AchievementInput {
        title: listing.title.clone(),
        summary: row.summary.clone(),
        keywords: from_json(&row.keywords),
        technology_field: row.technology_field.parse().map_err(crate::error::ApiError::Internal)?,
        industry: row.industry.as_deref().and_then(|i| i.parse().ok()),
        maturity: Some(row.maturity.parse().map_err(crate::error::ApiError::Internal)?),
        trl: row.trl,
        ip_type: row.ip_type.parse().ok(),
        patents: from_json(&row.patents),
        cooperation_modes: decode_codes(&row.cooperation_modes),
        asking_price_fen: row.asking_price_fen,
        region_code: Some(listing.region_code.clone()),
        team: row.team.clone(),
        contact: row.contact.as_deref().and_then(|c| serde_json::from_str(c).ok()),
        international: row.international,
        external_ref: listing.external_ref.clone(),
        valid_until: Some(listing.valid_until),
        confidential_details: row.confidential_details.clone(),
        org_id: listing.org_id.clone(),
    })
}

/// One achievement with its listing.
pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<(Listing, AchievementRow)> {
    let listing = listing_queries::find(conn, Library::Achievements, id)?;
    let row = achievements::table.find(id).select(AchievementRow::as_select()).first(conn)?;
    Ok((listing, row))
}

/// Creates an achievement (listing + row + audit) and returns it.
pub fn insert(
    conn: &mut DbConnection,
    actor: &Actor,
    created_by: &str,
    org_id: &str,
    org_region: &str,
    valid: &ValidAchievement,
    status: ListingStatus,
) -> ApiResult<(Listing, AchievementRow)> {
    let listing = NewListing {
        library: Library::Achievements,
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
    let row = AchievementRow::from_valid(&id, valid);
    diesel::insert_into(achievements::table).values(row.clone()).execute(conn)?;
    audit::record(
        conn,
        actor,
        "achievement.create",
        "achievement",
        &id,
        serde_json::json!({
            "title": listing.title, "status": listing.status, "org_id": org_id,
            "technology_field": row.technology_field, "maturity": row.maturity,
            "asking_price_fen": row.asking_price_fen,
        }),
    )?;
    Ok((listing, row))
}

/// Saves an edit (listing + row) if the version is still `expected`, and audits the change.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    current: &(Listing, AchievementRow),
    valid: &ValidAchievement,
    expected: i64,
) -> ApiResult<(Listing, AchievementRow)> {
    let (listing, row) = current;
    let edit = ListingEdit {
        title: valid.title.clone(),
        region_code: valid.region_code.clone(),
        valid_until: valid.valid_until,
        external_ref: valid.external_ref.clone(),
    };
    let saved = save_edit(conn, listing, edit, expected)?;
    let new_row = AchievementRow::from_valid(&listing.id, valid);
    diesel::update(achievements::table.find(&listing.id)).set(&new_row).execute(conn)?;
    let how = EditAudit { title_key: "title", redacted: &["confidential_details"] };
    audit_edit(conn, actor, (listing, row), (&saved, &new_row), how)?;
    Ok((saved, new_row))
}

/// The search document of an achievement.
pub fn search_doc(listing: &Listing, row: &AchievementRow) -> SearchDoc {
    SearchDoc {
        id: listing.id.clone(),
        library: crate::search::Library::Achievements,
        title: listing.title.clone(),
        keywords: from_json(&row.keywords),
        body: row.summary.clone(),
    }
}

/// Every achievement's search document (for rebuilding the index).
pub fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
    let rows: Vec<(Listing, AchievementRow)> = listings::table
        .inner_join(achievements::table)
        .select((Listing::as_select(), AchievementRow::as_select()))
        .load(conn)?;
    Ok(rows.iter().map(|(l, r)| search_doc(l, r)).collect())
}

/// Candidate records with their summaries (for near-duplicate detection).
pub fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>> {
    Ok(listings::table
        .inner_join(achievements::table)
        .filter(listings::id.eq_any(ids))
        .select((Listing::as_select(), achievements::summary))
        .load(conn)?)
}

/// A page (or export batch) of achievements matching a list's filters, in the given order.
pub fn list_rows(
    conn: &mut DbConnection,
    f: &AchievementFilter,
    scope: &ListScope,
    hit_ids: Option<Vec<String>>,
    sort: SortOrder,
    window: &Window,
) -> ApiResult<Vec<(Listing, AchievementRow)>> {
    let mut query = listings::table
        .inner_join(achievements::table)
        .filter(listings::library.eq(Library::Achievements.as_str()))
        .into_boxed();
    query = crate::apply_scope!(query, scope.clone());
    // Searches sort their (at most a thousand) hits in memory: no ORDER BY, so the database
    // looks the hits up by primary key instead of walking the whole table in id order.
    let searching = hit_ids.is_some();
    if let Some(ids) = hit_ids {
        query = query.filter(listings::id.eq_any(ids));
    }
    if let Some(field) = f.technology_field {
        query = query.filter(achievements::technology_field.eq(field.as_str()));
    }
    if let Some(industry) = f.industry {
        query = query.filter(achievements::industry.eq(industry.as_str()));
    }
    if let Some(maturity) = f.maturity {
        query = query.filter(achievements::maturity.eq(maturity.as_str()));
    }
    if let Some(region) = f.region.as_deref() {
        query = query
            .filter(listings::region_code.like(format!("{}%", like_escape(region))).escape('\\'));
    }
    if let Some(mode) = f.cooperation_mode {
        query = query
            .filter(achievements::cooperation_modes.like(contains_code_pattern(mode.as_str())));
    }
    if let Some(min) = f.price_min {
        query = query.filter(achievements::asking_price_fen.ge(min));
    }
    if let Some(max) = f.price_max {
        query = query.filter(achievements::asking_price_fen.le(max));
    }
    if let Some(org) = f.org_id.as_deref() {
        query = query.filter(listings::org_id.eq(org.to_string()));
    }
    query = match sort {
        SortOrder::PriceAsc => query.order((
            achievements::asking_price_fen.is_null().asc(),
            achievements::asking_price_fen.asc(),
            listings::id.desc(),
        )),
        SortOrder::PriceDesc => query.order((
            achievements::asking_price_fen.is_null().asc(),
            achievements::asking_price_fen.desc(),
            listings::id.desc(),
        )),
        SortOrder::Newest | SortOrder::Relevance if searching => query,
        SortOrder::Newest | SortOrder::Relevance => query.order(listings::id.desc()),
    };
    if let Some(after) = window.after_id.clone() {
        query = query.filter(listings::id.lt(after));
    }
    Ok(query
        .offset(window.offset)
        .limit(window.limit)
        .select((Listing::as_select(), AchievementRow::as_select()))
        .load(conn)?)
}
