//! Sign-in, tokens, sessions, rate limits.

use reqwest::StatusCode;
use serde_json::json;
use techmarket::auth::tokens::Claims;

use crate::helpers::*;

#[tokio::test]
async fn login_answers_a_bearer_pair_and_me_works() {
    let app = spawn_app().await;
    app.register_with_org("Li.Lei@Example.com", "enterprise", "enterprise", 1).await;
    let body = assert_status(app.login("li.lei@EXAMPLE.com", PASSWORD).await, StatusCode::OK).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let me = app.caller(body["access_token"].as_str()).get("/api/v1/me").expect(200).await;
    assert_eq!(me["user"]["email"], "li.lei@example.com");
    assert_eq!(me["organization"]["credit_code"], credit_code(1));
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let app = spawn_app().await;
    let session = app.enterprise(1).await;
    let first = app
        .anon()
        .post("/api/v1/auth/refresh")
        .json(json!({"refresh_token": session.refresh_token}))
        .expect(200)
        .await;
    let second_refresh = first["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, session.refresh_token);
    let new_access = first["access_token"].as_str().unwrap().to_string();
    app.with_token(&new_access).get("/api/v1/me").expect(200).await;

    // Presenting the rotated token again: refused, and the whole family dies.
    let reuse = app
        .post("/api/v1/auth/refresh", None, json!({"refresh_token": session.refresh_token}))
        .await;
    assert_problem(reuse, StatusCode::UNAUTHORIZED).await;
    let after =
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": second_refresh})).await;
    assert_problem(after, StatusCode::UNAUTHORIZED).await;
    app.with_token(&new_access).get("/api/v1/me").problem(401).await;
    app.as_user(&session).get("/api/v1/me").problem(401).await;

    // Another session of the same user is untouched.
    let other = app.session(&session.email).await;
    app.as_user(&other).get("/api/v1/me").expect(200).await;

    let admin = app.admin(1).await;
    assert_eq!(app.audit_entries(&admin, "action=session.reuse_detected").await.len(), 1);
}

#[tokio::test]
async fn logout_ends_the_session_and_its_access_tokens() {
    let app = spawn_app().await;
    let session = app.enterprise(1).await;
    let response = app
        .post("/api/v1/auth/logout", None, json!({"refresh_token": session.refresh_token}))
        .await;
    assert_status(response, StatusCode::NO_CONTENT).await;
    app.as_user(&session).get("/api/v1/me").problem(401).await;
    let refresh = app
        .post("/api/v1/auth/refresh", None, json!({"refresh_token": session.refresh_token}))
        .await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED).await;
    // Unknown tokens get the same quiet answer.
    let unknown = app.post("/api/v1/auth/logout", None, json!({"refresh_token": "nonsense"})).await;
    assert_status(unknown, StatusCode::NO_CONTENT).await;
}

#[tokio::test]
async fn expired_and_forged_access_tokens_are_refused_with_www_authenticate() {
    let app = spawn_app().await;
    let session = app.enterprise(1).await;
    let claims = app.state.tokens.decode(&session.access_token).unwrap();
    let now = chrono::Utc::now().timestamp();
    let expired = app
        .state
        .tokens
        .sign(&Claims { iat: now - 1000, nbf: now - 1000, exp: now - 1, ..claims.clone() })
        .unwrap();
    let response = app.get("/api/v1/me", Some(&expired)).await;
    let challenge = header_text(&response, "www-authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let problem = assert_problem(response, StatusCode::UNAUTHORIZED).await;
    assert!(problem["detail"].as_str().unwrap().contains("过期"), "{problem}");

    let forged =
        techmarket::auth::tokens::TokenService::new(b"someone else's secret, 32 bytes!!", 900)
            .sign(&claims)
            .unwrap();
    app.with_token(&forged).get("/api/v1/me").problem(401).await;
    app.with_token("not-a-jwt").get("/api/v1/me").problem(401).await;
    app.anon().get("/api/v1/me").problem(401).await;
}

#[tokio::test]
async fn refresh_tokens_expire() {
    let app = spawn_app_with(|s| s.refresh_token_ttl_secs = 1).await;
    let session = app.enterprise(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = app
        .post("/api/v1/auth/refresh", None, json!({"refresh_token": session.refresh_token}))
        .await;
    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    app.enterprise(1).await;
    let unknown =
        assert_problem(app.login("nobody@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED)
            .await;
    let wrong = assert_problem(
        app.login("ent1@example.com", "Wrong-password-123").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(unknown, wrong);
}

#[tokio::test]
async fn login_is_rate_limited_per_account_and_per_client() {
    let app = spawn_app_with(|s| {
        s.login_account_rate_per_minute = 3;
        s.login_rate_per_minute = 5;
    })
    .await;
    app.enterprise(1).await; // one successful login
    for _ in 0..2 {
        assert_problem(
            app.login("ent1@example.com", "Wrong-password-123").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    let limited = app.login("ent1@example.com", PASSWORD).await;
    let retry_after = retry_after(&limited);
    assert!(retry_after >= 1);
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    // Another account from the same client: allowed until the client's own limit (5) is spent.
    assert_problem(app.login("other@example.com", PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    assert_problem(app.login("other@example.com", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS)
        .await;
}

#[tokio::test]
async fn disabled_users_are_locked_out_at_once() {
    let app = spawn_app().await;
    let user = app.enterprise(1).await;
    let admin = app.admin(1).await;
    let response = app
        .patch(
            &format!("/api/v1/admin/users/{}", user.user_id),
            Some(&admin.access_token),
            json!({"status": "disabled", "version": 1}),
        )
        .await;
    let updated = assert_status(response, StatusCode::OK).await;
    assert_eq!(updated["status"], "disabled");
    app.as_user(&user).get("/api/v1/me").problem(401).await;
    assert_problem(app.login(&user.email, PASSWORD).await, StatusCode::FORBIDDEN).await;
    let refresh =
        app.post("/api/v1/auth/refresh", None, json!({"refresh_token": user.refresh_token})).await;
    assert_problem(refresh, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    let first = app.enterprise(1).await;
    let second = app.session(&first.email).await;
    let wrong = app
        .post(
            "/api/v1/me/password",
            Some(&first.access_token),
            json!({"current_password": "Not-the-password-1", "new_password": "Brand-new-Orbit-77"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["current_password"]
    );
    let weak = app
        .post(
            "/api/v1/me/password",
            Some(&first.access_token),
            json!({"current_password": PASSWORD, "new_password": "password1234"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["new_password"]
    );
    let ok = app
        .post(
            "/api/v1/me/password",
            Some(&first.access_token),
            json!({"current_password": PASSWORD, "new_password": "Brand-new-Orbit-77"}),
        )
        .await;
    assert_status(ok, StatusCode::NO_CONTENT).await;
    app.as_user(&first).get("/api/v1/me").expect(200).await;
    app.as_user(&second).get("/api/v1/me").problem(401).await;
    assert_problem(app.login(&first.email, PASSWORD).await, StatusCode::UNAUTHORIZED).await;
    assert_status(app.login(&first.email, "Brand-new-Orbit-77").await, StatusCode::OK).await;
}

#[tokio::test]
async fn sign_in_limits_hold_across_two_instances_on_one_database() {
    let adjust = |s: &mut techmarket::config::Settings| {
        s.login_account_rate_per_minute = 4;
        s.shared_rate_limits = Some(true);
    };
    let first = spawn_app_with(adjust).await;
    let second = first.second_instance_with(adjust).await;
    first.enterprise(1).await; // one successful sign-in on the first instance
    // Wrong passwords, alternating between the instances: four attempts in all are allowed.
    for app in [&second, &first, &second] {
        assert_problem(
            app.login("ent1@example.com", "Wrong-password-123").await,
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    for app in [&second, &first] {
        let limited = assert_problem(
            app.login("ent1@example.com", PASSWORD).await,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await;
        assert_eq!(limited["status"], 429);
    }
    // Another account is not affected.
    first.enterprise(2).await;
}
