//! Optimistic concurrency: updates name the version they are based on, in `If-Match` or in
//! the body's `version` field ([`IfMatch`]); answers carry the record's version as `ETag`
//! ([`Tagged`]).

use std::convert::Infallible;
use std::future::{Ready, ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::error::ApiError;

/// The `If-Match` header as sent: absent, a version (`"3"`, `W/"3"` or `3`), or malformed. The
/// extractor never fails; a malformed header is reported when the handler asks for the
/// version, after its own checks (so a missing record still answers 404).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(Result<Option<i64>, ()>);

impl IfMatch {
    /// Reads the header of a request.
    pub fn of(req: &HttpRequest) -> IfMatch {
        IfMatch(match req.headers().get(header::IF_MATCH) {
            None => Ok(None),
            Some(value) => {
                let text = value.to_str().unwrap_or_default().trim();
                let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
                text.parse::<i64>().map(Some).map_err(drop)
            }
        })
    }

    /// The version an update is based on: the body's `version`, else `If-Match`. Missing →
    /// 428; malformed → 422 `invalid_version`; both present and different → 422
    /// `version_mismatch`.
    pub fn expected(&self, body_version: Option<i64>) -> Result<i64, ApiError> {
        self.optional(body_version)?.ok_or_else(|| {
            ApiError::PreconditionRequired(
                "send the version this update is based on, in If-Match or as `version`".into(),
            )
        })
    }

    /// Like [`IfMatch::expected`] for actions where the version is optional: `None` when
    /// neither the body nor the header names one.
    pub fn optional(&self, body_version: Option<i64>) -> Result<Option<i64>, ApiError> {
        let header_version = self.0.map_err(|()| {
            ApiError::field("If-Match", "invalid_version", "must be a record version such as \"3\"")
        })?;
        match (body_version, header_version) {
            (Some(body), Some(header)) if body != header => Err(ApiError::field(
                "version",
                "version_mismatch",
                "the body's version and If-Match differ",
            )),
            (Some(version), _) | (None, Some(version)) => Ok(Some(version)),
            (None, None) => Ok(None),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = Infallible;
    type Future = Ready<Result<IfMatch, Infallible>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(IfMatch::of(req)))
    }
}

/// The `ETag` value for a record version.
pub fn etag(version: i64) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

/// A JSON answer carrying its record's version as `ETag` (what to send back as `If-Match`).
#[derive(Debug)]
pub struct Tagged<T> {
    status: StatusCode,
    version: i64,
    body: T,
}

impl<T: Serialize> Tagged<T> {
    /// 200 with the record.
    pub fn ok(version: i64, body: T) -> Tagged<T> {
        Tagged::with_status(StatusCode::OK, version, body)
    }

    /// 201 with the new record.
    pub fn created(version: i64, body: T) -> Tagged<T> {
        Tagged::with_status(StatusCode::CREATED, version, body)
    }

    /// Any status with the record.
    pub fn with_status(status: StatusCode, version: i64, body: T) -> Tagged<T> {
        Tagged { status, version, body }
    }
}

impl<T: Serialize> From<Tagged<T>> for HttpResponse {
    fn from(tagged: Tagged<T>) -> HttpResponse {
        HttpResponse::build(tagged.status).insert_header(etag(tagged.version)).json(tagged.body)
    }
}

impl<T: Serialize> Responder for Tagged<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.into()
    }
}
