//! The HTTP conventions every endpoint follows.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_json_is_400_and_wrong_types_are_422_on_the_field() {
    let app = spawn_app().await;
    let malformed = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_problem(malformed, StatusCode::BAD_REQUEST).await;
    let wrong_type =
        app.post("/api/v1/auth/login", None, json!({"email": 5, "password": "x"})).await;
    assert_eq!(
        error_fields(&assert_problem(wrong_type, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["email"]
    );
    let missing = app.post("/api/v1/auth/login", None, json!({"email": "a@b.cn"})).await;
    let problem = assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "password");
    assert_eq!(problem["errors"][0]["code"], "required");
    let unknown_field = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({"email": "a@b.cn", "password": "x", "admin": true}),
        )
        .await;
    assert_problem(unknown_field, StatusCode::UNPROCESSABLE_ENTITY).await;
    let bad_enum = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@b.cn", "password": PASSWORD, "display_name": "A", "role": "wizard"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(bad_enum, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["role"]
    );
}

#[tokio::test]
async fn wrong_media_type_is_415_and_oversized_bodies_413() {
    let app = spawn_app_with(|s| s.body_limit_bytes = 2048).await;
    let text = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_problem(text, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    let big = app
        .post("/api/v1/auth/login", None, json!({"email": "a@b.cn", "password": "x".repeat(4096)}))
        .await;
    assert_problem(big, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn unknown_routes_are_problem_404() {
    let app = spawn_app().await;
    app.anon().get("/api/v1/nothing-here").problem(404).await;
}

#[tokio::test]
async fn request_ids_are_accepted_or_generated_and_echoed() {
    let app = spawn_app().await;
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers().get("x-request-id").unwrap(), "trace-abc-123");
    let generated = app.get("/healthz", None).await;
    let id = generated.headers().get("x-request-id").unwrap().to_str().unwrap();
    assert_eq!(id.len(), 36);
    // Junk is replaced, not echoed.
    let junk = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .unwrap();
    assert_ne!(junk.headers().get("x-request-id").unwrap(), "bad id with spaces");
}

#[tokio::test]
async fn audit_entries_carry_the_request_id_and_filter_by_actor_and_time() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .header("x-request-id", "register-req-1")
        .json(&json!({"email": "b@example.com", "password": PASSWORD, "display_name": "B", "role": "broker"}))
        .send()
        .await
        .unwrap();
    let user = assert_status(response, StatusCode::CREATED).await;
    let admin = app.admin(1).await;
    let by_actor = app
        .as_user(&admin)
        .get(format!("/api/v1/admin/audit?actor_id={}", user["id"].as_str().unwrap()))
        .expect(200)
        .await;
    let entries = by_actor["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "user.register");
    assert_eq!(entries[0]["request_id"], "register-req-1");
    assert!(entries[0]["changes"].get("password_hash").is_none());
    let future =
        app.as_user(&admin).get("/api/v1/admin/audit?from=2999-01-01T00:00:00Z").expect(200).await;
    assert!(future["items"].as_array().unwrap().is_empty());
    app.as_user(&admin).get("/api/v1/admin/audit?from=yesterday").problem(422).await;
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let app = spawn_app().await;
    for n in 0..5 {
        app.register_with_org(&format!("p{n}@example.com"), "enterprise", "enterprise", n).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organizations?limit=2&cursor={c}"),
            None => "/api/v1/organizations?limit=2".to_string(),
        };
        let page = app.anon().get(&path).expect(200).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first");
    app.anon().get("/api/v1/organizations?limit=0").problem(422).await;
    app.anon().get("/api/v1/organizations?limit=101").problem(422).await;
    app.anon().get("/api/v1/organizations?cursor=%%%").problem(422).await;
}
