//! Streaming export (CSV or NDJSON) in keyset batches.

use std::pin::Pin;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::Stream;
use serde_json::Value;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::listing_search::{
    self, ListCursor, ListScope, SearchRequest, SortOrder, Window,
};
use crate::search::WordMatch;
use crate::state::AppState;

use super::codecs::{ExportFormat, render_row};
use super::{EXPORT_BATCH, RecordLibrary};

/// What an export writes: the format and, for CSV, how columns are named.
#[derive(Debug, Clone, Copy)]
pub struct ExportShape {
    /// CSV or NDJSON.
    pub format: ExportFormat,
    /// Field codes or Chinese names in the CSV header.
    pub headers: crate::http::csv_headers::CsvHeaders,
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
    words: WordMatch,
    shape: ExportShape,
) -> ApiResult<HttpResponse> {
    let parts = L::filter_parts(&filter);
    crate::validation::check_region_prefix(parts.region.as_deref())?;
    let scope = ListScope::resolve(caller.as_ref(), parts.status, parts.mine, L::BY_USER)?;
    // A search exports every hit its filters leave, newest first.
    let hit_ids = match listing_search::query_text(parts.q.as_deref())? {
        Some(text) => {
            let filter = L::index_filter(&filter, &scope);
            let sort = SortOrder::Newest;
            let request =
                SearchRequest { library: L::LIBRARY, text: Some(text), words, filter, sort };
            let cursor = ListCursor::default();
            let mut ids =
                listing_search::search(&state, request, &cursor, usize::MAX - 1).await?.ids();
            ids.sort_unstable_by(|a, b| b.cmp(a));
            Some(Arc::new(ids))
        }
        None => None,
    };
    let fetch: FetchBatch = Box::new(move |after| {
        let state = state.clone();
        let filter = filter.clone();
        let scope = scope.clone();
        let hit_ids = hit_ids.clone();
        let caller = caller.clone();
        Box::pin(async move {
            let Some(ids) = hit_ids else {
                let window = Window::keyset(after, EXPORT_BATCH);
                return state
                    .db
                    .read(move |conn| {
                        L::export_batch(conn, &filter, &scope, None, &window, caller.as_ref())
                    })
                    .await;
            };
            hits_batch::<L>(&state, &ids, after, filter, scope, caller).await
        })
    });
    stream_export(shape, export_columns::<L>(), L::LIBRARY, fetch).await
}

/// The next batch of a search's export: the hits after `after` (ids newest first) that the
/// database still shows the caller, a full batch unless the hits run out.
async fn hits_batch<L: RecordLibrary + 'static>(
    state: &AppState,
    ids: &[String],
    after: Option<String>,
    filter: L::Filter,
    scope: ListScope,
    caller: Option<AuthUser>,
) -> ApiResult<Vec<(String, Value)>> {
    let batch_size = usize::try_from(EXPORT_BATCH).unwrap_or(500);
    let mut at = after.map_or(0, |after| ids.partition_point(|id| *id >= after));
    let mut batch = Vec::new();
    while batch.len() < batch_size && at < ids.len() {
        let chunk = ids[at..(at + batch_size).min(ids.len())].to_vec();
        at += chunk.len();
        let (filter, scope, caller) = (filter.clone(), scope.clone(), caller.clone());
        let mut rows = state
            .db
            .read(move |conn| {
                let window = Window::keyset(None, EXPORT_BATCH);
                L::export_batch(conn, &filter, &scope, Some(chunk), &window, caller.as_ref())
            })
            .await?;
        rows.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        batch.extend(rows);
    }
    // Rows past a full batch come again after its last id.
    batch.truncate(batch_size);
    Ok(batch)
}

/// A library's export columns: the id and the owner's reference, the library's own columns,
/// then validity, status, the owning organization (not for records owned by a person),
/// publication and the contact.
fn export_columns<L: RecordLibrary>() -> Vec<&'static str> {
    let owner: &[&'static str] = if L::BY_USER { &[] } else { &["org_id"] };
    [&["id", "external_ref"], L::EXPORT_COLUMNS, &["valid_until", "status"], owner]
        .concat()
        .into_iter()
        .chain(["published_at", "contact.name", "contact.phone", "contact.email"])
        .collect()
}

/// Streams an export: a header (CSV), then batches until the fetcher runs dry. The first
/// batch is fetched before anything is sent, so that a request the database refuses answers
/// with a problem document instead of a header and a cut connection.
pub async fn stream_export(
    shape: ExportShape,
    columns: Vec<&'static str>,
    library: Library,
    mut fetch: FetchBatch,
) -> ApiResult<HttpResponse> {
    let format = shape.format;
    struct State {
        columns: Vec<&'static str>,
        fetch: FetchBatch,
        after: Option<String>,
        first: Option<Vec<(String, Value)>>,
        started: bool,
        done: bool,
    }
    let first = fetch(None).await?;
    let initial =
        State { columns, fetch, after: None, first: Some(first), started: false, done: false };
    let stream = futures_util::stream::unfold(initial, move |mut state| async move {
        if state.done {
            return None;
        }
        if !state.started && format == ExportFormat::Csv {
            state.started = true;
            let header: Vec<String> = state
                .columns
                .iter()
                .map(|c| crate::http::csv_headers::header(c, shape.headers))
                .collect();
            let mut first = crate::http::csv_headers::BOM.as_bytes().to_vec();
            first.extend_from_slice(&crate::http::csv_out::header_line(&header));
            return Some((Ok::<Bytes, ApiError>(Bytes::from(first)), state));
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
                    chunk.extend_from_slice(&render_row(format, &state.columns, row));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::csv_headers::zh;

    #[test]
    fn every_export_column_has_a_chinese_name() {
        let columns = [
            export_columns::<crate::achievements::record::AchievementRecords>(),
            export_columns::<crate::demands::record::DemandRecords>(),
            export_columns::<crate::experts::record::ExpertRecords>(),
            export_columns::<crate::service_providers::record::ServiceProviderRecords>(),
        ]
        .concat();
        let missing: Vec<&str> = columns.into_iter().filter(|c| zh(c).is_none()).collect();
        assert!(missing.is_empty(), "no Chinese name for {missing:?}");
    }
}
