//! Registration: the registry's decisions, validity, gap-free numbers, the deal chain.

use super::*;

#[tokio::test]
async fn a_deal_at_agreement_leads_to_a_contract_whose_registration_signs_the_deal() {
    let m = market().await;
    let event = m
        .app
        .as_user(&m.admin)
        .post("/api/v1/events")
        .json(json!({"name": "新能源技术成果对接会", "starts_at": "2026-03-01T01:00:00Z",
                       "ends_at": "2026-03-01T09:00:00Z", "region_code": "330100", "online": true}))
        .expect(201)
        .await;
    let event_id = event["id"].as_str().unwrap();
    // Not at agreement yet: 409.
    let early = m.app.as_user(&m.admin).post("/api/v1/deals").json(json!({"buyer_org_id": org(&m.buyer), "seller_org_id": org(&m.seller), "source": "direct"})).expect(201).await;
    let mut body = licence(&m);
    body["deal_id"] = early["id"].clone();
    let keyed = m
        .app
        .client
        .post(m.app.url("/api/v1/contracts"))
        .bearer_auth(&m.buyer.access_token)
        .header("Idempotency-Key", "early")
        .json(&body)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(keyed, StatusCode::CONFLICT).await;
    assert!(problem["detail"].as_str().unwrap().contains("达成意向"), "{problem}");

    let deal = deal_at_agreement(&m, Some(event_id)).await;
    let deal_id = deal["id"].as_str().unwrap();
    let mut body = licence(&m);
    body["deal_id"] = json!(deal_id);
    // Someone outside the deal cannot use it (and learns nothing of it).
    let problem =
        m.app.as_user(&m.outsider).post("/api/v1/contracts").json(body.clone()).problem(422).await;
    assert_eq!(problem["errors"][0]["field"], "deal_id");
    assert_eq!(problem["errors"][0]["code"], "not_found");
    // The parties must be the deal's.
    let mut wrong = body.clone();
    wrong["buyer"] = json!({"org_id": org(&m.outsider)});
    let problem = m.app.as_user(&m.buyer).post("/api/v1/contracts").json(wrong).problem(422).await;
    assert_eq!(error_fields(&problem), ["buyer.org_id"]);
    // A party of the deal records it; the deal's broker and commission become the intermediary.
    let contract = create(&m, &m.buyer, body).await;
    assert_eq!(contract["deal_id"], deal_id);
    assert_eq!(contract["event_id"], event_id);
    assert_eq!(contract["intermediary"]["broker_id"], m.broker.user_id);
    assert_eq!(contract["intermediary"]["commission_rate_bp"], 300);
    assert_eq!(contract["intermediary"]["commission_due_fen"], 2_400_000);
    // The seller side manages it: the buyer who recorded it may not submit.
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.buyer, id, "submit", json!({})).problem(403).await;
    // The broker (its intermediary) submits, the registry registers: the deal is signed.
    act(&m, &m.broker, id, "submit", json!({})).expect(200).await;
    let registered = act(&m, &m.admin, id, "register", json!({})).expect(200).await;
    let number = registered["registration"]["number"].as_str().unwrap().to_string();
    let deal = m.app.as_user(&m.buyer).get(format!("/api/v1/deals/{deal_id}")).expect(200).await;
    assert_eq!(deal["stage"], "signed");
    assert_eq!(deal["event_id"], event_id);
    assert_eq!(deal["contracts"][0]["id"], id);
    assert_eq!(deal["contracts"][0]["registration_number"], number.as_str());
    let chain = techmarket::contracts::queries::for_deal;
    let db = m.app.state.db.clone();
    let deal_key = deal_id.to_string();
    let rows = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        chain(&mut conn, &deal_key).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(rows, [(id.to_string(), "registered".to_string(), Some(number))]);
    // The contracts of a deal are listed by deal_id.
    let listed = m
        .app
        .as_user(&m.broker)
        .get(format!("/api/v1/contracts?deal_id={deal_id}"))
        .expect(200)
        .await;
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["total"], 1, "{listed}");
}

#[tokio::test]
async fn a_deal_is_signed_once_and_a_lost_deal_blocks_registration() {
    let m = market().await;
    // Two contracts of one deal: the first registration signs it, the second leaves it signed.
    let deal = deal_at_agreement(&m, None).await;
    let deal_id = deal["id"].as_str().unwrap();
    let mut body = licence(&m);
    body["deal_id"] = json!(deal_id);
    let mut ids = Vec::new();
    for _ in 0..2 {
        let contract = create(&m, &m.seller, body.clone()).await;
        let id = contract["id"].as_str().unwrap().to_string();
        act(&m, &m.seller, &id, "submit", json!({})).expect(200).await;
        ids.push(id);
    }
    for id in &ids {
        act(&m, &m.admin, id, "register", json!({})).expect(200).await;
    }
    let deal = m.app.as_user(&m.seller).get(format!("/api/v1/deals/{deal_id}")).expect(200).await;
    assert_eq!(deal["stage"], "signed");
    assert_eq!(deal["contracts"].as_array().unwrap().len(), 2);
    // A deal lost after its contract was submitted: the registry cannot register it.
    let lost = deal_at_agreement(&m, None).await;
    let lost_id = lost["id"].as_str().unwrap();
    body["deal_id"] = json!(lost_id);
    let contract = create(&m, &m.seller, body).await;
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.seller, id, "submit", json!({})).expect(200).await;
    m.app
        .as_user(&m.admin)
        .post(format!("/api/v1/deals/{lost_id}/lose"))
        .json(json!({"reason": "price_gap"}))
        .expect(200)
        .await;
    let problem = act(&m, &m.admin, id, "register", json!({})).problem(409).await;
    assert!(problem["detail"].as_str().unwrap().contains("lost"), "{problem}");
    let still = get(&m, &m.seller, id).expect(200).await;
    assert_eq!(still["status"], "submitted");
    assert!(still["registration"].is_null());
}

#[tokio::test]
async fn numbers_carry_the_configured_registry() {
    // A Beijing registry; the market's seller is in Hangzhou, so the seller-region rule is off.
    let m = beijing_registry(false).await;
    let year = &day(0)[2..4];
    assert_eq!(registered_number(&m).await, format!("{year}110100000001"));
}

/// A market whose registry is Beijing's (110100); its seller is in Hangzhou (330106).
async fn beijing_registry(own_region_only: bool) -> Market {
    let app = spawn_app_with(|s| {
        s.registry_region_code = "110100".into();
        s.registry_own_region_only = own_region_only;
    })
    .await;
    Market {
        admin: app.admin(1).await,
        seller: app.university(11).await,
        buyer: app.enterprise(12).await,
        broker: app.broker(13).await,
        outsider: app.enterprise(14).await,
        app,
    }
}

#[tokio::test]
async fn a_registry_registers_the_contracts_of_sellers_in_its_region() {
    let m = beijing_registry(true).await;
    let contract = create(&m, &m.seller, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.seller, id, "submit", json!({})).expect(200).await;
    let problem = act(&m, &m.admin, id, "register", json!({})).problem(409).await;
    assert_eq!(problem["code"], "outside_registry_region");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("北京市") && detail.contains("浙江省杭州市西湖区"), "{detail}");
    let still = get(&m, &m.admin, id).expect(200).await;
    assert_eq!(still["status"], "submitted");
    assert!(still["registration_number"].is_null());

    // The seller's organization moves to Beijing: its next contract registers there.
    let seller_org = org(&m.seller);
    let path = format!("/api/v1/organizations/{seller_org}");
    let current = m.app.as_user(&m.seller).get(&path).expect(200).await;
    m.app
        .as_user(&m.seller)
        .patch(&path)
        .json(json!({"region_code": "110108", "version": current["version"]}))
        .expect(200)
        .await;
    let year = &day(0)[2..4];
    assert_eq!(registered_number(&m).await, format!("{year}110100000001"));
}

#[tokio::test]
async fn the_registry_returns_refuses_or_registers_submitted_contracts() {
    let m = market().await;
    let contract = create(&m, &m.seller, licence(&m)).await;
    let id = contract["id"].as_str().unwrap();
    act(&m, &m.admin, id, "register", json!({})).problem(409).await;
    act(&m, &m.outsider, id, "submit", json!({})).problem(404).await;
    act(&m, &m.seller, id, "submit", json!({"version": 9})).problem(409).await;
    let submitted = act(&m, &m.seller, id, "submit", json!({})).expect(200).await;
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["submitted_at"].is_string());
    act(&m, &m.seller, id, "submit", json!({})).problem(409).await;
    for (action, body) in [
        ("register", json!({})),
        ("return", json!({"note": "x"})),
        ("refuse", json!({"reason": "other", "note": "x"})),
    ] {
        act(&m, &m.seller, id, action, body).problem(403).await;
    }
    let problem = act(&m, &m.admin, id, "return", json!({"note": " "})).problem(422).await;
    assert_eq!(error_fields(&problem), ["note"]);
    let returned =
        act(&m, &m.admin, id, "return", json!({"note": "请补充专利证书复印件"})).expect(200).await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["registry_note"], "请补充专利证书复印件");
    let problem = act(&m, &m.admin, id, "register", json!({})).problem(409).await;
    assert_eq!(problem["allowed"], json!(["submitted"]));
    // Edit and submit again, then register.
    m.app
        .as_user(&m.seller)
        .patch(format!("/api/v1/contracts/{id}"))
        .json(json!({"name": "补正后的专利实施许可合同", "version": returned["version"]}))
        .expect(200)
        .await;
    act(&m, &m.seller, id, "submit", json!({})).expect(200).await;
    let registered = act(&m, &m.admin, id, "register", json!({})).expect(200).await;
    assert_eq!(registered["status"], "registered");
    let year = &day(0)[2..4];
    assert_eq!(registered["registration"]["number"], format!("{year}330100000001"));
    assert_eq!(registered["registration"]["serial"], 1);
    // The number is also top-level, as in lists and deals, on the answer and on GET /{id}.
    assert_eq!(registered["registration_number"], registered["registration"]["number"]);
    let shown = get(&m, &m.admin, id).expect(200).await;
    assert_eq!(shown["registration_number"], registered["registration"]["number"]);
    assert_eq!(registered["registration"]["registered_on"], day(0));
    assert_eq!(registered["registration"]["registered_by"], m.admin.user_id);
    act(&m, &m.admin, id, "register", json!({})).problem(409).await;

    // 不予登记 with a coded reason; `other` needs a note; refused is final.
    let second = create(&m, &m.seller, licence(&m)).await;
    let second = second["id"].as_str().unwrap();
    act(&m, &m.seller, second, "submit", json!({})).expect(200).await;
    let problem =
        act(&m, &m.admin, second, "refuse", json!({"reason": "other"})).problem(422).await;
    assert_eq!(error_fields(&problem), ["note"]);
    act(&m, &m.admin, second, "refuse", json!({"reason": "cheap"})).problem(422).await;
    let refused = act(
        &m,
        &m.admin,
        second,
        "refuse",
        json!({"reason": "public_domain", "note": "标的为公知技术"}),
    )
    .expect(200)
    .await;
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["refusal"]["reason"], "public_domain");
    assert_eq!(refused["refusal"]["note"], "标的为公知技术");
    let problem = act(&m, &m.seller, second, "submit", json!({})).problem(409).await;
    assert_eq!(problem["allowed"], json!([]));
    // The next registration takes the next serial.
    let third = registered_number(&m).await;
    assert_eq!(third, format!("{year}330100000002"));
    // Every step is in the audit log.
    let audit = m
        .app
        .as_user(&m.admin)
        .get(format!("/api/v1/admin/audit?entity_id={id}"))
        .expect(200)
        .await;
    let actions: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in [
        "contract.create",
        "contract.submit",
        "contract.return",
        "contract.update",
        "contract.register",
    ] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
}

#[tokio::test]
async fn anyone_verifies_a_registration_number_and_learns_nothing_confidential() {
    let m = market().await;
    let number = registered_number(&m).await;
    let verify = |number: &str| m.app.anon().get(format!("/api/v1/registrations/{number}/verify"));
    let check = verify(&number).expect(200).await;
    assert_eq!(check["registration_number"], number.as_str());
    assert_eq!(check["contract_name"], "富锂锰基正极材料制备技术专利实施许可合同");
    assert_eq!(check["contract_type"], "license");
    assert_eq!(check["contract_type_label"], "技术许可（专利实施许可）");
    assert_eq!(check["registered_on"], day(0));
    assert_eq!(check["registry_region_code"], "330100");
    assert_eq!(check["registry_region_name"], "浙江省杭州市");
    assert_eq!(check["status"], "registered");
    // Only these: no parties, amounts, terms or ids.
    let mut keys: Vec<&str> = check.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "contract_name",
            "contract_type",
            "contract_type_label",
            "registered_on",
            "registration_number",
            "registry_region_code",
            "registry_region_name",
            "status"
        ]
    );
    let year = &day(0)[2..4];
    verify(&format!("{year}330100999999")).problem(404).await;
    for malformed in ["12345", "2633010000000x", "263301000000070"] {
        let problem = verify(malformed).problem(422).await;
        assert_eq!(error_fields(&problem), ["number"], "{malformed}");
    }
}

#[tokio::test]
async fn registration_happens_only_within_the_validity_period() {
    let m = market().await;
    for (from, to) in [(day(10), day(400)), (day(-400), day(-1))] {
        let mut body = licence(&m);
        body["signed_on"] = json!(day(-400));
        body["valid_from"] = json!(from);
        body["valid_to"] = json!(to);
        body["milestones"] = json!([]);
        let contract = create(&m, &m.seller, body).await;
        let id = contract["id"].as_str().unwrap();
        act(&m, &m.seller, id, "submit", json!({})).expect(200).await;
        let problem = act(&m, &m.admin, id, "register", json!({})).problem(409).await;
        assert!(problem["detail"].as_str().unwrap().contains("有效期"), "{problem}");
    }
    // The failed attempts used no serial.
    let year = &day(0)[2..4];
    assert_eq!(registered_number(&m).await, format!("{year}330100000001"));
}

#[tokio::test]
async fn concurrent_registrations_get_gap_free_unique_numbers() {
    let m = market().await;
    let mut ids = Vec::new();
    for _ in 0..20 {
        let mut body = licence(&m);
        body["milestones"] = json!([]);
        let contract = create(&m, &m.seller, body).await;
        let id = contract["id"].as_str().unwrap().to_string();
        act(&m, &m.seller, &id, "submit", json!({})).expect(200).await;
        ids.push(id);
    }
    let paths: Vec<String> =
        ids.iter().map(|id| format!("/api/v1/contracts/{id}/register")).collect();
    let requests =
        paths.iter().map(|path| m.app.post(path, Some(&m.admin.access_token), json!({})));
    let responses = futures_util::future::join_all(requests).await;
    let mut serials = Vec::new();
    for response in responses {
        let contract = assert_status(response, StatusCode::OK).await;
        let number = contract["registration"]["number"].as_str().unwrap().to_string();
        assert_eq!(number.len(), 14);
        assert_eq!(&number[2..8], "330100");
        serials.push(number[8..].parse::<i64>().unwrap());
    }
    serials.sort();
    assert_eq!(serials, (1..=20).collect::<Vec<i64>>());
}
