//! Keeping the search index in step with the database.

use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::listings;
use crate::error::{ApiError, ApiResult};
use crate::search::SearchIndex;

/// Rebuilds the whole index from the database; returns the number of documents.
pub fn rebuild(conn: &mut DbConnection, search: &SearchIndex) -> ApiResult<usize> {
    let mut docs = crate::achievements::queries::all_search_docs(conn)?;
    docs.extend(crate::demands::queries::all_search_docs(conn)?);
    docs.extend(crate::experts::queries::all_search_docs(conn)?);
    docs.extend(crate::service_providers::queries::all_search_docs(conn)?);
    search
        .clear()
        .map_err(|e| ApiError::Internal(format!("search: {e}")))?;
    for chunk in docs.chunks(5000) {
        search
            .upsert_many(chunk)
            .map_err(|e| ApiError::Internal(format!("search: {e}")))?;
    }
    Ok(docs.len())
}

/// At start: rebuilds when the index is new, incompatible or holds another number of records
/// than the database.
pub fn catch_up(conn: &mut DbConnection, search: &SearchIndex) -> ApiResult<()> {
    let in_db: i64 = listings::table.count().get_result(conn)?;
    let in_index = i64::try_from(search.doc_count()).unwrap_or(i64::MAX);
    if search.needs_rebuild() || in_db != in_index {
        let count = rebuild(conn, search)?;
        tracing::info!(documents = count, "search index rebuilt from the database");
    }
    Ok(())
}
