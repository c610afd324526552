//! CSV output (exports, statistics) guarded against formula injection, as OWASP recommends:
//! a text cell beginning with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with a
//! single quote `'` and quoted, so that a spreadsheet shows it as text instead of running it.
//! Numbers (typed numbers in exports, numeric figures in statistics) are written as they are,
//! negative ones included. CSV imports do not strip the guard: re-importing an export keeps
//! the quote in such cells (NDJSON exports are exact and re-import unchanged).

use actix_web::web::Bytes;
use serde_json::Value;

/// One CSV cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Free text: guarded when it could start a formula.
    Text(String),
    /// A number: written verbatim.
    Number(String),
}

impl Cell {
    /// The cell of a JSON value: numbers stay numbers; strings, lists of scalars (joined with
    /// `;`) and anything else are text.
    pub fn of(value: Option<&Value>) -> Cell {
        match value {
            None | Some(Value::Null) => Cell::Text(String::new()),
            Some(Value::Number(n)) => Cell::Number(n.to_string()),
            Some(Value::String(s)) => Cell::Text(s.clone()),
            Some(Value::Array(items)) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
                Cell::Text(
                    items
                        .iter()
                        .map(|i| match i {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(";"),
                )
            }
            Some(other) => Cell::Text(other.to_string()),
        }
    }

    /// A cell of already formatted text: a number if it reads as a finite number, else text.
    pub fn guess(text: &str) -> Cell {
        if text.parse::<f64>().is_ok_and(f64::is_finite) {
            Cell::Number(text.to_string())
        } else {
            Cell::Text(text.to_string())
        }
    }
}

/// Whether a spreadsheet could read this text as a formula.
pub fn could_be_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

fn push_field(out: &mut Vec<u8>, text: &str, force_quotes: bool) {
    if force_quotes || text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// One CSV record, ending with a line feed.
pub fn line(cells: &[Cell]) -> Bytes {
    let mut out = Vec::new();
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        match cell {
            Cell::Number(text) => push_field(&mut out, text, false),
            Cell::Text(text) if could_be_formula(text) => {
                push_field(&mut out, &format!("'{text}"), true)
            }
            Cell::Text(text) => push_field(&mut out, text, cells.len() == 1 && text.is_empty()),
        }
    }
    out.push(b'\n');
    Bytes::from(out)
}

/// A header record (column names are text like any other).
pub fn header_line(names: &[String]) -> Bytes {
    let cells: Vec<Cell> = names.iter().map(|n| Cell::Text(n.clone())).collect();
    line(&cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(cells: &[Cell]) -> String {
        String::from_utf8(line(cells).to_vec()).unwrap()
    }

    #[test]
    fn formula_cells_are_prefixed_and_quoted() {
        let cells = [
            Cell::of(Some(&json!("=HYPERLINK(\"http://x\")"))),
            Cell::of(Some(&json!("+86 571"))),
            Cell::of(Some(&json!("@SUM(A1)"))),
            Cell::of(Some(&json!("\tx"))),
            Cell::of(Some(&json!("plain"))),
            Cell::of(Some(&json!(-5))),
            Cell::guess("-12.5"),
            Cell::guess("-x"),
        ];
        assert_eq!(
            text(&cells),
            "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+86 571\",\"'@SUM(A1)\",\"'\tx\",plain,-5,-12.5,\"'-x\"\n"
        );
    }

    #[test]
    fn the_output_reads_back_with_a_csv_reader() {
        let bytes = line(&[Cell::of(Some(&json!("=1+1"))), Cell::of(Some(&json!("a,\"b\"\nc")))]);
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[0], "'=1+1");
        assert_eq!(&record[1], "a,\"b\"\nc");
        assert_eq!(text(&[Cell::Text(String::new())]), "\"\"\n");
    }
}
