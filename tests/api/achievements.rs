//! 成果库 end to end: ownership, lifecycle, search, confidential details.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn battery(n: u32) -> Value {
    merged(
        sample_achievement(n),
        json!({
            "industry": "new_energy_vehicles",
            "trl": 6,
            "patents": [{"number": "ZL200310102344.5", "title": "正极材料", "status": "granted"}],
            "contact": {"name": "王老师", "phone": "0571-87951234", "email": "wang@example.edu.cn"},
            "external_ref": format!("ZJU-{n}")
        }),
    )
}

/// Creates, submits and approves an achievement; returns its id.
async fn published(app: &TestApp, owner: &Session, admin: &Session, body: Value) -> String {
    let created = app.as_user(owner).post("/api/v1/achievements").json(body).expect(201).await;
    let id = created["id"].as_str().unwrap().to_string();
    app.as_user(owner).act(format!("/api/v1/achievements/{id}/submit")).expect(200).await;
    app.as_user(admin).act(format!("/api/v1/achievements/{id}/approve")).expect(200).await;
    id
}

#[tokio::test]
async fn an_achievement_goes_from_draft_through_review_to_the_public() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let created =
        app.as_user(&owner).post("/api/v1/achievements").json(battery(1)).expect(201).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["region_code"], "330106", "defaults to the organization's region");
    assert_eq!(created["patents"][0]["number"], "200310102344.5", "normalized");
    assert!(created.get("confidential_details").is_none());
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}");

    // Drafts are invisible to the public and to other organizations.
    app.anon().get(&path).problem(404).await;
    let other = app.enterprise(2).await;
    app.as_user(&other).get(&path).problem(404).await;
    app.as_user(&owner).get(&path).expect(200).await;

    // Illegal transitions name the allowed ones.
    let premature = app.post(&format!("{path}/close"), Some(&owner.access_token), json!({})).await;
    let problem = assert_problem(premature, StatusCode::CONFLICT).await;
    assert_eq!(problem["allowed"], json!(["submit"]));

    let submitted = app.as_user(&owner).act(format!("{path}/submit")).expect(200).await;
    assert_eq!(submitted["status"], "pending_review");
    let queue = app.as_user(&admin).get("/api/v1/admin/reviews").expect(200).await;
    assert_eq!(queue["items"][0]["id"], id);
    app.as_user(&owner).act(format!("{path}/approve")).problem(403).await;

    // Rejection needs a reason, which the owner sees.
    app.as_user(&admin).act(format!("{path}/reject")).problem(422).await;
    app.as_user(&admin)
        .post(format!("{path}/reject"))
        .json(json!({"reason": "请补充专利证书"}))
        .expect(200)
        .await;
    let mine = app.as_user(&owner).get(&path).expect(200).await;
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
    app.as_user(&owner).act(format!("{path}/submit")).expect(200).await;
    app.as_user(&admin).act(format!("{path}/approve")).expect(200).await;
    let public = app.anon().get(&path).expect(200).await;
    assert_eq!(public["status"], "published");
    assert!(public["contact"].is_null());
    assert!(public["rejection_reason"].is_null());
    let signed_in = app.as_user(&other).get(&path).expect(200).await;
    assert_eq!(signed_in["contact"]["phone"], "0571-87951234");

    // Only drafts can be deleted.
    app.as_user(&owner).delete(&path).problem(409).await;

    let history = app.as_user(&owner).get(format!("{path}/history")).expect(200).await;
    let actions = items_field(&history, "action");
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
    app.as_user(&other).get(format!("{path}/history")).problem(403).await;
}

#[tokio::test]
async fn only_owners_change_records_and_only_suitable_organizations_list_them() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}");
    let outsider = app.university(2).await;
    app.as_user(&outsider)
        .patch(&path)
        .json(json!({"title": "改名", "version": 3}))
        .problem(403)
        .await;
    app.as_user(&outsider).act(format!("{path}/withdraw")).problem(403).await;
    app.anon().patch(&path).json(json!({"title": "改名", "version": 3})).problem(401).await;
    // A broker without an organization cannot list achievements.
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "broker@example.com", "password": PASSWORD, "display_name": "经纪人", "role": "broker"}),
    )
    .await;
    let broker = app.session("broker@example.com").await;
    app.as_user(&broker).post("/api/v1/achievements").json(battery(3)).problem(403).await;
    // Another organization's id cannot be borrowed.
    let mut body = battery(4);
    body["org_id"] = json!(owner.organization_id.clone().unwrap());
    app.as_user(&outsider).post("/api/v1/achievements").json(body).problem(403).await;
    // Stale and missing versions.
    app.as_user(&owner).patch(&path).json(json!({"title": "新标题"})).problem(428).await;
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"title": "新标题", "version": 1}))
        .problem(409)
        .await;
    // Admins create directly as published for an organization.
    let mut direct = battery(5);
    direct["org_id"] = json!(owner.organization_id.clone().unwrap());
    let created = app
        .as_user(&admin)
        .post("/api/v1/achievements?publish=true")
        .json(direct)
        .expect(201)
        .await;
    assert_eq!(created["status"], "published");
    app.as_user(&owner)
        .post("/api/v1/achievements?publish=true")
        .json(battery(6))
        .problem(403)
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
    let problem = app.as_user(&owner).post("/api/v1/achievements").json(body).problem(422).await;
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
            &app.as_user(&owner).post("/api/v1/achievements").json(wrong_enum).problem(422).await
        ),
        ["technology_field"]
    );
    app.as_user(&owner).post("/api/v1/achievements").json(battery(3)).expect(201).await;
    let duplicate_ref =
        app.post("/api/v1/achievements", Some(&owner.access_token), battery(3)).await;
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
    app.post("/api/v1/achievements", Some(&owner.access_token), battery(9)).await;

    let found = app.anon().get("/api/v1/achievements?q=%E5%8D%B0%E6%9F%93").expect(200).await; // 印染
    let ids: Vec<&str> =
        found["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [water_id.as_str()]);
    assert_eq!(
        found["items"][0]["snippet"],
        "采用改性聚偏氟乙烯中空纤维膜，结合厌氧氨氧化工艺，降低<mark>印染</mark>废水的化学需氧量与色度。",
        "a search shows the passage that matched"
    );
    let plain = app.anon().get("/api/v1/achievements").expect(200).await;
    assert!(plain["items"][0].get("snippet").is_none(), "no search, no snippet");
    // Lists say how many records they hold in all, a draft not counted for the public.
    assert_eq!(plain["total"], 2, "{plain}");
    assert_eq!(found["total"], 1);
    let one_per_page = app.anon().get("/api/v1/achievements?limit=1").expect(200).await;
    assert_eq!(one_per_page["items"].as_array().unwrap().len(), 1);
    assert_eq!(one_per_page["total"], 2);
    let ranked = app
        .anon()
        .get("/api/v1/achievements?q=%E9%94%82%E7%94%B5%E6%B1%A0%E6%AD%A3%E6%9E%81")
        .expect(200)
        .await; // 锂电池正极
    assert_eq!(ranked["items"][0]["id"], battery_id.as_str());
    assert_eq!(ranked["items"].as_array().unwrap().len(), 1);

    let by_field =
        app.anon().get("/api/v1/achievements?technology_field=new_energy").expect(200).await;
    assert_eq!(by_field["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_field["total"], 1);
    let by_region = app.anon().get("/api/v1/achievements?region=32").expect(200).await;
    assert_eq!(by_region["items"][0]["id"], water_id.as_str());
    assert_eq!(by_region["total"], 1, "a region's list counts on the listing rows alone");
    let elsewhere = app.anon().get("/api/v1/achievements?region=44").expect(200).await;
    assert_eq!(elsewhere["total"], 0, "{elsewhere}");
    let by_price = app.anon().get("/api/v1/achievements?price_max=10000000").expect(200).await;
    assert_eq!(by_price["items"].as_array().unwrap().len(), 1);
    let by_mode = app.anon().get("/api/v1/achievements?cooperation_mode=license").expect(200).await;
    assert_eq!(by_mode["items"][0]["id"], battery_id.as_str());
    let cheapest = app.anon().get("/api/v1/achievements?sort=price_asc").expect(200).await;
    assert_eq!(cheapest["items"][0]["id"], water_id.as_str());
    let combined = assert_status(
        app.get("/api/v1/achievements?q=%E5%BA%9F%E6%B0%B4&technology_field=new_energy", None)
            .await, // 废水 + wrong field
        StatusCode::OK,
    )
    .await;
    assert!(combined["items"].as_array().unwrap().is_empty());

    // Owners list their drafts with status; the public cannot.
    let drafts = app.as_user(&owner).get("/api/v1/achievements?status=draft").expect(200).await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 1);
    let other = app.enterprise(5).await;
    let none = app.as_user(&other).get("/api/v1/achievements?status=draft").expect(200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    app.anon().get("/api/v1/achievements?status=draft").problem(401).await;
}

#[tokio::test]
async fn confidential_details_only_reach_the_owner_and_admins_and_every_read_is_audited() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}/confidential");
    let listed = app.anon().get("/api/v1/achievements").expect(200).await;
    assert!(!listed.to_string().contains("850℃"));
    let searched = app.anon().get("/api/v1/achievements?q=%E7%83%A7%E7%BB%93").expect(200).await; // 烧结
    assert!(!searched.to_string().contains("850℃"));
    let details = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(details["confidential_details"], "烧结温度 850℃，包覆层厚度 5nm");
    app.as_user(&admin).get(&path).expect(200).await;
    let stranger = app.enterprise(2).await;
    app.as_user(&stranger).get(&path).problem(403).await;
    app.anon().get(&path).problem(401).await;
    assert_eq!(app.audit_entries(&admin, "action=achievement.confidential_read").await.len(), 2);
}

#[tokio::test]
async fn near_duplicates_are_pointed_out_and_drafts_deleted() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let first = published(&app, &owner, &admin, battery(1)).await;
    let mut again = battery(1);
    again["external_ref"] = json!("ZJU-again");
    let created = app.as_user(&owner).post("/api/v1/achievements").json(again).expect(201).await;
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
    app.as_user(&owner).get(format!("/api/v1/achievements/{id}")).problem(404).await;
}

#[tokio::test]
async fn withdrawn_records_leave_the_public_and_renewal_extends_validity() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let path = format!("/api/v1/achievements/{id}");
    let renewed = app
        .as_user(&owner)
        .post(format!("{path}/renew"))
        .json(json!({"valid_until": "2027-12-31"}))
        .expect(200)
        .await;
    assert_eq!(renewed["valid_until"], "2027-12-31");
    app.as_user(&owner)
        .post(format!("{path}/renew"))
        .json(json!({"valid_until": "2001-01-01"}))
        .problem(422)
        .await;
    app.as_user(&owner).act(format!("{path}/withdraw")).expect(200).await;
    app.anon().get(&path).problem(404).await;
    let closed = app
        .as_user(&owner)
        .post(format!("{path}/close"))
        .json(json!({"reason": "已转让"}))
        .expect(200)
        .await;
    assert_eq!(closed["allowed_actions"], json!([]));
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"title": "再改", "version": closed["version"]}))
        .problem(409)
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
    app.as_user(&buyer).post(&requests).json(json!({"message": "拟签保密协议"})).problem(403).await;
    let org = buyer.organization_id.clone().unwrap();
    app.as_user(&admin)
        .post(format!("/api/v1/admin/organizations/{org}/verify"))
        .json(json!({"verified": true}))
        .expect(200)
        .await;
    let request = app
        .as_user(&buyer)
        .post(&requests)
        .json(json!({"message": "拟签保密协议"}))
        .expect(201)
        .await;
    assert_eq!(request["status"], "pending");
    app.as_user(&buyer).act(&requests).problem(409).await;
    app.as_user(&buyer).get(&details).problem(403).await;

    // Another verified organization sees only its own requests and cannot decide.
    let rival = app.enterprise(3).await;
    let rival_org = rival.organization_id.clone().unwrap();
    app.post(
        &format!("/api/v1/admin/organizations/{rival_org}/verify"),
        Some(&admin.access_token),
        json!({"verified": true}),
    )
    .await;
    let rival_view = app.as_user(&rival).get(&requests).expect(200).await;
    assert!(rival_view["items"].as_array().unwrap().is_empty());
    let request_id = request["id"].as_str().unwrap();
    app.as_user(&rival).act(format!("{requests}/{request_id}/grant")).problem(403).await;

    let owner_view = app.as_user(&owner).get(&requests).expect(200).await;
    assert_eq!(owner_view["items"].as_array().unwrap().len(), 1);
    let granted = app
        .as_user(&owner)
        .post(format!("{requests}/{request_id}/grant"))
        .json(json!({"note": "已签NDA"}))
        .expect(200)
        .await;
    assert_eq!(granted["status"], "granted");
    let read = app.as_user(&buyer).get(&details).expect(200).await;
    assert_eq!(read["confidential_details"], "烧结温度 850℃，包覆层厚度 5nm");
    let problem =
        app.as_user(&owner).act(format!("{requests}/{request_id}/deny")).problem(409).await;
    assert_eq!(problem["allowed"], json!(["revoke"]));
    let decided =
        app.as_user(&owner).get("/api/v1/me/access-requests?status=pending").expect(200).await;
    assert_eq!(decided["items"], json!([]), "a decided request waits no more");
    app.as_user(&owner).act(format!("{requests}/{request_id}/revoke")).expect(200).await;
    app.as_user(&buyer).get(&details).problem(403).await;

    let audit = app
        .as_user(&admin)
        .get(format!("/api/v1/admin/audit?entity_type=achievement&entity_id={id}"))
        .expect(200)
        .await;
    let actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "achievement.access_request",
        "achievement.access_grant",
        "achievement.confidential_read",
        "achievement.access_revoke",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
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
    // The validity was changed behind the API's back: bring the index along (the change feed
    // would within a second).
    let changed = vec![(techmarket::listings::Library::Achievements, id.clone())];
    techmarket::listings::listing_search::refresh(&app.state, changed).await;
    let path = format!("/api/v1/achievements/{id}");
    app.anon().get(&path).problem(404).await;
    let listed = app.anon().get("/api/v1/achievements").expect(200).await;
    assert!(listed["items"].as_array().unwrap().is_empty());
    let mine = app.as_user(&owner).get("/api/v1/achievements?status=expired").expect(200).await;
    assert_eq!(mine["items"][0]["id"], id.as_str());
    let renewed = app.as_user(&owner).act(format!("{path}/renew")).expect(200).await;
    assert_eq!(renewed["status"], "published");
    app.anon().get(&path).expect(200).await;
    let history = app.as_user(&owner).get(format!("{path}/history")).expect(200).await;
    let actions = items_field(&history, "action");
    assert!(
        actions.ends_with(&["achievement.expire".into(), "achievement.renew".into()]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_search_needs_every_word_unless_match_any_widens_it() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let titled = |n: u32, title: &str, summary: &str| {
        let mut body = battery(n);
        body["title"] = json!(title);
        body["summary"] = json!(summary);
        body["keywords"] = json!([title]);
        body
    };
    let dye = titled(
        1,
        "印染废水深度处理工艺",
        "一种适用于印染行业的废水深度处理与回用工艺，出水稳定达标。",
    );
    let dye = published(&app, &owner, &admin, dye).await;
    let heart = titled(2, "心肌缺血图像处理方法", "一种基于深度学习的心肌缺血医学影像分析方法。");
    let heart = published(&app, &owner, &admin, heart).await;
    published(&app, &owner, &admin, battery(3)).await;

    let search = |query: &str| app.anon().get(format!("/api/v1/achievements?q={query}"));
    assert_eq!(ids(&search("废水 处理").expect(200).await), [dye.as_str()]);
    assert_eq!(ids(&search("废水，处理&match=all").expect(200).await), [dye.as_str()]);
    assert_eq!(
        ids(&search("废水 处理&match=any").expect(200).await),
        [dye.as_str(), heart.as_str()]
    );
    assert!(ids(&search("废水 电池").expect(200).await).is_empty());
    let refused = search("废水&match=some").problem(422).await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("未知取值 `some`") && message.contains("`all`"), "{refused}");
    // Exports list what the same search lists.
    let csv = app.anon().get("/api/v1/achievements/export?q=废水 处理").csv().await;
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains(&dye));
}

#[tokio::test]
async fn the_owner_is_told_when_a_review_rejects_or_approves_its_listing() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let created =
        app.as_user(&owner).post("/api/v1/achievements").json(battery(1)).expect(201).await;
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/achievements/{id}");
    app.as_user(&owner).act(format!("{path}/submit")).expect(200).await;
    let rejected = app
        .as_user(&admin)
        .post(format!("{path}/reject"))
        .json(json!({"reason": "请补充专利证书复印件"}))
        .expect(200)
        .await;
    let told = app.as_user(&owner).get("/api/v1/notifications").expect(200).await;
    assert_eq!(items_field(&told, "kind"), ["listing_rejected"]);
    let rejection = &told["items"][0];
    assert_eq!(rejection["subject_kind"], "achievement");
    assert_eq!(rejection["subject_id"], id);
    assert_eq!(rejection["achievement_id"], id);
    assert!(rejection["title"].as_str().unwrap().contains("请补充专利证书复印件"), "{rejection}");

    app.as_user(&owner)
        .patch(&path)
        .json(json!({"title": "一种富锂锰基正极材料的制备方法", "version": rejected["version"]}))
        .expect(200)
        .await;
    app.as_user(&owner).act(format!("{path}/submit")).expect(200).await;
    app.as_user(&admin).act(format!("{path}/approve")).expect(200).await;
    let told = app.as_user(&owner).get("/api/v1/notifications").expect(200).await;
    assert_eq!(items_field(&told, "kind"), ["listing_approved", "listing_rejected"]);
    assert!(told["items"][0]["title"].as_str().unwrap().contains("一种富锂锰基正极材料的制备方法"));
    // In English on request, the record's own title untouched.
    let english = app
        .as_user(&owner)
        .get("/api/v1/notifications")
        .header("accept-language", "en")
        .expect(200)
        .await;
    assert_eq!(
        english["items"][0]["title"],
        "“一种富锂锰基正极材料的制备方法” passed review and is published"
    );
    assert!(english["items"][1]["title"].as_str().unwrap().contains("did not pass review: "));
    // Nobody else hears of it.
    let other = app.university(2).await;
    let none = app.as_user(&other).get("/api/v1/notifications").expect(200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn owners_hear_of_access_requests_and_requesters_of_the_decision() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, battery(1)).await;
    let requests = format!("/api/v1/achievements/{id}/access-requests");
    let buyer = app.enterprise(2).await;
    app.verify_orgs(&admin, &[&buyer]).await;
    let before = app.as_user(&owner).get("/api/v1/notifications").expect(200).await;
    let request = app
        .as_user(&buyer)
        .post(&requests)
        .json(json!({"message": "拟签保密协议"}))
        .expect(201)
        .await;
    let told = app.as_user(&owner).get("/api/v1/notifications").expect(200).await;
    let mut kinds = items_field(&told, "kind");
    kinds.truncate(kinds.len() - items_field(&before, "kind").len());
    assert_eq!(kinds, ["access_requested"]);
    assert_eq!(told["items"][0]["subject_id"], id.as_str());
    // The owner is told nothing confidential: the record's title only.
    assert!(!told["items"][0]["title"].as_str().unwrap().contains("850"), "{told}");

    let request_id = request["id"].as_str().unwrap();
    // One list of what waits on the owner's records, and of what the requester asked.
    let waiting =
        app.as_user(&owner).get("/api/v1/me/access-requests?status=pending").expect(200).await;
    assert_eq!(waiting["items"].as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting["total"], 1, "the list counts what waits: {waiting}");
    assert_eq!(waiting["items"][0]["id"], request_id);
    assert_eq!(waiting["items"][0]["library"], "achievements");
    assert!(waiting["items"][0]["listing_title"].as_str().unwrap().contains("正极"), "{waiting}");
    let asked =
        app.as_user(&buyer).get("/api/v1/me/access-requests?side=requester").expect(200).await;
    assert_eq!(asked["items"][0]["id"], request_id);
    let not_theirs = app.as_user(&buyer).get("/api/v1/me/access-requests").expect(200).await;
    assert_eq!(not_theirs["items"], json!([]), "the requester owns none of the records");
    assert_eq!(not_theirs["total"], 0);
    let outsider = app.enterprise(3).await;
    for side in ["owner", "requester"] {
        let none = app
            .as_user(&outsider)
            .get(format!("/api/v1/me/access-requests?side={side}"))
            .expect(200)
            .await;
        assert_eq!(none["items"], json!([]));
    }
    app.anon().get("/api/v1/me/access-requests").problem(401).await;
    app.as_user(&owner).get("/api/v1/me/access-requests?side=both").problem(422).await;
    let all = app.as_user(&admin).get("/api/v1/me/access-requests").expect(200).await;
    assert_eq!(all["items"][0]["id"], request_id, "administrators see every record's requests");
    app.as_user(&owner)
        .post(format!("{requests}/{request_id}/grant"))
        .json(json!({"note": "请联系王老师签署保密协议"}))
        .expect(200)
        .await;
    let told = app.as_user(&buyer).get("/api/v1/notifications").expect(200).await;
    assert_eq!(items_field(&told, "kind"), ["access_decided"]);
    assert_eq!(told["total"], 1, "{told}");
    let title = told["items"][0]["title"].as_str().unwrap();
    assert!(title.contains("已同意") && title.contains("请联系王老师签署保密协议"), "{title}");
    app.as_user(&owner).act(format!("{requests}/{request_id}/revoke")).expect(200).await;
    let told = app.as_user(&buyer).get("/api/v1/notifications").expect(200).await;
    assert!(told["items"][0]["title"].as_str().unwrap().contains("已撤回"));
}
