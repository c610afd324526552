//! Every error answer is problem+json: a middleware turns the error responses that do not come
//! from [`ApiError`](crate::error::ApiError) — CORS refusals (plain text from actix-cors),
//! unknown files under `/docs/` (an empty 404 from the Swagger UI service), 405s of known
//! routes — into RFC 9457 documents with a machine `code`,
//! keeping their status and headers (`Allow`, CORS headers).

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use crate::error::{PROBLEM_JSON, Problem};

/// The machine code of a refused CORS request.
pub const CORS_REFUSED: &str = "cors_refused";

fn is_problem(response: &HttpResponse<impl MessageBody>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON))
}

/// The code of a status: its reason phrase in snake case (`not_found`, `method_not_allowed`).
pub fn status_code_name(status: StatusCode) -> String {
    match status {
        StatusCode::INTERNAL_SERVER_ERROR => "internal".into(),
        StatusCode::SERVICE_UNAVAILABLE => "unavailable".into(),
        other => other
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .replace('\'', ""),
    }
}

/// A problem document for a status, with this code and detail.
pub fn problem(status: StatusCode, code: &str, detail: String) -> Problem {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    Problem {
        problem_type: format!("urn:techmarket:problem:{}", code.replace('_', "-")),
        title,
        status: status.as_u16(),
        code: code.to_string(),
        detail,
        errors: None,
        allowed: None,
        existing_id: None,
        current_version: None,
        min_next_fen: None,
    }
}

fn rewrite(response: HttpResponse<impl MessageBody>, path: &str) -> HttpResponse {
    let status = response.status();
    let (code, detail) = match response.error() {
        Some(error) if error.as_error::<actix_cors::CorsError>().is_some() => {
            (CORS_REFUSED.to_string(), format!("CORS: {error}"))
        }
        Some(error) if status != StatusCode::INTERNAL_SERVER_ERROR => {
            (status_code_name(status), error.to_string())
        }
        _ => (
            status_code_name(status),
            match status {
                StatusCode::NOT_FOUND => format!("nothing at {path}"),
                StatusCode::METHOD_NOT_ALLOWED => format!("{path} does not take this method"),
                other => other.canonical_reason().unwrap_or("error").to_string(),
            },
        ),
    };
    let body = serde_json::to_vec(&problem(status, &code, detail)).unwrap_or_default();
    let mut rewritten = HttpResponse::build(status).body(body);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name.clone(), value.clone());
        }
    }
    rewritten.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    rewritten
}

/// Middleware: error answers (4xx, 5xx) that are not problem+json become problem+json.
/// (An `Err` raised by an inner middleware passes through: the request cannot be kept to
/// answer it, since routing needs it unshared; the inner middleware here answer `Ok`.)
pub async fn ensure_problem_json(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path().to_string();
    let response = next.call(req).await?;
    let status = response.status();
    if status.as_u16() < 400 || is_problem(response.response()) {
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    Ok(ServiceResponse::new(request, rewrite(response, &path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_reasons() {
        assert_eq!(status_code_name(StatusCode::NOT_FOUND), "not_found");
        assert_eq!(status_code_name(StatusCode::METHOD_NOT_ALLOWED), "method_not_allowed");
        assert_eq!(status_code_name(StatusCode::BAD_GATEWAY), "bad_gateway");
    }
}
