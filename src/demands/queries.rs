//! Demand queries.

use chrono::NaiveDate;
use diesel::helper_types::InnerJoin;
use diesel::prelude::*;

use super::dto::DemandFilter;
use crate::db::schema::{demands, listings};
use crate::listings::codec::contains_code_pattern;
use crate::listings::facets::{code_terms, listing_facets, optional_term};
use crate::listings::listing_search::ListScope;
use crate::listings::model::Listing;
use crate::search::{Facets, IndexFilter, Number};

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

crate::selected_queries! {
    DemandFilter, Demands, org_id;
    from InnerJoin<listings::table, demands::table>;
    rows Listing, DemandRow
}

/// The index's form of the filters on the demand's own columns (the same fields as
/// `selected`).
fn own_index_filter(f: &DemandFilter) -> Vec<IndexFilter> {
    // Every field named, so that a new filter must be sorted here; the shared ones are the
    // listing selection's.
    let DemandFilter {
        technology_field,
        industry,
        required_maturity,
        cooperation_mode,
        budget_min,
        budget_max,
        open_call,
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
        optional_term("required_maturity", required_maturity.map(|v| v.as_str())),
        optional_term("cooperation_mode", cooperation_mode.map(|v| v.as_str())),
        open_call.map(|open| IndexFilter::term("open_call", open)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let Some(min) = budget_min {
        parts.push(IndexFilter::Within { number: Number::Amount, min: Some(*min), max: None });
    }
    if let Some(max) = budget_max {
        parts.push(IndexFilter::AnyOf(vec![
            IndexFilter::Within { number: Number::AmountLow, min: None, max: Some(*max) },
            IndexFilter::term("budget_min", "none"),
        ]));
    }
    parts
}

/// What the index holds of a demand for lists to filter and sort by (the budget's top is the
/// amount prices sort by).
pub fn facets(listing: &Listing, row: &DemandRow) -> Facets {
    let mut facets = listing_facets(listing);
    facets.term("technology_field", &row.technology_field);
    if let Some(industry) = &row.industry {
        facets.term("industry", industry);
    }
    if let Some(maturity) = &row.required_maturity {
        facets.term("required_maturity", maturity);
    }
    code_terms(&mut facets, "cooperation_mode", &row.cooperation_modes);
    facets.term("open_call", row.reward_fen.is_some());
    if row.budget_min_fen.is_none() {
        facets.term("budget_min", "none");
    }
    facets.amount = row.budget_max_fen;
    facets.amount_low = row.budget_min_fen;
    facets
}

fn selected(f: &DemandFilter, scope: &ListScope, hit_ids: Option<Vec<String>>) -> Selected {
    let mut query: Selected = listings::table.inner_join(demands::table).into_boxed();
    query = crate::apply_listing_selection!(query, listing_selection(f, scope, hit_ids));
    if let Some(field) = f.technology_field {
        query = query.filter(demands::technology_field.eq(field.as_str()));
    }
    if let Some(industry) = f.industry {
        query = query.filter(demands::industry.eq(industry.as_str()));
    }
    if let Some(maturity) = f.required_maturity {
        query = query.filter(demands::required_maturity.eq(maturity.as_str()));
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
    query
}
