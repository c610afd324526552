//! Edits as JSON merge patches (RFC 7396) over a record's input shape: absent fields stay,
//! `null` clears, and the merged result is validated exactly like a new record.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::lifecycle::ListingStatus;
use super::model::Listing;
use crate::error::ApiError;

/// Splits the body of a PATCH into the patch and its `version`.
pub fn split_version(body: Value) -> Result<(Map<String, Value>, Option<i64>), ApiError> {
    let Value::Object(mut patch) = body else {
        return Err(ApiError::field(
            "body",
            "invalid_type",
            "must be a JSON object (a merge patch)",
        ));
    };
    let version = match patch.remove("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| ApiError::field("version", "invalid_type", "must be an integer"))?,
        ),
        Some(_) => {
            return Err(ApiError::field("version", "invalid_type", "must be an integer"));
        }
    };
    Ok((patch, version))
}

/// 409 for records that can no longer be edited (closed).
pub fn ensure_editable(listing: &Listing) -> Result<(), ApiError> {
    if listing.status == ListingStatus::Closed {
        return Err(ApiError::conflict_allowing("closed records cannot be edited", Vec::new()));
    }
    Ok(())
}

fn merge(target: &mut Value, patch: Value) {
    match patch {
        Value::Object(fields) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(map) = target {
                for (key, value) in fields {
                    if value.is_null() {
                        map.remove(&key);
                    } else {
                        merge(map.entry(key).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other,
    }
}

/// Applies a merge patch to `base`; fields in `frozen` may not be patched (422), and the
/// result must deserialize (422 naming the field otherwise).
pub fn apply<T: Serialize + DeserializeOwned>(
    base: &T,
    patch: Map<String, Value>,
    frozen: &[&str],
) -> Result<T, ApiError> {
    for field in frozen {
        if patch.contains_key(*field) {
            return Err(ApiError::field(field, "not_editable", "cannot be changed"));
        }
    }
    let mut value = serde_json::to_value(base)?;
    merge(&mut value, Value::Object(patch));
    let bytes = serde_json::to_vec(&value)?;
    crate::http::json::decode(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = serde_json::json!({"a": 1, "b": {"c": 2, "d": 3}, "e": [1]});
        merge(&mut doc, serde_json::json!({"a": null, "b": {"c": 5}, "e": [2, 3]}));
        assert_eq!(doc, serde_json::json!({"b": {"c": 5, "d": 3}, "e": [2, 3]}));
    }
}
