//! `Idempotency-Key` on contract creation: the key and a hash of the canonical body are
//! stored on the row (unique per creator). The same key with the same body returns the first
//! contract (200); the same key with a different body is a 422.

use actix_web::HttpRequest;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The header's name.
pub const HEADER: &str = "Idempotency-Key";
/// Longest key accepted.
pub const KEY_MAX: usize = 200;

/// The request's key, if any: 1–200 visible ASCII characters.
pub fn key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::field(
            HEADER,
            "invalid_idempotency_key",
            format!("must be 1–{KEY_MAX} visible ASCII characters, e.g. a UUID"),
        )
    };
    let text = value.to_str().map_err(|_| invalid())?.trim();
    if text.is_empty() || text.len() > KEY_MAX || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(invalid());
    }
    Ok(Some(text.to_string()))
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// SHA-256 (hex) of the body with object keys sorted and no insignificant whitespace.
pub fn body_hash(body: &Value) -> String {
    let mut text = String::new();
    canonical(body, &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 422 for a key reused with a different body.
pub fn reused() -> ApiError {
    ApiError::field(
        HEADER,
        "key_reused",
        "this Idempotency-Key was used with a different body; use a new key for a new contract",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_ignores_key_order_and_whitespace() {
        let a: Value = serde_json::from_str(r#"{"b": [1, {"y": 2, "x": 1}], "a": "甲"}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":"甲","b":[1,{"x":1,"y":2}]}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":"乙","b":[1,{"x":1,"y":2}]}"#).unwrap();
        assert_eq!(body_hash(&a), body_hash(&b));
        assert_ne!(body_hash(&a), body_hash(&c));
    }
}
