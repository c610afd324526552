//! Import and export codecs: CSV/NDJSON lines to create bodies, records to export rows.

use actix_web::web::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::FieldError;

use super::RecordLibrary;

/// The data format of an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// A header line, then one record per line.
    Csv,
}

pub(super) fn line_error(
    line: usize,
    field: &str,
    code: &str,
    message: impl Into<String>,
) -> FieldError {
    FieldError { line: Some(line), ..FieldError::new(field, code, message) }
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
            cell.parse::<i64>().map_or_else(|_| Value::String(cell.to_string()), Value::from)
        } else if L::BOOL_FIELDS.contains(&name) {
            parse_bool(cell).map_or_else(|| Value::String(cell.to_string()), Value::Bool)
        } else if L::JSON_FIELDS.contains(&name) {
            serde_json::from_str(cell).unwrap_or_else(|_| Value::String(cell.to_string()))
        } else {
            Value::String(cell.to_string())
        };
        match name.split_once('.') {
            Some((outer, inner)) => {
                let entry =
                    object.entry(outer.to_string()).or_insert_with(|| Value::Object(Map::new()));
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
                vec![line_error(1, "body", "invalid_encoding", "the body must be UTF-8")]
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
                    Err(e) => {
                        errors.push(line_error(index + 1, "line", "malformed_json", e.to_string()))
                    }
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
                    Err(e) => {
                        errors.push(line_error(index + 1, "line", "malformed_csv", e.to_string()))
                    }
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
        return Err(vec![line_error(1, "body", "empty", "the import holds no records")]);
    }
    for (line, value) in &records {
        errors.extend(
            crate::http::input_guard::value_control_characters(value)
                .into_iter()
                .map(|e| FieldError { line: Some(*line), ..e }),
        );
    }
    if errors.is_empty() { Ok(records) } else { Err(errors) }
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
