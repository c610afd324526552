//! Bulk import (NDJSON or CSV, all-or-nothing unless `partial=true`) and streaming export
//! (CSV or NDJSON) for every library.
//!
//! Split by concern: this file holds the trait a library implements ([`RecordLibrary`]) and
//! the import context; [`codecs`] reads CSV/NDJSON lines and renders export rows; [`import`]
//! checks and inserts records; [`export`] streams them; [`handlers`] holds the generic list
//! and get handlers.

pub mod codecs;
pub mod export;
pub mod handlers;
pub mod import;

pub use codecs::{ExportFormat, Format, read_records, render_row};
pub use export::{FetchBatch, export, stream_export};
pub use handlers::{get, list};
pub use import::{
    ImportDuplicate, ImportOptions, ImportReport, MAX_DUPLICATE_CHECKS, check_records, import,
    insert_records,
};

use serde::Serialize;
use serde_json::Value;

use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiResult, FieldError};
use crate::listings::Library;
use crate::listings::access::Viewer;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::{ListScope, SortOrder, Window};
use crate::organizations::model::{OrgKind, Organization};
use crate::search::SearchDoc;

/// Most lines one import request may carry.
pub const MAX_IMPORT_LINES: usize = 10_000;
/// The body limit of imports (their own, above the JSON limit).
pub const IMPORT_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Imports of at least this many records refresh the planner's statistics.
pub const ANALYZE_AFTER: usize = 1000;
/// Rows fetched per export batch.
pub const EXPORT_BATCH: i64 = 500;

/// Who imports, for which organization, in which status.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// The audit actor.
    pub actor: Actor,
    /// The user recorded as creator.
    pub created_by: String,
    /// The owning organization.
    pub org: Organization,
    /// `draft`, or `published` for administrators' imports with `publish=true`.
    pub status: ListingStatus,
}

/// How a library takes part in bulk import and export.
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
    /// Columns of the CSV export, in order (dotted names reach into objects).
    const EXPORT_COLUMNS: &'static [&'static str];
    /// Whether "mine" means the caller's own records rather than their organization's.
    const BY_USER: bool = false;
    /// A checked record.
    type Valid: Send + 'static;
    /// Records with their main text (for near-duplicate detection).
    fn load_texts(
        conn: &mut DbConnection,
        ids: Vec<String>,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, String)>>;

    /// The list filters (shared by list and export).
    type Filter: Clone + Send + 'static;
    /// The library's own row, as lists load it.
    type Row: Send + 'static;
    /// The record as the API shows it.
    type Out: Serialize + Send + 'static;
    /// Whether the library sorts by price (achievements' asking price, demands' budget).
    const PRICE_SORTS: bool = true;

    /// The parts of the filters the shared code needs.
    fn filter_parts(filter: &Self::Filter) -> FilterParts;

    /// A page (or export batch) of records matching the filters, in the given order.
    fn list_rows(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        sort: SortOrder,
        window: &Window,
    ) -> ApiResult<Vec<(crate::listings::model::Listing, Self::Row)>>;

    /// One record with its library row (404 when missing).
    fn find(
        conn: &mut DbConnection,
        id: &str,
    ) -> ApiResult<(crate::listings::model::Listing, Self::Row)>;

    /// The view of a record for a viewer.
    fn build_out(
        listing: crate::listings::model::Listing,
        row: Self::Row,
        viewer: Viewer,
    ) -> Self::Out;

    /// One export batch (newest first after `window`'s id), as `(id, public JSON)`.
    fn export_batch(
        conn: &mut DbConnection,
        filter: &Self::Filter,
        scope: &ListScope,
        hit_ids: Option<Vec<String>>,
        window: &Window,
        caller: Option<&AuthUser>,
    ) -> ApiResult<Vec<(String, Value)>> {
        let rows = Self::list_rows(conn, filter, scope, hit_ids, SortOrder::Newest, window)?;
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

    /// Reads and checks one record.
    fn parse(value: Value) -> Result<Self::Valid, Vec<FieldError>>;

    /// Inserts a checked record; returns its search document.
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
