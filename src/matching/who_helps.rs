//! Who can help with a problem: experts (专家) and service organizations (服务机构), ranked by
//! text relevance, field coverage, region and availability or standing, with the same
//! explanation shape as achievement matches.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::engine::{MatchSubject, MatchingState};
use super::scoring::{self, Explanation, Factor};
use crate::db::DbConnection;
use crate::db::id_set::one_of;
use crate::db::schema::{experts, listings, organizations, service_providers};
use crate::error::ApiResult;
use crate::experts::dto::ExpertAvailability;
use crate::experts::queries::ExpertRow;
use crate::listings::codec::decode_codes;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::model::Listing;
use crate::listings::queries::today;
use crate::search::{Library, SearchIndex};
use crate::service_providers::queries::ServiceProviderRow;
use crate::taxonomies::{ExpertService, ExpertTitle, ServiceType, TechnologyField};

/// The public card of a matched expert.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchedExpert {
    /// Expert profile id (read it at `GET /api/v1/experts/{id}`).
    pub id: String,
    /// The expert's name.
    pub name: String,
    /// Professional title (教授, 研究员, 高级工程师, …).
    pub title: ExpertTitle,
    /// The organization the expert works at, as written; null when not given.
    pub affiliation_name: Option<String>,
    /// The technology fields the expert covers.
    pub technology_fields: Vec<TechnologyField>,
    /// What the expert offers (consulting, evaluation, …).
    pub services: Vec<ExpertService>,
    /// Whether the expert takes on work now.
    pub availability: ExpertAvailability,
    /// GB/T 2260 code of the expert's region.
    pub region_code: String,
}

/// One expert matched to a problem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExpertMatch {
    /// The expert.
    pub expert: MatchedExpert,
    /// 0–1: the sum of the explanation's contributions.
    pub score: f64,
    /// Why the expert is listed: each factor's contribution to `score` and the words shared with
    /// the problem.
    pub explanation: Explanation,
}

/// The public card of a matched service organization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MatchedServiceProvider {
    /// Service organization profile id (read it at `GET /api/v1/service-providers/{id}`).
    pub id: String,
    /// The organization's name.
    pub name: String,
    /// The kinds of service it offers (testing, IP agency, …).
    pub service_types: Vec<ServiceType>,
    /// The technology fields it serves.
    pub technology_fields: Vec<TechnologyField>,
    /// Accepts innovation vouchers (创新券).
    pub accepts_vouchers: bool,
    /// The organization is verified by the platform.
    pub organization_verified: bool,
    /// GB/T 2260 code of its region.
    pub region_code: String,
    /// The organization behind the profile.
    pub org_id: Option<String>,
}

/// One service organization matched to a problem.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceProviderMatch {
    /// The organization's profile.
    pub service_provider: MatchedServiceProvider,
    /// 0–1: the sum of the explanation's contributions.
    pub score: f64,
    /// Why it is listed: each factor's contribution to `score` and the words shared with the
    /// problem.
    pub explanation: Explanation,
}

fn factor(name: &str, weight: f64, value: f64, detail: String) -> Factor {
    let value = value.clamp(0.0, 1.0);
    Factor {
        name: name.into(),
        weight,
        value: scoring::round(value),
        contribution: scoring::round(weight * value),
        detail,
    }
}

fn field_coverage(wanted: Option<TechnologyField>, covered: &[TechnologyField]) -> Factor {
    match wanted {
        None => factor("technology_field", 0.2, 0.6, "no field asked".into()),
        Some(w) if covered.contains(&w) => {
            factor("technology_field", 0.2, 1.0, format!("covers {}", w.zh()))
        }
        Some(w) => factor("technology_field", 0.2, 0.2, format!("does not list {}", w.zh())),
    }
}

fn region(wanted: Option<&str>, offered: &str) -> Factor {
    let mut f = scoring::region_factor(wanted, offered);
    f.weight = 0.15;
    f.contribution = scoring::round(f.weight * f.value);
    f
}

fn published<T>(rows: Vec<(Listing, T)>) -> Vec<(Listing, T)> {
    let today = today();
    rows.into_iter()
        .filter(|(l, _)| l.status == ListingStatus::Published && l.valid_until >= today)
        .collect()
}

/// The published records of a helping library (`$table`, rows `$Row`) whose text answers the
/// problem, with each one's text relevance by id.
macro_rules! published_answering {
    ($conn:expr, $state:expr, $index:expr, $problem:expr, $library:expr, $table:ident, $Row:ty) => {{
        let text = $state.rank_text($index, $library, (&$problem.text, None))?;
        let relevance: HashMap<String, f64> = text.into_iter().map(|m| (m.id, m.score)).collect();
        let wanted = one_of($conn, listings::id, relevance.keys());
        let rows: Vec<(Listing, $Row)> = listings::table
            .inner_join($table::table)
            .filter(wanted)
            .select((Listing::as_select(), <$Row>::as_select()))
            .load($conn)?;
        (relevance, published(rows))
    }};
}

/// A helper's score and its explanation from its factors (no terms, violations or feedback).
fn explained(factors: Vec<Factor>) -> (f64, Explanation) {
    let score = scoring::total(&factors);
    let explanation =
        Explanation { factors, matched_terms: Vec::new(), violations: Vec::new(), feedback: None };
    (score, explanation)
}

/// The `limit` best of `matches` by score, equal scores by id.
fn best_first<T>(mut matches: Vec<T>, limit: usize, key: impl Fn(&T) -> (f64, &str)) -> Vec<T> {
    matches.sort_by(|a, b| {
        let ((score_a, id_a), (score_b, id_b)) = (key(a), key(b));
        score_b.total_cmp(&score_a).then_with(|| id_a.cmp(id_b))
    });
    matches.truncate(limit);
    matches
}

/// The experts best able to help with a problem (published profiles), best first.
pub fn match_experts(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    problem: &MatchSubject,
    limit: usize,
) -> ApiResult<Vec<ExpertMatch>> {
    let (scores, rows) =
        published_answering!(conn, state, index, problem, Library::Experts, experts, ExpertRow);
    let matches: Vec<ExpertMatch> = rows
        .into_iter()
        .filter_map(|(listing, row)| {
            let relevance = scores.get(listing.id.as_str()).copied()?;
            let fields: Vec<TechnologyField> = decode_codes(&row.technology_fields);
            let availability: ExpertAvailability = row.availability.parse().ok()?;
            let available = match availability {
                ExpertAvailability::Available => 1.0,
                ExpertAvailability::Limited => 0.6,
                ExpertAvailability::Unavailable => 0.1,
            };
            let factors = vec![
                factor("text", 0.55, relevance, format!("text relevance {relevance:.2}")),
                field_coverage(problem.technology_field, &fields),
                region(problem.region_code.as_deref(), &listing.region_code),
                factor("availability", 0.10, available, format!("availability: {availability}")),
            ];
            let (score, explanation) = explained(factors);
            Some(ExpertMatch {
                score,
                explanation,
                expert: MatchedExpert {
                    id: listing.id,
                    name: listing.title,
                    title: row.professional_title.parse().ok()?,
                    affiliation_name: row.affiliation_name,
                    technology_fields: fields,
                    services: decode_codes(&row.services),
                    availability,
                    region_code: listing.region_code,
                },
            })
        })
        .collect();
    Ok(best_first(matches, limit, |m| (m.score, &m.expert.id)))
}

/// The service organizations best able to help with a problem (published profiles), best first.
pub fn match_service_providers(
    conn: &mut DbConnection,
    state: &MatchingState,
    index: &SearchIndex,
    problem: &MatchSubject,
    limit: usize,
) -> ApiResult<Vec<ServiceProviderMatch>> {
    let (scores, rows) = published_answering!(
        conn,
        state,
        index,
        problem,
        Library::ServiceProviders,
        service_providers,
        ServiceProviderRow
    );
    let org_ids: Vec<String> = rows.iter().filter_map(|(l, _)| l.org_id.clone()).collect();
    let wanted = one_of(conn, organizations::id, org_ids);
    let verified: HashSet<String> = organizations::table
        .filter(wanted)
        .filter(organizations::verified.eq(true))
        .select(organizations::id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let matches: Vec<ServiceProviderMatch> = rows
        .into_iter()
        .filter_map(|(listing, row)| {
            let relevance = scores.get(listing.id.as_str()).copied()?;
            let fields: Vec<TechnologyField> = decode_codes(&row.technology_fields);
            let is_verified = listing.org_id.as_ref().is_some_and(|o| verified.contains(o));
            let factors = vec![
                factor("text", 0.50, relevance, format!("text relevance {relevance:.2}")),
                field_coverage(problem.technology_field, &fields),
                region(problem.region_code.as_deref(), &listing.region_code),
                factor(
                    "standing",
                    0.15,
                    if is_verified { 1.0 } else { 0.4 }
                        * if row.accepts_vouchers { 1.0 } else { 0.8 },
                    format!(
                        "{}; {}",
                        if is_verified { "verified organization" } else { "not verified" },
                        if row.accepts_vouchers {
                            "accepts innovation vouchers"
                        } else {
                            "no vouchers"
                        }
                    ),
                ),
            ];
            let (score, explanation) = explained(factors);
            Some(ServiceProviderMatch {
                score,
                explanation,
                service_provider: MatchedServiceProvider {
                    id: listing.id,
                    name: listing.title,
                    service_types: decode_codes(&row.service_types),
                    technology_fields: fields,
                    accepts_vouchers: row.accepts_vouchers,
                    organization_verified: is_verified,
                    region_code: listing.region_code,
                    org_id: listing.org_id,
                },
            })
        })
        .collect();
    Ok(best_first(matches, limit, |m| (m.score, &m.service_provider.id)))
}
