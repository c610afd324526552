//! Recording and editing contracts: validation, idempotency, who may record, intermediaries.

use super::*;

#[tokio::test]
async fn a_contract_is_recorded_with_copied_parties_and_a_computed_technology_amount() {
    let m = market().await;
    let contract = create(&m, &m.seller, licence(&m)).await;
    assert_eq!(contract["status"], "draft");
    assert_eq!(contract["version"], 1);
    assert_eq!(contract["amount_fen"], 100_000_000);
    assert_eq!(contract["non_technical_fen"], 20_000_000);
    assert_eq!(contract["technology_amount_fen"], 80_000_000);
    assert_eq!(contract["type_label_zh"], "技术许可（专利实施许可）");
    assert_eq!(contract["owner_org_id"], org(&m.seller));
    assert_eq!(contract["seller"]["name"], "测试机构11");
    assert_eq!(contract["seller"]["credit_code"], credit_code(11));
    assert_eq!(contract["seller"]["country"], "CN");
    assert_eq!(contract["seller"]["region_code"], "330106");
    assert_eq!(contract["seller"]["entity_kind"], "university");
    assert_eq!(contract["buyer"]["entity_kind"], "enterprise");
    assert_eq!(contract["milestones"].as_array().unwrap().len(), 3);
    assert!(contract["registration"].is_null());

    // The technology amount is computed, never accepted.
    let mut typed = licence(&m);
    typed["technology_amount_fen"] = json!(90_000_000);
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(typed).problem(422).await;
    assert_eq!(error_fields(&problem), ["technology_amount_fen"]);

    // Anonymous callers are turned away.
    m.app.anon().post("/api/v1/contracts").json(licence(&m)).problem(401).await;
}

#[tokio::test]
async fn invalid_contracts_get_every_error_at_once() {
    let m = market().await;
    let body = json!({
        "name": "x",
        "contract_type": "development",
        "subtype": "patent",
        "buyer": {"name": "某外部企业", "country": "CN", "region_code": "999999", "entity_kind": "enterprise"},
        "seller": {"org_id": org(&m.seller)},
        "technology_field": "new_energy",
        "ip_type": "none",
        "plan_category": "none",
        "signed_on": day(10),
        "valid_from": day(5),
        "valid_to": day(0),
        "amount_fen": 1_000,
        "non_technical_costs": [{"item": "parts", "amount_fen": 2_000}],
        "expected_investment_fen": 5,
        "milestones": [{"due_on": day(0), "amount_fen": 999, "description": "全部"}]
    });
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(body).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "buyer.credit_code",
            "buyer.region_code",
            "expected_investment_fen",
            "milestones",
            "name",
            "non_technical_costs",
            "signed_on",
            "subtype",
            "valid_to",
        ]
    );

    // Negative amounts, the same party twice, consulting with a subtype, transfers without
    // their expected figures.
    let mut body = licence(&m);
    body["contract_type"] = json!("transfer");
    body["subtype"] = json!("patent_right");
    body["buyer"] = json!({"org_id": org(&m.seller)});
    body["amount_fen"] = json!(-5);
    body["milestones"] = json!([]);
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(body).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["amount_fen", "expected_investment_fen", "expected_output_fen", "seller"]);
    let mut consulting = licence(&m);
    consulting["contract_type"] = json!("consulting");
    let problem =
        m.app.as_user(&m.seller).post("/api/v1/contracts").json(consulting).problem(422).await;
    assert_eq!(problem["errors"][0]["code"], "not_applicable");

    // A party on the platform is named by org_id alone; unknown organizations are 422.
    let mut both = licence(&m);
    both["buyer"] = json!({"org_id": org(&m.buyer), "name": "别名"});
    both["intermediary"] = json!({"org_id": "nope"});
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(both).problem(422).await;
    assert_eq!(error_fields(&problem), ["buyer.org_id"]);
    let mut unknown = licence(&m);
    unknown["buyer"] = json!({"org_id": "no-such-org"});
    unknown["intermediary"] = json!({"broker_id": m.buyer.user_id, "commission_rate_bp": 20_000});
    let problem =
        m.app.as_user(&m.seller).post("/api/v1/contracts").json(unknown).problem(422).await;
    assert_eq!(error_fields(&problem), ["intermediary.commission_rate_bp"]);
    let mut unknown = licence(&m);
    unknown["buyer"] = json!({"org_id": "no-such-org"});
    unknown["intermediary"] = json!({"broker_id": m.buyer.user_id});
    let problem =
        m.app.as_user(&m.seller).post("/api/v1/contracts").json(unknown).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["buyer.org_id", "intermediary.broker_id"]);

    // A foreign party needs neither credit code nor region.
    let mut foreign = licence(&m);
    foreign["buyer"] = json!({"name": "Muster GmbH", "country": "de", "entity_kind": "enterprise"});
    let contract = create(&m, &m.seller, foreign).await;
    assert_eq!(contract["buyer"]["country"], "DE");
    assert!(contract["buyer"]["credit_code"].is_null());
}

#[tokio::test]
async fn creation_is_idempotent_per_key_and_body() {
    let m = market().await;
    let send = |body: String, key: &str, token: String| {
        let request = m
            .app
            .client
            .post(m.app.url("/api/v1/contracts"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body);
        async move { request.send().await.unwrap() }
    };
    let text = |body: &Value| serde_json::to_string(body).unwrap();
    let first = assert_status(
        send(text(&licence(&m)), "key-1", m.seller.access_token.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    // The same key and body (here with other whitespace) return the first contract with 200.
    let pretty = serde_json::to_string_pretty(&licence(&m)).unwrap();
    let again =
        assert_status(send(pretty, "key-1", m.seller.access_token.clone()).await, StatusCode::OK)
            .await;
    assert_eq!(again["id"], first["id"]);
    // The same key with another body is refused.
    let mut other = licence(&m);
    other["amount_fen"] = json!(100_000_001);
    other["milestones"] = json!([]);
    let problem = assert_problem(
        send(text(&other), "key-1", m.seller.access_token.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    assert_eq!(problem["errors"][0]["code"], "key_reused");
    // Keys belong to their creator; a new key makes a new contract.
    let by_admin = assert_status(
        send(text(&licence(&m)), "key-1", m.admin.access_token.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(by_admin["id"], first["id"]);
    let second = assert_status(
        send(text(&other), "key-2", m.seller.access_token.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    assert_ne!(second["id"], first["id"]);
    let listed = m.app.as_user(&m.seller).get("/api/v1/contracts").expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    assert_problem(
        send(text(&licence(&m)), "", m.seller.access_token.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn concurrent_retries_with_one_key_make_one_contract() {
    let m = market().await;
    let body = serde_json::to_string(&licence(&m)).unwrap();
    let requests = (0..6).map(|_| {
        m.app
            .client
            .post(m.app.url("/api/v1/contracts"))
            .bearer_auth(&m.seller.access_token)
            .header("Idempotency-Key", "retry-storm")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    });
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for response in futures_util::future::join_all(requests).await {
        let response = response.unwrap();
        let status = response.status();
        let contract: Value = response.json().await.unwrap();
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected {other}: {contract}"),
        }
        ids.insert(contract["id"].as_str().unwrap().to_string());
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
}

#[tokio::test]
async fn who_may_record_a_contract_without_a_deal() {
    let m = market().await;
    // The buyer or an outsider may not record the seller's contract.
    for who in [&m.buyer, &m.outsider] {
        m.app.as_user(who).post("/api/v1/contracts").json(licence(&m)).problem(403).await;
    }
    // A broker records the contracts they broker and becomes the intermediary.
    let by_broker = create(&m, &m.broker, licence(&m)).await;
    assert_eq!(by_broker["intermediary"]["kind"], "broker");
    assert_eq!(by_broker["intermediary"]["broker_id"], m.broker.user_id);
    assert_eq!(by_broker["intermediary"]["name"], "个人用户");
    let other_broker = m.app.broker(15).await;
    let mut body = licence(&m);
    body["intermediary"] = json!({"broker_id": other_broker.user_id});
    let problem = m.app.as_user(&m.broker).post("/api/v1/contracts").json(body).problem(422).await;
    assert_eq!(problem["errors"][0]["code"], "not_you");
    // An administrator records a contract made outside the platform.
    let mut outside = licence(&m);
    outside["buyer"] = json!({"name": "宁波某某电池有限公司", "credit_code": credit_code(91),
                              "country": "CN", "region_code": "330203", "entity_kind": "enterprise"});
    outside["seller"] = json!({"name": "某某大学", "credit_code": credit_code(92),
                               "country": "CN", "region_code": "330106", "entity_kind": "university"});
    let by_admin = create(&m, &m.admin, outside).await;
    assert!(by_admin["owner_org_id"].is_null());
    assert_eq!(by_admin["buyer"]["credit_code"], credit_code(91));
    // Parties see the broker's contract; the outsider does not.
    let id = by_broker["id"].as_str().unwrap();
    for who in [&m.buyer, &m.seller, &m.broker, &m.admin] {
        get(&m, who, id).expect(200).await;
    }
    get(&m, &m.outsider, id).problem(404).await;
    get(&m, &other_broker, id).problem(404).await;
}

#[tokio::test]
async fn a_service_organization_can_be_the_intermediary() {
    let m = market().await;
    m.app.register_with_org("sp17@example.com", "service_provider", "service_provider", 17).await;
    let staff = m.app.session("sp17@example.com").await;
    let mut body = licence(&m);
    body["intermediary"] = json!({"org_id": org(&staff), "commission_fen": 300_000});
    let contract = create(&m, &m.seller, body.clone()).await;
    assert_eq!(contract["intermediary"]["kind"], "service_provider");
    assert_eq!(contract["intermediary"]["org_id"], org(&staff));
    assert_eq!(contract["intermediary"]["name"], "测试机构17");
    assert_eq!(contract["intermediary"]["commission_due_fen"], 300_000);
    // Its staff see and manage it, and may record contracts they mediate.
    let id = contract["id"].as_str().unwrap();
    act(&m, &staff, id, "submit", json!({})).expect(200).await;
    create(&m, &staff, body).await;
    // Only service organizations mediate; one intermediary at a time.
    let mut wrong = licence(&m);
    wrong["intermediary"] = json!({"org_id": org(&m.outsider)});
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(wrong).problem(422).await;
    assert_eq!(problem["errors"][0]["code"], "not_a_service_provider");
    let mut both = licence(&m);
    both["intermediary"] = json!({"org_id": org(&staff), "broker_id": m.broker.user_id,
                                  "commission_fen": 1, "commission_rate_bp": 1});
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(both).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["intermediary", "intermediary.commission_fen"]);
    // Amounts are integer fen.
    let mut float = licence(&m);
    float["amount_fen"] = json!(1.5);
    let problem = m.app.as_user(&m.seller).post("/api/v1/contracts").json(float).problem(422).await;
    assert_eq!(error_fields(&problem), ["amount_fen"]);
}

#[tokio::test]
async fn drafts_are_edited_by_the_seller_side_with_their_version() {
    let m = market().await;
    let contract = create(&m, &m.seller, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    let path = format!("/api/v1/contracts/{id}");
    let patch = |who: &Session, body: Value| {
        let token = who.access_token.clone();
        let path = path.clone();
        let app = &m.app;
        async move { app.patch(&path, Some(&token), body).await }
    };
    assert_problem(
        patch(&m.seller, json!({"name": "新名称的技术许可合同"})).await,
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    assert_problem(
        patch(&m.buyer, json!({"name": "买方改名", "version": 1})).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        patch(&m.outsider, json!({"name": "外人改名", "version": 1})).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_problem(
        patch(&m.seller, json!({"deal_id": "x", "version": 1})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let problem = assert_problem(
        patch(&m.seller, json!({"amount_fen": 50_000_000, "version": 1})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["milestones"]);
    let edited = assert_status(
        patch(
            &m.seller,
            json!({
                "version": 1, "name": "新名称的技术许可合同", "amount_fen": 50_000_000,
                "non_technical_costs": [],
                "milestones": [{"due_on": day(30), "amount_fen": 50_000_000, "description": "一次付清"}]
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["name"], "新名称的技术许可合同");
    assert_eq!(edited["technology_amount_fen"], 50_000_000);
    assert_eq!(edited["milestones"].as_array().unwrap().len(), 1);
    assert_problem(
        patch(&m.seller, json!({"name": "再改一次名字", "version": 1})).await,
        StatusCode::CONFLICT,
    )
    .await;
    // Submitted and registered contracts are not edited.
    act(&m, &m.seller, id, "submit", json!({"version": 2})).expect(200).await;
    assert_problem(
        patch(&m.seller, json!({"name": "提交后改名", "version": 3})).await,
        StatusCode::CONFLICT,
    )
    .await;
    act(&m, &m.admin, id, "register", json!({})).expect(200).await;
    let problem = assert_problem(
        patch(&m.seller, json!({"name": "登记后改名", "version": 4})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("变更"), "{problem}");
}
