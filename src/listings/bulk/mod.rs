//! Bulk import (NDJSON or CSV, all-or-nothing unless `partial=true`) and streaming export
//! (CSV or NDJSON) for every library.
//!
//! Split by concern: this file holds the import context (the trait a library implements is
//! [`RecordLibrary`]); [`codecs`] reads CSV/NDJSON lines and renders export rows; [`import`]
//! checks and inserts records; [`export`] streams them.

pub mod codecs;
pub mod export;
pub mod import;

pub use crate::listings::record::{FilterParts, RecordLibrary};
pub use codecs::{ExportFormat, Format, read_records, render_row};
pub use export::{ExportShape, FetchBatch, export, stream_export};
pub use import::{
    ImportDuplicate, ImportOptions, ImportReport, MAX_DUPLICATE_CHECKS, check_records, import,
    insert_records,
};

use crate::audit::Actor;
use crate::listings::lifecycle::ListingStatus;
use crate::organizations::model::Organization;

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
