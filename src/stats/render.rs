//! Answers as JSON or, with `Accept: text/csv`, as CSV with a header row.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::ApiResult;
use crate::http::csv_headers::CsvHeaders;

/// The media type of CSV answers.
pub const CSV: &str = "text/csv; charset=utf-8";

/// A figure set as rows under a header.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names.
    pub headers: Vec<&'static str>,
    /// Rows, as many cells as headers.
    pub rows: Vec<Vec<String>>,
}

/// Figures that can be written as a table.
pub trait Tabular {
    /// The table.
    fn table(&self) -> Table;
}

/// A cell for an optional value (empty when absent).
pub fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn quality(range: &str) -> (String, f32) {
    let mut parts = range.split(';');
    let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let q = parts
        .filter_map(|p| p.trim().strip_prefix("q="))
        .find_map(|q| q.trim().parse::<f32>().ok())
        .unwrap_or(1.0);
    (media, q)
}

/// Whether the caller prefers CSV to JSON (`Accept: text/csv`); JSON wins ties and absence.
pub fn wants_csv(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut csv = 0.0_f32;
    let mut json = 0.0_f32;
    for range in accept.split(',') {
        let (media, q) = quality(range);
        match media.as_str() {
            "text/csv" | "text/*" => csv = csv.max(q),
            "application/json" | "application/*" | "*/*" => json = json.max(q),
            _ => {}
        }
    }
    csv > json
}

/// Writes a table as CSV; text cells that could start a spreadsheet formula are guarded
/// (see [`crate::http::csv_out`]), numeric cells are written as they are.
pub fn to_csv(table: &Table, names: CsvHeaders) -> ApiResult<Vec<u8>> {
    use crate::http::csv_out::{Cell, line};
    let headers: Vec<Cell> = table
        .headers
        .iter()
        .map(|h| Cell::Text(crate::http::csv_headers::header(h, names)))
        .collect();
    let mut out = crate::http::csv_headers::BOM.as_bytes().to_vec();
    out.extend_from_slice(&line(&headers));
    for row in &table.rows {
        let cells: Vec<Cell> = row.iter().map(|c| Cell::guess(c)).collect();
        out.extend_from_slice(&line(&cells));
    }
    Ok(out)
}

/// The `headers` parameter every CSV answer reads.
#[derive(Debug, Default, serde::Deserialize)]
struct HeadersParam {
    headers: Option<CsvHeaders>,
}

/// The answer in the format the caller asked for.
pub fn respond<T: Serialize + Tabular>(req: &HttpRequest, figures: &T) -> ApiResult<HttpResponse> {
    if wants_csv(req) {
        let names = web::Query::<HeadersParam>::from_query(req.query_string())
            .map(|q| q.headers.unwrap_or_default())
            .unwrap_or_default();
        let body = to_csv(&figures.table(), names)?;
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, CSV))
            .insert_header((header::VARY, "Accept"))
            .body(body));
    }
    Ok(HttpResponse::Ok().insert_header((header::VARY, "Accept")).json(figures))
}

/// An SVG chart.
pub fn svg(body: String) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, "image/svg+xml")).body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn accepts(value: &str) -> bool {
        wants_csv(&TestRequest::default().insert_header((header::ACCEPT, value)).to_http_request())
    }

    #[test]
    fn csv_only_when_preferred() {
        assert!(accepts("text/csv"));
        assert!(accepts("text/csv, */*;q=0.1"));
        assert!(accepts("application/json;q=0.5, text/csv"));
        assert!(!accepts("application/json, text/csv"));
        assert!(!accepts("*/*"));
        assert!(!accepts("image/png"));
        assert!(!wants_csv(&TestRequest::default().to_http_request()));
    }

    #[test]
    fn csv_has_a_header_row_and_quotes_commas() {
        let table =
            Table { headers: vec!["key", "label"], rows: vec![vec!["a".into(), "x, y".into()]] };
        let text = String::from_utf8(to_csv(&table, CsvHeaders::Codes).unwrap()).unwrap();
        assert_eq!(text, "\u{feff}key,label\na,\"x, y\"\n");
    }
}
