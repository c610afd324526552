//! The record layer: what a kind of listing implements to plug into the shared create, read,
//! list, edit, import and export handlers ([`super::handlers`], [`super::bulk`]).
//!
//! A library names its row, input, checked input, output and filters, and the few queries
//! only it can write (insert, save, find, list); everything around them — authorization,
//! validation, versions, duplicate hints, indexing, notifications, ETags — is shared.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::access::Viewer;
use crate::listings::bulk::ImportContext;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, PossibleDuplicate, SortOrder, Window};
use crate::listings::model::Listing;
use crate::organizations::model::OrgKind;
use crate::policy::Managed;
use crate::search::SearchDoc;
use crate::validation::Checker;

/// A stored record: the shared listing and the library's own row.
pub type Stored<L> = (Listing, <L as RecordLibrary>::Row);

/// A kind of listing (one of the four libraries, or a fifth one).
pub trait RecordLibrary {
    /// The library.
    const LIBRARY: Library;
    /// Organization kinds whose records the library holds.
    const OWNER_KINDS: &'static [OrgKind];
    /// CSV columns holding lists, written `a;b;c`.
    const LIST_FIELDS: &'static [&'static str];
    /// CSV columns holding integers.
    const INT_FIELDS: &'static [&'static str];
    /// CSV columns holding booleans (`true`/`false`, `1`/`0`, `是`/`否`).
    const BOOL_FIELDS: &'static [&'static str];
    /// CSV columns holding JSON (lists of objects).
    const JSON_FIELDS: &'static [&'static str];
    /// The library's own columns of the CSV export, in order (dotted names reach into
    /// objects), between the id and owner's reference and the validity, status, owner,
    /// publication and contact columns every library exports.
    const EXPORT_COLUMNS: &'static [&'static str];
    /// Whether "mine" means the caller's own records rather than their organization's.
    const BY_USER: bool = false;
    /// Whether the library sorts by price (achievements' asking price, demands' budget).
    const PRICE_SORTS: bool = true;
    /// Whether [`RecordLibrary::check_references`] needs the database.
    const CHECKS_REFERENCES: bool = false;

    /// The create body (and, merged with a patch, the edit body).
    type Input: Serialize + DeserializeOwned + Send + 'static;
    /// A checked record.
    type Valid: Send + 'static;
    /// The list filters (shared by list and export).
    type Filter: Clone + Send + 'static;
    /// The library's own row.
    type Row: Send + 'static;
    /// The record as the API shows it.
    type Out: Serialize + Send + 'static;

    /// Checks a body, collecting field errors; `Some` when nothing failed.
    fn check(input: &Self::Input, checker: &mut Checker) -> Option<Self::Valid>;

    /// Checks what the body refers to in the database (run when `CHECKS_REFERENCES`).
    fn check_references(
        _conn: &mut DbConnection,
        _input: &Self::Input,
        _checker: &mut Checker,
    ) -> ApiResult<()> {
        Ok(())
    }

    /// The organization a body names (`org_id`).
    fn requested_org(input: &Self::Input) -> Option<String>;

    /// Refuses callers whose role never creates this kind of record (before anything else).
    fn may_create(_user: &AuthUser, _input: &Self::Input) -> ApiResult<()> {
        Ok(())
    }

    /// Creates a record for the caller (listing + row + audit) in the caller's transaction.
    fn create(
        conn: &mut DbConnection,
        user: &AuthUser,
        requested_org: Option<&str>,
        valid: &Self::Valid,
        status: ListingStatus,
    ) -> ApiResult<Stored<Self>>;

    /// Saves an edit of a record the caller manages if the version is still `expected`, and
    /// audits the change.
    fn save(
        conn: &mut DbConnection,
        actor: &Actor,
        current: &Managed<Stored<Self>>,
        valid: &Self::Valid,
        expected: i64,
    ) -> ApiResult<Stored<Self>>;

    /// The stored record as its owner wrote it (the base of a merge patch).
    fn to_input(listing: &Listing, row: &Self::Row) -> ApiResult<Self::Input>;

    /// The record's search document.
    fn search_doc(listing: &Listing, row: &Self::Row) -> SearchDoc;

    /// Every record's search document (for rebuilding the index).
    fn all_search_docs(conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>>;

    /// Removes the library's own row of a record (its listing goes with it).
    fn delete_row(conn: &mut DbConnection, id: &str) -> ApiResult<()>;

    /// The record's main text (summary, description, bio) for near-duplicate hints.
    fn main_text(row: &Self::Row) -> String;

    /// Records with their main text (for near-duplicate detection).
    fn load_texts(conn: &mut DbConnection, ids: Vec<String>) -> ApiResult<Vec<(Listing, String)>>;

    /// The parts of the filters the shared code needs.
    fn filter_parts(filter: &Self::Filter) -> FilterParts;

    /// The filters and scope as the search index applies them to a search's hits.
    fn index_filter(filter: &Self::Filter, scope: &ListScope) -> crate::search::IndexFilter;

    /// A page's rows (`hit_ids`, unordered) or an export batch (newest first after `window`'s
    /// id) of the records the filters select in the caller's scope.
    fn list_rows(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
    ) -> ApiResult<Vec<Stored<Self>>>;

    /// One record with its library row (404 when missing).
    fn find(conn: &mut DbConnection, id: &str) -> ApiResult<Stored<Self>>;

    /// The view of a record for a viewer.
    fn build_out(listing: Listing, row: Self::Row, viewer: Viewer) -> Self::Out;

    /// Attaches the look-alikes found on creation to the output.
    fn with_duplicates(out: Self::Out, duplicates: Vec<PossibleDuplicate>) -> Self::Out;

    /// The shared fields of an output.
    fn listing_mut(out: &mut Self::Out) -> &mut crate::listings::output::ListingOut;

    /// One export batch (newest first after `window`'s id), as `(id, public JSON)`.
    fn export_batch(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
        caller: Option<&AuthUser>,
    ) -> ApiResult<Vec<(String, Value)>> {
        let rows = Self::list_rows(conn, filter, scope, hit_ids, window)?;
        Ok(rows
            .into_iter()
            .map(|(listing, row)| {
                let id = listing.id.clone();
                let viewer = Viewer::of(caller, &listing);
                (
                    id,
                    serde_json::to_value(Self::build_out(listing, row, viewer)).unwrap_or_default(),
                )
            })
            .collect())
    }

    /// Reads and checks one import line (database references are checked by `insert`).
    fn parse(value: Value) -> Result<Self::Valid, Vec<FieldError>> {
        let input: Self::Input = decode_value(value)?;
        let mut checker = Checker::new();
        let valid = Self::check(&input, &mut checker);
        match (checker.finish(), valid) {
            (Ok(()), Some(valid)) => Ok(valid),
            (Err(ApiError::Validation(errors)), _) => Err(errors),
            _ => Err(vec![FieldError::new("line", "invalid", "the record could not be read")]),
        }
    }

    /// Inserts a checked import line; returns its search document.
    fn insert(
        conn: &mut DbConnection,
        ctx: &ImportContext,
        valid: &Self::Valid,
    ) -> ApiResult<SearchDoc>;
}

/// The filter parts every library shares.
#[derive(Debug, Clone, Default)]
pub struct FilterParts {
    /// Full-text query.
    pub q: Option<String>,
    /// Status (managed records).
    pub status: Option<ListingStatus>,
    /// The caller's own records.
    pub mine: bool,
    /// Region prefix.
    pub region: Option<String>,
    /// Sort order asked for.
    pub sort: Option<SortOrder>,
}

/// Reads a JSON value into a typed body, mapping failures to field errors.
pub fn decode_value<T: DeserializeOwned>(value: Value) -> Result<T, Vec<FieldError>> {
    let bytes = serde_json::to_vec(&value)
        .map_err(|e| vec![FieldError::new("line", "invalid", e.to_string())])?;
    crate::http::json::decode(&bytes).map_err(|error| match error {
        ApiError::Validation(errors) => errors,
        other => vec![FieldError::new("line", "invalid", other.to_string())],
    })
}

/// Checks a body fully: its own fields, then (where the library needs it) what it refers to.
/// 422 with every failing field.
pub async fn validate<L: RecordLibrary + 'static>(
    state: &crate::state::AppState,
    input: L::Input,
) -> ApiResult<(L::Input, L::Valid)> {
    let mut checker = Checker::new();
    let valid = L::check(&input, &mut checker);
    let (input, checker) = if L::CHECKS_REFERENCES {
        state
            .db
            .read(move |conn| {
                L::check_references(conn, &input, &mut checker)?;
                Ok((input, checker))
            })
            .await?
    } else {
        (input, checker)
    };
    checker.finish()?;
    let valid = valid
        .ok_or_else(|| ApiError::Internal(format!("validated {} missing", L::LIBRARY.entity())))?;
    Ok((input, valid))
}

/// Implements [`RecordLibrary::filter_parts`] for a filter with the common `q`, `status`,
/// `mine`, `region` and `sort` fields.
#[macro_export]
macro_rules! common_filter_parts {
    ($filter:ty) => {
        fn filter_parts(filter: &$filter) -> $crate::listings::record::FilterParts {
            $crate::listings::record::FilterParts {
                q: filter.q.clone(),
                status: filter.status,
                mine: filter.mine.unwrap_or(false),
                region: filter.region.clone(),
                sort: filter.sort,
            }
        }
    };
}

/// Defines a library's list queries around its own `selected(filter, scope, hit_ids)` (the
/// records a list's filters and scope select, as the boxed query `Selected` over the tables
/// after `from`) and `own_index_filter(filter)` (the index's form of the filters on its own
/// columns): `listing_selection`, the part of the filters on the listing row (the filter's
/// `region`, and its `org_id` when the library is named with `org_id`); `index_filter`; and
/// `list_rows`, which loads the `rows` tuple of a search page or an export batch.
#[macro_export]
macro_rules! selected_queries {
    (@org $f:ident) => {
        None
    };
    (@org $f:ident org_id) => {
        $f.org_id.clone()
    };
    ($filter:ty, $library:ident $(, $org:ident)?; from $joined:ty; rows $($row:ident),+) => {
        /// The records a list's filters and scope select, unordered and unpaged.
        type Selected =
            diesel::helper_types::IntoBoxed<'static, $joined, $crate::db::MultiBackend>;

        /// A search page's rows (`hit_ids`, unordered: the handler places them in the index's
        /// order) or an export batch (newest first after `window`'s id) of the records a
        /// list's filters and scope select.
        pub fn list_rows(
            conn: &mut $crate::db::DbConnection,
            f: &$filter,
            scope: &ListScope,
            hit_ids: Option<Vec<String>>,
            window: &$crate::listings::listing_search::Window,
        ) -> $crate::error::ApiResult<Vec<($($row),+)>> {
            use diesel::prelude::*;
            let searching = hit_ids.is_some();
            let mut query = selected(f, scope, hit_ids);
            if !searching {
                query = query.order($crate::db::schema::listings::id.desc());
            }
            if let Some(after) = window.after_id.clone() {
                query = query.filter($crate::db::schema::listings::id.lt(after));
            }
            Ok(query.limit(window.limit).select(($($row::as_select()),+)).load(conn)?)
        }

        /// The part of a list's filters on the listing row.
        fn listing_selection(
            f: &$filter,
            scope: &ListScope,
            hit_ids: Option<Vec<String>>,
        ) -> $crate::listings::listing_search::ListingSelection {
            $crate::listings::listing_search::ListingSelection {
                library: $crate::listings::Library::$library,
                scope: scope.clone(),
                hit_ids,
                region: f.region.clone(),
                org_id: $crate::selected_queries!(@org f $($org)?),
            }
        }

        /// The index's form of a list's filters and scope (see `own_index_filter`).
        pub fn index_filter(f: &$filter, scope: &ListScope) -> $crate::search::IndexFilter {
            listing_selection(f, scope, None).index_filter(own_index_filter(f))
        }
    };
}

/// Implements [`RecordLibrary::index_filter`] with the library's `queries::index_filter`.
#[macro_export]
macro_rules! filter_queries {
    ($filter:ty) => {
        fn index_filter(
            filter: &$filter,
            scope: &$crate::listings::listing_search::ListScope,
        ) -> $crate::search::IndexFilter {
            queries::index_filter(filter, scope)
        }
    };
}

/// Implements `build_out` and `with_duplicates` for an output built by
/// `$out::build(listing, row, viewer)` with a flattened `listing: ListingOut`.
#[macro_export]
macro_rules! record_output {
    ($out:ident) => {
        fn build_out(
            listing: $crate::listings::model::Listing,
            row: Self::Row,
            viewer: $crate::listings::access::Viewer,
        ) -> $out {
            $out::build(listing, row, viewer)
        }

        fn with_duplicates(
            out: $out,
            duplicates: Vec<$crate::listings::listing_search::PossibleDuplicate>,
        ) -> $out {
            let listing = $crate::listings::output::ListingOut {
                possible_duplicates: Some(duplicates),
                ..out.listing
            };
            $out { listing, ..out }
        }

        fn listing_mut(out: &mut $out) -> &mut $crate::listings::output::ListingOut {
            &mut out.listing
        }
    };
}
