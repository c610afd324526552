//! 服务机构库 end to end: one profile per service organization, review lifecycle, validation,
//! merge-patch edits, search and filters.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A service-provider user with a new service organization (`测试机构{n}`), signed in.
async fn provider(app: &TestApp, n: u32) -> Session {
    let email = format!("sp{n}@example.com");
    app.register_with_org(&email, "service_provider", "service_provider", n)
        .await;
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
    assert_status(
        app.post("/api/v1/service-providers", Some(&owner.access_token), body)
            .await,
        StatusCode::CREATED,
    )
    .await
}

/// Creates, submits and approves a profile; returns its id.
async fn published(app: &TestApp, owner: &Session, admin: &Session, body: Value) -> String {
    let created = create(app, owner, body).await;
    let id = created["id"].as_str().unwrap().to_string();
    for (action, token) in [
        ("submit", &owner.access_token),
        ("approve", &admin.access_token),
    ] {
        assert_status(
            app.post(
                &format!("/api/v1/service-providers/{id}/{action}"),
                Some(token),
                json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    id
}

/// The ids of a list answer.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn list(app: &TestApp, query: &str) -> Vec<String> {
    let page = assert_status(
        app.get(&format!("/api/v1/service-providers{query}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    ids(&page)
}

#[tokio::test]
async fn a_profile_goes_from_draft_through_review_to_the_public() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let admin = app.admin(1).await;
    let created = create(&app, &owner, ip_agency()).await;
    assert_eq!(created["status"], "draft");
    assert_eq!(
        created["name"], "测试机构1",
        "defaults to the organization's name"
    );
    assert_eq!(created["organization_name"], "测试机构1");
    assert_eq!(created["organization_verified"], false);
    assert_eq!(
        created["region_code"], "330106",
        "defaults to the organization's region"
    );
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
    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND).await;
    let other = app.enterprise(2).await;
    assert_problem(
        app.get(&path, Some(&other.access_token)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(list(&app, "").await.is_empty());
    let mine = assert_status(
        app.get(
            "/api/v1/service-providers?mine=true",
            Some(&owner.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&mine), [id]);

    // Review: rejected with a reason the owner sees, then resubmitted and approved.
    for (action, token, body) in [
        ("submit", &owner.access_token, json!({})),
        (
            "reject",
            &admin.access_token,
            json!({"reason": "请补充资质证明"}),
        ),
    ] {
        assert_status(
            app.post(&format!("{path}/{action}"), Some(token), body)
                .await,
            StatusCode::OK,
        )
        .await;
    }
    let rejected = assert_status(
        app.get(&path, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["rejection_reason"], "请补充资质证明");
    assert_status(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"qualifications": ["国家技术转移示范机构", "专利代理机构执业许可", "高新技术企业"], "version": rejected["version"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
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
    for (action, token) in [
        ("submit", &owner.access_token),
        ("approve", &admin.access_token),
    ] {
        assert_status(
            app.post(&format!("{path}/{action}"), Some(token), json!({}))
                .await,
            StatusCode::OK,
        )
        .await;
    }

    // Public now: contacts only for signed-in callers, the rejection reason only for managers.
    let public = assert_status(app.get(&path, None).await, StatusCode::OK).await;
    assert_eq!(public["status"], "published");
    assert!(public["contact"].is_null());
    assert!(public["rejection_reason"].is_null());
    assert_eq!(public["qualifications"][2], "高新技术企业");
    let signed_in = assert_status(
        app.get(&path, Some(&other.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed_in["contact"]["phone"], "0571-88886666");
    let listed = assert_status(
        app.get("/api/v1/service-providers", None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&listed), [id]);
    assert!(listed["items"][0]["contact"].is_null());

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
            "service_provider.create",
            "service_provider.submit",
            "service_provider.reject",
            "service_provider.update",
            "service_provider.submit",
            "service_provider.approve"
        ]
    );

    // Withdrawn profiles leave the public.
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
}

#[tokio::test]
async fn only_service_organizations_hold_profiles_and_each_holds_one() {
    let app = spawn_app().await;
    let owner = provider(&app, 1).await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(2).await;
    assert_problem(
        app.post(
            "/api/v1/service-providers",
            Some(&enterprise.access_token),
            ip_agency(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post("/api/v1/service-providers", None, ip_agency())
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Administrators name the organization, which must be a service organization.
    let mut for_enterprise = ip_agency();
    for_enterprise["org_id"] = json!(enterprise.organization_id.clone().unwrap());
    assert_problem(
        app.post(
            "/api/v1/service-providers",
            Some(&admin.access_token),
            for_enterprise,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let no_org = assert_problem(
        app.post(
            "/api/v1/service-providers",
            Some(&admin.access_token),
            ip_agency(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&no_org), ["org_id"]);

    let first = create(&app, &owner, ip_agency()).await;
    let first_id = first["id"].as_str().unwrap();
    let second = assert_problem(
        app.post(
            "/api/v1/service-providers",
            Some(&owner.access_token),
            laboratory(),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(second["existing_id"], first_id);
    let mut by_admin = laboratory();
    by_admin["org_id"] = json!(owner.organization_id.clone().unwrap());
    let again = assert_problem(
        app.post(
            "/api/v1/service-providers?publish=true",
            Some(&admin.access_token),
            by_admin.clone(),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["existing_id"], first_id);

    // A closed profile no longer counts; administrators may then publish one directly.
    for action in ["submit", "withdraw"] {
        assert_status(
            app.post(
                &format!("/api/v1/service-providers/{first_id}/{action}"),
                Some(&owner.access_token),
                json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let withdrawn_conflict = assert_problem(
        app.post(
            "/api/v1/service-providers",
            Some(&owner.access_token),
            laboratory(),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(withdrawn_conflict["existing_id"], first_id);
    assert_status(
        app.post(
            &format!("/api/v1/service-providers/{first_id}/close"),
            Some(&owner.access_token),
            json!({"reason": "机构改组"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.post(
            "/api/v1/service-providers?publish=true",
            Some(&owner.access_token),
            laboratory(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let direct = assert_status(
        app.post(
            "/api/v1/service-providers?publish=true",
            Some(&admin.access_token),
            by_admin,
        )
        .await,
        StatusCode::CREATED,
    )
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
    assert_problem(
        app.patch(
            &path,
            Some(&rival.access_token),
            json!({"name": "改名", "version": 3}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.post(
            &format!("{path}/withdraw"),
            Some(&rival.access_token),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.patch(&path, None, json!({"name": "改名", "version": 3}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // The profile is unchanged, and administrators may edit it.
    let current = assert_status(app.get(&path, None).await, StatusCode::OK).await;
    assert_eq!(current["name"], "测试机构1");
    let edited = assert_status(
        app.patch(
            &path,
            Some(&admin.access_token),
            json!({"accepts_vouchers": false, "version": current["version"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["accepts_vouchers"], false);
    // The organization cannot be changed.
    assert_eq!(
        error_fields(
            &assert_problem(
                app.patch(
                    &path,
                    Some(&admin.access_token),
                    json!({"org_id": rival.organization_id.clone().unwrap(), "version": edited["version"]}),
                )
                .await,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
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
    let codes: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"less_than_minimum"), "{problem}");
    assert!(codes.contains(&"negative"), "{problem}");

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
    let path = format!(
        "/api/v1/service-providers/{}",
        created["id"].as_str().unwrap()
    );
    assert_eq!(created["name"], "西湖知识产权服务中心");
    assert_eq!(created["version"], 1);

    assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"accepts_vouchers": false}),
        )
        .await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let edited = assert_status(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({
                "name": null,
                "services": [{"name": "专利价值评估", "price_min_fen": 0, "price_max_fen": 0}],
                "technology_fields": null,
                "contact": {"phone": null},
                "version": 1
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(
        edited["name"], "测试机构1",
        "a cleared name falls back to the organization's"
    );
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
    let stale = assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"accepts_vouchers": false, "version": 1}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(stale["current_version"], 2);
    let invalid = assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"services": [{"name": "评估", "price_min_fen": 5, "price_max_fen": 1}], "version": 2}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&invalid), ["services[0].price_max_fen"]);
    assert_problem(
        app.patch(
            &path,
            Some(&owner.access_token),
            json!({"service_types": [], "version": 2}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let current = assert_status(
        app.get(&path, Some(&owner.access_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(current["version"], 2);
    assert_eq!(current["accepts_vouchers"], true);

    // If-Match works as well as a body version.
    let response = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&owner.access_token)
        .header("If-Match", "\"2\"")
        .json(&json!({"accepts_vouchers": false}))
        .send()
        .await
        .unwrap();
    let via_header = assert_status(response, StatusCode::OK).await;
    assert_eq!(via_header["version"], 3);
    assert_eq!(via_header["accepts_vouchers"], false);
}

#[tokio::test]
async fn search_reaches_service_descriptions_labels_and_qualifications() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let agency_owner = provider(&app, 1).await;
    let lab_owner = provider(&app, 2).await;
    let agency = published(&app, &agency_owner, &admin, ip_agency()).await;
    let lab = published(&app, &lab_owner, &admin, laboratory()).await;
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
    assert!(
        list(&app, "?q=电磁兼容&accepts_vouchers=true")
            .await
            .is_empty()
    );
    assert_problem(
        app.get("/api/v1/service-providers?sort=price_asc", None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // An edit is searchable at once.
    let current = assert_status(
        app.get(&format!("/api/v1/service-providers/{agency}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.patch(
            &format!("/api/v1/service-providers/{agency}"),
            Some(&agency_owner.access_token),
            json!({"services": [{"name": "技术合同登记辅导", "description": "协助办理技术合同认定登记与税收减免"}], "version": current["version"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(list(&app, "?q=风险排查").await.is_empty());
    assert_eq!(list(&app, "?q=税收减免").await, [agency.as_str()]);
}

#[tokio::test]
async fn filters_cover_service_types_fields_regions_vouchers_and_verification() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let agency_owner = provider(&app, 1).await;
    let lab_owner = provider(&app, 2).await;
    let agency = published(&app, &agency_owner, &admin, ip_agency()).await;
    let lab = published(&app, &lab_owner, &admin, laboratory()).await;

    assert_eq!(
        list(&app, "").await,
        [lab.as_str(), agency.as_str()],
        "newest first"
    );
    assert_eq!(
        list(&app, "?service_type=ip_agency").await,
        [agency.as_str()]
    );
    assert_eq!(
        list(&app, "?service_type=testing_certification").await,
        [lab.as_str()]
    );
    assert!(list(&app, "?service_type=finance").await.is_empty());
    assert_eq!(
        list(&app, "?technology_field=new_materials").await,
        [agency.as_str()]
    );
    assert_eq!(list(&app, "?region=32").await, [lab.as_str()]);
    assert_eq!(
        list(&app, "?accepts_vouchers=true").await,
        [agency.as_str()]
    );
    assert_eq!(list(&app, "?accepts_vouchers=false").await, [lab.as_str()]);
    let lab_org = lab_owner.organization_id.clone().unwrap();
    assert_eq!(
        list(&app, &format!("?org_id={lab_org}")).await,
        [lab.as_str()]
    );

    // Nobody is verified until an administrator verifies the organization.
    assert!(list(&app, "?verified=true").await.is_empty());
    assert_status(
        app.post(
            &format!("/api/v1/admin/organizations/{lab_org}/verify"),
            Some(&admin.access_token),
            json!({"verified": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list(&app, "?verified=true").await, [lab.as_str()]);
    assert_eq!(list(&app, "?verified=false").await, [agency.as_str()]);
    assert_eq!(
        list(&app, "?verified=true&service_type=ip_agency").await,
        Vec::<String>::new()
    );
    let shown = assert_status(
        app.get(&format!("/api/v1/service-providers/{lab}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["organization_verified"], true);
    assert_eq!(shown["organization_name"], "测试机构2");

    // Status lists are for owners and administrators.
    let drafts_owner = provider(&app, 3).await;
    let draft = create(&app, &drafts_owner, laboratory()).await;
    let drafts = assert_status(
        app.get(
            "/api/v1/service-providers?status=draft",
            Some(&admin.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&drafts), [draft["id"].as_str().unwrap()]);
    let none = assert_status(
        app.get(
            "/api/v1/service-providers?status=draft",
            Some(&agency_owner.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(ids(&none).is_empty());
    assert_problem(
        app.get("/api/v1/service-providers?status=draft", None)
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_problem(
        app.get("/api/v1/service-providers?service_type=astrology", None)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}
