//! 服务机构库 end to end: one profile per service organization, review lifecycle, validation,
//! merge-patch edits, search and filters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A service-provider user with a new service organization (`测试机构{n}`), signed in.
async fn provider(app: &TestApp, n: u32) -> Session {
    let email = format!("sp{n}@example.com");
    app.register_with_org(&email, "service_provider", "service_provider", n).await;
    app.session(&email).await
}

/// An IP agency profile.
fn ip_agency() -> Value {
    json!({
        "service_types": ["ip_agency", "technology_transfer"],
        "technology_fields": ["electronic_information", "new_materials"],
        "qualifications": ["国家技术转移示范机构", "专利代理机构执业许可"],
        "description": "专业从事专利申请、商标注册和知识产权运营的服务机构，为高校院所和科技型中小企业提供全流程服务。",
        "accepts_vouchers": true,
        "services": [
            {"name": "发明专利申请代理", "description": "技术交底、撰写、答复审查意见", "price_min_fen": 500_000, "price_max_fen": 1_200_000},
            {"name": "专利导航分析", "description": "围绕产业链开展专利布局与风险排查"}
        ],
        "contact": {"name": "李经理", "phone": "0571-88886666", "email": "li@ip.example.com"}
    })
}

/// A testing laboratory's profile.
fn laboratory() -> Value {
    json!({
        "name": "杭州电子产品检测实验室",
        "service_types": ["testing_certification"],
        "technology_fields": ["electronic_information"],
        "description": "具备CNAS认可资质的第三方检测实验室，服务电子电器和通信设备企业。",
        "accepts_vouchers": false,
        "services": [
            {"name": "整机检测", "description": "电磁兼容测试及整改方案", "price_min_fen": 200_000}
        ],
        "region_code": "320102"
    })
}

async fn create(app: &TestApp, owner: &Session, body: Value) -> Value {
    app.as_user(owner).post("/api/v1/service-providers").json(body).expect(201).await
}

/// Creates, submits and approves a profile; returns its id.
async fn published(app: &TestApp, owner: &Session, admin: &Session, body: Value) -> String {
    let created = create(app, owner, body).await;
    let id = created["id"].as_str().unwrap().to_string();
    for (action, token) in [("submit", &owner.access_token), ("approve", &admin.access_token)] {
        app.with_token(token)
            .act(format!("/api/v1/service-providers/{id}/{action}"))
            .expect(200)
            .await;
    }
    id
}

async fn list(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.anon().get(format!("/api/v1/service-providers{query}")).expect(200).await;
    let found = ids(&page);
    if page["next_cursor"].is_null() {
        assert_eq!(page["total"], found.len(), "the total counts every page: {page}");
    }
    found
}

#[tokio::test]
async fn a_profile_goes_from_draft_through_review_to_the_public() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let admin = app.admin(1).await;
    let created = create(&app, &owner, ip_agency()).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["name"], "测试机构1", "defaults to the organization's name");
    assert_eq!(created["organization_name"], "测试机构1");
    assert_eq!(created["organization_verified"], false);
    assert_eq!(created["region_code"], "330106", "defaults to the organization's region");
    assert_eq!(created["org_id"], owner.organization_id.clone().unwrap());
    assert_eq!(
        created["service_types"],
        json!(["technology_transfer", "ip_agency"]),
        "codes in taxonomy order"
    );
    assert_eq!(created["services"][0]["price_max_fen"], 1_200_000);
    assert!(created["services"][1]["price_min_fen"].is_null());
    assert_eq!(created["possible_duplicates"], json!([]));
    assert!(created.get("confidential_details").is_none());
    let id = created["id"].as_str().unwrap();
    let path = format!("/api/v1/service-providers/{id}");

    // Drafts are invisible to the public and to other organizations.
    app.anon().get(&path).problem(404).await;
    let other = app.enterprise(2).await;
    app.as_user(&other).get(&path).problem(404).await;
    assert!(list(&app, "").await.is_empty());
    let mine = app.as_user(&owner).get("/api/v1/service-providers?mine=true").expect(200).await;
    assert_eq!(ids(&mine), [id]);

    // Review: rejected with a reason the owner sees, then resubmitted and approved.
    for (action, token, body) in [
        ("submit", &owner.access_token, json!({})),
        ("reject", &admin.access_token, json!({"reason": "请补充资质证明"})),
    ] {
        app.with_token(token).post(format!("{path}/{action}")).json(body).expect(200).await;
    }
    let rejected = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["rejection_reason"], "请补充资质证明");
    app.as_user(&owner).patch(&path).json(json!({"qualifications": ["国家技术转移示范机构", "专利代理机构执业许可", "高新技术企业"], "version": rejected["version"]})).expect(200).await;
    app.as_user(&owner).act(format!("{path}/approve")).problem(403).await;
    for (action, token) in [("submit", &owner.access_token), ("approve", &admin.access_token)] {
        app.with_token(token).act(format!("{path}/{action}")).expect(200).await;
    }

    // Public now: contacts only for signed-in callers, the rejection reason only for managers.
    let public = app.anon().get(&path).expect(200).await;
    assert_eq!(public["status"], "published");
    assert!(public["contact"].is_null());
    assert!(public["rejection_reason"].is_null());
    assert_eq!(public["qualifications"][2], "高新技术企业");
    let signed_in = app.as_user(&other).get(&path).expect(200).await;
    assert_eq!(signed_in["contact"]["phone"], "0571-88886666");
    let listed = app.anon().get("/api/v1/service-providers").expect(200).await;
    assert_eq!(ids(&listed), [id]);
    assert!(listed["items"][0]["contact"].is_null());

    let history = app.as_user(&owner).get(format!("{path}/history")).expect(200).await;
    let actions = items_field(&history, "action");
    assert_eq!(
        actions,
        [
            "service_provider.create",
            "service_provider.submit",
            "service_provider.reject",
            "service_provider.update",
            "service_provider.submit",
            "service_provider.approve"
        ]
    );

    // Withdrawn profiles leave the public.
    app.as_user(&owner).act(format!("{path}/withdraw")).expect(200).await;
    app.anon().get(&path).problem(404).await;
}

#[tokio::test]
async fn only_service_organizations_hold_profiles_and_each_holds_one() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(2).await;
    app.as_user(&enterprise).post("/api/v1/service-providers").json(ip_agency()).problem(403).await;
    app.anon().post("/api/v1/service-providers").json(ip_agency()).problem(401).await;
    // Administrators name the organization, which must be a service organization.
    let mut for_enterprise = ip_agency();
    for_enterprise["org_id"] = json!(enterprise.organization_id.clone().unwrap());
    app.as_user(&admin).post("/api/v1/service-providers").json(for_enterprise).problem(403).await;
    let no_org =
        app.as_user(&admin).post("/api/v1/service-providers").json(ip_agency()).problem(422).await;
    assert_eq!(error_fields(&no_org), ["org_id"]);

    let first = create(&app, &owner, ip_agency()).await;
    let first_id = first["id"].as_str().unwrap();
    let second =
        app.as_user(&owner).post("/api/v1/service-providers").json(laboratory()).problem(409).await;
    assert_eq!(second["existing_id"], first_id);
    let mut by_admin = laboratory();
    by_admin["org_id"] = json!(owner.organization_id.clone().unwrap());
    let again = app
        .as_user(&admin)
        .post("/api/v1/service-providers?publish=true")
        .json(by_admin.clone())
        .problem(409)
        .await;
    assert_eq!(again["existing_id"], first_id);

    // A closed profile no longer counts; administrators may then publish one directly.
    for action in ["submit", "withdraw"] {
        app.as_user(&owner)
            .act(format!("/api/v1/service-providers/{first_id}/{action}"))
            .expect(200)
            .await;
    }
    let withdrawn_conflict =
        app.as_user(&owner).post("/api/v1/service-providers").json(laboratory()).problem(409).await;
    assert_eq!(withdrawn_conflict["existing_id"], first_id);
    app.as_user(&owner)
        .post(format!("/api/v1/service-providers/{first_id}/close"))
        .json(json!({"reason": "机构改组"}))
        .expect(200)
        .await;
    app.as_user(&owner)
        .post("/api/v1/service-providers?publish=true")
        .json(laboratory())
        .problem(403)
        .await;
    let direct = app
        .as_user(&admin)
        .post("/api/v1/service-providers?publish=true")
        .json(by_admin)
        .expect(201)
        .await;
    assert_eq!(direct["status"], "published");
    assert_eq!(direct["name"], "杭州电子产品检测实验室");
    assert_eq!(direct["region_code"], "320102");
    assert_eq!(list(&app, "").await, [direct["id"].as_str().unwrap()]);
}

#[tokio::test]
async fn only_the_owning_organization_edits_and_callers_must_sign_in() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let admin = app.admin(1).await;
    let id = published(&app, &owner, &admin, ip_agency()).await;
    let path = format!("/api/v1/service-providers/{id}");
    let rival = provider(&app, 2).await;
    app.as_user(&rival).patch(&path).json(json!({"name": "改名", "version": 3})).problem(403).await;
    app.as_user(&rival).act(format!("{path}/withdraw")).problem(403).await;
    app.anon().patch(&path).json(json!({"name": "改名", "version": 3})).problem(401).await;
    // The profile is unchanged, and administrators may edit it.
    let current = app.anon().get(&path).expect(200).await;
    assert_eq!(current["name"], "测试机构1");
    let edited = app
        .as_user(&admin)
        .patch(&path)
        .json(json!({"accepts_vouchers": false, "version": current["version"]}))
        .expect(200)
        .await;
    assert_eq!(edited["accepts_vouchers"], false);
    // The organization cannot be changed.
    assert_eq!(
        error_fields(
            &app.as_user(&admin).patch(&path).json(json!({"org_id": rival.organization_id.clone().unwrap(), "version": edited["version"]})).problem(422).await
        ),
        ["org_id"]
    );
}

#[tokio::test]
async fn validation_names_every_bad_field() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let post = |body: Value| app.post("/api/v1/service-providers", Some(&owner.access_token), body);

    let mut body = ip_agency();
    body["service_types"] = json!([]);
    body["qualifications"] = json!(vec!["高新技术企业"; 21]);
    body["description"] = json!("太短了");
    body["region_code"] = json!("999999");
    body["services"] = json!([
        {"name": "专利评估", "price_min_fen": 900_000, "price_max_fen": 100_000},
        {"name": "商标注册", "price_min_fen": -1},
        {"name": "专利评估"}
    ]);
    body["contact"] = json!({"phone": "12345"});
    let problem = assert_problem(post(body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact.phone",
            "description",
            "qualifications",
            "region_code",
            "service_types",
            "services[0].price_max_fen",
            "services[1].price_min_fen",
            "services[2].name"
        ]
    );
    let codes = error_codes(&problem);
    assert!(codes.contains(&"less_than_minimum".into()), "{problem}");
    assert!(codes.contains(&"negative".into()), "{problem}");

    let mut unknown = ip_agency();
    unknown["service_types"] = json!(["ip_agency", "fortune_telling"]);
    assert_eq!(
        error_fields(&assert_problem(post(unknown).await, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["service_types[1]"]
    );
    let mut missing = ip_agency();
    missing.as_object_mut().unwrap().remove("service_types");
    assert_eq!(
        error_fields(&assert_problem(post(missing).await, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["service_types"]
    );
    let mut short = ip_agency();
    short["qualifications"] = json!(["国家技术转移示范机构", "甲"]);
    short["name"] = json!("x");
    let mut fields =
        error_fields(&assert_problem(post(short).await, StatusCode::UNPROCESSABLE_ENTITY).await);
    fields.sort();
    assert_eq!(fields, ["name", "qualifications[1]"]);
    let mut extra = ip_agency();
    extra["services"][0]["discount"] = json!(10);
    assert_problem(post(extra).await, StatusCode::UNPROCESSABLE_ENTITY).await;

    // Nothing invalid was stored, and a valid body still goes through.
    create(&app, &owner, ip_agency()).await;
}

#[tokio::test]
async fn edits_are_merge_patches_on_a_version() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let mut body = ip_agency();
    body["name"] = json!("西湖知识产权服务中心");
    let created = create(&app, &owner, body).await;
    let path = format!("/api/v1/service-providers/{}", created["id"].as_str().unwrap());
    assert_eq!(created["name"], "西湖知识产权服务中心");
    assert_eq!(created["version"], 1);

    app.as_user(&owner).patch(&path).json(json!({"accepts_vouchers": false})).problem(428).await;
    let edited = app
        .as_user(&owner)
        .patch(&path)
        .json(json!({
            "name": null,
            "services": [{"name": "专利价值评估", "price_min_fen": 0, "price_max_fen": 0}],
            "technology_fields": null,
            "contact": {"phone": null},
            "version": 1
        }))
        .expect(200)
        .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["name"], "测试机构1", "a cleared name falls back to the organization's");
    assert_eq!(edited["services"].as_array().unwrap().len(), 1);
    assert_eq!(edited["services"][0]["name"], "专利价值评估");
    assert_eq!(edited["technology_fields"], json!([]));
    assert!(edited["contact"]["phone"].is_null());
    assert_eq!(edited["contact"]["name"], "李经理", "nested fields merge");
    // Untouched fields stay.
    assert_eq!(edited["accepts_vouchers"], true);
    assert_eq!(edited["qualifications"], created["qualifications"]);
    assert_eq!(edited["description"], created["description"]);

    // A stale version is refused and changes nothing; invalid merges are 422.
    let stale = app
        .as_user(&owner)
        .patch(&path)
        .json(json!({"accepts_vouchers": false, "version": 1}))
        .problem(409)
        .await;
    assert_eq!(stale["current_version"], 2);
    let invalid = app.as_user(&owner).patch(&path).json(json!({"services": [{"name": "评估", "price_min_fen": 5, "price_max_fen": 1}], "version": 2})).problem(422).await;
    assert_eq!(error_fields(&invalid), ["services[0].price_max_fen"]);
    app.as_user(&owner)
        .patch(&path)
        .json(json!({"service_types": [], "version": 2}))
        .problem(422)
        .await;
    let current = app.as_user(&owner).get(&path).expect(200).await;
    assert_eq!(current["version"], 2);
    assert_eq!(current["accepts_vouchers"], true);

    // If-Match works as well as a body version.
    let via_header = app
        .as_user(&owner)
        .patch(&path)
        .header("If-Match", "\"2\"")
        .json(json!({"accepts_vouchers": false}))
        .expect(200)
        .await;
    assert_eq!(via_header["version"], 3);
    assert_eq!(via_header["accepts_vouchers"], false);
}

/// An IP agency and a laboratory, both published by the administrator: the administrator, the
/// agency's and the lab's owners (signed in), and the ids of the agency and the lab.
async fn agency_and_lab(app: &TestApp) -> (Session, Session, Session, String, String) {
    let admin = app.admin(1).await;
    let agency_owner = provider(app, 1).await;
    let lab_owner = provider(app, 2).await;
    let agency = published(app, &agency_owner, &admin, ip_agency()).await;
    let lab = published(app, &lab_owner, &admin, laboratory()).await;
    (admin, agency_owner, lab_owner, agency, lab)
}

#[tokio::test]
async fn search_reaches_service_descriptions_labels_and_qualifications() {
    let app = spawn_app().await;
    let (_, agency_owner, _, agency, lab) = agency_and_lab(&app).await;
    // A draft never shows up in public search.
    let drafter = provider(&app, 3).await;
    let mut draft = laboratory();
    draft["name"] = json!("未发布的电磁兼容实验室");
    create(&app, &drafter, draft).await;

    // 电磁兼容 only appears in a service's description.
    assert_eq!(list(&app, "?q=电磁兼容").await, [lab.as_str()]);
    // 风险排查 only appears in a service's description too.
    assert_eq!(list(&app, "?q=风险排查").await, [agency.as_str()]);
    // Service types are searchable by their Chinese labels (认证 only in 检验检测认证), and
    // qualifications are keywords (示范 only in 国家技术转移示范机构).
    assert_eq!(list(&app, "?q=认证").await, [lab.as_str()]);
    assert_eq!(list(&app, "?q=示范").await, [agency.as_str()]);
    assert!(list(&app, "?q=区块链").await.is_empty());
    // Queries combine with filters.
    assert!(list(&app, "?q=电磁兼容&accepts_vouchers=true").await.is_empty());
    app.anon().get("/api/v1/service-providers?sort=price_asc").problem(422).await;

    // An edit is searchable at once.
    let current = app.anon().get(format!("/api/v1/service-providers/{agency}")).expect(200).await;
    app.as_user(&agency_owner).patch(format!("/api/v1/service-providers/{agency}")).json(json!({"services": [{"name": "技术合同登记辅导", "description": "协助办理技术合同认定登记与税收减免"}], "version": current["version"]})).expect(200).await;
    assert!(list(&app, "?q=风险排查").await.is_empty());
    assert_eq!(list(&app, "?q=税收减免").await, [agency.as_str()]);
}

#[tokio::test]
async fn filters_cover_service_types_fields_regions_vouchers_and_verification() {
    let app = spawn_app().await;
    let (admin, agency_owner, lab_owner, agency, lab) = agency_and_lab(&app).await;

    assert_eq!(list(&app, "").await, [lab.as_str(), agency.as_str()], "newest first");
    assert_eq!(list(&app, "?service_type=ip_agency").await, [agency.as_str()]);
    assert_eq!(list(&app, "?service_type=testing_certification").await, [lab.as_str()]);
    assert!(list(&app, "?service_type=finance").await.is_empty());
    assert_eq!(list(&app, "?technology_field=new_materials").await, [agency.as_str()]);
    assert_eq!(list(&app, "?region=32").await, [lab.as_str()]);
    assert_eq!(list(&app, "?accepts_vouchers=true").await, [agency.as_str()]);
    assert_eq!(list(&app, "?accepts_vouchers=false").await, [lab.as_str()]);
    let lab_org = lab_owner.organization_id.clone().unwrap();
    assert_eq!(list(&app, &format!("?org_id={lab_org}")).await, [lab.as_str()]);

    // Nobody is verified until an administrator verifies the organization.
    assert!(list(&app, "?verified=true").await.is_empty());
    app.as_user(&admin)
        .post(format!("/api/v1/admin/organizations/{lab_org}/verify"))
        .json(json!({"verified": true}))
        .expect(200)
        .await;
    assert_eq!(list(&app, "?verified=true").await, [lab.as_str()]);
    assert_eq!(list(&app, "?verified=false").await, [agency.as_str()]);
    // A search filters in the index, which the verification has reached.
    assert_eq!(list(&app, "?q=检测&verified=true").await, [lab.as_str()]);
    assert!(list(&app, "?q=检测&verified=false").await.is_empty());
    assert_eq!(list(&app, "?verified=true&service_type=ip_agency").await, Vec::<String>::new());
    let shown = app.anon().get(format!("/api/v1/service-providers/{lab}")).expect(200).await;
    assert_eq!(shown["organization_verified"], true);
    assert_eq!(shown["organization_name"], "测试机构2");

    // Status lists are for owners and administrators.
    let drafts_owner = provider(&app, 3).await;
    let draft = create(&app, &drafts_owner, laboratory()).await;
    let drafts =
        app.as_user(&admin).get("/api/v1/service-providers?status=draft").expect(200).await;
    assert_eq!(ids(&drafts), [draft["id"].as_str().unwrap()]);
    let none =
        app.as_user(&agency_owner).get("/api/v1/service-providers?status=draft").expect(200).await;
    assert!(ids(&none).is_empty());
    app.anon().get("/api/v1/service-providers?status=draft").problem(401).await;
    app.anon().get("/api/v1/service-providers?service_type=astrology").problem(422).await;
}
