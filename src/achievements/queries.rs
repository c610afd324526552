//! Achievement queries.

use diesel::helper_types::InnerJoin;
use diesel::prelude::*;

use super::dto::AchievementFilter;
use crate::db::schema::{achievements, listings};
use crate::listings::codec::contains_code_pattern;
use crate::listings::facets::{code_terms, listing_facets, optional_term};
use crate::listings::listing_search::ListScope;
use crate::listings::model::Listing;
use crate::search::{Facets, IndexFilter, Number};

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

crate::selected_queries! {
    AchievementFilter, Achievements, org_id;
    from InnerJoin<listings::table, achievements::table>;
    rows Listing, AchievementRow
}

/// The index's form of the filters on the achievement's own columns (the same fields as
/// `selected`).
fn own_index_filter(f: &AchievementFilter) -> Vec<IndexFilter> {
    // Every field named, so that a new filter must be sorted here; the shared ones are the
    // listing selection's.
    let AchievementFilter {
        technology_field,
        industry,
        maturity,
        cooperation_mode,
        price_min,
        price_max,
        q: _,
        status: _,
        mine: _,
        sort: _,
        region: _,
        org_id: _,
    } = f;
    let mut parts: Vec<IndexFilter> = [
        optional_term("technology_field", technology_field.map(|v| v.as_str())),
        optional_term("industry", industry.map(|v| v.as_str())),
        optional_term("maturity", maturity.map(|v| v.as_str())),
        optional_term("cooperation_mode", cooperation_mode.map(|v| v.as_str())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if price_min.is_some() || price_max.is_some() {
        parts.push(IndexFilter::Within {
            number: Number::Amount,
            min: *price_min,
            max: *price_max,
        });
    }
    parts
}

/// What the index holds of an achievement for lists to filter and sort by.
pub fn facets(listing: &Listing, row: &AchievementRow) -> Facets {
    let mut facets = listing_facets(listing);
    facets.term("technology_field", &row.technology_field);
    if let Some(industry) = &row.industry {
        facets.term("industry", industry);
    }
    facets.term("maturity", &row.maturity);
    code_terms(&mut facets, "cooperation_mode", &row.cooperation_modes);
    facets.amount = row.asking_price_fen;
    facets
}

fn selected(f: &AchievementFilter, scope: &ListScope, hit_ids: Option<Vec<String>>) -> Selected {
    let mut query: Selected = listings::table.inner_join(achievements::table).into_boxed();
    query = crate::apply_listing_selection!(query, listing_selection(f, scope, hit_ids));
    if let Some(field) = f.technology_field {
        query = query.filter(achievements::technology_field.eq(field.as_str()));
    }
    if let Some(industry) = f.industry {
        query = query.filter(achievements::industry.eq(industry.as_str()));
    }
    if let Some(maturity) = f.maturity {
        query = query.filter(achievements::maturity.eq(maturity.as_str()));
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
    query
}
