//! Registration rules, roles and user administration.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn registration_validates_every_field_at_once() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({
                "email": "not-an-email", "password": "password123", "display_name": "",
                "role": "enterprise",
                "organization": {"name": "X", "kind": "enterprise",
                                 "credit_code": "91350100M000100Y44", "region_code": "999999",
                                 "website": "ftp://x"}
            }),
        )
        .await;
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "display_name",
            "email",
            "organization.credit_code",
            "organization.name",
            "organization.region_code",
            "organization.website",
            "password"
        ]
    );
    let codes = error_codes(&problem);
    assert!(codes.contains(&"invalid_check_character".into()));
    assert!(codes.contains(&"unknown_region".into()));
    assert!(codes.contains(&"too_common".into()));
}

#[tokio::test]
async fn roles_that_need_an_organization_must_bring_one() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "a@example.com", "password": PASSWORD, "display_name": "A", "role": "university"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["organization"]
    );
    // A broker may register alone.
    let broker = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "broker@example.com", "password": PASSWORD, "display_name": "王经纪", "role": "broker"}),
        )
        .await;
    let broker = assert_status(broker, StatusCode::CREATED).await;
    assert!(broker["organization_id"].is_null());
    // The organization's kind must suit the role.
    let mismatch = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "u@example.com", "password": PASSWORD, "display_name": "U", "role": "university",
                   "organization": {"name": "某某公司", "kind": "enterprise", "credit_code": credit_code(9), "region_code": "110108"}}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(mismatch, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["organization.kind"]
    );
}

#[tokio::test]
async fn admins_cannot_self_register() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "boss@example.com", "password": PASSWORD, "display_name": "Boss", "role": "admin"}),
        )
        .await;
    assert_problem(response, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn duplicate_emails_conflict_case_insensitively() {
    let app = spawn_app().await;
    app.register_with_org("Zhang@Example.com", "enterprise", "enterprise", 1).await;
    let again = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "zhang@example.COM", "password": PASSWORD, "display_name": "Z", "role": "broker"}),
        )
        .await;
    assert_problem(again, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn duplicate_credit_codes_conflict_and_name_the_existing_organization() {
    let app = spawn_app().await;
    let first = app.register_with_org("a@example.com", "enterprise", "enterprise", 7).await;
    let second = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "b@example.com", "password": PASSWORD, "display_name": "B", "role": "enterprise",
                   "organization": {"name": "另一家公司", "kind": "enterprise", "credit_code": credit_code(7), "region_code": "330106"}}),
        )
        .await;
    let problem = assert_problem(second, StatusCode::CONFLICT).await;
    assert_eq!(problem["existing_id"], first["organization_id"]);
    // Nothing of the failed registration remains: the e-mail is still free.
    let retry = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "b@example.com", "password": PASSWORD, "display_name": "B", "role": "broker"}),
        )
        .await;
    assert_status(retry, StatusCode::CREATED).await;
}

#[tokio::test]
async fn admin_endpoints_are_for_admins_only() {
    let app = spawn_app().await;
    let user = app.enterprise(1).await;
    app.as_user(&user).get("/api/v1/admin/users").problem(403).await;
    app.anon().get("/api/v1/admin/users").problem(401).await;
    app.as_user(&user).get("/api/v1/admin/audit").problem(403).await;
    let create = app
        .post(
            "/api/v1/admin/users",
            Some(&user.access_token),
            json!({"email": "x@example.com", "password": PASSWORD, "display_name": "X", "role": "admin"}),
        )
        .await;
    assert_problem(create, StatusCode::FORBIDDEN).await;
    let patch = app
        .patch(
            &format!("/api/v1/admin/users/{}", user.user_id),
            Some(&user.access_token),
            json!({"role": "admin", "version": 1}),
        )
        .await;
    assert_problem(patch, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_changed_role_takes_effect_on_the_next_request() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let created = app
        .post(
            "/api/v1/admin/users",
            Some(&admin.access_token),
            json!({"email": "broker@example.com", "password": PASSWORD, "display_name": "经纪人", "role": "broker"}),
        )
        .await;
    let created = assert_status(created, StatusCode::CREATED).await;
    let broker = app.session("broker@example.com").await;
    app.as_user(&broker).get("/api/v1/admin/users").problem(403).await;
    let promote = app
        .patch(
            &format!("/api/v1/admin/users/{}", created["id"].as_str().unwrap()),
            Some(&admin.access_token),
            json!({"role": "admin", "version": created["version"]}),
        )
        .await;
    assert_status(promote, StatusCode::OK).await;
    // Same token, new role.
    app.as_user(&broker).get("/api/v1/admin/users").expect(200).await;
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let response = app
        .patch(
            &format!("/api/v1/admin/users/{}", admin.user_id),
            Some(&admin.access_token),
            json!({"status": "disabled", "version": 1}),
        )
        .await;
    assert_problem(response, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn admins_list_and_filter_users() {
    let app = spawn_app().await;
    app.enterprise(1).await;
    app.university(2).await;
    let admin = app.admin(1).await;
    let all = app.as_user(&admin).get("/api/v1/admin/users").expect(200).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    let universities =
        app.as_user(&admin).get("/api/v1/admin/users?role=university").expect(200).await;
    assert_eq!(universities["items"].as_array().unwrap().len(), 1);
    assert_eq!(universities["items"][0]["email"], "uni2@example.edu.cn");
    let bad = app.get("/api/v1/admin/users?role=wizard", Some(&admin.access_token)).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn concurrent_registrations_all_succeed() {
    let app = std::sync::Arc::new(spawn_app().await);
    let mut handles = Vec::new();
    for n in 0..12u32 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            let response = app
                .post(
                    "/api/v1/auth/register",
                    None,
                    json!({"email": format!("c{n}@example.com"), "password": PASSWORD, "display_name": "并发", "role": "enterprise",
                           "organization": {"name": format!("并发公司{n}"), "kind": "enterprise", "credit_code": credit_code(100 + n), "region_code": "440106"}}),
                )
                .await;
            response.status()
        }));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap(), StatusCode::CREATED);
    }
}
