//! Listing lists: who sees what, full-text hits from the search index, sorting, cursors, the
//! index's upkeep and near-duplicate detection — shared by the four libraries.

use std::collections::{HashMap, HashSet};

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Library;
use super::access::can_manage;
use super::lifecycle::ListingStatus;
use super::model::Listing;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult};
use crate::http::Page;
use crate::http::pagination::{PageRequest, encode_cursor};
use crate::search::{SearchDoc, WordMatch, tokens};
use crate::state::AppState;

/// Most search hits a list considers.
pub const MAX_HITS: usize = 1000;
/// Most records a search ranks exactly among when the index has more hits than [`MAX_HITS`]
/// and the list's filters leave this many or fewer.
pub const MAX_FILTERED: usize = 10_000;
/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Token overlap from which two records count as possible duplicates.
pub const DUPLICATE_SIMILARITY: f64 = 0.75;

text_enum! {
    /// Sort orders of library lists.
    pub enum SortOrder {
        /// Best full-text match first (with `q`; otherwise newest).
        Relevance => "relevance",
        /// Newest first.
        Newest => "newest",
        /// Cheapest first (negotiable last).
        PriceAsc => "price_asc",
        /// Dearest first (negotiable last).
        PriceDesc => "price_desc",
    }
}

impl SortOrder {
    /// The order to use: relevance by default with a query, newest without.
    pub fn resolve(requested: Option<SortOrder>, has_query: bool) -> SortOrder {
        match requested {
            Some(SortOrder::Relevance) | None if has_query => SortOrder::Relevance,
            Some(SortOrder::Relevance) | None => SortOrder::Newest,
            Some(other) => other,
        }
    }
}

/// Which records a list covers.
#[derive(Debug, Clone)]
pub enum ListScope {
    /// Published, unexpired records.
    Public,
    /// Records the caller manages, optionally in one status.
    Managed {
        /// Only this organization's (None: all, for administrators).
        org_id: Option<String>,
        /// Only this user's (expert profiles).
        owner_user_id: Option<String>,
        /// Only this status.
        status: Option<ListingStatus>,
    },
}

impl ListScope {
    /// Public unless `status` or `mine` asks for managed records (which needs a caller).
    pub fn resolve(
        user: Option<&AuthUser>,
        status: Option<ListingStatus>,
        mine: bool,
        by_user: bool,
    ) -> ApiResult<ListScope> {
        if status.is_none() && !mine {
            return Ok(ListScope::Public);
        }
        let user =
            user.ok_or_else(|| ApiError::Unauthorized("sign in to list records by status".into()))?;
        if user.is_admin() && !mine {
            return Ok(ListScope::Managed { org_id: None, owner_user_id: None, status });
        }
        // Expert profiles, and callers without an organization: the records they own or created.
        match (&user.user.organization_id, by_user) {
            (Some(org), false) => {
                Ok(ListScope::Managed { org_id: Some(org.clone()), owner_user_id: None, status })
            }
            _ => Ok(ListScope::Managed {
                org_id: None,
                owner_user_id: Some(user.id().to_string()),
                status,
            }),
        }
    }
}

/// Applies a [`ListScope`] to a boxed query over `listings` (joined with a library table).
#[macro_export]
macro_rules! apply_scope {
    ($query:expr, $scope:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::listings;
        use $crate::listings::lifecycle::ListingStatus;
        let today = $crate::listings::queries::today();
        let mut query = $query;
        match $scope {
            $crate::listings::listing_search::ListScope::Public => {
                query = query
                    .filter(listings::status.eq(ListingStatus::Published.as_str()))
                    .filter(listings::valid_until.ge(today));
            }
            $crate::listings::listing_search::ListScope::Managed {
                org_id,
                owner_user_id,
                status,
            } => {
                if let Some(org) = org_id {
                    query = query.filter(listings::org_id.eq(org));
                }
                if let Some(owner) = owner_user_id {
                    query =
                        query.filter(listings::owner_user_id.eq(owner.clone()).or(
                            listings::owner_user_id.is_null().and(listings::created_by.eq(owner)),
                        ));
                }
                match status {
                    None => {}
                    Some(ListingStatus::Published) => {
                        query = query
                            .filter(listings::status.eq(ListingStatus::Published.as_str()))
                            .filter(listings::valid_until.ge(today));
                    }
                    Some(ListingStatus::Expired) => {
                        query = query.filter(
                            listings::status.eq(ListingStatus::Expired.as_str()).or(
                                listings::status
                                    .eq(ListingStatus::Published.as_str())
                                    .and(listings::valid_until.lt(today)),
                            ),
                        );
                    }
                    Some(other) => query = query.filter(listings::status.eq(other.as_str())),
                }
            }
        }
        query
    }};
}

/// What every library's list filters on the shared `listings` row: the library, the caller's
/// scope, the full-text hits, a region prefix and the owning organization.
#[derive(Debug, Clone)]
pub struct ListingSelection {
    /// The library listed.
    pub library: Library,
    /// Whose records, in which states.
    pub scope: ListScope,
    /// Only these ids (a search's hits), when set.
    pub hit_ids: Option<Vec<String>>,
    /// A GB/T 2260 code prefix the record's region starts with.
    pub region: Option<String>,
    /// The organization owning the records.
    pub org_id: Option<String>,
}

/// Applies a [`ListingSelection`] to a boxed query over `listings` (alone or joined with a
/// library table).
#[macro_export]
macro_rules! apply_listing_selection {
    ($query:expr, $selection:expr) => {{
        use diesel::prelude::*;
        use $crate::db::schema::listings;
        let selection: $crate::listings::listing_search::ListingSelection = $selection;
        let mut query = $query.filter(listings::library.eq(selection.library.as_str()));
        query = $crate::apply_scope!(query, selection.scope);
        if let Some(ids) = selection.hit_ids {
            query = query.filter(listings::id.eq_any(ids));
        }
        if let Some(region) = selection.region {
            let pattern = format!("{}%", $crate::organizations::queries::like_escape(&region));
            query = query.filter(listings::region_code.like(pattern).escape('\\'));
        }
        if let Some(org) = selection.org_id {
            query = query.filter(listings::org_id.eq(org));
        }
        query
    }};
}

/// Full-text hits of a query, best first.
#[derive(Debug, Clone)]
pub struct Hits {
    order: Vec<String>,
    scores: HashMap<String, f32>,
}

impl Hits {
    /// Whether the index stopped at [`MAX_HITS`] (more records may match).
    pub fn truncated(&self) -> bool {
        self.order.len() >= MAX_HITS
    }

    /// The ids hit.
    pub fn ids(&self) -> Vec<String> {
        self.order.clone()
    }

    /// The score of an id (0 if not hit).
    pub fn score(&self, id: &str) -> f32 {
        self.scores.get(id).copied().unwrap_or(0.0)
    }
}

/// Searches the index when `q` is given (None when it is absent or blank), its words combined
/// as `words` says.
pub async fn hits(
    state: &AppState,
    library: Library,
    q: Option<&str>,
    words: WordMatch,
) -> ApiResult<Option<Hits>> {
    let Some(text) = q.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::field(
            "q",
            "too_long",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    search_hits(state, library, text, words, None).await.map(Some)
}

/// The hits of a search among these records only (all of them, however many match).
pub async fn hits_within(
    state: &AppState,
    library: Library,
    q: &str,
    words: WordMatch,
    ids: Vec<String>,
) -> ApiResult<Hits> {
    search_hits(state, library, q.trim(), words, Some(ids)).await
}

async fn search_hits(
    state: &AppState,
    library: Library,
    text: &str,
    words: WordMatch,
    within: Option<Vec<String>>,
) -> ApiResult<Hits> {
    let search = state.search.clone();
    let text = text.to_string();
    let limit = within.as_ref().map_or(MAX_HITS, |ids| ids.len().max(1));
    let found = web::block(move || {
        search.search_within(library.search_library(), &text, words, within.as_deref(), limit)
    })
    .await?
    .map_err(|e| ApiError::Internal(format!("search: {e}")))?;
    Ok(Hits {
        order: found.iter().map(|h| h.id.clone()).collect(),
        scores: found.into_iter().map(|h| (h.id, h.score)).collect(),
    })
}

/// What to fetch from the database for a page.
#[derive(Debug, Clone)]
pub struct Window {
    /// Keyset start (newest-first lists).
    pub after_id: Option<String>,
    /// Rows to skip in the database.
    pub offset: i64,
    /// Rows to fetch.
    pub limit: i64,
    /// Position in the in-memory list (searches).
    start: usize,
}

impl Window {
    /// A newest-first batch after an id (exports).
    pub fn keyset(after_id: Option<String>, limit: i64) -> Window {
        Window { after_id, offset: 0, limit, start: 0 }
    }
}

/// Plans the fetch for a page from its cursor (`i:<id>` keyset or `o:<n>` offset).
pub fn window(request: &PageRequest, has_hits: bool, sort: SortOrder) -> ApiResult<Window> {
    let invalid = || ApiError::field("cursor", "invalid_cursor", "is not a cursor of this list");
    let (after_id, offset) = match request.after.as_deref() {
        None => (None, 0usize),
        Some(key) => match (key.strip_prefix("i:"), key.strip_prefix("o:")) {
            (Some(id), _) => (Some(id.to_string()), 0),
            (_, Some(n)) => (None, n.parse::<usize>().map_err(|_| invalid())?),
            _ => return Err(invalid()),
        },
    };
    let keyset = !has_hits && sort == SortOrder::Newest;
    if (keyset && offset > 0) || (!keyset && after_id.is_some()) {
        return Err(invalid());
    }
    let fetch = request.fetch();
    Ok(if has_hits {
        Window {
            after_id: None,
            offset: 0,
            limit: i64::try_from(MAX_HITS).unwrap_or(1000) + 1,
            start: offset,
        }
    } else if keyset {
        Window { after_id, offset: 0, limit: fetch, start: 0 }
    } else {
        Window {
            after_id: None,
            offset: i64::try_from(offset).map_err(|_| invalid())?,
            limit: fetch,
            start: 0,
        }
    })
}

/// Turns fetched rows into a page.
pub fn paginate<T>(
    mut rows: Vec<T>,
    request: &PageRequest,
    window: &Window,
    sort: SortOrder,
    hits: Option<&Hits>,
    id: impl Fn(&T) -> String,
) -> Page<T> {
    let limit = usize::try_from(request.limit).unwrap_or(20);
    if let Some(hits) = hits {
        if sort == SortOrder::Newest {
            rows.sort_by_key(|r| std::cmp::Reverse(id(r)));
        }
        if sort == SortOrder::Relevance {
            rows.sort_by(|a, b| {
                hits.score(&id(b)).total_cmp(&hits.score(&id(a))).then_with(|| id(b).cmp(&id(a)))
            });
        }
        let total = rows.len();
        let start = window.start.min(total);
        let end = (start + limit).min(total);
        let items: Vec<T> = rows.drain(start..end).collect();
        let next_cursor = (end < total).then(|| encode_cursor(&format!("o:{end}")));
        return Page { items, next_cursor, total: i64::try_from(total).ok() };
    }
    if sort == SortOrder::Newest {
        return Page::from_rows(rows, request, |r| format!("i:{}", id(r)));
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = usize::try_from(window.offset).unwrap_or(0) + limit;
    Page {
        items: rows,
        next_cursor: more.then(|| encode_cursor(&format!("o:{next}"))),
        total: None,
    }
}

/// Puts a document into the search index (logged, never failing the request: the database
/// is the truth and `reindex` rebuilds from it).
pub async fn index(state: &AppState, doc: SearchDoc) {
    state.matching.upsert(std::slice::from_ref(&doc));
    let search = state.search.clone();
    match web::block(move || search.upsert(&doc)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::error!(%error, "search index: upsert failed"),
        Err(error) => tracing::error!(%error, "search index: upsert task failed"),
    }
}

/// A record that looks like one being created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PossibleDuplicate {
    /// Its id.
    pub id: String,
    /// Its title or name.
    pub title: String,
    /// Token overlap of title and text, 0–1.
    pub similarity: f64,
}

/// Loads candidate records with their main text.
pub type TextLoader = fn(&mut DbConnection, Vec<String>) -> ApiResult<Vec<(Listing, String)>>;

fn token_set(title: &str, text: &str) -> HashSet<String> {
    let prefix: String = text.chars().take(1000).collect();
    tokens(&format!("{title} {prefix}")).into_iter().collect()
}

/// Records of the library, visible to the creator, whose title and text nearly equal these.
pub async fn possible_duplicates(
    state: &AppState,
    library: Library,
    own_id: &str,
    title: &str,
    text: &str,
    user: Option<&AuthUser>,
    load: TextLoader,
) -> ApiResult<Vec<PossibleDuplicate>> {
    let probe: String = format!("{title} {}", text.chars().take(200).collect::<String>());
    let search = state.search.clone();
    let candidates =
        web::block(move || search.search(library.search_library(), &probe, WordMatch::Any, 10))
            .await?
            .map_err(|e| ApiError::Internal(format!("search: {e}")))?;
    let ids: Vec<String> = candidates.into_iter().map(|h| h.id).filter(|id| id != own_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = state.db.read(move |conn| load(conn, ids)).await?;
    let mine = token_set(title, text);
    let mut found: Vec<PossibleDuplicate> = rows
        .into_iter()
        .filter(|(listing, _)| listing.is_public() || user.is_some_and(|u| can_manage(u, listing)))
        .filter_map(|(listing, other_text)| {
            let theirs = token_set(&listing.title, &other_text);
            let union = mine.union(&theirs).count();
            if union == 0 {
                return None;
            }
            let similarity = mine.intersection(&theirs).count() as f64 / union as f64;
            (similarity >= DUPLICATE_SIMILARITY).then(|| PossibleDuplicate {
                id: listing.id,
                title: listing.title,
                similarity: (similarity * 1000.0).round() / 1000.0,
            })
        })
        .collect();
    found.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_defaults_follow_the_query() {
        assert_eq!(SortOrder::resolve(None, true), SortOrder::Relevance);
        assert_eq!(SortOrder::resolve(None, false), SortOrder::Newest);
        assert_eq!(SortOrder::resolve(Some(SortOrder::Relevance), false), SortOrder::Newest);
        assert_eq!(SortOrder::resolve(Some(SortOrder::PriceAsc), true), SortOrder::PriceAsc);
        crate::macros::assert_text_enum(SortOrder::ALL, |s| s.as_str());
    }
}
