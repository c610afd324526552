//! Optimistic concurrency: updates name the version they are based on, in `If-Match` or in
//! the body's `version` field.

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::error::ApiError;

/// The version an update is based on: the body's `version`, else `If-Match` (`"3"`, `W/"3"`
/// or `3`). Missing → 428; both present and different → 422.
pub fn expected_version(req: &HttpRequest, body_version: Option<i64>) -> Result<i64, ApiError> {
    let header_version = match req.headers().get(header::IF_MATCH) {
        None => None,
        Some(value) => {
            let text = value.to_str().unwrap_or_default().trim();
            let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
            Some(text.parse::<i64>().map_err(|_| {
                ApiError::field(
                    "If-Match",
                    "invalid_version",
                    "must be a record version such as \"3\"",
                )
            })?)
        }
    };
    match (body_version, header_version) {
        (Some(body), Some(header)) if body != header => Err(ApiError::field(
            "version",
            "version_mismatch",
            "the body's version and If-Match differ",
        )),
        (Some(version), _) | (None, Some(version)) => Ok(version),
        (None, None) => Err(ApiError::PreconditionRequired(
            "send the version this update is based on, in If-Match or as `version`".into(),
        )),
    }
}

/// The `ETag` value for a record version.
pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}
