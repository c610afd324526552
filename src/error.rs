//! The one error type of the HTTP layer, rendered as RFC 9457 `application/problem+json`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod database;

pub use database::{BUSY_RETRY_AFTER_SECS, database_busy};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// For bulk imports: the 1-based line (NDJSON) or record (CSV, after the header).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The field's path in the request, e.g. `organization.credit_code` or `keywords[2]`.
    pub field: String,
    /// A stable machine-readable code, e.g. `required`, `too_long`, `invalid_check_character`.
    pub code: String,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError { line: None, field: field.into(), code: code.into(), message: message.into() }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A stable machine-readable code of the kind of problem, e.g. `not_found`,
    /// `validation`, `too_many_requests`, `database_busy`.
    #[serde(default)]
    pub code: String,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Validation failures, one per field (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For an illegal state transition: the transitions allowed from the current state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// For a conflict with an existing record: that record's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
    /// For an optimistic-concurrency conflict: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// For a bid below the next acceptable amount (`bid_too_low`): that amount in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_next_fen: Option<i64>,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, bad header).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: authenticated but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such record (or not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// 409: a unique conflict, a stale version or an illegal state transition.
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// Allowed transitions, for state conflicts.
        allowed: Option<Vec<String>>,
        /// The conflicting record, for unique conflicts.
        existing_id: Option<String>,
        /// The current version, for stale updates.
        current_version: Option<i64>,
    },
    /// 409: a market rule refuses the request as it stands (a bid too low, an auction not
    /// open); `code` names the rule.
    #[error("{detail}")]
    Refused {
        /// The rule's machine code, e.g. `bid_too_low`, `auction_not_open`.
        code: &'static str,
        /// What the rule says here.
        detail: String,
        /// For `bid_too_low`: the lowest acceptable bid in fen.
        min_next_fen: Option<i64>,
    },
    /// 413: the body is over the limit.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 415: wrong content type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the request was read but its content is invalid.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// 428: an update without the version it is based on.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 429: too many attempts.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until the next attempt may succeed.
        retry_after_secs: u64,
    },
    /// 503: a dependency (the database) is unavailable.
    #[error("{0}")]
    Unavailable(String),
    /// 503: the service is momentarily saturated (the database is busy behind another
    /// writer, every password-hashing slot is taken); retrying shortly will succeed.
    #[error("{detail}")]
    Busy {
        /// The machine code, e.g. `database_busy`, `password_hashing_busy`.
        code: &'static str,
        /// What is busy.
        detail: String,
        /// Seconds after which a retry should succeed.
        retry_after_secs: u64,
    },
    /// 500: a bug or an unexpected failure; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    /// A plain 409.
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            detail: detail.into(),
            allowed: None,
            existing_id: None,
            current_version: None,
        }
    }

    /// A 409 for a record that already exists, naming it (`existing_id`).
    pub fn duplicate(detail: impl Into<String>, existing_id: impl Into<String>) -> ApiError {
        ApiError::Conflict {
            detail: detail.into(),
            allowed: None,
            existing_id: Some(existing_id.into()),
            current_version: None,
        }
    }

    /// A 409 for an action the record's state does not permit, naming what it does permit
    /// (empty when nothing: a final state).
    pub fn conflict_allowing(detail: impl Into<String>, allowed: Vec<String>) -> ApiError {
        ApiError::Conflict {
            detail: detail.into(),
            allowed: Some(allowed),
            existing_id: None,
            current_version: None,
        }
    }

    /// A 409 for an illegal state transition, naming the allowed ones.
    pub fn illegal_transition(from: &str, to: &str, allowed: Vec<String>) -> ApiError {
        let allowed_text = if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") };
        ApiError::Conflict {
            detail: format!(
                "cannot go from `{from}` to `{to}`; allowed from `{from}`: {allowed_text}"
            ),
            allowed: Some(allowed),
            existing_id: None,
            current_version: None,
        }
    }

    /// A 409 naming the market rule that refuses the request.
    pub fn refused(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::Refused { code, detail: detail.into(), min_next_fen: None }
    }

    /// A 409 for a stale version.
    pub fn stale_version(expected: i64, current: i64) -> ApiError {
        ApiError::Conflict {
            detail: format!(
                "the record changed: you sent version {expected}, the current version is {current}; reload and retry"
            ),
            allowed: None,
            existing_id: None,
            current_version: Some(current),
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict { .. } | ApiError::Refused { .. } => ("conflict", "Conflict"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Validation(_) => ("validation", "Validation failed"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::TooManyRequests { .. } => ("too-many-requests", "Too many requests"),
            ApiError::Unavailable(_) | ApiError::Busy { .. } => {
                ("unavailable", "Service unavailable")
            }
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The stable machine code of this error: the problem type's slug in snake case
    /// (`not_found`, `validation`, …), or the specific code of a [`ApiError::Busy`].
    pub fn code(&self) -> String {
        match self {
            ApiError::Busy { code, .. } | ApiError::Refused { code, .. } => (*code).to_string(),
            other => other.slug_and_title().0.replace('-', "_"),
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let mut problem = Problem {
            problem_type: format!("urn:techmarket:problem:{slug}"),
            title: title.to_string(),
            status: self.status_code().as_u16(),
            code: self.code(),
            detail: self.to_string(),
            errors: None,
            allowed: None,
            existing_id: None,
            current_version: None,
            min_next_fen: None,
        };
        match self {
            ApiError::Validation(errors) => {
                problem.detail = match errors.as_slice() {
                    [only] => format!("{}: {}", only.field, only.message),
                    many => format!("{} fields are invalid", many.len()),
                };
                problem.errors = Some(errors.clone());
            }
            ApiError::Conflict { allowed, existing_id, current_version, .. } => {
                problem.allowed = allowed.clone();
                problem.existing_id = existing_id.clone();
                problem.current_version = *current_version;
            }
            ApiError::Refused { min_next_fen, .. } => problem.min_next_fen = *min_next_fen,
            ApiError::Unavailable(_) => {
                problem.detail = "the service is temporarily unavailable".into()
            }
            _ => {}
        }
        problem
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } | ApiError::Refused { .. } => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "internal error"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "dependency unavailable"),
            ApiError::Busy { code, detail, .. } => tracing::warn!(code, %detail, "busy"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            ApiError::Unauthorized(detail) => {
                let value = format!(
                    "Bearer realm=\"techmarket\", error=\"invalid_token\", error_description=\"{}\"",
                    detail.replace('"', "'")
                );
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.insert_header((header::WWW_AUTHENTICATE, value));
                } else {
                    response
                        .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"techmarket\""));
                }
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Busy { retry_after_secs, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            _ => {}
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {error}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        ApiError::Internal(format!("JSON encoding: {error}"))
    }
}

/// Result type of handlers and queries.
pub type ApiResult<T> = Result<T, ApiError>;

/// A lookup whose "not found" the caller answers in its own words (a 422 on the field that
/// named the record, say), while every other failure — a database that went away mid-request —
/// passes through unchanged, so an outage is never reported as a missing record.
pub trait MissingAs<T> {
    /// Replaces a 404 with `answer()`; keeps any other error as it is.
    fn missing_as(self, answer: impl FnOnce() -> ApiError) -> ApiResult<T>;

    /// `Ok(None)` for a 404; keeps any other error as it is.
    fn if_found(self) -> ApiResult<Option<T>>;
}

impl<T> MissingAs<T> for ApiResult<T> {
    fn missing_as(self, answer: impl FnOnce() -> ApiError) -> ApiResult<T> {
        self.map_err(|error| match error {
            ApiError::NotFound(_) => answer(),
            other => other,
        })
    }

    fn if_found(self) -> ApiResult<Option<T>> {
        match self {
            Ok(found) => Ok(Some(found)),
            Err(ApiError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_record_takes_the_callers_answer() {
        let answer = || ApiError::field("org_id", "not_found", "no such organization");
        let missing: ApiResult<()> = Err(ApiError::NotFound("organization".into()));
        assert!(matches!(missing.missing_as(answer), Err(ApiError::Validation(_))));
        let outage: ApiResult<()> = Err(ApiError::Unavailable("database connection lost".into()));
        assert!(matches!(outage.missing_as(answer), Err(ApiError::Unavailable(_))));
        assert!(matches!(Ok(7).missing_as(answer), Ok(7)));
        let missing: ApiResult<()> = Err(ApiError::NotFound("listing".into()));
        assert!(matches!(missing.if_found(), Ok(None)));
        let outage: ApiResult<()> = Err(ApiError::Unavailable("database connection lost".into()));
        assert!(matches!(outage.if_found(), Err(ApiError::Unavailable(_))));
    }
}
