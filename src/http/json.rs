//! A JSON body extractor that answers like the rest of the API: 415 for a wrong media type,
//! 413 over the configured limit, 400 for malformed JSON and 422 naming the field whose value
//! has the wrong type or is missing.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest body accepted when no limit has been configured.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The configured body limit, stored as app data.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// A JSON request body of type `T`.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

impl<T> ValidJson<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the body up to `limit` bytes: 413 when the declared length or the bytes received
/// pass it, 400 when the body cannot be read.
pub async fn read_body<S>(
    req: &HttpRequest,
    payload: &mut S,
    limit: usize,
) -> Result<web::BytesMut, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    if let Some(length) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && length > limit
    {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Decodes JSON, mapping syntax errors to 400, type errors to 422 on the offending field, and
/// strings holding NUL or other control characters to 422 `control_character` on their fields.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the request body is empty; a JSON document is required".into(),
        ));
    }
    if let Some(refused) = super::input_guard::json_control_characters(bytes) {
        return Err(refused);
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let message = strip_position(&inner.to_string());
                let root = path == "." || path.is_empty();
                let missing =
                    message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
                let (field, code) = match (missing, root) {
                    (Some(name), true) => (name.to_string(), "required"),
                    (Some(name), false) => (format!("{path}.{name}"), "required"),
                    (None, true) => ("body".to_string(), "invalid_type"),
                    (None, false) => (path, "invalid_type"),
                };
                ApiError::field(&field, code, message)
            }
            _ => ApiError::BadRequest(format!("malformed JSON: {inner}")),
        }
    })
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// Reads a request's JSON body: 415 for another media type, 413 beyond the body limit, 400 or
/// 422 for JSON that does not decode; with `empty_is_none` an empty body is `None` whatever
/// its media type.
async fn read_json<T: DeserializeOwned>(
    req: HttpRequest,
    mut payload: Payload,
    empty_is_none: bool,
) -> Result<Option<T>, ApiError> {
    let unsupported =
        || ApiError::UnsupportedMediaType("the request body must be application/json".into());
    if !empty_is_none && !is_json(&req) {
        return Err(unsupported());
    }
    let limit = req.app_data::<BodyLimit>().map_or(DEFAULT_BODY_LIMIT, |limit| limit.0);
    let body = read_body(&req, &mut payload, limit).await?;
    if empty_is_none && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json(&req) {
        return Err(unsupported());
    }
    decode(&body).map(Some)
}

impl<T: DeserializeOwned + 'static> FromRequest for ValidJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req.clone(), payload.take(), false);
        // Without `empty_is_none` every body is decoded: `None` cannot come back, and an
        // empty body would be malformed JSON.
        Box::pin(async move { read.await?.map_or_else(|| decode(b""), Ok).map(ValidJson) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        count: u32,
    }

    #[test]
    fn syntax_errors_are_400_and_type_errors_422() {
        assert_eq!(decode::<Body>(b"{").unwrap_err().status_code().as_u16(), 400);
        assert_eq!(decode::<Body>(b"").unwrap_err().status_code().as_u16(), 400);
        match decode::<Body>(br#"{"name": "x", "count": "many"}"#).unwrap_err() {
            ApiError::Validation(errors) => assert_eq!(errors[0].field, "count"),
            other => panic!("{other:?}"),
        }
        match decode::<Body>(br#"{"name": "x"}"#).unwrap_err() {
            ApiError::Validation(errors) => {
                assert_eq!(errors[0].code, "required");
                assert_eq!(errors[0].field, "count");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// An optional JSON body: an empty body is `None`; anything else is read like [`ValidJson`].
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let read = read_json(req.clone(), payload.take(), true);
        Box::pin(async move { read.await.map(OptionalJson) })
    }
}
