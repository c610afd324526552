//! 专家库 end to end: who creates profiles, claiming, lifecycle, validation, search and filters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Registers a user without an organization (brokers, experts) and signs them in.
async fn register(app: &TestApp, email: &str, role: &str) -> Session {
    app.anon()
        .post("/api/v1/auth/register")
        .json(
            json!({"email": email, "password": PASSWORD, "display_name": "测试用户", "role": role}),
        )
        .expect(201)
        .await;
    app.session(email).await
}

fn battery_expert(email: &str) -> Value {
    json!({
        "name": "张明",
        "title": "professor",
        "affiliation_name": "浙江大学材料科学与工程学院",
        "technology_fields": ["new_energy", "new_materials"],
        "expertise_keywords": ["锂离子电池", "正极材料"],
        "bio": "长期从事锂离子电池正极材料与固态电解质研究，主持国家重点研发计划项目三项，擅长动力电池失效分析。",
        "region_code": "330106",
        "services": ["consulting", "diagnosis"],
        "availability": "available",
        "contact": {"name": "张明", "phone": "13800138000", "email": email}
    })
}

fn water_expert() -> Value {
    json!({
        "name": "陈静",
        "title": "senior_engineer",
        "affiliation_name": "江苏省环境工程技术有限公司",
        "technology_fields": ["environmental_protection"],
        "expertise_keywords": ["膜生物反应器", "废水处理"],
        "bio": "二十年工业废水治理经验，主持多个印染园区污水处理厂的提标改造，熟悉厌氧氨氧化工艺。",
        "region_code": "320102",
        "services": ["evaluation", "training"],
        "availability": "limited",
        "contact": {"email": "chen@example.com"}
    })
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    app.with_token(token).post("/api/v1/experts").json(body).expect(201).await
}

async fn act(app: &TestApp, token: &str, id: &str, action: &str) -> Value {
    app.with_token(token).act(format!("/api/v1/experts/{id}/{action}")).expect(200).await
}

#[tokio::test]
async fn an_expert_publishes_their_own_profile_and_may_have_only_one() {
    let app = spawn_app().await;
    let expert = register(&app, "zhang@example.edu.cn", "expert").await;
    let admin = app.admin(1).await;
    let created = create(&app, &expert.access_token, battery_expert("zhang@example.edu.cn")).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["user_id"], expert.user_id.as_str());
    assert!(created["org_id"].is_null());
    assert_eq!(created["name"], "张明");
    assert_eq!(created["title"], "professor");
    assert_eq!(created["technology_fields"], json!(["new_energy", "new_materials"]));
    assert_eq!(created["services"], json!(["consulting", "diagnosis"]));
    assert_eq!(created["possible_duplicates"], json!([]));
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/experts/{id}");

    // The draft is the expert's alone.
    app.anon().get(&path).problem(404).await;
    let stranger = app.enterprise(1).await;
    app.as_user(&stranger).get(&path).problem(404).await;
    let public_list = app.anon().get("/api/v1/experts").expect(200).await;
    assert!(ids(&public_list).is_empty());

    // Review: rejected with a reason only the expert sees, edited, resubmitted, approved.
    act(&app, &expert.access_token, &id, "submit").await;
    app.as_user(&admin)
        .post(format!("{path}/reject"))
        .json(json!({"reason": "请补充研究方向"}))
        .expect(200)
        .await;
    let mine = app.as_user(&expert).get(&path).expect(200).await;
    assert_eq!(mine["rejection_reason"], "请补充研究方向");
    let edited = app
        .as_user(&expert)
        .patch(&path)
        .json(
            json!({"expertise_keywords": ["锂离子电池", "固态电解质"], "version": mine["version"]}),
        )
        .expect(200)
        .await;
    assert_eq!(edited["expertise_keywords"], json!(["锂离子电池", "固态电解质"]));
    assert_eq!(edited["title"], "professor", "untouched fields stay");
    act(&app, &expert.access_token, &id, "submit").await;
    act(&app, &admin.access_token, &id, "approve").await;

    let public = app.anon().get(&path).expect(200).await;
    assert_eq!(public["status"], "published");
    assert!(public["contact"].is_null(), "contacts need a sign-in");
    assert!(public["rejection_reason"].is_null());
    let signed_in = app.as_user(&stranger).get(&path).expect(200).await;
    assert_eq!(signed_in["contact"]["email"], "zhang@example.edu.cn");
    let public_list = app.anon().get("/api/v1/experts").expect(200).await;
    assert_eq!(ids(&public_list), [id.as_str()]);

    // A second profile points at the first.
    let again =
        app.as_user(&expert).post("/api/v1/experts").json(water_expert()).problem(409).await;
    assert_eq!(again["existing_id"], id.as_str());

    // Strangers neither edit nor withdraw it.
    app.as_user(&stranger)
        .patch(&path)
        .json(json!({"bio": "被别人改写的简介内容", "version": public["version"]}))
        .problem(403)
        .await;

    let history = app.as_user(&expert).get(format!("{path}/history")).expect(200).await;
    let actions = items_field(&history, "action");
    assert_eq!(
        actions,
        [
            "expert.create",
            "expert.submit",
            "expert.reject",
            "expert.update",
            "expert.submit",
            "expert.approve"
        ]
    );
}

#[tokio::test]
async fn only_experts_brokers_and_admins_create_profiles() {
    let app = spawn_app().await;
    let enterprise = app.enterprise(1).await;
    let university = app.university(2).await;
    for session in [&enterprise, &university] {
        app.as_user(session)
            .post("/api/v1/experts")
            .json(battery_expert("x@example.com"))
            .problem(403)
            .await;
    }
    app.anon().post("/api/v1/experts").json(battery_expert("x@example.com")).problem(401).await;

    // Brokers create unclaimed profiles, and may create several.
    let broker = register(&app, "broker@example.com", "broker").await;
    let first = create(&app, &broker.access_token, battery_expert("zhang@example.edu.cn")).await;
    assert!(first["user_id"].is_null());
    assert!(first["org_id"].is_null());
    create(&app, &broker.access_token, water_expert()).await;
    let mut with_org = water_expert();
    with_org["org_id"] = json!(university.organization_id.clone().unwrap());
    app.as_user(&broker).post("/api/v1/experts").json(with_org).problem(403).await;
    app.as_user(&broker)
        .post("/api/v1/experts?publish=true")
        .json(water_expert())
        .problem(403)
        .await;

    // Administrators may name the organization and publish at once.
    let admin = app.admin(1).await;
    let mut for_university = battery_expert("li@example.edu.cn");
    for_university["org_id"] = json!(university.organization_id.clone().unwrap());
    let by_admin = create(&app, &admin.access_token, for_university.clone()).await;
    assert_eq!(by_admin["org_id"], university.organization_id.clone().unwrap().as_str());
    assert!(by_admin["user_id"].is_null());
    let published = app
        .as_user(&admin)
        .post("/api/v1/experts?publish=true")
        .json(water_expert())
        .expect(201)
        .await;
    assert_eq!(published["status"], "published");
    for_university["org_id"] = json!("no-such-org");
    let problem =
        app.as_user(&admin).post("/api/v1/experts").json(for_university).problem(422).await;
    assert_eq!(error_fields(&problem), ["org_id"]);
}

#[tokio::test]
async fn the_named_expert_claims_a_broker_profile_and_the_broker_lets_go() {
    let app = spawn_app().await;
    let broker = register(&app, "broker@example.com", "broker").await;
    let admin = app.admin(1).await;
    let created = create(&app, &broker.access_token, battery_expert("Zhang@Example.edu.cn")).await;
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/experts/{id}");
    act(&app, &broker.access_token, &id, "submit").await;
    act(&app, &admin.access_token, &id, "approve").await;
    let mine = app.as_user(&broker).get("/api/v1/experts?mine=true").expect(200).await;
    assert_eq!(ids(&mine), [id.as_str()]);

    // Another expert's e-mail does not match.
    let other = register(&app, "li@example.com", "expert").await;
    let mismatch = app.as_user(&other).act(format!("{path}/claim")).problem(403).await;
    assert!(mismatch["detail"].as_str().unwrap().contains("更正联系邮箱"), "{mismatch}");
    // Only expert users claim.
    let enterprise = app.enterprise(1).await;
    app.as_user(&enterprise).act(format!("{path}/claim")).problem(403).await;

    // The named expert claims it (e-mails compare case-insensitively).
    let zhang = register(&app, "zhang@example.edu.cn", "expert").await;
    let claimed = app.as_user(&zhang).act(format!("{path}/claim")).expect(200).await;
    assert_eq!(claimed["user_id"], zhang.user_id.as_str());
    assert_eq!(claimed["status"], "published");
    for claimer in [&zhang, &other] {
        app.as_user(claimer).act(format!("{path}/claim")).problem(409).await;
    }

    // The broker no longer manages it; the expert does.
    app.as_user(&broker)
        .patch(&path)
        .json(json!({"availability": "unavailable", "version": claimed["version"]}))
        .problem(403)
        .await;
    app.as_user(&broker).act(format!("{path}/withdraw")).problem(403).await;
    let edited = app
        .as_user(&zhang)
        .patch(&path)
        .json(json!({"availability": "limited", "version": claimed["version"]}))
        .expect(200)
        .await;
    assert_eq!(edited["availability"], "limited");
    let broker_mine = app.as_user(&broker).get("/api/v1/experts?mine=true").expect(200).await;
    assert!(ids(&broker_mine).is_empty());
    let zhang_mine = app.as_user(&zhang).get("/api/v1/experts?mine=true").expect(200).await;
    assert_eq!(ids(&zhang_mine), [id.as_str()]);

    // The claim is on the record, and the expert now has their one profile.
    let history = app.as_user(&zhang).get(format!("{path}/history")).expect(200).await;
    let claim = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "expert.claim")
        .expect("an expert.claim entry");
    assert_eq!(claim["actor_id"], zhang.user_id.as_str());
    let second =
        app.as_user(&zhang).post("/api/v1/experts").json(water_expert()).problem(409).await;
    assert_eq!(second["existing_id"], id.as_str());
}

#[tokio::test]
async fn claims_need_a_matching_email_and_an_expert_without_a_profile() {
    let app = spawn_app().await;
    let broker = register(&app, "broker@example.com", "broker").await;
    let draft = create(&app, &broker.access_token, battery_expert("wang@example.edu.cn")).await;
    let draft_claim = format!("/api/v1/experts/{}/claim", draft["id"].as_str().unwrap());

    // A draft stays hidden from experts it does not name.
    let li = register(&app, "li@example.com", "expert").await;
    app.as_user(&li).act(&draft_claim).problem(404).await;

    // An expert who already has a profile cannot claim another one.
    let own = create(&app, &li.access_token, water_expert()).await;
    let for_li = create(&app, &broker.access_token, battery_expert("li@example.com")).await;
    let taken = app
        .as_user(&li)
        .act(format!("/api/v1/experts/{}/claim", for_li["id"].as_str().unwrap()))
        .problem(409)
        .await;
    assert_eq!(taken["existing_id"], own["id"]);

    // The expert it names claims it even as a draft, and then sees it.
    let wang = register(&app, "wang@example.edu.cn", "expert").await;
    let claimed = app.as_user(&wang).act(&draft_claim).expect(200).await;
    assert_eq!(claimed["status"], "draft");
    assert_eq!(claimed["user_id"], wang.user_id.as_str());
    app.as_user(&broker)
        .get(format!("/api/v1/experts/{}", draft["id"].as_str().unwrap()))
        .problem(404)
        .await;
    app.as_user(&wang).act("/api/v1/experts/no-such-id/claim").problem(404).await;
}

#[tokio::test]
async fn validation_covers_titles_fields_affiliation_region_and_bio() {
    let app = spawn_app().await;
    let broker = register(&app, "broker@example.com", "broker").await;
    let post = |body: Value| {
        let token = broker.access_token.clone();
        let app = &app;
        async move { app.post("/api/v1/experts", Some(&token), body).await }
    };

    let mut unknown_title = battery_expert("a@example.com");
    unknown_title["title"] = json!("dean");
    let problem = assert_problem(post(unknown_title).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["title"]);

    let mut many = battery_expert("a@example.com");
    many["technology_fields"] = json!([
        "electronic_information",
        "advanced_manufacturing",
        "aerospace",
        "modern_transportation",
        "biomedicine",
        "new_materials"
    ]);
    many.as_object_mut().unwrap().remove("affiliation_name");
    many["region_code"] = json!("999999");
    many["bio"] = json!("太短");
    many["services"] = json!([]);
    many["contact"] = json!({"email": "not-an-email"});
    let problem = assert_problem(post(many).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "affiliation_name",
            "bio",
            "contact.email",
            "region_code",
            "services",
            "technology_fields"
        ]
    );

    let mut no_region = battery_expert("a@example.com");
    no_region.as_object_mut().unwrap().remove("region_code");
    let problem = assert_problem(post(no_region).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["region_code"]);

    let mut bad_availability = battery_expert("a@example.com");
    bad_availability["availability"] = json!("sometimes");
    let problem =
        assert_problem(post(bad_availability).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["availability"]);

    // The affiliation may be a registered organization, which must exist.
    let mut unknown_org = battery_expert("a@example.com");
    unknown_org.as_object_mut().unwrap().remove("affiliation_name");
    unknown_org["affiliation_org_id"] = json!("no-such-org");
    let problem = assert_problem(post(unknown_org).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["affiliation_org_id"]);
    let university = app.university(1).await;
    let mut by_org = battery_expert("a@example.com");
    by_org.as_object_mut().unwrap().remove("affiliation_name");
    by_org["affiliation_org_id"] = json!(university.organization_id.clone().unwrap());
    let created = assert_status(post(by_org).await, StatusCode::CREATED).await;
    assert_eq!(created["affiliation_org_id"], university.organization_id.clone().unwrap().as_str());

    // Edits are validated like creations; clearing a required field fails.
    let path = format!("/api/v1/experts/{}", created["id"].as_str().unwrap());
    let problem = app
        .as_user(&broker)
        .patch(&path)
        .json(json!({"affiliation_org_id": null, "version": created["version"]}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["affiliation_name"]);
    let problem = app
        .as_user(&broker)
        .patch(&path)
        .json(json!({"org_id": "x", "version": created["version"]}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["org_id"]);
}

#[tokio::test]
async fn search_finds_words_inside_biographies_and_filters_narrow() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let publish = |body: Value| {
        let token = admin.access_token.clone();
        let app = &app;
        async move {
            let created = app
                .with_token(&token)
                .post("/api/v1/experts?publish=true")
                .json(body)
                .expect(201)
                .await;
            created["id"].as_str().unwrap().to_string()
        }
    };
    let battery = publish(battery_expert("zhang@example.edu.cn")).await;
    let water = publish(water_expert()).await;
    // A draft offering evaluation never shows up in public lists.
    let broker = register(&app, "broker@example.com", "broker").await;
    create(&app, &broker.access_token, water_expert()).await;

    let list = |query: &'static str| {
        let app = &app;
        async move { ids(&app.anon().get(format!("/api/v1/experts?{query}")).expect(200).await) }
    };
    // 印染 appears only in the water expert's biography.
    assert_eq!(list("q=%E5%8D%B0%E6%9F%93").await, [water.as_str()]);
    // 失效分析 only in the battery expert's.
    assert_eq!(list("q=%E5%A4%B1%E6%95%88%E5%88%86%E6%9E%90").await, [battery.as_str()]);
    assert_eq!(list("service=diagnosis").await, [battery.as_str()]);
    assert_eq!(list("service=evaluation").await, [water.as_str()]);
    assert_eq!(
        list("technology_field=new_materials").await,
        [battery.as_str()],
        "a profile covers every field it lists, not only the first"
    );
    assert_eq!(list("technology_field=environmental_protection").await, [water.as_str()]);
    assert!(list("technology_field=nuclear").await.is_empty());
    assert_eq!(list("availability=limited").await, [water.as_str()]);
    assert_eq!(list("availability=available").await, [battery.as_str()]);
    assert_eq!(list("title=senior_engineer").await, [water.as_str()]);
    assert_eq!(list("region=32").await, [water.as_str()]);
    assert_eq!(list("sort=newest").await, [water.as_str(), battery.as_str()]);
    assert!(list("q=%E5%8D%B0%E6%9F%93&service=diagnosis").await.is_empty());
    app.anon().get("/api/v1/experts?availability=sometimes").problem(422).await;
    app.anon().get("/api/v1/experts?sort=price_asc").problem(422).await;
}

#[tokio::test]
async fn mine_lists_an_experts_own_profile_in_any_status() {
    let app = spawn_app().await;
    let expert = register(&app, "zhang@example.edu.cn", "expert").await;
    let other = register(&app, "li@example.com", "expert").await;
    let created = create(&app, &expert.access_token, battery_expert("zhang@example.edu.cn")).await;
    let id = created["id"].as_str().unwrap().to_string();
    let mine = app.as_user(&expert).get("/api/v1/experts?mine=true").expect(200).await;
    assert_eq!(ids(&mine), [id.as_str()]);
    assert_eq!(mine["items"][0]["status"], "draft");
    assert_eq!(mine["total"], 1, "a manager's own list counts their drafts");
    let drafts = app.as_user(&expert).get("/api/v1/experts?status=draft").expect(200).await;
    assert_eq!(ids(&drafts), [id.as_str()]);
    let published = app.as_user(&expert).get("/api/v1/experts?status=published").expect(200).await;
    assert!(ids(&published).is_empty());
    let theirs = app.as_user(&other).get("/api/v1/experts?mine=true").expect(200).await;
    assert!(ids(&theirs).is_empty());
    let public = app.anon().get("/api/v1/experts").expect(200).await;
    assert!(ids(&public).is_empty());
    app.anon().get("/api/v1/experts?mine=true").problem(401).await;
}
