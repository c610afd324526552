//! Organizations: the directory, members' edits, invites, verification.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_directory_is_public_and_filterable() {
    let app = spawn_app().await;
    app.register_with_org("a@example.com", "enterprise", "enterprise", 1)
        .await;
    app.register_with_org("b@example.edu.cn", "university", "university", 2)
        .await;
    let all = assert_status(app.get("/api/v1/organizations", None).await, StatusCode::OK).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let universities = assert_status(
        app.get("/api/v1/organizations?kind=university", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(universities["items"].as_array().unwrap().len(), 1);
    let by_name = assert_status(
        app.get("/api/v1/organizations?name=%E6%9C%BA%E6%9E%841", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_name["items"].as_array().unwrap().len(), 1);
    let zhejiang = assert_status(
        app.get("/api/v1/organizations?region=33", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(zhejiang["items"].as_array().unwrap().len(), 2);
    let beijing = assert_status(
        app.get("/api/v1/organizations?region=11", None).await,
        StatusCode::OK,
    )
    .await;
    assert!(beijing["items"].as_array().unwrap().is_empty());
    assert_problem(
        app.get("/api/v1/organizations?region=abc", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let one = assert_status(
        app.get(
            &format!(
                "/api/v1/organizations/{}",
                all["items"][0]["id"].as_str().unwrap()
            ),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["region_name"], "西湖区");
    assert_problem(
        app.get("/api/v1/organizations/nope", None).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn members_edit_their_organization_with_versions_and_outsiders_cannot() {
    let app = spawn_app().await;
    let member = app.enterprise(1).await;
    let outsider = app.enterprise(2).await;
    let org_id = member.organization_id.clone().unwrap();
    let path = format!("/api/v1/organizations/{org_id}");

    let forbidden = app
        .patch(
            &path,
            Some(&outsider.access_token),
            json!({"name": "被篡改", "version": 1}),
        )
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;
    assert_problem(
        app.patch(&path, None, json!({"name": "匿名", "version": 1}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    let missing_version = app
        .patch(&path, Some(&member.access_token), json!({"name": "新名字"}))
        .await;
    assert_problem(missing_version, StatusCode::PRECONDITION_REQUIRED).await;

    let updated = app
        .patch(
            &path,
            Some(&member.access_token),
            json!({"name": "杭州新名字科技有限公司", "website": "https://example.com", "version": 1}),
        )
        .await;
    let updated = assert_status(updated, StatusCode::OK).await;
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["website"], "https://example.com");

    let stale = app
        .patch(
            &path,
            Some(&member.access_token),
            json!({"name": "过期版本", "version": 1}),
        )
        .await;
    let problem = assert_problem(stale, StatusCode::CONFLICT).await;
    assert_eq!(problem["current_version"], 2);

    // If-Match works as well as the body field.
    let with_header = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&member.access_token)
        .header("If-Match", "\"2\"")
        .json(&json!({"address": "西湖区文三路 1 号"}))
        .send()
        .await
        .unwrap();
    assert_eq!(with_header.headers().get("etag").unwrap(), "\"3\"");
    assert_status(with_header, StatusCode::OK).await;

    let invalid = app
        .patch(
            &path,
            Some(&member.access_token),
            json!({"region_code": "123456", "version": 3}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["region_code"]
    );

    let admin = app.admin(1).await;
    let audit = assert_status(
        app.get(
            &format!("/api/v1/admin/audit?entity_type=organization&entity_id={org_id}"),
            Some(&admin.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "organization.update",
            "organization.update",
            "organization.create"
        ]
    );
    assert_eq!(
        audit["items"][1]["changes"]["name"]["to"],
        "杭州新名字科技有限公司"
    );
    assert_eq!(audit["items"][1]["actor_id"], member.user_id.as_str());
}

#[tokio::test]
async fn invites_let_people_join_an_organization() {
    let app = spawn_app().await;
    let member = app.university(1).await;
    let org_id = member.organization_id.clone().unwrap();
    let outsider = app.enterprise(2).await;
    let path = format!("/api/v1/organizations/{org_id}/invites");

    assert_problem(
        app.post(&path, Some(&outsider.access_token), json!({}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(&path, Some(&member.access_token), json!({"max_uses": 0}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let invite = assert_status(
        app.post(&path, Some(&member.access_token), json!({"max_uses": 1}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let code = invite["code"].as_str().unwrap();

    // A role that cannot belong to a university is refused, and the use is not consumed.
    let wrong_role = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "e@example.com", "password": PASSWORD, "display_name": "E", "role": "enterprise", "invite_code": code}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(wrong_role, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["invite_code"]
    );
    let joined = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "colleague@example.edu.cn", "password": PASSWORD, "display_name": "同事", "role": "university",
                   "invite_code": code.to_lowercase()}),
        )
        .await;
    let joined = assert_status(joined, StatusCode::CREATED).await;
    assert_eq!(joined["organization_id"], org_id.as_str());

    let used_up = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "third@example.edu.cn", "password": PASSWORD, "display_name": "三", "role": "university", "invite_code": code}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(used_up, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["invite_code"]
    );
    let unknown = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": "x@example.edu.cn", "password": PASSWORD, "display_name": "X", "role": "university", "invite_code": "AAAA-BBBB-CCCC-DDDD"}),
        )
        .await;
    assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn only_admins_verify_organizations() {
    let app = spawn_app().await;
    let member = app.enterprise(1).await;
    let org_id = member.organization_id.clone().unwrap();
    let path = format!("/api/v1/admin/organizations/{org_id}/verify");
    assert_problem(
        app.post(&path, Some(&member.access_token), json!({"verified": true}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Members cannot sneak it in through PATCH either.
    let sneaky = app
        .patch(
            &format!("/api/v1/organizations/{org_id}"),
            Some(&member.access_token),
            json!({"verified": true, "version": 1}),
        )
        .await;
    assert_problem(sneaky, StatusCode::UNPROCESSABLE_ENTITY).await;
    let admin = app.admin(1).await;
    let verified = assert_status(
        app.post(&path, Some(&admin.access_token), json!({"verified": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(verified["verified"], true);
    let listed = assert_status(
        app.get("/api/v1/organizations?verified=true", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_problem(
        app.post(
            "/api/v1/admin/organizations/missing/verify",
            Some(&admin.access_token),
            json!({"verified": true}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
