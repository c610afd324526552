//! Liveness, readiness and metrics endpoints.

use crate::http::endpoint::State;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::migrations;
use crate::error::{ApiError, ApiResult};
use crate::http::middleware::Metrics;

/// The state of a health check.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`.
    pub status: String,
    /// The database backend (`sqlite` or `postgresql`); readiness only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
}

crate::endpoint! {
    /// Liveness: the process is up and serving.
    get "/healthz" => healthz, tag "operations",
    public, ok 200 "The process is up" => HealthStatus,
    || -> web::Json<HealthStatus> {
        web::Json(HealthStatus { status: "ok".into(), database: None })
    }
}

crate::endpoint! {
    /// Readiness: the database answers and every migration is applied.
    get "/readyz" => readyz, tag "operations",
    public, ok 200 "Ready to serve" => HealthStatus,
    problems { 503: "The database is unreachable or not migrated" },
    |state: State| -> ApiResult<web::Json<HealthStatus>> {
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
}

crate::endpoint! {
    /// Prometheus metrics: requests by route and status, latency histogram, DB pool in use / idle.
    get "/metrics" => metrics, tag "operations",
    public,
    responses [(status = 200, description = "Prometheus text exposition format", body = String, content_type = "text/plain")],
    |state: State, metrics: web::Data<Metrics>| -> ApiResult<HttpResponse> {
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
}
