//! What a library list filters on, as the search index holds it: a record's facets (its
//! status, validity, owners and region on every listing, plus each library's own columns) and
//! a list's filters and scope as an [`IndexFilter`] — so that a search pages through every hit
//! its filters leave. The database still re-checks each page's rows.

use chrono::{Datelike, NaiveDate};

use super::lifecycle::ListingStatus;
use super::listing_search::{ListScope, ListingSelection};
use super::model::Listing;
use crate::search::{Facets, IndexFilter, Number};

/// A day as the index stores it: days from 0001-01-01 (CE).
pub fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// The facets every listing has: status, validity, owning organization, owner (the person it
/// belongs to, or who created it) and every prefix of its region code.
pub fn listing_facets(listing: &Listing) -> Facets {
    let mut facets = Facets { valid_until: day_number(listing.valid_until), ..Facets::default() };
    facets.term("status", listing.status.as_str());
    if let Some(org) = &listing.org_id {
        facets.term("org", org);
    }
    facets.term("owner", listing.owner_user_id.as_deref().unwrap_or(&listing.created_by));
    for end in 1..=listing.region_code.len() {
        if let Some(prefix) = listing.region_code.get(..end) {
            facets.term("region", prefix);
        }
    }
    facets
}

/// Adds one term per code of a stored code list (`,a,b,`).
pub fn code_terms(facets: &mut Facets, name: &str, stored: &str) {
    for code in stored.split(',').filter(|code| !code.is_empty()) {
        facets.term(name, code);
    }
}

/// Published and valid on `today`.
fn public_on(today: i64) -> IndexFilter {
    IndexFilter::AllOf(vec![
        IndexFilter::term("status", ListingStatus::Published.as_str()),
        IndexFilter::Within { number: Number::ValidUntil, min: Some(today), max: None },
    ])
}

/// The index's form of a [`ListScope`] on `today` (as the database's `apply_scope!` reads it).
fn scope_filter(scope: &ListScope, today: i64) -> Vec<IndexFilter> {
    let ListScope::Managed { org_id, owner_user_id, status } = scope else {
        return vec![public_on(today)];
    };
    let mut parts = Vec::new();
    if let Some(org) = org_id {
        parts.push(IndexFilter::term("org", org));
    }
    if let Some(owner) = owner_user_id {
        parts.push(IndexFilter::term("owner", owner));
    }
    match status {
        None => {}
        Some(ListingStatus::Published) => parts.push(public_on(today)),
        Some(ListingStatus::Expired) => parts.push(IndexFilter::AnyOf(vec![
            IndexFilter::term("status", ListingStatus::Expired.as_str()),
            IndexFilter::AllOf(vec![
                IndexFilter::term("status", ListingStatus::Published.as_str()),
                IndexFilter::Within { number: Number::ValidUntil, min: None, max: Some(today - 1) },
            ]),
        ])),
        Some(other) => parts.push(IndexFilter::term("status", other.as_str())),
    }
    parts
}

impl ListingSelection {
    /// The index's form of the selection on the market's today, with a library's own filters
    /// (the full-text hits are the search itself).
    pub fn index_filter(&self, own: Vec<IndexFilter>) -> IndexFilter {
        let mut parts = scope_filter(&self.scope, day_number(crate::clock::today()));
        if let Some(region) = &self.region {
            parts.push(IndexFilter::term("region", region));
        }
        if let Some(org) = &self.org_id {
            parts.push(IndexFilter::term("org", org));
        }
        parts.extend(own);
        IndexFilter::AllOf(parts)
    }
}

/// `name=value` when the value is given.
pub fn optional_term(name: &str, value: Option<&str>) -> Option<IndexFilter> {
    value.map(|value| IndexFilter::term(name, value))
}
