//! Liveness, readiness and metrics endpoints.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::migrations;
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::Metrics;
use crate::state::AppState;

/// The state of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: String,
    /// The database backend (`sqlite` or `postgresql`); readiness only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

/// Liveness: the process is up and serving.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is up", body = HealthStatus))
)]
#[get("/healthz")]
pub(crate) async fn healthz() -> web::Json<HealthStatus> {
    web::Json(HealthStatus { status: "ok".into(), database: None })
}

/// Readiness: the database answers and every migration is applied.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = HealthStatus),
        (status = 503, description = "The database is unreachable or not migrated",
         body = crate::error::Problem, content_type = "application/problem+json")
    )
)]
#[get("/readyz")]
pub(crate) async fn readyz(state: web::Data<AppState>) -> ApiResult<web::Json<HealthStatus>> {
    let pool = state.db.pool().clone();
    let backend = state.db.url().backend_name();
    web::block(move || -> ApiResult<()> {
        let mut conn = pool
            .get_timeout(Duration::from_secs(2))
            .map_err(|e| ApiError::Unavailable(format!("database unreachable: {e}")))?;
        conn.batch_execute("SELECT 1")
            .map_err(|e| ApiError::Unavailable(format!("database query failed: {e}")))?;
        match migrations::has_pending(&mut conn) {
            Ok(false) => Ok(()),
            Ok(true) => Err(ApiError::Unavailable("database migrations are pending".into())),
            Err(e) => Err(ApiError::Unavailable(format!("cannot read migrations: {e}"))),
        }
    })
    .await??;
    Ok(web::Json(HealthStatus { status: "ok".into(), database: Some(backend.into()) }))
}

/// Prometheus metrics: requests by route and status, latency histogram, DB pool in use / idle.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub(crate) async fn metrics(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> ApiResult<HttpResponse> {
    let pool_state = state.db.pool().state();
    let idle = i64::from(pool_state.idle_connections);
    let in_use = i64::from(pool_state.connections) - idle;
    metrics.pool_connections.with_label_values(&["in_use"]).set(in_use);
    metrics.pool_connections.with_label_values(&["idle"]).set(idle);
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut buffer)
        .map_err(|e| ApiError::Internal(format!("metrics encoding: {e}")))?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(buffer))
}
