//! Bulk import (NDJSON or CSV, all-or-nothing unless `partial=true`) and streaming export
//! (CSV or NDJSON) for every library.

use std::pin::Pin;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection;
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::Library;
use super::access::Viewer;
use super::lifecycle::ListingStatus;
use super::listing_search::{ListScope, SortOrder, Window};
use crate::audit::Actor;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::organizations::model::{OrgKind, Organization};
use crate::search::SearchDoc;
use crate::state::AppState;

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
    ) -> ApiResult<Vec<(super::model::Listing, String)>>;

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
    ) -> ApiResult<Vec<(super::model::Listing, Self::Row)>>;

    /// One record with its library row (404 when missing).
    fn find(conn: &mut DbConnection, id: &str) -> ApiResult<(super::model::Listing, Self::Row)>;

    /// The view of a record for a viewer.
    fn build_out(listing: super::model::Listing, row: Self::Row, viewer: Viewer) -> Self::Out;

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

/// Query of the import endpoints.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportOptions {
    /// Administrators: the organization receiving the records (members import into their own).
    pub org_id: Option<String>,
    /// Administrators: import as `published` instead of `draft`.
    pub publish: Option<bool>,
    /// Create the valid lines even when others fail (default: all or nothing).
    pub partial: Option<bool>,
}

/// Most created records an import checks for near-duplicates.
pub const MAX_DUPLICATE_CHECKS: usize = 1000;

/// A created record that looks like another record of the library.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportDuplicate {
    /// The import line of the created record.
    pub line: usize,
    /// The created record.
    pub id: String,
    /// The record it resembles.
    pub duplicate_of: super::listing_search::PossibleDuplicate,
}

/// The answer of an import.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    /// Records created.
    pub created: usize,
    /// Ids of the created records, in line order.
    pub ids: Vec<String>,
    /// Lines that failed (only with `partial=true`; otherwise a failing import is a 422).
    pub errors: Vec<FieldError>,
    /// Created records that nearly equal another record of the library (checked for imports
    /// of up to 1,000 records).
    pub possible_duplicates: Vec<ImportDuplicate>,
}

/// The data format of an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// A header line, then one record per line.
    Csv,
}

fn line_error(line: usize, field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        line: Some(line),
        ..FieldError::new(field, code, message)
    }
}

fn parse_bool(cell: &str) -> Option<bool> {
    match cell.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "是" => Some(true),
        "false" | "0" | "no" | "否" => Some(false),
        _ => None,
    }
}

/// Turns a CSV record into the JSON object of a create body.
fn csv_record<L: RecordLibrary>(headers: &csv::StringRecord, record: &csv::StringRecord) -> Value {
    let mut object = Map::new();
    for (name, cell) in headers.iter().zip(record.iter()) {
        let name = name.trim();
        let cell = cell.trim();
        if cell.is_empty() || name.is_empty() {
            continue;
        }
        let value = if L::LIST_FIELDS.contains(&name) {
            Value::Array(
                cell.split([';', '；'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            )
        } else if L::INT_FIELDS.contains(&name) {
            cell.parse::<i64>()
                .map_or_else(|_| Value::String(cell.to_string()), Value::from)
        } else if L::BOOL_FIELDS.contains(&name) {
            parse_bool(cell).map_or_else(|| Value::String(cell.to_string()), Value::Bool)
        } else if L::JSON_FIELDS.contains(&name) {
            serde_json::from_str(cell).unwrap_or_else(|_| Value::String(cell.to_string()))
        } else {
            Value::String(cell.to_string())
        };
        match name.split_once('.') {
            Some((outer, inner)) => {
                let entry = object
                    .entry(outer.to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = entry {
                    map.insert(inner.to_string(), value);
                }
            }
            None => {
                object.insert(name.to_string(), value);
            }
        }
    }
    Value::Object(object)
}

/// Splits an import body into numbered JSON records, or line errors.
pub fn read_records<L: RecordLibrary>(
    format: Format,
    body: &[u8],
    max_lines: usize,
) -> Result<Vec<(usize, Value)>, Vec<FieldError>> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    match format {
        Format::Ndjson => {
            let text = std::str::from_utf8(body).map_err(|_| {
                vec![line_error(
                    1,
                    "body",
                    "invalid_encoding",
                    "the body must be UTF-8",
                )]
            })?;
            for (index, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value @ Value::Object(_)) => records.push((index + 1, value)),
                    Ok(_) => errors.push(line_error(
                        index + 1,
                        "line",
                        "invalid_type",
                        "each line must be a JSON object",
                    )),
                    Err(e) => errors.push(line_error(
                        index + 1,
                        "line",
                        "malformed_json",
                        e.to_string(),
                    )),
                }
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(body);
            let headers = reader
                .headers()
                .map_err(|e| vec![line_error(1, "header", "malformed_csv", e.to_string())])?
                .clone();
            for (index, record) in reader.records().enumerate() {
                match record {
                    Ok(record) => records.push((index + 1, csv_record::<L>(&headers, &record))),
                    Err(e) => errors.push(line_error(
                        index + 1,
                        "line",
                        "malformed_csv",
                        e.to_string(),
                    )),
                }
            }
        }
    }
    if records.len() + errors.len() > max_lines {
        return Err(vec![line_error(
            max_lines + 1,
            "body",
            "too_many_lines",
            format!("at most {max_lines} records per import"),
        )]);
    }
    if records.is_empty() && errors.is_empty() {
        return Err(vec![line_error(
            1,
            "body",
            "empty",
            "the import holds no records",
        )]);
    }
    for (line, value) in &records {
        errors.extend(
            crate::http::input_guard::value_control_characters(value)
                .into_iter()
                .map(|e| FieldError {
                    line: Some(*line),
                    ..e
                }),
        );
    }
    if errors.is_empty() {
        Ok(records)
    } else {
        Err(errors)
    }
}

/// Parses every record, numbering each failure with its line.
pub fn check_records<L: RecordLibrary>(
    records: Vec<(usize, Value)>,
) -> (Vec<(usize, L::Valid)>, Vec<FieldError>) {
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for (line, value) in records {
        match L::parse(value) {
            Ok(v) => valid.push((line, v)),
            Err(failures) => errors.extend(failures.into_iter().map(|e| FieldError {
                line: Some(line),
                ..e
            })),
        }
    }
    (valid, errors)
}

/// Inserts checked records in the current transaction. With `partial`, each record gets its
/// own savepoint and failures are reported; without, the first failure aborts (the caller's
/// transaction rolls back).
pub fn insert_records<L: RecordLibrary>(
    conn: &mut DbConnection,
    ctx: &ImportContext,
    records: &[(usize, L::Valid)],
    partial: bool,
) -> ApiResult<(Vec<SearchDoc>, Vec<FieldError>)> {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    for (line, valid) in records {
        let result = if partial {
            conn.transaction(|conn| L::insert(conn, ctx, valid))
        } else {
            L::insert(conn, ctx, valid)
        };
        match result {
            Ok(doc) => docs.push(doc),
            Err(ApiError::Conflict { detail, .. }) => {
                let error = line_error(*line, "external_ref", "duplicate", detail);
                if !partial {
                    return Err(ApiError::Validation(vec![error]));
                }
                errors.push(error);
            }
            Err(ApiError::Validation(failures)) => {
                let failures: Vec<FieldError> = failures
                    .into_iter()
                    .map(|e| FieldError {
                        line: Some(*line),
                        ..e
                    })
                    .collect();
                if !partial {
                    return Err(ApiError::Validation(failures));
                }
                errors.extend(failures);
            }
            Err(other) => return Err(other),
        }
    }
    Ok((docs, errors))
}

fn import_format(req: &HttpRequest) -> Result<Format, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match content_type.as_str() {
        "application/x-ndjson"
        | "application/ndjson"
        | "application/jsonl"
        | "application/jsonlines" => Ok(Format::Ndjson),
        "text/csv" => Ok(Format::Csv),
        _ => Err(ApiError::UnsupportedMediaType(
            "imports take application/x-ndjson (one create body per line) or text/csv".into(),
        )),
    }
}

async fn read_payload(
    req: &HttpRequest,
    payload: &mut web::Payload,
    limit: usize,
) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limit
    {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `POST /api/v1/{library}/import`.
pub async fn import<L: RecordLibrary>(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    options: ImportOptions,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let format = import_format(&req)?;
    let publish = options.publish.unwrap_or(false);
    if (publish || options.org_id.is_some()) && !user.is_admin() {
        return Err(ApiError::Forbidden(
            "only administrators choose the organization or publish on import".into(),
        ));
    }
    let body = read_payload(&req, &mut payload, IMPORT_BODY_LIMIT).await?;
    let partial = options.partial.unwrap_or(false);
    let (records, mut errors) = match read_records::<L>(format, &body, MAX_IMPORT_LINES) {
        Ok(records) => (records, Vec::new()),
        Err(errors) if partial && errors.iter().all(|e| e.field == "line") => (Vec::new(), errors),
        Err(errors) => return Err(ApiError::Validation(errors)),
    };
    let (valid, check_errors) = web::block(move || check_records::<L>(records)).await?;
    errors.extend(check_errors);
    if !errors.is_empty() && !partial {
        return Err(ApiError::Validation(errors));
    }
    let actor = user.actor();
    let requested_org = options.org_id.clone();
    let valid_lines: Vec<usize> = valid.iter().map(|(line, _)| *line).collect();
    let caller = user.clone();
    let (docs, insert_errors, ids) = state
        .db
        .write(move |conn| {
            let org = super::owner_org(conn, &user, requested_org.as_deref(), L::OWNER_KINDS)?;
            let ctx = ImportContext {
                actor,
                created_by: user.id().to_string(),
                org,
                status: if publish {
                    ListingStatus::Published
                } else {
                    ListingStatus::Draft
                },
            };
            let (docs, errors) = insert_records::<L>(conn, &ctx, &valid, partial)?;
            let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
            Ok((docs, errors, ids))
        })
        .await?;
    let failed: std::collections::HashSet<usize> =
        insert_errors.iter().filter_map(|e| e.line).collect();
    let created_lines: Vec<usize> = valid_lines
        .into_iter()
        .filter(|l| !failed.contains(l))
        .collect();
    if ids.len() >= ANALYZE_AFTER
        && let Err(error) = state.db.read(|conn| Ok(crate::db::analyze(conn)?)).await
    {
        tracing::warn!(
            ?error,
            "refreshing planner statistics after an import failed"
        );
    }
    errors.extend(insert_errors);
    errors.sort_by_key(|e| e.line);
    let search = state.search.clone();
    state.matching.upsert(&docs);
    let indexed = docs.clone();
    if let Err(error) = web::block(move || search.upsert_many(&indexed)).await? {
        tracing::error!(%error, "search index: import upsert failed");
    }
    if publish && docs.len() <= MAX_DUPLICATE_CHECKS {
        crate::notifications::spawn_on_published(
            state.db.clone(),
            state.matching.clone(),
            state.search.clone(),
            L::LIBRARY,
            docs.iter().map(|d| d.id.clone()).collect(),
        );
    }
    let mut possible_duplicates = Vec::new();
    if docs.len() <= MAX_DUPLICATE_CHECKS {
        for (line, doc) in created_lines.into_iter().zip(&docs) {
            let found = super::listing_search::possible_duplicates(
                &state,
                L::LIBRARY,
                &doc.id,
                &doc.title,
                &doc.body,
                Some(&caller),
                L::load_texts,
            )
            .await?;
            possible_duplicates.extend(found.into_iter().map(|duplicate_of| ImportDuplicate {
                line,
                id: doc.id.clone(),
                duplicate_of,
            }));
        }
    }
    Ok(HttpResponse::Created().json(ImportReport {
        created: ids.len(),
        ids,
        errors,
        possible_duplicates,
    }))
}

/// The export format asked for (`format=csv|ndjson`, default csv).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Comma-separated values with a header (lists joined with `;`).
    #[default]
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// One export row in the chosen format: NDJSON exactly as the API shows the record, CSV with
/// text cells guarded against formula injection (see [`crate::http::csv_out`]).
pub fn render_row(format: ExportFormat, columns: &[&str], row: &Value) -> Bytes {
    match format {
        ExportFormat::Ndjson => {
            let mut line = serde_json::to_vec(row).unwrap_or_default();
            line.push(b'\n');
            Bytes::from(line)
        }
        ExportFormat::Csv => {
            let cells: Vec<crate::http::csv_out::Cell> = columns
                .iter()
                .map(|column| match column.split_once('.') {
                    Some((outer, inner)) => {
                        crate::http::csv_out::Cell::of(row.get(outer).and_then(|o| o.get(inner)))
                    }
                    None => crate::http::csv_out::Cell::of(row.get(*column)),
                })
                .collect();
            crate::http::csv_out::line(&cells)
        }
    }
}

/// A batch fetcher: rows after an id (newest first), with the id of each.
pub type FetchBatch = Box<
    dyn FnMut(
        Option<String>,
    ) -> Pin<Box<dyn std::future::Future<Output = ApiResult<Vec<(String, Value)>>>>>,
>;

/// `GET /api/v1/{library}/export`: the records a list with the same filters shows, streamed
/// (never confidential details; contacts only for signed-in callers).
pub async fn export<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    filter: L::Filter,
    format: ExportFormat,
) -> ApiResult<HttpResponse> {
    let parts = L::filter_parts(&filter);
    crate::validation::check_region_prefix(parts.region.as_deref())?;
    let scope = ListScope::resolve(caller.as_ref(), parts.status, parts.mine, L::BY_USER)?;
    let hits = super::listing_search::hits(&state, L::LIBRARY, parts.q.as_deref()).await?;
    let hit_ids = hits.map(|h| h.ids());
    let fetch: FetchBatch = Box::new(move |after| {
        let state = state.clone();
        let filter = filter.clone();
        let scope = scope.clone();
        let hit_ids = hit_ids.clone();
        let caller = caller.clone();
        Box::pin(async move {
            let window = Window::keyset(after, EXPORT_BATCH);
            state
                .db
                .read(move |conn| {
                    L::export_batch(conn, &filter, &scope, hit_ids, &window, caller.as_ref())
                })
                .await
        })
    });
    stream_export(format, L::EXPORT_COLUMNS, L::LIBRARY, fetch).await
}

/// Streams an export: a header (CSV), then batches until the fetcher runs dry. The first
/// batch is fetched before anything is sent, so that a request the database refuses answers
/// with a problem document instead of a header and a cut connection.
pub async fn stream_export(
    format: ExportFormat,
    columns: &'static [&'static str],
    library: Library,
    mut fetch: FetchBatch,
) -> ApiResult<HttpResponse> {
    struct State {
        fetch: FetchBatch,
        after: Option<String>,
        first: Option<Vec<(String, Value)>>,
        started: bool,
        done: bool,
    }
    let first = fetch(None).await?;
    let initial = State {
        fetch,
        after: None,
        first: Some(first),
        started: false,
        done: false,
    };
    let stream = futures_util::stream::unfold(initial, move |mut state| async move {
        if state.done {
            return None;
        }
        if !state.started && format == ExportFormat::Csv {
            state.started = true;
            let header: Vec<String> = columns.iter().map(|c| (*c).to_string()).collect();
            return Some((
                Ok::<Bytes, ApiError>(crate::http::csv_out::header_line(&header)),
                state,
            ));
        }
        state.started = true;
        let batch = match state.first.take() {
            Some(first) => Ok(first),
            None => (state.fetch)(state.after.clone()).await,
        };
        match batch {
            Err(error) => {
                state.done = true;
                tracing::error!(?error, "export stopped");
                Some((Err(error), state))
            }
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                if rows.len() < usize::try_from(EXPORT_BATCH).unwrap_or(500) {
                    state.done = true;
                }
                state.after = rows.last().map(|(id, _)| id.clone());
                let mut chunk = Vec::new();
                for (_, row) in &rows {
                    chunk.extend_from_slice(&render_row(format, columns, row));
                }
                Some((Ok(Bytes::from(chunk)), state))
            }
        }
    });
    let (content_type, extension) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Ndjson => ("application/x-ndjson", "ndjson"),
    };
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, ApiError>>>> = Box::pin(stream);
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.{extension}\"", library.as_str()),
        ))
        .streaming(boxed))
}

/// `GET /api/v1/{library}`: lists and searches a library. The public sees published, unexpired
/// records; owners and administrators add `status` or `mine=true`.
pub async fn list<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    filter: L::Filter,
    page: crate::http::PageParams,
) -> ApiResult<crate::http::Page<L::Out>> {
    let parts = L::filter_parts(&filter);
    let request = page.parse()?;
    crate::validation::check_region_prefix(parts.region.as_deref())?;
    if !L::PRICE_SORTS && matches!(parts.sort, Some(SortOrder::PriceAsc | SortOrder::PriceDesc)) {
        return Err(ApiError::field(
            "sort",
            "unsupported",
            "this library sorts by `relevance` or `newest`",
        ));
    }
    let scope = ListScope::resolve(caller.as_ref(), parts.status, parts.mine, L::BY_USER)?;
    let hits = super::listing_search::hits(&state, L::LIBRARY, parts.q.as_deref()).await?;
    let sort = SortOrder::resolve(parts.sort, hits.is_some());
    let hit_ids = hits.as_ref().map(|h| h.ids());
    let window = super::listing_search::window(&request, hits.is_some(), sort)?;
    let db_window = window.clone();
    let rows = state
        .db
        .read(move |conn| L::list_rows(conn, &filter, &scope, hit_ids, sort, &db_window))
        .await?;
    let page =
        super::listing_search::paginate(rows, &request, &window, sort, hits.as_ref(), |(l, _)| {
            l.id.clone()
        });
    Ok(page.map(|(listing, row)| {
        let viewer = Viewer::of(caller.as_ref(), &listing);
        L::build_out(listing, row, viewer)
    }))
}

/// `GET /api/v1/{library}/{id}`: one record (unpublished ones only for their managers), with
/// its version as `ETag`.
pub async fn get<L: RecordLibrary + 'static>(
    caller: Option<AuthUser>,
    state: web::Data<AppState>,
    id: String,
) -> ApiResult<HttpResponse> {
    let (listing, row) = state.db.read(move |conn| L::find(conn, &id)).await?;
    super::access::ensure_visible(caller.as_ref(), &listing)?;
    let version = listing.version;
    let viewer = Viewer::of(caller.as_ref(), &listing);
    Ok(HttpResponse::Ok()
        .insert_header(crate::http::version::etag(version))
        .json(L::build_out(listing, row, viewer)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_join_lists_and_quote() {
        let row = serde_json::json!({"a": ["x", "y"], "b": "含,逗号", "c": {"d": 5}, "e": null});
        let line = render_row(ExportFormat::Csv, &["a", "b", "c.d", "e"], &row);
        assert_eq!(std::str::from_utf8(&line).unwrap(), "x;y,\"含,逗号\",5,\n");
    }
}
