//! Storage encodings of list-valued fields.
//!
//! Code lists (cooperation modes, fields, services) are stored as `,a,b,` so that a filter is a
//! portable `LIKE '%,a,%'`; free-form lists and structures are stored as JSON text.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Encodes codes as `,a,b,` (empty list → `,`).
pub fn encode_codes<T: AsRef<str>>(codes: &[T]) -> String {
    let mut out = String::from(",");
    for code in codes {
        out.push_str(code.as_ref());
        out.push(',');
    }
    out
}

/// Decodes `,a,b,` into parsed codes, skipping any that no longer parse.
pub fn decode_codes<T: std::str::FromStr>(stored: &str) -> Vec<T> {
    stored.split(',').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect()
}

/// The LIKE pattern matching records whose code list contains `code`.
pub fn contains_code_pattern(code: &str) -> String {
    format!("%,{code},%")
}

/// JSON text of a value.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A value from JSON text, or its default when the text is unreadable.
pub fn from_json<T: DeserializeOwned + Default>(stored: &str) -> T {
    serde_json::from_str(stored).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        let stored = encode_codes(&["transfer", "license"]);
        assert_eq!(stored, ",transfer,license,");
        let decoded: Vec<String> = decode_codes(&stored);
        assert_eq!(decoded, vec!["transfer", "license"]);
        assert_eq!(encode_codes::<&str>(&[]), ",");
        assert_eq!(contains_code_pattern("license"), "%,license,%");
    }
}
