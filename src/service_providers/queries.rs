//! Queries of this library.

use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::search::SearchDoc;

/// Every record's search document (for rebuilding the index).
pub fn all_search_docs(_conn: &mut DbConnection) -> ApiResult<Vec<SearchDoc>> {
    Ok(Vec::new())
}
