//! Import: checks every line, then inserts all (or, with `partial=true`, the valid ones).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::Connection;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::listings::lifecycle::ListingStatus;
use crate::search::SearchDoc;
use crate::state::AppState;

use super::codecs::{Format, line_error, read_records};
use super::{ANALYZE_AFTER, IMPORT_BODY_LIMIT, ImportContext, MAX_IMPORT_LINES, RecordLibrary};

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
    pub duplicate_of: crate::listings::listing_search::PossibleDuplicate,
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

/// Parses every record, numbering each failure with its line.
pub fn check_records<L: RecordLibrary>(
    records: Vec<(usize, Value)>,
) -> (Vec<(usize, L::Valid)>, Vec<FieldError>) {
    let mut valid = Vec::new();
    let mut errors = Vec::new();
    for (line, value) in records {
        match L::parse(value) {
            Ok(v) => valid.push((line, v)),
            Err(failures) => {
                errors.extend(failures.into_iter().map(|e| FieldError { line: Some(line), ..e }))
            }
        }
    }
    (valid, errors)
}

/// Inserts checked records in the current transaction (the statistics' sums move once for all
/// of them, at the end). With `partial`, each record gets its own savepoint and failures are
/// reported; without, the first failure aborts (the caller's transaction rolls back).
pub fn insert_records<L: RecordLibrary>(
    conn: &mut DbConnection,
    ctx: &ImportContext,
    records: &[(usize, L::Valid)],
    partial: bool,
) -> ApiResult<(Vec<SearchDoc>, Vec<FieldError>)> {
    crate::stats::rollups::batched(conn, |conn| insert_each::<L>(conn, ctx, records, partial))
}

fn insert_each<L: RecordLibrary>(
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
                let failures: Vec<FieldError> =
                    failures.into_iter().map(|e| FieldError { line: Some(*line), ..e }).collect();
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
    let mut body = crate::http::json::read_body(&req, &mut payload, IMPORT_BODY_LIMIT).await?;
    if body.starts_with(crate::http::csv_headers::BOM.as_bytes()) {
        let _bom = body.split_to(crate::http::csv_headers::BOM.len());
    }
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
            let org =
                crate::listings::owner_org(conn, &user, requested_org.as_deref(), L::OWNER_KINDS)?;
            let ctx = ImportContext {
                actor,
                created_by: user.id().to_string(),
                org,
                status: if publish { ListingStatus::Published } else { ListingStatus::Draft },
            };
            let (docs, errors) = insert_records::<L>(conn, &ctx, &valid, partial)?;
            let ids: Vec<String> = docs.iter().map(|d| d.id.clone()).collect();
            Ok((docs, errors, ids))
        })
        .await?;
    let failed: std::collections::HashSet<usize> =
        insert_errors.iter().filter_map(|e| e.line).collect();
    let created_lines: Vec<usize> =
        valid_lines.into_iter().filter(|l| !failed.contains(l)).collect();
    if ids.len() >= ANALYZE_AFTER
        && let Err(error) = state.db.read(|conn| Ok(crate::db::analyze(conn)?)).await
    {
        tracing::warn!(?error, "refreshing planner statistics after an import failed");
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
            let found = crate::listings::listing_search::possible_duplicates(
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
