//! 成果库 end to end: ownership, lifecycle, search, confidential details.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn battery(n: u32) -> Value {
    json!({
        "title": format!("一种高能量密度锂离子电池正极材料的制备方法{n}"),
        "summary": "本成果提出一种富锂锰基正极材料的共沉淀制备工艺，通过表面包覆提高循环稳定性，适用于动力电池和储能系统。",
        "keywords": ["锂离子电池", "正极材料", "共沉淀"],
        "technology_field": "new_energy",
        "industry": "new_energy_vehicles",
        "maturity": "pilot",
        "trl": 6,
        "ip_type": "invention_patent",
        "patents": [{"number": "ZL200310102344.5", "title": "正极材料", "status": "granted"}],
        "cooperation_modes": ["license", "transfer"],
        "asking_price_fen": 50_000_000,
        "contact": {"name": "王老师", "phone": "0571-87951234", "email": "wang@example.edu.cn"},
        "confidential_details": "烧结温度 850℃，包覆层厚度 5nm",
        "external_ref": format!("ZJU-{n}")
    })
}

/// Creates, submits and approves an achievement; returns its id.
async fn published(app: &TestApp, owner: &Session, admin: &Session, body: Value) -> String {
    let created = assert_status(
        app.post("/api/v1/achievements", Some(&owner.access_token), body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_status(
        app.post(
            &format!("/api/v1/achievements/{id}/submit"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.post(
            &format!("/api/v1/achievements/{id}/approve"),
            Some(&admin.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    id
}

#[tokio::test]
async fn an_achievement_goes_from_draft_through_review_to_the_public() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let created = assert_status(
        app.post(
            "/api/v1/achievements",
            Some(&owner.access_token),
            battery(1),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["status"], "draft");
    assert_eq!(
        created["region_code"], "330106",
        "defaults to the organization's region"
    );
    assert_eq!(
        created["patents"][0]["number"], "200310102344.5",
        "normalized"
    );
    assert!(created.get("confidential_details").is_none());
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}");

    // Drafts are invisible to the public and to other organizations.
    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND).await;
    let other = app.enterprise(2).await;
    assert_problem(
        app.get(&path, Some(&other.access_token)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_status(
        app.get(&path, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;

    // Illegal transitions name the allowed ones.
    let premature = app
        .post(
            &format!("{path}/close"),
            Some(&owner.access_token),
            json!({}),
        )
        .await;
    let problem = assert_problem(premature, StatusCode::CONFLICT).await;
    assert_eq!(problem["allowed"], json!(["submit"]));

    let submitted = assert_status(
        app.post(
            &format!("{path}/submit"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(submitted["status"], "pending_review");
    let queue = assert_status(
        app.get("/api/v1/admin/reviews", Some(&admin.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(queue["items"][0]["id"], id);
    assert_problem(
        app.post(
            &format!("{path}/approve"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Rejection needs a reason, which the owner sees.
    assert_problem(
        app.post(
            &format!("{path}/reject"),
            Some(&admin.access_token),
            json!({}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_status(
        app.post(
            &format!("{path}/reject"),
            Some(&admin.access_token),
            json!({"reason": "请补充专利证书"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mine = assert_status(
        app.get(&path, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["status"], "rejected");
    assert_eq!(mine["rejection_reason"], "请补充专利证书");

    // Edit, resubmit, approve: public now, contacts only for signed-in users.
    let edited = app
        .patch(
            &path,
            Some(&owner.access_token),
            json!({"team": "材料学院电池课题组", "version": mine["version"]}),
        )
        .await;
    assert_status(edited, StatusCode::OK).await;
    assert_status(
        app.post(
            &format!("{path}/submit"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.post(
            &format!("{path}/approve"),
            Some(&admin.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let public = assert_status(app.get(&path, None).await, StatusCode::OK).await;
    assert_eq!(public["status"], "published");
    assert!(public["contact"].is_null());
    assert!(public["rejection_reason"].is_null());
    let signed_in = assert_status(
        app.get(&path, Some(&other.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed_in["contact"]["phone"], "0571-87951234");

    // Only drafts can be deleted.
    assert_problem(
        app.send(
            reqwest::Method::DELETE,
            &path,
            Some(&owner.access_token),
            None,
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    let history = assert_status(
        app.get(&format!("{path}/history"), Some(&owner.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "achievement.create",
            "achievement.submit",
            "achievement.reject",
            "achievement.update",
            "achievement.submit",
            "achievement.approve"
        ]
    );
    assert_problem(
        app.get(&format!("{path}/history"), Some(&other.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn only_owners_change_records_and_only_suitable_organizations_list_them() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}");
    let outsider = app.university(2).await;
    assert_problem(
        app.patch(
            &path,
            Some(&outsider.access_token),
            json!({"title": "改名", "version": 3}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/withdraw"),
            Some(&outsider.access_token),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(&path, None, json!({"title": "改名", "version": 3}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // A broker without an organization cannot list achievements.
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "broker@example.com", "password": PASSWORD, "display_name": "经纪人", "role": "broker"}),
    )
    .await;
    let broker = app.session("broker@example.com").await;
    assert_problem(
        app.post(
            "/api/v1/achievements",
            Some(&broker.access_token),
            battery(3),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Another organization's id cannot be borrowed.
    let mut body = battery(4);
    body["org_id"] = json!(owner.organization_id.clone().unwrap());
    assert_problem(
        app.post("/api/v1/achievements", Some(&outsider.access_token), body)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Stale and missing versions.
    assert_problem(
        app.patch(&path, Some(&owner.access_token), json!({"title": "新标题"}))
            .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"title": "新标题", "version": 1}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // Admins create directly as published for an organization.
    let mut direct = battery(5);
    direct["org_id"] = json!(owner.organization_id.clone().unwrap());
    let created = assert_status(
        app.post(
            "/api/v1/achievements?publish=true",
            Some(&admin.access_token),
            direct,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["status"], "published");
    assert_problem(
        app.post(
            "/api/v1/achievements?publish=true",
            Some(&owner.access_token),
            battery(6),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn validation_covers_taxonomies_trl_patents_money_contacts_and_references() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let mut body = battery(1);
    body["trl"] = json!(2);
    body["patents"] = json!([{"number": "200310102344.6", "status": "granted"}]);
    body["asking_price_fen"] = json!(-5);
    body["contact"] = json!({"phone": "12345", "email": "nope"});
    body["region_code"] = json!("999999");
    body["keywords"] = json!([]);
    body["valid_until"] = json!("2001-01-01");
    let problem = assert_problem(
        app.post("/api/v1/achievements", Some(&owner.access_token), body)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "asking_price_fen",
            "contact.email",
            "contact.phone",
            "keywords",
            "patents[0].number",
            "region_code",
            "trl",
            "valid_until"
        ]
    );
    let mut wrong_enum = battery(2);
    wrong_enum["technology_field"] = json!("alchemy");
    assert_eq!(
        error_fields(
            &assert_problem(
                app.post(
                    "/api/v1/achievements",
                    Some(&owner.access_token),
                    wrong_enum
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY
            )
            .await
        ),
        ["technology_field"]
    );
    assert_status(
        app.post(
            "/api/v1/achievements",
            Some(&owner.access_token),
            battery(3),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let duplicate_ref = app
        .post(
            "/api/v1/achievements",
            Some(&owner.access_token),
            battery(3),
        )
        .await;
    assert_problem(duplicate_ref, StatusCode::CONFLICT).await;
}

#[tokio::test]
async fn search_finds_words_inside_summaries_and_filters_combine() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let battery_id = published(&app, &owner, &admin, battery(1)).await;
    let water = json!({
        "title": "工业废水深度处理膜生物反应器",
        "summary": "采用改性聚偏氟乙烯中空纤维膜，结合厌氧氨氧化工艺，降低印染废水的化学需氧量与色度。",
        "keywords": ["膜生物反应器", "废水处理"],
        "technology_field": "environmental_protection",
        "maturity": "industrialization",
        "cooperation_modes": ["transfer"],
        "asking_price_fen": 2_000_000,
        "region_code": "320102"
    });
    let water_id = published(&app, &owner, &admin, water).await;
    // A draft never shows up in public search.
    app.post(
        "/api/v1/achievements",
        Some(&owner.access_token),
        battery(9),
    )
    .await;

    let found = assert_status(
        app.get("/api/v1/achievements?q=%E5%8D%B0%E6%9F%93", None)
            .await,
        StatusCode::OK,
    )
    .await; // 印染
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [water_id.as_str()]);
    let ranked = assert_status(
        app.get(
            "/api/v1/achievements?q=%E9%94%82%E7%94%B5%E6%B1%A0%E6%AD%A3%E6%9E%81",
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await; // 锂电池正极
    assert_eq!(ranked["items"][0]["id"], battery_id.as_str());
    assert_eq!(ranked["items"].as_array().unwrap().len(), 1);

    let by_field = assert_status(
        app.get("/api/v1/achievements?technology_field=new_energy", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_field["items"].as_array().unwrap().len(), 1);
    let by_region = assert_status(
        app.get("/api/v1/achievements?region=32", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_region["items"][0]["id"], water_id.as_str());
    let by_price = assert_status(
        app.get("/api/v1/achievements?price_max=10000000", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_price["items"].as_array().unwrap().len(), 1);
    let by_mode = assert_status(
        app.get("/api/v1/achievements?cooperation_mode=license", None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_mode["items"][0]["id"], battery_id.as_str());
    let cheapest = assert_status(
        app.get("/api/v1/achievements?sort=price_asc", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cheapest["items"][0]["id"], water_id.as_str());
    let combined = assert_status(
        app.get(
            "/api/v1/achievements?q=%E5%BA%9F%E6%B0%B4&technology_field=new_energy",
            None,
        )
        .await, // 废水 + wrong field
        StatusCode::OK,
    )
    .await;
    assert!(combined["items"].as_array().unwrap().is_empty());

    // Owners list their drafts with status; the public cannot.
    let drafts = assert_status(
        app.get(
            "/api/v1/achievements?status=draft",
            Some(&owner.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    let other = app.enterprise(5).await;
    let none = assert_status(
        app.get(
            "/api/v1/achievements?status=draft",
            Some(&other.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_problem(
        app.get("/api/v1/achievements?status=draft", None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn confidential_details_only_reach_the_owner_and_admins_and_every_read_is_audited() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}/confidential");
    let listed = assert_status(app.get("/api/v1/achievements", None).await, StatusCode::OK).await;
    assert!(!listed.to_string().contains("850℃"));
    let searched = assert_status(
        app.get("/api/v1/achievements?q=%E7%83%A7%E7%BB%93", None)
            .await,
        StatusCode::OK,
    )
    .await; // 烧结
    assert!(!searched.to_string().contains("850℃"));
    let details = assert_status(
        app.get(&path, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        details["confidential_details"],
        "烧结温度 850℃，包覆层厚度 5nm"
    );
    assert_status(
        app.get(&path, Some(&admin.access_token)).await,
        StatusCode::OK,
    )
    .await;
    let stranger = app.enterprise(2).await;
    assert_problem(
        app.get(&path, Some(&stranger.access_token)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(app.get(&path, None).await, StatusCode::UNAUTHORIZED).await;
    let audit = assert_status(
        app.get(
            "/api/v1/admin/audit?action=achievement.confidential_read",
            Some(&admin.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn near_duplicates_are_pointed_out_and_drafts_deleted() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let first = published(&app, &owner, &admin, battery(1)).await;
    let mut again = battery(1);
    again["external_ref"] = json!("ZJU-again");
    let created = assert_status(
        app.post("/api/v1/achievements", Some(&owner.access_token), again)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["possible_duplicates"][0]["id"], first.as_str());
    let id = created["id"].as_str().unwrap();
    let deleted = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/achievements/{id}"),
            Some(&owner.access_token),
            None,
        )
        .await;
    assert_status(deleted, StatusCode::NO_CONTENT).await;
    assert_problem(
        app.get(
            &format!("/api/v1/achievements/{id}"),
            Some(&owner.access_token),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn withdrawn_records_leave_the_public_and_renewal_extends_validity() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}");
    let renewed = assert_status(
        app.post(
            &format!("{path}/renew"),
            Some(&owner.access_token),
            json!({"valid_until": "2027-12-31"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renewed["valid_until"], "2027-12-31");
    assert_problem(
        app.post(
            &format!("{path}/renew"),
            Some(&owner.access_token),
            json!({"valid_until": "2001-01-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_status(
        app.post(
            &format!("{path}/withdraw"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND).await;
    let closed = assert_status(
        app.post(
            &format!("{path}/close"),
            Some(&owner.access_token),
            json!({"reason": "已转让"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["allowed_actions"], json!([]));
    assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"title": "再改", "version": closed["version"]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn access_requests_are_granted_by_the_owner_and_can_be_revoked() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let requests = format!("/api/v1/achievements/{id}/access-requests");
    let details = format!("/api/v1/achievements/{id}/confidential");
    let buyer = app.enterprise(2).await;

    // Unverified organizations cannot ask.
    assert_problem(
        app.post(
            &requests,
            Some(&buyer.access_token),
            json!({"message": "拟签保密协议"}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let org = buyer.organization_id.clone().unwrap();
    assert_status(
        app.post(
            &format!("/api/v1/admin/organizations/{org}/verify"),
            Some(&admin.access_token),
            json!({"verified": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let request = assert_status(
        app.post(
            &requests,
            Some(&buyer.access_token),
            json!({"message": "拟签保密协议"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(request["status"], "pending");
    assert_problem(
        app.post(&requests, Some(&buyer.access_token), json!({}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.get(&details, Some(&buyer.access_token)).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Another verified organization sees only its own requests and cannot decide.
    let rival = app.enterprise(3).await;
    let rival_org = rival.organization_id.clone().unwrap();
    app.post(
        &format!("/api/v1/admin/organizations/{rival_org}/verify"),
        Some(&admin.access_token),
        json!({"verified": true}),
    )
    .await;
    let rival_view = assert_status(
        app.get(&requests, Some(&rival.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert!(rival_view["items"].as_array().unwrap().is_empty());
    let request_id = request["id"].as_str().unwrap();
    assert_problem(
        app.post(
            &format!("{requests}/{request_id}/grant"),
            Some(&rival.access_token),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let owner_view = assert_status(
        app.get(&requests, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(owner_view["items"].as_array().unwrap().len(), 1);
    let granted = assert_status(
        app.post(
            &format!("{requests}/{request_id}/grant"),
            Some(&owner.access_token),
            json!({"note": "已签NDA"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(granted["status"], "granted");
    let read = assert_status(
        app.get(&details, Some(&buyer.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        read["confidential_details"],
        "烧结温度 850℃，包覆层厚度 5nm"
    );
    let problem = assert_problem(
        app.post(
            &format!("{requests}/{request_id}/deny"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(problem["allowed"], json!(["revoke"]));
    assert_status(
        app.post(
            &format!("{requests}/{request_id}/revoke"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get(&details, Some(&buyer.access_token)).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let audit = assert_status(
        app.get(
            &format!("/api/v1/admin/audit?entity_type=achievement&entity_id={id}"),
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
    for expected in [
        "achievement.access_request",
        "achievement.access_grant",
        "achievement.confidential_read",
        "achievement.access_revoke",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn records_past_their_validity_expire_and_are_renewed() {
    use diesel::prelude::*;
    use techmarket::db::schema::listings;

    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let db = app.state.db.clone();
    let target = id.clone();
    let expired = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        diesel::update(listings::table.find(&target))
            .set(listings::valid_until.eq(yesterday))
            .execute(&mut conn)
            .unwrap();
        techmarket::db::write_transaction(&mut conn, techmarket::listings::queries::expire_due)
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(expired.len(), 1);
    let path = format!("/api/v1/achievements/{id}");
    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND).await;
    let listed = assert_status(app.get("/api/v1/achievements", None).await, StatusCode::OK).await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    let mine = assert_status(
        app.get(
            "/api/v1/achievements?status=expired",
            Some(&owner.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"][0]["id"], id.as_str());
    let renewed = assert_status(
        app.post(
            &format!("{path}/renew"),
            Some(&owner.access_token),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renewed["status"], "published");
    assert_status(app.get(&path, None).await, StatusCode::OK).await;
    let history = assert_status(
        app.get(&format!("{path}/history"), Some(&owner.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.ends_with(&["achievement.expire", "achievement.renew"]),
        "{actions:?}"
    );
}
