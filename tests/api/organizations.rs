//! Organizations: the directory, members' edits, invites, verification.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_directory_is_public_and_filterable() {
    let app = spawn_app().await;
    app.register_with_org("a@example.com", "enterprise", "enterprise", 1).await;
    app.register_with_org("b@example.edu.cn", "university", "university", 2).await;
    let all = app.anon().get("/api/v1/organizations").expect(200).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let universities = app.anon().get("/api/v1/organizations?kind=university").expect(200).await;
    assert_eq!(universities["items"].as_array().unwrap().len(), 1);
    let by_name =
        app.anon().get("/api/v1/organizations?name=%E6%9C%BA%E6%9E%841").expect(200).await;
    assert_eq!(by_name["items"].as_array().unwrap().len(), 1);
    let zhejiang = app.anon().get("/api/v1/organizations?region=33").expect(200).await;
    assert_eq!(zhejiang["items"].as_array().unwrap().len(), 2);
    let beijing = app.anon().get("/api/v1/organizations?region=11").expect(200).await;
    assert!(beijing["items"].as_array().unwrap().is_empty());
    app.anon().get("/api/v1/organizations?region=abc").problem(422).await;
    let one = app
        .anon()
        .get(format!("/api/v1/organizations/{}", all["items"][0]["id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(one["region_name"], "西湖区");
    app.anon().get("/api/v1/organizations/nope").problem(404).await;
}

#[tokio::test]
async fn members_edit_their_organization_with_versions_and_outsiders_cannot() {
    let app = spawn_app().await;
    let member = app.enterprise(1).await;
    let outsider = app.enterprise(2).await;
    let org_id = member.organization_id.clone().unwrap();
    let path = format!("/api/v1/organizations/{org_id}");

    let forbidden = app
        .patch(&path, Some(&outsider.access_token), json!({"name": "被篡改", "version": 1}))
        .await;
    assert_problem(forbidden, StatusCode::FORBIDDEN).await;
    app.anon().patch(&path).json(json!({"name": "匿名", "version": 1})).problem(401).await;

    let missing_version =
        app.patch(&path, Some(&member.access_token), json!({"name": "新名字"})).await;
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
        .patch(&path, Some(&member.access_token), json!({"name": "过期版本", "version": 1}))
        .await;
    let problem = assert_problem(stale, StatusCode::CONFLICT).await;
    assert_eq!(problem["current_version"], 2);

    // If-Match works as well as the body field.
    let with_header = app
        .as_user(&member)
        .patch(&path)
        .if_match("\"2\"")
        .json(json!({"address": "西湖区文三路 1 号"}))
        .send()
        .await;
    assert_eq!(with_header.headers().get("etag").unwrap(), "\"3\"");
    assert_status(with_header, StatusCode::OK).await;

    let invalid = app
        .patch(&path, Some(&member.access_token), json!({"region_code": "123456", "version": 3}))
        .await;
    assert_eq!(
        error_fields(&assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["region_code"]
    );

    let admin = app.admin(1).await;
    let audit = app
        .as_user(&admin)
        .get(format!("/api/v1/admin/audit?entity_type=organization&entity_id={org_id}"))
        .expect(200)
        .await;
    let actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["organization.update", "organization.update", "organization.create"]);
    assert_eq!(audit["items"][1]["changes"]["name"]["to"], "杭州新名字科技有限公司");
    assert_eq!(audit["items"][1]["actor_id"], member.user_id.as_str());
}

#[tokio::test]
async fn invites_let_people_join_an_organization() {
    let app = spawn_app().await;
    let member = app.university(1).await;
    let org_id = member.organization_id.clone().unwrap();
    let outsider = app.enterprise(2).await;
    let path = format!("/api/v1/organizations/{org_id}/invites");

    app.as_user(&outsider).act(&path).problem(403).await;
    app.as_user(&member).post(&path).json(json!({"max_uses": 0})).problem(422).await;
    let invite = app.as_user(&member).post(&path).json(json!({"max_uses": 1})).expect(201).await;
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
    app.as_user(&member).post(&path).json(json!({"verified": true})).problem(403).await;
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
    let verified =
        app.as_user(&admin).post(&path).json(json!({"verified": true})).expect(200).await;
    assert_eq!(verified["verified"], true);
    let listed = app.anon().get("/api/v1/organizations?verified=true").expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    app.as_user(&admin)
        .post("/api/v1/admin/organizations/missing/verify")
        .json(json!({"verified": true}))
        .problem(404)
        .await;
}
