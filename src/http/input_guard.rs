//! Control characters stop at the door: one middleware refuses them in the decoded path (404,
//! as for any id that names nothing) and the decoded query (422 naming the parameter), and
//! [`json_control_characters`] finds them in JSON bodies (used by every JSON extractor and by
//! bulk imports). PostgreSQL refuses NUL in text, so without this a NUL anywhere became a 500
//! (or a cut export stream) on that backend; the other C0 controls are refused too, except tab,
//! line feed and carriage return, which free text may hold.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// The machine code of a field holding a refused control character.
pub const CONTROL_CHARACTER: &str = "control_character";

/// Most fields one answer lists.
const MAX_REPORTED: usize = 50;

/// Whether `c` is refused in text: C0 controls (U+0000–U+001F) other than tab, LF and CR.
pub fn is_refused(c: char) -> bool {
    c < '\u{20}' && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether the text holds a refused control character.
pub fn has_refused(text: &str) -> bool {
    text.chars().any(is_refused)
}

/// The field error of a refused control character.
pub fn field_error(field: impl Into<String>) -> FieldError {
    FieldError::new(
        field,
        CONTROL_CHARACTER,
        "must not contain NUL or other control characters (tab and line breaks excepted)",
    )
}

/// Percent-decodes (and, for queries, turns `+` into a space) into bytes.
fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// The query parameters whose decoded name or value holds a refused control character.
pub fn query_control_characters(query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = String::from_utf8_lossy(&percent_decode(name, true)).into_owned();
        let value = String::from_utf8_lossy(&percent_decode(value, true)).into_owned();
        if has_refused(&name) {
            errors.push(field_error("query"));
        } else if has_refused(&value) {
            errors.push(field_error(name));
        }
        if errors.len() >= MAX_REPORTED {
            break;
        }
    }
    errors
}

/// Whether the decoded path holds any control character (tab and line breaks included: no id
/// or route has one).
pub fn path_has_control_characters(path: &str) -> bool {
    percent_decode(path, false).iter().any(|b| *b < 0x20 || *b == 0x7f)
}

fn walk(value: &Value, path: &str, errors: &mut Vec<FieldError>) {
    if errors.len() >= MAX_REPORTED {
        return;
    }
    match value {
        Value::String(text) if has_refused(text) => {
            errors.push(field_error(if path.is_empty() { "body" } else { path }))
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{path}[{index}]"), errors);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if has_refused(key) {
                    errors.push(field_error(if path.is_empty() { "body" } else { path }));
                    continue;
                }
                let child = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                walk(item, &child, errors);
            }
        }
        _ => {}
    }
}

/// The fields (dotted paths, `keywords[2]`) of a JSON value whose strings or keys hold a
/// refused control character.
pub fn value_control_characters(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, "", &mut errors);
    errors
}

/// Whether raw JSON may hold an escaped control character (`\u0000`–`\u001f`); raw control
/// bytes are already invalid JSON. A cheap scan, so that most bodies are parsed only once.
fn may_escape_control(bytes: &[u8]) -> bool {
    bytes.windows(5).any(|w| {
        w[0] == b'\\'
            && (w[1] == b'u' || w[1] == b'U')
            && w[2] == b'0'
            && w[3] == b'0'
            && (w[4] == b'0' || w[4] == b'1')
    })
}

/// The 422 of a JSON body whose strings hold a refused control character, if any.
pub fn json_control_characters(bytes: &[u8]) -> Option<ApiError> {
    if !may_escape_control(bytes) {
        return None;
    }
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let errors = value_control_characters(&value);
    (!errors.is_empty()).then_some(ApiError::Validation(errors))
}

/// Middleware: 404 for a path with a control character, 422 for a query parameter with a
/// refused one, before routing reaches any handler (or the database).
pub async fn reject_control_characters(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refusal = if path_has_control_characters(req.path()) {
        Some(ApiError::NotFound("a path with control characters".to_string()))
    } else {
        let errors = query_control_characters(req.query_string());
        (!errors.is_empty()).then_some(ApiError::Validation(errors))
    };
    match refusal {
        Some(error) => {
            let response = error.error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_the_parameter() {
        let errors = query_control_characters("org_id=%00&limit=5&q=a%0Ab&x=%1F");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["org_id", "x"]);
        assert!(query_control_characters("q=%E4%B8%AD+%09tab&cursor=abc").is_empty());
        assert_eq!(query_control_characters("a%00=1")[0].field, "query");
    }

    #[test]
    fn paths_with_controls_are_refused() {
        assert!(path_has_control_characters("/api/v1/achievements/%00"));
        assert!(path_has_control_characters("/api/v1/deals/a%0ab"));
        assert!(!path_has_control_characters("/api/v1/achievements/0192-ab%20c"));
        assert!(!path_has_control_characters("/api/v1/x/%"));
    }

    #[test]
    fn json_strings_and_keys_are_checked_with_their_paths() {
        let body =
            br#"{"email": "a\u0000@b.cn", "org": {"name": "ok\n", "tags": ["x", "\u0007"]}}"#;
        let Some(ApiError::Validation(errors)) = json_control_characters(body) else {
            panic!("expected a 422");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["email", "org.tags[1]"]);
        assert!(errors.iter().all(|e| e.code == CONTROL_CHARACTER));
        assert!(json_control_characters(br#"{"a": "tab\there\r\n", "b": "\\u0000"}"#).is_none());
    }
}
