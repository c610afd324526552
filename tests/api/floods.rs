//! Floods and stray answers: registrations are rate-limited per client, password hashing is
//! bounded (503 with `Retry-After` beyond a short wait), and CORS refusals and unknown `/docs/`
//! files answer problem+json like everything else.

use reqwest::StatusCode;
use serde_json::json;
use techmarket::config::StringList;

use crate::helpers::*;

fn broker_body(n: u32) -> serde_json::Value {
    json!({"email": format!("flood{n}@example.com"), "password": PASSWORD,
           "display_name": "经纪人", "role": "broker"})
}

#[tokio::test]
async fn registrations_are_limited_per_client_address() {
    let app = spawn_app_with(|s| s.register_rate_per_minute = 2).await;
    for n in 0..2 {
        app.anon().post("/api/v1/auth/register").json(broker_body(n)).expect(201).await;
    }
    let response = app.post("/api/v1/auth/register", None, broker_body(2)).await;
    let retry_after = retry_after(&response);
    assert!(retry_after >= 1);
    let problem = assert_problem(response, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["code"], "too_many_requests");
    // Sign-ins keep their own limit.
    assert_status(app.login("flood0@example.com", PASSWORD).await, StatusCode::OK).await;
}

#[tokio::test]
async fn password_hashing_beyond_its_slots_answers_503_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.password_hash_concurrency = Some(1);
        s.password_hash_wait_ms = 50;
    })
    .await;
    app.anon().post("/api/v1/auth/register").json(broker_body(1)).expect(201).await;
    let held = app.state.password_hashing.acquire().await.expect("permit");
    for response in [
        app.post("/api/v1/auth/register", None, broker_body(2)).await,
        app.login("flood1@example.com", PASSWORD).await,
    ] {
        assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        let problem = assert_problem(response, StatusCode::SERVICE_UNAVAILABLE).await;
        assert_eq!(problem["code"], "password_hashing_busy");
    }
    drop(held);
    app.anon().post("/api/v1/auth/register").json(broker_body(2)).expect(201).await;
    assert_status(app.login("flood2@example.com", PASSWORD).await, StatusCode::OK).await;
}

#[tokio::test]
async fn cors_refusals_and_unknown_docs_files_are_problem_json() {
    let app = spawn_app_with(|s| {
        s.cors_origins = StringList::List(vec!["https://market.example".into()]);
    })
    .await;
    // A simple request from another origin is served without CORS headers (the browser
    // withholds the answer); a preflight from it is refused.
    let foreign = app
        .anon()
        .get("/api/v1/achievements")
        .header("origin", "https://evil.example")
        .send()
        .await;
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/achievements"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(preflight, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem["code"], "cors_refused");
    let allowed = app
        .anon()
        .get("/api/v1/achievements")
        .header("origin", "https://market.example")
        .send()
        .await;
    assert_eq!(allowed.status(), StatusCode::OK);

    let problem = app.anon().get("/docs/no-such-file.js").problem(404).await;
    assert_eq!(problem["code"], "not_found");
    app.anon().get("/docs/").expect(200).await;
}
