//! What callers read: lists, the broker commission ledger, the certificate.

use super::*;

#[tokio::test]
async fn lists_show_the_callers_contracts_with_filters() {
    let m = market().await;
    let mine = registered(&m, licence(&m)).await;
    let mut consulting = licence(&m);
    consulting["contract_type"] = json!("consulting");
    consulting["subtype"] = Value::Null;
    let draft = create(&m, &m.seller, consulting).await;
    let list = |who: &Session, query: &str| {
        let path = format!("/api/v1/contracts{query}");
        let token = who.access_token.clone();
        let app = &m.app;
        async move { app.with_token(&token).get(&path).expect(200).await }
    };
    let both =
        vec![draft["id"].as_str().unwrap().to_string(), mine["id"].as_str().unwrap().to_string()];
    assert_eq!(ids(&list(&m.seller, "").await), both);
    assert_eq!(ids(&list(&m.buyer, "").await), both);
    assert_eq!(ids(&list(&m.admin, "").await), both);
    assert!(ids(&list(&m.outsider, "").await).is_empty());
    assert!(ids(&list(&m.broker, "").await).is_empty());
    assert_eq!(ids(&list(&m.seller, "?status=registered").await), both[1..]);
    assert_eq!(ids(&list(&m.seller, "?contract_type=consulting").await), both[..1]);
    let range = format!("?registered_from={}&registered_to={}", day(-1), day(1));
    assert_eq!(ids(&list(&m.admin, &range).await), both[1..]);
    let later = format!("?registered_from={}", day(2));
    assert!(ids(&list(&m.admin, &later).await).is_empty());
    let page = list(&m.seller, "?limit=1").await;
    assert_eq!(ids(&page), both[..1]);
    let next = page["next_cursor"].as_str().unwrap();
    assert_eq!(ids(&list(&m.seller, &format!("?limit=1&cursor={next}")).await), both[1..]);
    m.app.as_user(&m.seller).get("/api/v1/contracts?status=signed").problem(422).await;
    let backwards = format!("?registered_from={}&registered_to={}", day(1), day(-1));
    m.app.as_user(&m.seller).get(format!("/api/v1/contracts{backwards}")).problem(422).await;
}

#[tokio::test]
async fn brokers_see_their_commission_ledger() {
    let m = market().await;
    // Rate: 3% of the technology amount (800,000.00 元) = 24,000.00 元.
    let mut by_rate = licence(&m);
    by_rate["intermediary"] = json!({"broker_id": m.broker.user_id, "commission_rate_bp": 300});
    let rate = registered(&m, by_rate).await;
    // Fixed: 5,000.00 元.
    let mut fixed = licence(&m);
    fixed["intermediary"] = json!({"broker_id": m.broker.user_id, "commission_fen": 500_000});
    let fixed = registered(&m, fixed).await;
    // Not registered: not in the ledger.
    let mut draft = licence(&m);
    draft["intermediary"] = json!({"broker_id": m.broker.user_id, "commission_fen": 1});
    create(&m, &m.seller, draft).await;
    // A quarter of the rate contract is paid.
    act(
        &m,
        &m.seller,
        rate["id"].as_str().unwrap(),
        "payments",
        json!({"paid_on": day(0), "amount_fen": 25_000_000}),
    )
    .expect(201)
    .await;
    let path = format!("/api/v1/brokers/{}/commissions", m.broker.user_id);
    let ledger = m.app.as_user(&m.broker).get(&path).expect(200).await;
    assert_eq!(ledger["totals"]["contracts"], 2);
    assert_eq!(ledger["totals"]["due_fen"], 2_400_000 + 500_000);
    assert_eq!(ledger["totals"]["earned_fen"], 600_000);
    assert_eq!(ledger["totals"]["paid_fen"], 25_000_000);
    let items = ledger["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["contract_id"], fixed["id"]);
    assert_eq!(items[0]["due_fen"], 500_000);
    assert_eq!(items[0]["earned_fen"], 0);
    assert_eq!(items[1]["due_fen"], 2_400_000);
    assert_eq!(items[1]["earned_fen"], 600_000);
    // Pages keep the totals of the whole period.
    let first = m.app.as_user(&m.admin).get(format!("{path}?limit=1")).expect(200).await;
    assert_eq!(first["items"][0]["contract_id"], fixed["id"]);
    assert_eq!(first["totals"]["contracts"], 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second =
        m.app.as_user(&m.admin).get(format!("{path}?limit=1&cursor={cursor}")).expect(200).await;
    assert_eq!(second["items"][0]["contract_id"], rate["id"]);
    assert!(second["next_cursor"].is_null());
    // The period filter.
    let none =
        m.app.as_user(&m.broker).get(format!("{path}?registered_to={}", day(-1))).expect(200).await;
    assert_eq!(none["totals"]["contracts"], 0);
    // Nobody else.
    let other_broker = m.app.broker(16).await;
    for who in [&other_broker, &m.seller] {
        m.app.as_user(who).get(&path).problem(403).await;
    }
    m.app
        .as_user(&m.admin)
        .get(format!("/api/v1/brokers/{}/commissions", m.seller.user_id))
        .problem(404)
        .await;
}

#[tokio::test]
async fn the_certificate_is_printable_chinese_html_with_escaped_text() {
    let m = market().await;
    let mut body = licence(&m);
    body["name"] = json!("<script>alert('x')</script>许可合同");
    let draft = create(&m, &m.seller, body.clone()).await;
    let draft_path = format!("/api/v1/contracts/{}/certificate", draft["id"].as_str().unwrap());
    m.app.as_user(&m.seller).get(&draft_path).problem(409).await;
    let contract = registered(&m, body).await;
    let path = format!("/api/v1/contracts/{}/certificate", contract["id"].as_str().unwrap());
    m.app.as_user(&m.outsider).get(&path).problem(404).await;
    let response = m.app.get(&path, Some(&m.buyer.access_token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get("content-type").unwrap(), "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    let number = contract["registration"]["number"].as_str().unwrap();
    for expected in [
        "技术合同登记证明",
        number,
        "技术许可（专利实施许可）",
        "测试机构11",
        "测试机构12",
        "1,000,000.00 元（大写：壹佰万元整）",
        "800,000.00 元（大写：捌拾万元整）",
        "买方（被许可人）",
        "卖方（许可人）",
        "中国 浙江省杭州市西湖区",
        "浙江省杭州市技术合同登记机构",
        "新能源与高效节能",
        "省级计划",
        "@media print",
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;许可合同",
    ] {
        assert!(html.contains(expected), "{expected} missing from the certificate");
    }
    assert!(!html.contains("<script>"));
    assert!(
        !html.contains("委托方") && !html.contains("CN "),
        "a licence names its parties as the Civil Code does"
    );
    let mut transfer = licence(&m);
    transfer["contract_type"] = json!("transfer");
    transfer["subtype"] = json!("patent_right");
    transfer["expected_investment_fen"] = json!(50_000_000);
    transfer["expected_output_fen"] = json!(200_000_000);
    let contract = registered(&m, transfer).await;
    let path = format!("/api/v1/contracts/{}/certificate", contract["id"].as_str().unwrap());
    let html = m.app.get(&path, Some(&m.buyer.access_token)).await.text().await.unwrap();
    assert!(html.contains("买方（受让人）") && html.contains("卖方（让与人）"), "{html}");
    let told = m.app.as_user(&m.buyer).get("/api/v1/notifications").expect(200).await;
    let titles: Vec<String> = told["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "contract_decided")
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("已登记，登记编号")),
        "both parties hear of the registration: {titles:?}"
    );
}
