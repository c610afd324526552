//! Health, readiness, metrics, docs, the OpenAPI contract and migrations.

use std::time::Duration;

use diesel::r2d2::Pool;
use reqwest::StatusCode;
use techmarket::Application;
use techmarket::config::Config;
use techmarket::db::{ConnectionManager, DatabaseUrl, Db, migrations};

use crate::helpers::*;

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let app = spawn_app().await;
    let health = app.anon().get("/healthz").expect(200).await;
    assert_eq!(health["status"], "ok");
    let ready = app.anon().get("/readyz").expect(200).await;
    let expected = if postgres_admin_url().is_some() { "postgresql" } else { "sqlite" };
    assert_eq!(ready["database"], expected);
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_unreachable() {
    let data_dir = tempfile::tempdir().unwrap();
    let config = Config::resolve(test_settings(data_dir.path(), None)).unwrap();
    let url = DatabaseUrl::Postgres("postgres://nobody@127.0.0.1:1/none".into());
    let pool = Pool::builder()
        .connection_timeout(Duration::from_millis(500))
        .build_unchecked(ConnectionManager::new(url.clone()));
    let search = techmarket::search::SearchIndex::in_memory().unwrap();
    let matching = std::sync::Arc::new(techmarket::matching::engine::MatchingState::default());
    let app =
        Application::build_with_db(config, Db::from_pool(pool, url), search, matching).unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let ready = client.get(format!("{address}/readyz")).send().await.unwrap();
    assert_problem(ready, StatusCode::SERVICE_UNAVAILABLE).await;
    let health = client.get(format!("{address}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // A request that needs the database gets 503, not 500.
    let list = client.get(format!("{address}/api/v1/organizations")).send().await.unwrap();
    assert_problem(list, StatusCode::SERVICE_UNAVAILABLE).await;
}

#[tokio::test]
async fn readyz_is_503_while_migrations_are_pending_and_down_migrations_revert() {
    let app = spawn_app().await;
    let db = app.state.db.clone();
    let reverted = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        migrations::revert_all(&mut conn).unwrap()
    })
    .await
    .unwrap();
    assert!(!reverted.is_empty());
    app.anon().get("/readyz").problem(503).await;
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let applied = migrations::run_pending(&mut conn).unwrap();
        assert_eq!(applied.len(), reverted.len());
    })
    .await
    .unwrap();
    app.anon().get("/readyz").expect(200).await;
    app.enterprise(1).await;
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_app().await;
    app.get("/healthz", None).await;
    app.get("/api/v1/organizations/missing", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        text.contains(
            "techmarket_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"
        ),
        "{text}"
    );
    assert!(text.contains("route=\"/api/v1/organizations/{id}\",status=\"404\""), "{text}");
    assert!(text.contains("techmarket_http_request_duration_seconds_bucket"));
    assert!(text.contains("techmarket_db_pool_connections{state=\"idle\"}"));
}

#[tokio::test]
async fn docs_and_the_spec_are_served_offline() {
    let app = spawn_app().await;
    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status(), StatusCode::PERMANENT_REDIRECT);
    let served = app.anon().get("/api-spec/openapi.json").expect(200).await;
    assert_eq!(served["openapi"], "3.1.0");
    let generated: serde_json::Value =
        serde_json::from_str(&techmarket::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);
}

/// The committed contract equals the generated one. `UPDATE_OPENAPI=1 cargo test` rewrites it.
#[test]
fn committed_openapi_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("api-spec/openapi.json");
    let generated = techmarket::openapi::spec_json();
    if std::env::var("UPDATE_OPENAPI").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "api-spec/openapi.json differs from the generated spec; run `UPDATE_OPENAPI=1 cargo test committed_openapi` and commit it"
    );
}

#[test]
fn every_operation_documents_its_errors_and_security() {
    let spec: serde_json::Value = serde_json::from_str(&techmarket::openapi::spec_json()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.contains_key("503"), "{method} {path}");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(status), "{method} {path} lacks {status}");
                }
            }
            if path.starts_with("/api/v1/admin") {
                assert!(operation.get("security").is_some(), "{method} {path} lacks security");
                assert!(
                    responses.contains_key("401") && responses.contains_key("403"),
                    "{method} {path}"
                );
            }
        }
    }
}

/// With `TEST_REQUIRE_POSTGRES=1` (CI's PostgreSQL run) the suite must really run on PostgreSQL.
#[test]
fn the_postgres_run_is_not_skipped() {
    if std::env::var("TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        let url =
            postgres_admin_url().expect("TEST_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is unset");
        use diesel::Connection;
        techmarket::db::init_postgres_tls();
        diesel::PgConnection::establish(&url).expect("TEST_DATABASE_URL is unreachable");
    }
}

#[test]
fn every_schema_reference_resolves() {
    fn walk(value: &serde_json::Value, refs: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(reference)) = map.get("$ref") {
                    refs.push(reference.clone());
                }
                map.values().for_each(|v| walk(v, refs));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let spec: serde_json::Value = serde_json::from_str(&techmarket::openapi::spec_json()).unwrap();
    let mut refs = Vec::new();
    walk(&spec, &mut refs);
    assert!(!refs.is_empty());
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for reference in refs {
        let name = reference.strip_prefix("#/components/schemas/").expect("only component refs");
        assert!(schemas.contains_key(name), "unresolved reference {reference}");
    }
}
