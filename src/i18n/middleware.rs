//! The edge of the service: every answer says its language (`Content-Language`, `Vary:
//! Accept-Language`), problem documents are given in the caller's language, and handlers
//! serialize their texts in it ([`Lang::current`]).

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

use super::{Lang, catalogue, localize};
use crate::error::{PROBLEM_JSON, Problem};

tokio::task_local! {
    /// The language of the request being served.
    pub(super) static CURRENT: Lang;
}

/// A problem document in `lang`: its title by its kind, its detail and field messages from the
/// catalogue (a text the catalogue does not know stays as written).
pub fn localize_problem(mut problem: Problem, lang: Lang) -> Problem {
    let kind = problem.problem_type.rsplit(':').next().unwrap_or_default().replace('-', "_");
    if let Some(title) = catalogue::by_id(&format!("problem.{kind}"), lang) {
        problem.title = title;
    }
    // A single field's problem says `field: message`: its detail is rebuilt from the field's
    // localized message rather than translated as one text.
    let single_field = match problem.errors.as_deref() {
        Some([only]) => problem.detail == format!("{}: {}", only.field, only.message),
        _ => false,
    };
    problem.detail = localized(&problem.detail, lang);
    for error in problem.errors.iter_mut().flatten() {
        error.message = localized(&error.message, lang);
    }
    if let (true, Some([only])) = (single_field, problem.errors.as_deref()) {
        let separator = if lang == Lang::Zh { "：" } else { ": " };
        problem.detail = format!("{}{separator}{}", only.field, only.message);
    }
    problem
}

/// `text` in `lang`; a text the catalogue does not know is logged (debug, target
/// `techmarket::i18n`) so that running the fuzzer shows what to add.
fn localized(text: &str, lang: Lang) -> String {
    let out = localize(text, lang);
    if lang == Lang::Zh && out == text && text.contains(' ') && text.is_ascii() {
        tracing::debug!(text, "text without a catalogue entry");
    }
    out
}

/// Serves the request in its language.
pub async fn in_language(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let lang = Lang::of(request.request());
    // An `Err` of an inner middleware passes through (the inner ones answer `Ok`).
    let response = CURRENT.scope(lang, next.call(request)).await?.map_into_boxed_body();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let mut response = if is_problem && lang != Lang::En {
        let (request, response) = response.into_parts();
        let (response, body) = response.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
        let body = match serde_json::from_slice::<Problem>(&bytes) {
            Ok(problem) => serde_json::to_vec(&localize_problem(problem, lang))
                .map_or(bytes, actix_web::web::Bytes::from),
            Err(_) => bytes,
        };
        ServiceResponse::new(request, response.set_body(BoxBody::new(body)))
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    headers.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    Ok(response)
}
