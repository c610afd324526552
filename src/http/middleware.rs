//! Request ids, structured request logs and Prometheus metrics, in one middleware.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};
use tracing::Instrument;

/// The header that carries the request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The id of the current request (accepted from `X-Request-Id` or generated).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The service's Prometheus metrics.
pub struct Metrics {
    /// The registry `/metrics` renders.
    pub registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    /// Pool connections by state (`in_use`, `idle`).
    pub pool_connections: IntGaugeVec,
}

impl Metrics {
    /// Registers the metrics.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("techmarket".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0],
            ),
            &["method", "route"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "Database pool connections by state"),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        Ok(Metrics { registry, requests, latency, pool_connections })
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }
}

fn accepted_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?.trim();
    let acceptable = !value.is_empty()
        && value.len() <= 128
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b));
    acceptable.then(|| value.to_string())
}

/// Accepts or generates the request id, runs the request inside a span carrying it, logs
/// one line per request, records metrics and echoes the id in the response.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let request_id = accepted_request_id(&req).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(request_id.clone()));
    let method = req.method().to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".to_string());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method, path = %req.path());
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            if let Some(metrics) = &metrics {
                metrics.observe(&method, &route, status, elapsed.as_secs_f64());
            }
            span.in_scope(|| {
                tracing::info!(status, latency_ms = elapsed.as_secs_f64() * 1000.0, route = %route, "request")
            });
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(response)
        }
        Err(error) => {
            span.in_scope(|| tracing::warn!(%error, "request failed before a response"));
            Err(error)
        }
    }
}
