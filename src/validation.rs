//! Field validation that collects every failure of a request before answering 422.
//!
//! Request types keep raw input; `parse` functions turn it into domain values through a
//! [`Checker`], which records one [`FieldError`] per bad field.

use crate::error::{ApiError, FieldError};

/// Collects field errors while a request body is being parsed into domain values.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Checker::default()
    }

    /// Records a failure.
    pub fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// Records the result of a parse, returning the value when it succeeded.
    pub fn check<T>(
        &mut self,
        field: &str,
        result: Result<T, (&'static str, String)>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err((code, message)) => {
                self.fail(field, code, message);
                None
            }
        }
    }

    /// Checks an optional field: `Some(None)` when it is absent, `Some(Some(value))` when it
    /// parses, `None` (with the failure recorded) when it does not.
    pub fn check_optional<V, T>(
        &mut self,
        field: &str,
        value: Option<V>,
        parse: impl FnOnce(V) -> Result<T, ParseFailure>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(value) => self.check(field, parse(value)).map(Some),
        }
    }

    /// Whether nothing failed so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(())` when nothing failed, else the 422 with every failure.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(self.errors)) }
    }

    /// The failures recorded so far (to merge with checks made later, e.g. in the database).
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// Like [`Checker::finish`], handing back a value built from the checked parts.
    pub fn finish_with<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, ApiError> {
        if !self.errors.is_empty() {
            return Err(ApiError::Validation(self.errors));
        }
        build().ok_or_else(|| ApiError::Internal("validated value missing".into()))
    }
}

/// A parse failure: a code and a message.
pub type ParseFailure = (&'static str, String);

/// Trims text and checks its length in characters.
pub fn text(value: &str, min: usize, max: usize) -> Result<String, ParseFailure> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length < min {
        if min == 1 {
            return Err(("required", "must not be empty".into()));
        }
        return Err(("too_short", format!("must be at least {min} characters")));
    }
    if length > max {
        return Err(("too_long", format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(("invalid_characters", "must not contain control characters".into()));
    }
    Ok(trimmed.to_string())
}

/// Optional text: `None` and blank become `None`.
pub fn optional_text(value: Option<&str>, max: usize) -> Result<Option<String>, ParseFailure> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(v, 1, max).map(Some),
    }
}

/// An e-mail address, normalized: trimmed and lower-cased (addresses are compared
/// case-insensitively). Checks the shape `local@domain.tld` without pretending to do more.
pub fn email(value: &str) -> Result<String, ParseFailure> {
    let normalized = value.trim().to_lowercase();
    let invalid =
        || ("invalid_email", "must be an e-mail address like name@example.com".to_string());
    if normalized.len() > 254 {
        return Err(("too_long", "must be at most 254 characters".into()));
    }
    let (local, domain) = normalized.rsplit_once('@').ok_or_else(invalid)?;
    if local.is_empty()
        || local.len() > 64
        || local.contains('@')
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || local.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c))
    {
        return Err(invalid());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return Err(invalid());
    }
    Ok(normalized)
}

/// An absolute `http` or `https` URL with a host, parsed by the `url` crate (which
/// normalizes it: numeric hosts such as `127.1` become `127.0.0.1`).
pub fn http_url(value: &str) -> Result<url::Url, ParseFailure> {
    let trimmed = value.trim();
    let invalid = || ("invalid_url", "must be an http:// or https:// address".to_string());
    if trimmed.len() > 2048 {
        return Err(("too_long", "must be at most 2048 characters".into()));
    }
    if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let parsed = url::Url::parse(trimmed).map_err(|_| invalid())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(parsed)
}

/// A website: an [`http_url`], kept as written (trimmed).
pub fn website(value: &str) -> Result<String, ParseFailure> {
    http_url(value).map(|_| value.trim().to_string())
}

/// Checks a region filter: 1–6 digits of a GB/T 2260 code (`33`, `3301`, `330106`).
pub fn check_region_prefix(region: Option<&str>) -> Result<(), ApiError> {
    match region {
        Some(prefix)
            if prefix.is_empty()
                || prefix.len() > 6
                || !prefix.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Err(ApiError::field(
                "region",
                "invalid_region_prefix",
                "must be 1–6 digits of a GB/T 2260 code, e.g. 33 or 3301",
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_optional_field_is_absent_valid_or_one_recorded_failure() {
        let mut checker = Checker::new();
        assert_eq!(checker.check_optional("email", None::<&str>, email), Some(None));
        let given = checker.check_optional("email", Some("Li@Example.cn"), email);
        assert_eq!(given, Some(Some("li@example.cn".to_string())));
        assert!(checker.is_ok());
        assert_eq!(checker.check_optional("email", Some("no-at"), email), None);
        let errors = checker.into_errors();
        assert_eq!((errors.len(), errors[0].field.as_str()), (1, "email"));
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(email("  Li.Lei@Example.COM ").unwrap(), "li.lei@example.com");
        assert_eq!(email("张三@例子.中国").unwrap(), "张三@例子.中国");
        for bad in ["", "no-at", "a@b", "a@@b.cn", "a b@c.cn", ".a@b.cn", "a@-b.cn", "a@b..cn"] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn urls_need_a_scheme_and_host() {
        assert_eq!(
            website(" https://www.tsinghua.edu.cn/path?q=1 ").unwrap(),
            "https://www.tsinghua.edu.cn/path?q=1"
        );
        assert!(website("http://127.0.0.1:8080").is_ok());
        assert_eq!(http_url("http://0x7f000001/").unwrap().host_str(), Some("127.0.0.1"));
        for bad in [
            "ftp://x.cn",
            "https://",
            "www.x.cn",
            "https://a b.cn",
            "javascript:alert(1)",
            "http://",
            "http://a\tb.cn",
            "mailto:a@b.cn",
        ] {
            assert!(website(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        assert!(text("成果转化", 1, 4).is_ok());
        assert_eq!(text("成果转化平台", 1, 4).unwrap_err().0, "too_long");
        assert_eq!(text("   ", 1, 4).unwrap_err().0, "required");
        assert_eq!(text("a\u{0}b", 1, 4).unwrap_err().0, "invalid_characters");
    }
}
