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
use crate::search::{IndexFilter, IndexOrder, PageQuery, SearchDoc, WordMatch, tokens};
use crate::state::AppState;

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
    /// The index's order of a search's hits.
    pub fn index_order(self) -> IndexOrder {
        match self {
            SortOrder::Relevance => IndexOrder::Relevance,
            SortOrder::Newest => IndexOrder::Newest,
            SortOrder::PriceAsc => IndexOrder::AmountAscending,
            SortOrder::PriceDesc => IndexOrder::AmountDescending,
        }
    }

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
    /// Only these ids (a search's page of hits), when set.
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

/// One page of a list: its records' ids found in the index among the records the list's
/// filters, scope and search leave, in the list's order.
#[derive(Debug, Clone)]
pub struct Hits {
    /// The page's ids, in order.
    ids: Vec<String>,
    /// Where the next page starts, when there is one.
    next: Option<String>,
    /// Every record the list holds.
    total: usize,
}

impl Hits {
    /// The page's ids.
    pub fn ids(&self) -> Vec<String> {
        self.ids.clone()
    }

    /// The page of `rows` (the page's records as the database still shows them to the caller),
    /// in the hits' order, with the cursor of the next page and the number of records.
    pub fn page<T>(&self, rows: Vec<T>, id: impl Fn(&T) -> &str) -> Page<T> {
        let position: HashMap<&str, usize> =
            self.ids.iter().enumerate().map(|(n, id)| (id.as_str(), n)).collect();
        let mut placed: Vec<(usize, T)> = rows
            .into_iter()
            .filter_map(|row| position.get(id(&row)).copied().map(|n| (n, row)))
            .collect();
        placed.sort_by_key(|(n, _)| *n);
        Page {
            items: placed.into_iter().map(|(_, row)| row).collect(),
            next_cursor: self.next.as_deref().map(encode_cursor),
            total: i64::try_from(self.total).ok(),
        }
    }
}

/// The text of `q` to search for: `None` when absent or blank, 422 when too long.
pub fn query_text(q: Option<&str>) -> ApiResult<Option<String>> {
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
    Ok(Some(text.to_string()))
}

/// What a list of a library asks the index.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The library.
    pub library: Library,
    /// The text searched for (`None`: a plain list).
    pub text: Option<String>,
    /// How its words combine.
    pub words: WordMatch,
    /// The list's filters and scope.
    pub filter: IndexFilter,
    /// The list's order.
    pub sort: SortOrder,
}

/// A page of a list from the index: `limit` records from where `cursor` points (a keyset
/// `i:<id>` in newest-first lists, an offset `o:<n>` in the others).
pub async fn search(
    state: &AppState,
    request: SearchRequest,
    cursor: &ListCursor,
    limit: usize,
) -> ApiResult<Hits> {
    let search = state.search.clone();
    let cursor = cursor.clone();
    let found = web::block(move || {
        search.page(&PageQuery {
            library: request.library.search_library(),
            text: request.text.as_deref(),
            words: request.words,
            filter: &request.filter,
            order: request.sort.index_order(),
            offset: cursor.offset,
            before: cursor.after_id.as_deref(),
            limit: limit.saturating_add(1),
        })
    })
    .await?
    .map_err(|e| ApiError::Internal(format!("search: {e}")))?;
    let mut ids: Vec<String> = found.hits.into_iter().map(|h| h.id).collect();
    let more = ids.len() > limit;
    ids.truncate(limit);
    let next = match (more, cursor.keyset) {
        (false, _) => None,
        (true, true) => ids.last().map(|id| format!("i:{id}")),
        (true, false) => Some(format!("o:{}", cursor.offset + ids.len())),
    };
    Ok(Hits { ids, next, total: found.total })
}

/// Where a page of a list starts.
#[derive(Debug, Clone, Default)]
pub struct ListCursor {
    /// Newest-first lists page by keyset: after this id.
    after_id: Option<String>,
    /// Other orders page by offset: hits to skip.
    offset: usize,
    /// Whether the list pages by keyset.
    keyset: bool,
}

impl ListCursor {
    /// Decodes a page's cursor (`i:<id>` keyset for newest-first lists, `o:<n>` offset for
    /// the other orders).
    pub fn parse(request: &PageRequest, sort: SortOrder) -> ApiResult<ListCursor> {
        let invalid =
            || ApiError::field("cursor", "invalid_cursor", "is not a cursor of this list");
        let keyset = sort == SortOrder::Newest;
        let (after_id, offset) = match request.after.as_deref() {
            None => (None, 0),
            Some(key) => match (key.strip_prefix("i:"), key.strip_prefix("o:")) {
                (Some(id), _) if keyset => (Some(id.to_string()), 0),
                (_, Some(n)) if !keyset => (None, n.parse::<usize>().map_err(|_| invalid())?),
                _ => return Err(invalid()),
            },
        };
        Ok(ListCursor { after_id, offset, keyset })
    }
}

/// What to fetch from the database for an export batch.
#[derive(Debug, Clone)]
pub struct Window {
    /// Keyset start (newest first).
    pub after_id: Option<String>,
    /// Rows to fetch.
    pub limit: i64,
}

impl Window {
    /// A newest-first batch after an id.
    pub fn keyset(after_id: Option<String>, limit: i64) -> Window {
        Window { after_id, limit }
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

/// Re-indexes records changed outside their edit (a lifecycle action, their organization's
/// verification): reads their documents as committed and puts them in the index (logged,
/// never failing the request; the change feed would bring them within a second).
pub async fn refresh(state: &AppState, records: Vec<(Library, String)>) {
    let docs = state
        .db
        .read(move |conn| {
            let mut docs = Vec::new();
            for (library, id) in &records {
                docs.extend(super::reindex::doc_for(conn, *library, id)?);
            }
            Ok(docs)
        })
        .await;
    let docs = match docs {
        Ok(docs) if docs.is_empty() => return,
        Ok(docs) => docs,
        Err(error) => {
            return tracing::error!(?error, "search index: reading changed records failed");
        }
    };
    state.matching.upsert(&docs);
    let search = state.search.clone();
    match web::block(move || search.upsert_many(&docs)).await {
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
