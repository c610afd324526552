//! Cursor pagination: `limit` (default 20, max 100) and an opaque `cursor`; responses are
//! `{items, next_cursor}`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::{Db, DbConnection};
use crate::error::ApiError;

/// Default page size.
pub const DEFAULT_LIMIT: i64 = 20;
/// Largest page size.
pub const MAX_LIMIT: i64 = 100;

/// Query parameters of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Rows to return.
    pub limit: i64,
    /// The sort key after which the page starts.
    pub after: Option<String>,
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

impl PageParams {
    /// Checks the limit and decodes the cursor.
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(cursor) => Some(decode_cursor(cursor).ok_or_else(|| {
                ApiError::field("cursor", "invalid_cursor", "is not a cursor this API returned")
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let key = String::from_utf8(bytes).ok()?;
    if key.chars().any(char::is_control) {
        return None;
    }
    key.strip_prefix("k1:").map(str::to_owned)
}

/// Encodes a sort key as an opaque cursor.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("k1:{key}"))
}

/// One page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The records of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many records the whole list holds under the same filters, every page together,
    /// exact, where counting is cheap: the four libraries (a search counts its filtered hits),
    /// deals, contracts, notifications, answers to a demand and access requests; absent on the
    /// other lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows, keyed by `key`.
    pub fn from_rows(
        mut rows: Vec<T>,
        request: &PageRequest,
        key: impl Fn(&T) -> String,
    ) -> Page<T> {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|row| encode_cursor(&key(row)))
        } else {
            None
        };
        Page { items: rows, next_cursor, total: None }
    }

    /// Converts the items, keeping the cursor.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            total: self.total,
        }
    }
}

/// Reads the rows of one page off the executor: checks the page parameters and hands the
/// request to `read`, which loads up to [`PageRequest::fetch`] rows after the cursor; the
/// caller names the rows' sort key with [`PageRows::keyed`].
pub async fn read_page<T, F>(db: &Db, page: &PageParams, read: F) -> Result<PageRows<T>, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &PageRequest) -> Result<Vec<T>, ApiError> + Send + 'static,
{
    let request = page.parse()?;
    let page_request = request.clone();
    let rows = db.read(move |conn| read(conn, &page_request)).await?;
    Ok(PageRows { rows, request, total: None })
}

/// [`read_page`] for a list that also counts its records: `read` answers the page's rows and
/// how many records the whole list holds under the same filters (the page's `total`).
pub async fn read_counted_page<T, F>(
    db: &Db,
    page: &PageParams,
    read: F,
) -> Result<PageRows<T>, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &PageRequest) -> Result<(Vec<T>, i64), ApiError> + Send + 'static,
{
    let request = page.parse()?;
    let page_request = request.clone();
    let (rows, total) = db.read(move |conn| read(conn, &page_request)).await?;
    Ok(PageRows { rows, request, total: Some(total) })
}

/// The rows [`read_page`] loaded, with the request they answer.
#[derive(Debug)]
pub struct PageRows<T> {
    rows: Vec<T>,
    request: PageRequest,
    total: Option<i64>,
}

impl<T> PageRows<T> {
    /// The page, its cursor the last row's `key`.
    pub fn keyed(self, key: impl Fn(&T) -> String) -> Page<T> {
        let mut page = Page::from_rows(self.rows, &self.request, key);
        page.total = self.total;
        page
    }
}

/// Narrows a boxed query to the rows after the page's cursor in `column`'s order (`asc` or
/// `desc`), orders by it and fetches one row more than the page.
#[macro_export]
macro_rules! after_cursor {
    ($query:expr, $column:expr, $request:expr, desc) => {{
        let mut query = $query;
        if let Some(after) = $request.after.clone() {
            query = query.filter($column.lt(after));
        }
        query.order($column.desc()).limit($request.fetch())
    }};
    ($query:expr, $column:expr, $request:expr, asc) => {{
        let mut query = $query;
        if let Some(after) = $request.after.clone() {
            query = query.filter($column.gt(after));
        }
        query.order($column.asc()).limit($request.fetch())
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_junk() {
        let params = PageParams { limit: Some(5), cursor: Some(encode_cursor("0192-abc")) };
        let request = params.parse().unwrap();
        assert_eq!(request.after.as_deref(), Some("0192-abc"));
        let junk = PageParams { limit: None, cursor: Some("not a cursor".into()) };
        assert!(junk.parse().is_err());
        let nul = PageParams { limit: None, cursor: Some(URL_SAFE_NO_PAD.encode("k1:a\0b")) };
        assert!(nul.parse().is_err());
        let too_big = PageParams { limit: Some(101), cursor: None };
        assert!(too_big.parse().is_err());
    }

    #[test]
    fn a_full_page_has_a_next_cursor() {
        let request = PageRequest { limit: 2, after: None };
        let page = Page::from_rows(vec![1, 2, 3], &request, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_cursor, Some(encode_cursor("2")));
        let last = Page::from_rows(vec![1], &request, |n| n.to_string());
        assert!(last.next_cursor.is_none());
    }
}
