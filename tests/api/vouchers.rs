//! 科技创新券 end to end: programmes, vouchers, orders with their reservations (also under
//! concurrency), claims, settlements, lapse, visibility and the figures.

use diesel::prelude::*;
use serde_json::{Value, json};
use techmarket::db::schema::{audit_log, voucher_claims, vouchers};

use crate::helpers::*;

/// A service organization's user (`sp{n}`), signed in.
async fn provider_user(app: &TestApp, n: u32) -> Session {
    let email = format!("sp{n}@example.com");
    app.register_with_org(&email, "service_provider", "service_provider", n).await;
    app.session(&email).await
}

/// A published service-organization profile; returns its id.
async fn provider_profile(
    app: &TestApp,
    owner: &Session,
    admin: &Session,
    region: &str,
    vouchers: bool,
) -> String {
    let body = json!({
        "name": format!("检测与研发设计服务中心{region}"),
        "service_types": ["testing_certification", "rd_design"],
        "technology_fields": ["new_materials"],
        "description": "提供材料检测、中试验证与研发设计服务的第三方机构。",
        "accepts_vouchers": vouchers,
        "region_code": region,
    });
    let created = app.as_user(owner).post("/api/v1/service-providers").json(body).expect(201).await;
    let id = created["id"].as_str().unwrap().to_string();
    app.as_user(owner).act(format!("/api/v1/service-providers/{id}/submit")).expect(200).await;
    app.as_user(admin).act(format!("/api/v1/service-providers/{id}/approve")).expect(200).await;
    id
}

fn day(offset: i64) -> String {
    (techmarket::clock::today() + chrono::Duration::days(offset)).to_string()
}

/// A Hangzhou programme accepting providers in Zhejiang and Shanghai.
fn program(mode: &str) -> Value {
    json!({
        "name": "2027年度杭州市科技创新券", "region_code": "330100", "year": 2027,
        "budget_fen": 10_000_000, "application_cap_fen": 2_000_000, "enterprise_year_cap_fen": 3_000_000,
        "coverage_bp": 5000, "full_cover_below_fen": 1_000_000,
        "service_types": ["testing_certification", "rd_design", "pilot_trial"],
        "mode": mode, "use_by": day(180), "claim_by": day(360), "accepted_regions": ["33", "31"]
    })
}

/// The market of a voucher test: an administrator, an enterprise, providers in Hangzhou
/// (accepting vouchers) and Shanghai, one not accepting them, and a programme.
struct Vouchers {
    app: TestApp,
    admin: Session,
    enterprise: Session,
    provider: Session,
    provider_id: String,
    shanghai: Session,
    shanghai_id: String,
    refuser_id: String,
    program_id: String,
}

impl Vouchers {
    async fn new(mode: &str) -> Vouchers {
        Self::with_program(mode, program(mode)).await
    }

    async fn with_program(_mode: &str, body: Value) -> Vouchers {
        let app = spawn_app().await;
        let admin = app.admin(1).await;
        let enterprise = app.enterprise(1).await;
        let provider = provider_user(&app, 2).await;
        let shanghai = provider_user(&app, 3).await;
        let refuser = provider_user(&app, 4).await;
        let provider_id = provider_profile(&app, &provider, &admin, "330106", true).await;
        let shanghai_id = provider_profile(&app, &shanghai, &admin, "310101", true).await;
        let refuser_id = provider_profile(&app, &refuser, &admin, "330106", false).await;
        let created =
            app.as_user(&admin).post("/api/v1/voucher-programs").json(body).expect(201).await;
        let program_id = created["id"].as_str().unwrap().to_string();
        Vouchers {
            app,
            admin,
            enterprise,
            provider,
            provider_id,
            shanghai,
            shanghai_id,
            refuser_id,
            program_id,
        }
    }

    /// Applies for and issues a voucher of `amount` fen to `who`; returns it.
    async fn issued(&self, who: &Session, amount: i64) -> Value {
        let applied = self.app.as_user(who).post("/api/v1/vouchers")
            .json(json!({"program_id": self.program_id, "amount_fen": amount, "purpose": "新材料检测与中试"}))
            .expect(201).await;
        let id = applied["id"].as_str().unwrap();
        self.app
            .as_user(&self.admin)
            .post(format!("/api/v1/vouchers/{id}/approve"))
            .json(json!({}))
            .expect(200)
            .await
    }

    async fn order(&self, voucher: &Value, provider_id: &str, fee: i64, share: i64) -> Value {
        self.order_as(&self.enterprise, voucher, provider_id, fee, share).await
    }

    async fn order_as(
        &self,
        who: &Session,
        voucher: &Value,
        provider_id: &str,
        fee: i64,
        share: i64,
    ) -> Value {
        let id = voucher["id"].as_str().unwrap();
        self.app.as_user(who).post(format!("/api/v1/vouchers/{id}/orders"))
            .json(json!({"provider_id": provider_id, "service_type": "testing_certification",
                         "description": "复合材料力学性能检测", "fee_fen": fee, "voucher_fen": share}))
            .expect(201).await
    }

    async fn act(&self, who: &Session, order: &Value, action: &str) -> Value {
        let id = order["id"].as_str().unwrap();
        self.app.as_user(who).act(format!("/api/v1/voucher-orders/{id}/{action}")).expect(200).await
    }

    /// An order taken through acceptance, delivery and confirmation.
    async fn confirmed(
        &self,
        voucher: &Value,
        provider: &Session,
        provider_id: &str,
        fee: i64,
        share: i64,
    ) -> Value {
        let order = self.order(voucher, provider_id, fee, share).await;
        self.act(provider, &order, "accept").await;
        self.act(provider, &order, "deliver").await;
        self.act(&self.enterprise, &order, "confirm").await
    }

    /// Uploads an invoice scan as `who`; returns its id.
    async fn invoice(&self, who: &Session) -> String {
        let bytes = crate::attachments::pdf(7);
        let file = crate::attachments::uploaded(&self.app, who, bytes, "发票.pdf").await;
        file["id"].as_str().unwrap().to_string()
    }

    async fn voucher(&self, id: &str) -> Value {
        self.app.as_user(&self.enterprise).get(format!("/api/v1/vouchers/{id}")).expect(200).await
    }

    async fn program(&self) -> Value {
        self.app
            .anon()
            .get(format!("/api/v1/voucher-programs/{}", self.program_id))
            .expect(200)
            .await
    }
}

#[tokio::test]
async fn a_voucher_is_issued_spent_claimed_and_settled() {
    let m = Vouchers::new("direct").await;
    let applied = m.app.as_user(&m.enterprise).post("/api/v1/vouchers")
        .json(json!({"program_id": m.program_id, "amount_fen": 2_000_000, "purpose": "新材料检测与中试"}))
        .expect(201).await;
    assert_eq!(applied["status"], "applied");
    assert_eq!(applied["number"], Value::Null);
    let id = applied["id"].as_str().unwrap();
    let issued = m
        .app
        .as_user(&m.admin)
        .post(format!("/api/v1/vouchers/{id}/approve"))
        .json(json!({"amount_fen": 1_500_000}))
        .expect(200)
        .await;
    assert_eq!(issued["status"], "issued");
    assert_eq!(issued["number"], "2027-330100-00001");
    assert_eq!(issued["balance_fen"], 1_500_000);
    assert_eq!(issued["use_by"], day(180));

    // A fee under 1 万元 is covered in full; above it, half.
    let small = m.order(&issued, &m.provider_id, 800_000, 800_000).await;
    assert_eq!(small["status"], "pending");
    assert_eq!(small["own_share_fen"], 0);
    m.act(&m.provider, &small, "accept").await;
    assert_eq!(m.voucher(id).await["balance_fen"], 700_000);
    assert_eq!(m.program().await["committed_fen"], 800_000);
    let report = crate::attachments::uploaded(
        &m.app,
        &m.provider,
        crate::attachments::pdf(3),
        "检测报告.pdf",
    )
    .await;
    let delivered = m
        .app
        .as_user(&m.provider)
        .post(format!("/api/v1/voucher-orders/{}/deliver", small["id"].as_str().unwrap()))
        .json(json!({"attachment_ids": [report["id"]]}))
        .expect(200)
        .await;
    assert_eq!(delivered["attachments"][0]["id"], report["id"]);
    assert_eq!(delivered["attachments"][0]["role"], "deliverable");
    let report_path = format!("/api/v1/attachments/{}", report["id"].as_str().unwrap());
    let read = m.app.as_user(&m.enterprise).get(&report_path).send().await;
    assert_eq!(read.status(), 200, "the enterprise reads the deliverable before confirming");
    m.app.as_user(&m.shanghai).get(&report_path).problem(404).await;
    let confirmed = m.act(&m.enterprise, &small, "confirm").await;
    assert_eq!(confirmed["status"], "confirmed");

    let cross = m.confirmed(&issued, &m.shanghai, &m.shanghai_id, 1_200_000, 600_000).await;
    assert_eq!(cross["provider_region_code"], "310101");

    // Direct mode: each provider claims its own orders.
    let claim = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [small["id"]], "invoice_number": "INV-0001", "attachment_ids": [m.invoice(&m.provider).await]}))
        .expect(201)
        .await;
    assert_eq!(claim["status"], "submitted");
    assert_eq!(claim["total_fen"], 800_000);
    let claim_id = claim["id"].as_str().unwrap();
    let again = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [small["id"]], "invoice_number": "INV-0002", "attachment_ids": [m.invoice(&m.provider).await]}))
        .problem(409)
        .await;
    assert_eq!(again["existing_id"], claim_id, "an order is claimed once");
    let returned = m
        .app
        .as_user(&m.admin)
        .post(format!("/api/v1/voucher-claims/{claim_id}/return"))
        .json(json!({"note": "发票抬头有误"}))
        .expect(200)
        .await;
    assert_eq!(returned["status"], "returned");
    let resubmitted = m
        .app
        .as_user(&m.provider)
        .post(format!("/api/v1/voucher-claims/{claim_id}/resubmit"))
        .json(json!({"invoice_number": "INV-0001A"}))
        .expect(200)
        .await;
    assert_eq!(resubmitted["invoice_number"], "INV-0001A");
    m.app
        .as_user(&m.admin)
        .act(format!("/api/v1/voucher-claims/{claim_id}/approve"))
        .expect(200)
        .await;
    let shanghai_claim = m
        .app
        .as_user(&m.shanghai)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [cross["id"]], "invoice_number": "SH-7", "attachment_ids": [m.invoice(&m.shanghai).await]}))
        .expect(201)
        .await;

    let settlement = m
        .app
        .as_user(&m.admin)
        .post("/api/v1/voucher-settlements")
        .json(json!({"program_id": m.program_id, "through": day(0)}))
        .expect(201)
        .await;
    assert_eq!(settlement["total_fen"], 800_000, "only approved claims are paid");
    assert_eq!(settlement["claim_ids"], json!([claim_id]));
    let paid = m
        .app
        .as_user(&m.provider)
        .get(format!("/api/v1/voucher-claims/{claim_id}"))
        .expect(200)
        .await;
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["settlement_id"], settlement["id"]);
    m.app
        .as_user(&m.admin)
        .post("/api/v1/voucher-settlements")
        .json(json!({"program_id": m.program_id, "through": day(0)}))
        .problem(409)
        .await;
    let csv = m
        .app
        .as_user(&m.admin)
        .get(format!(
            "/api/v1/voucher-settlements/{}/claims.csv",
            settlement["id"].as_str().unwrap()
        ))
        .send()
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}结算批次,"), "{csv}");
    assert!(csv.contains("INV-0001A") && csv.contains("8000.00"), "{csv}");
    assert!(!csv.contains("SH-7"));

    // The figures: used, claimed, paid, and the clearing matrix Hangzhou → Zhejiang / Shanghai.
    let stats =
        m.app.as_user(&m.admin).get("/api/v1/stats/vouchers?group_by=provider").expect(200).await;
    let total = stats["groups"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(total["vouchers_issued"], 1);
    assert_eq!(total["approved_fen"], 1_500_000);
    assert_eq!(total["used_fen"], 1_400_000);
    assert_eq!(total["claimed_fen"], 1_400_000);
    assert_eq!(total["paid_fen"], 800_000);
    let clearing = m.app.as_user(&m.admin).get("/api/v1/stats/vouchers/clearing").expect(200).await;
    let cells: Vec<(String, String, i64)> = clearing["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["payer_region"].as_str().unwrap().into(),
                c["payee_region"].as_str().unwrap().into(),
                c["amount_fen"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        vec![
            ("3301".to_string(), "31".to_string(), 600_000),
            ("3301".to_string(), "33".to_string(), 800_000)
        ]
    );
    let overview = m.app.as_user(&m.admin).get("/api/v1/stats/overview").expect(200).await;
    assert_eq!(overview["vouchers_used_fen"], 1_400_000);
    let chart = m.app.as_user(&m.admin).get("/api/v1/stats/vouchers/chart.svg").send().await;
    assert_eq!(chart.status(), 200);
    let own = m.app.as_user(&m.shanghai).get("/api/v1/stats/vouchers").expect(200).await;
    assert_eq!(
        own["groups"].as_array().unwrap().last().unwrap()["used_fen"],
        600_000,
        "a provider reads its own slice"
    );
    assert_eq!(shanghai_claim["status"], "submitted");

    // The dashboards: nothing left to confirm; the Shanghai claim waits for the bureau.
    let board = m.app.as_user(&m.admin).get("/api/v1/me/dashboard").expect(200).await;
    let count = |board: &Value, key: &str| {
        board["waiting"].as_array().unwrap().iter().find(|w| w["key"] == key).unwrap()["count"]
            .clone()
    };
    assert_eq!(count(&board, "voucher_claims_to_decide"), 1);
    let board = m.app.as_user(&m.enterprise).get("/api/v1/me/dashboard").expect(200).await;
    assert_eq!(count(&board, "deliveries_to_confirm"), 0);
    // Each party is told in its notifications.
    let kinds = |page: Value| items_field(&page, "kind");
    let told = kinds(
        m.app.as_user(&m.enterprise).get("/api/v1/notifications?limit=100").expect(200).await,
    );
    for kind in ["voucher_decided", "voucher_order_moved"] {
        assert!(told.iter().any(|k| k == kind), "the enterprise hears {kind}: {told:?}");
    }
    let page = m.app.as_user(&m.provider).get("/api/v1/notifications?limit=100").expect(200).await;
    let told = kinds(page.clone());
    for kind in ["voucher_order_placed", "voucher_order_moved", "voucher_claim_decided"] {
        assert!(told.iter().any(|k| k == kind), "the provider hears {kind}: {told:?}");
    }
    let titles = items_field(&page, "title");
    assert!(titles.iter().any(|t| t.contains("被退回修改：发票抬头有误")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("兑付款 8000.00 元已结算支付")), "{titles:?}");
    let db = m.app.state.db.clone();
    let actions: Vec<String> = tokio::task::spawn_blocking(move || {
        audit_log::table
            .filter(audit_log::entity_type.like("voucher%"))
            .select(audit_log::action)
            .load(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    for action in [
        "voucher_program.create",
        "voucher.apply",
        "voucher.issue",
        "voucher_order.accept",
        "voucher_order.confirm",
        "voucher_claim.create",
        "voucher_claim.return",
        "voucher_claim.resubmit",
        "voucher_claim.approve",
        "voucher_claim.pay",
        "voucher_settlement.create",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} audited");
    }
}

#[tokio::test]
async fn orders_keep_to_the_programme_rules() {
    let m = Vouchers::new("direct").await;
    let voucher = m.issued(&m.enterprise, 2_000_000).await;
    let id = voucher["id"].as_str().unwrap();
    let order = |provider: &str, service: &str, fee: i64, share: i64| {
        json!({
        "provider_id": provider, "service_type": service, "description": "检测", "fee_fen": fee, "voucher_fen": share})
    };
    let fields = |problem: &Value| error_fields(problem);
    let path = format!("/api/v1/vouchers/{id}/orders");
    let refused = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order(&m.refuser_id, "testing_certification", 100_000, 100_000))
        .problem(422)
        .await;
    assert_eq!(refused["errors"][0]["code"], "no_vouchers");
    let over = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order(&m.provider_id, "testing_certification", 3_000_000, 1_600_000))
        .problem(422)
        .await;
    assert_eq!(over["errors"][0]["code"], "over_coverage", "half of a fee of 1 万元 or more");
    let balance = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order(&m.provider_id, "testing_certification", 5_000_000, 2_100_000))
        .problem(422)
        .await;
    assert_eq!(balance["errors"][0]["code"], "over_balance");
    let not_offered = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order(&m.provider_id, "pilot_trial", 100_000, 100_000))
        .problem(422)
        .await;
    assert_eq!(fields(&not_offered), vec!["service_type"]);
    let not_covered = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order(&m.provider_id, "ip_agency", 100_000, 100_000))
        .problem(422)
        .await;
    assert!(fields(&not_covered).contains(&"service_type".to_string()));
    let unknown = m
        .app
        .as_user(&m.enterprise)
        .post(&path)
        .json(order("nope", "testing_certification", 100_000, 100_000))
        .problem(422)
        .await;
    assert_eq!(fields(&unknown), vec!["provider_id"]);
    // Only the voucher's enterprise orders; an administrator sees the voucher but does not spend it.
    m.app
        .as_user(&m.admin)
        .post(&path)
        .json(order(&m.provider_id, "testing_certification", 100_000, 100_000))
        .problem(403)
        .await;
    m.app
        .as_user(&m.provider)
        .post(&path)
        .json(order(&m.provider_id, "testing_certification", 100_000, 100_000))
        .problem(404)
        .await;

    // The enterprise's yearly cap (3 万元) over two vouchers; cancelling releases the share.
    let second = m.issued(&m.enterprise, 2_000_000).await;
    assert_eq!(second["number"], "2027-330100-00002", "numbers run on within the programme");
    let first = m.order(&voucher, &m.provider_id, 4_000_000, 2_000_000).await;
    m.act(&m.provider, &first, "accept").await;
    let next = m.order(&second, &m.provider_id, 4_000_000, 2_000_000).await;
    let board = m.app.as_user(&m.provider).get("/api/v1/me/dashboard").expect(200).await;
    let waiting = board["waiting"].as_array().unwrap().clone();
    let to_accept = waiting.iter().find(|w| w["key"] == "voucher_orders_to_accept").unwrap();
    assert_eq!(to_accept["count"], 1, "the second order waits for the provider");
    let capped = m
        .app
        .as_user(&m.provider)
        .act(format!("/api/v1/voucher-orders/{}/accept", next["id"].as_str().unwrap()))
        .problem(409)
        .await;
    assert_eq!(capped["code"], "enterprise_cap_reached");
    let cancelled = m.act(&m.enterprise, &first, "cancel").await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(m.voucher(id).await["balance_fen"], 2_000_000, "the reserved share came back");
    assert_eq!(m.program().await["committed_fen"], 0);
    m.act(&m.provider, &next, "accept").await;
    // Illegal moves name the allowed ones; the wrong side is refused.
    let illegal = m
        .app
        .as_user(&m.enterprise)
        .act(format!("/api/v1/voucher-orders/{}/confirm", next["id"].as_str().unwrap()))
        .problem(409)
        .await;
    assert_eq!(illegal["allowed"], json!(["delivered", "cancelled"]));
    m.app
        .as_user(&m.enterprise)
        .act(format!("/api/v1/voucher-orders/{}/deliver", next["id"].as_str().unwrap()))
        .problem(403)
        .await;
}

#[tokio::test]
async fn twenty_simultaneous_acceptances_never_overspend_a_balance_or_a_budget() {
    let mut body = program("direct");
    body["budget_fen"] = json!(700_000);
    body["application_cap_fen"] = json!(500_000);
    body["enterprise_year_cap_fen"] = json!(500_000);
    body["full_cover_below_fen"] = json!(0);
    body["coverage_bp"] = json!(10_000);
    let m = Vouchers::with_program("direct", body).await;
    let other = m.app.enterprise(9).await;
    let a = m.issued(&m.enterprise, 500_000).await;
    let b = m.issued(&other, 500_000).await;
    let mut orders = Vec::new();
    for n in 0..20 {
        let (who, voucher) = if n % 2 == 0 { (&m.enterprise, &a) } else { (&other, &b) };
        orders.push(m.order_as(who, voucher, &m.provider_id, 100_000, 100_000).await);
    }
    let accepts = orders.iter().map(|order| {
        m.app
            .as_user(&m.provider)
            .act(format!("/api/v1/voucher-orders/{}/accept", order["id"].as_str().unwrap()))
            .send()
    });
    let answers = futures_util::future::join_all(accepts).await;
    let mut accepted = 0;
    for answer in answers {
        match answer.status().as_u16() {
            200 => accepted += 1,
            409 => {
                let problem: Value = answer.json().await.unwrap();
                let code = problem["code"].as_str().unwrap().to_string();
                assert!(
                    ["insufficient_balance", "enterprise_cap_reached", "budget_exhausted"]
                        .contains(&code.as_str()),
                    "{code}"
                );
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(accepted, 7, "the budget of 7 shares is the limit");
    let program = m.program().await;
    assert_eq!(program["committed_fen"], 700_000);
    assert_eq!(program["remaining_fen"], 0);
    let left = m.voucher(a["id"].as_str().unwrap()).await["balance_fen"].as_i64().unwrap()
        + m.app
            .as_user(&other)
            .get(format!("/api/v1/vouchers/{}", b["id"].as_str().unwrap()))
            .expect(200)
            .await["balance_fen"]
            .as_i64()
            .unwrap();
    assert_eq!(left, 300_000);
}

#[tokio::test]
async fn only_the_parties_see_vouchers_orders_and_claims() {
    let m = Vouchers::new("reimburse").await;
    let stranger = m.app.enterprise(7).await;
    let voucher = m.issued(&m.enterprise, 1_000_000).await;
    let id = voucher["id"].as_str().unwrap();
    m.app.as_user(&stranger).get(format!("/api/v1/vouchers/{id}")).problem(404).await;
    m.app.as_user(&m.provider).get(format!("/api/v1/vouchers/{id}")).problem(404).await;
    m.app.anon().get(format!("/api/v1/vouchers/{id}")).problem(401).await;
    assert!(ids(&m.app.as_user(&stranger).get("/api/v1/vouchers").expect(200).await).is_empty());
    m.app
        .as_user(&m.enterprise)
        .post(format!("/api/v1/vouchers/{id}/reject"))
        .json(json!({"reason": "x"}))
        .problem(403)
        .await;
    let order = m.confirmed(&voucher, &m.provider, &m.provider_id, 500_000, 500_000).await;
    let order_id = order["id"].as_str().unwrap();
    m.app.as_user(&stranger).get(format!("/api/v1/voucher-orders/{order_id}")).problem(404).await;
    m.app.as_user(&m.shanghai).get(format!("/api/v1/voucher-orders/{order_id}")).problem(404).await;
    let listed = m.app.as_user(&m.provider).get("/api/v1/voucher-orders").expect(200).await;
    assert_eq!(ids(&listed), vec![order_id]);
    // The list names both sides.
    assert!(listed["items"][0]["enterprise_name"].is_string(), "{listed}");
    assert!(listed["items"][0]["provider_name"].is_string(), "{listed}");
    assert!(
        ids(&m.app.as_user(&m.shanghai).get("/api/v1/voucher-orders").expect(200).await).is_empty()
    );
    // Reimburse mode: the enterprise claims; the provider may not.
    let wrong = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [order_id], "invoice_number": "P-1", "attachment_ids": [m.invoice(&m.provider).await]}))
        .problem(422)
        .await;
    assert_eq!(wrong["errors"][0]["code"], "not_claimant");
    let hidden = m
        .app
        .as_user(&stranger)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [order_id], "invoice_number": "P-1", "attachment_ids": [m.invoice(&stranger).await]}))
        .problem(422)
        .await;
    assert_eq!(hidden["errors"][0]["code"], "not_found");
    let bare = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [order_id], "invoice_number": "E-1", "attachment_ids": []}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&bare), vec!["attachment_ids"]);
    let borrowed = m.invoice(&m.provider).await;
    let not_yours = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/voucher-claims")
        .json(
            json!({"order_ids": [order_id], "invoice_number": "E-1", "attachment_ids": [borrowed]}),
        )
        .problem(422)
        .await;
    assert_eq!(not_yours["errors"][0]["code"], "not_yours", "and the order stays unclaimed");
    let claim = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [order_id], "invoice_number": "E-1", "attachment_ids": [m.invoice(&m.enterprise).await]}))
        .expect(201)
        .await;
    let claim_id = claim["id"].as_str().unwrap();
    m.app.as_user(&m.provider).get(format!("/api/v1/voucher-claims/{claim_id}")).problem(404).await;
    let invoice =
        format!("/api/v1/attachments/{}", claim["attachments"][0]["id"].as_str().unwrap());
    assert_eq!(m.app.as_user(&m.admin).get(&invoice).send().await.status(), 200);
    m.app.as_user(&m.provider).get(&invoice).problem(404).await;
    m.app
        .as_user(&m.enterprise)
        .act(format!("/api/v1/voucher-claims/{claim_id}/approve"))
        .problem(403)
        .await;
    m.app.as_user(&m.enterprise).get("/api/v1/voucher-settlements").problem(403).await;
    // An enterprise outside the programme's region does not apply.
    let db = m.app.state.db.clone();
    let org = stranger.organization_id.clone().unwrap();
    tokio::task::spawn_blocking(move || {
        use techmarket::db::schema::organizations;
        diesel::update(organizations::table.find(org))
            .set(organizations::region_code.eq("110101"))
            .execute(&mut db.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
    m.app
        .as_user(&stranger)
        .post("/api/v1/vouchers")
        .json(json!({"program_id": m.program_id, "amount_fen": 100, "purpose": "测试"}))
        .problem(403)
        .await;
    m.app
        .as_user(&m.provider)
        .post("/api/v1/vouchers")
        .json(json!({"program_id": m.program_id, "amount_fen": 100, "purpose": "测试"}))
        .problem(403)
        .await;
}

#[tokio::test]
async fn unused_balances_lapse_once_and_old_approved_claims_are_overdue() {
    let m = Vouchers::new("direct").await;
    let second = m.app.second_instance().await;
    let voucher = m.issued(&m.enterprise, 1_000_000).await;
    let id = voucher["id"].as_str().unwrap().to_string();
    let order = m.confirmed(&voucher, &m.provider, &m.provider_id, 300_000, 300_000).await;
    let claim = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [order["id"]], "invoice_number": "INV-9", "attachment_ids": [m.invoice(&m.provider).await]}))
        .expect(201)
        .await;
    let claim_id = claim["id"].as_str().unwrap().to_string();
    m.app
        .as_user(&m.admin)
        .act(format!("/api/v1/voucher-claims/{claim_id}/approve"))
        .expect(200)
        .await;
    let db = m.app.state.db.clone();
    let (voucher_id, old_claim) = (id.clone(), claim_id.clone());
    tokio::task::spawn_blocking(move || {
        let conn = &mut db.get().unwrap();
        let yesterday = techmarket::clock::today() - chrono::Duration::days(1);
        diesel::update(vouchers::table.find(voucher_id))
            .set(vouchers::use_by.eq(yesterday))
            .execute(conn)
            .unwrap();
        let long_ago = (chrono::Utc::now() - chrono::Duration::days(200)).naive_utc();
        diesel::update(voucher_claims::table.find(old_claim))
            .set(voucher_claims::approved_at.eq(long_ago))
            .execute(conn)
            .unwrap();
    })
    .await
    .unwrap();
    let sweeps = (0..4).map(|i| {
        let db = if i % 2 == 0 { m.app.state.db.clone() } else { second.state.db.clone() };
        techmarket::vouchers::lapse::sweep_lapsed(db)
    });
    let swept: usize =
        futures_util::future::join_all(sweeps).await.into_iter().map(|r| r.expect("sweep")).sum();
    // However the sweeps interleave (the instances' own sweepers included), it lapses once.
    assert!(swept <= 1, "{swept} sweeps lapsed it");
    let lapses =
        m.app.audit_entries(&m.admin, format!("entity_id={id}&action=voucher.lapse")).await;
    assert_eq!(lapses.len(), 1);
    let lapsed = m.voucher(&id).await;
    assert_eq!(lapsed["status"], "lapsed");
    assert_eq!(lapsed["balance_fen"], 0);
    assert_eq!(lapsed["lapsed_fen"], 700_000);
    let refused = m.app.as_user(&m.enterprise).post(format!("/api/v1/vouchers/{id}/orders"))
        .json(json!({"provider_id": m.provider_id, "service_type": "testing_certification", "description": "检测", "fee_fen": 100, "voucher_fen": 100}))
        .problem(409).await;
    assert_eq!(refused["code"], "voucher_not_usable");
    let overdue =
        m.app.as_user(&m.admin).get("/api/v1/voucher-claims?overdue=true").expect(200).await;
    assert_eq!(ids(&overdue), vec![claim_id.clone()]);
    assert_eq!(overdue["items"][0]["overdue"], true);
    let stats =
        m.app.as_user(&m.admin).get("/api/v1/stats/vouchers?group_by=month").expect(200).await;
    assert_eq!(stats["groups"].as_array().unwrap().last().unwrap()["lapsed_fen"], 700_000);
    let db = m.app.state.db.clone();
    let audits: i64 = tokio::task::spawn_blocking(move || {
        audit_log::table
            .filter(audit_log::action.eq("voucher.lapse"))
            .count()
            .get_result(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(audits, 1);
}

#[tokio::test]
async fn bad_programmes_and_applications_get_field_errors() {
    let m = Vouchers::new("direct").await;
    let mut bad = program("direct");
    bad["coverage_bp"] = json!(0);
    bad["claim_by"] = json!(day(-1));
    bad["accepted_regions"] = json!(["9"]);
    bad["service_types"] = json!([]);
    let problem =
        m.app.as_user(&m.admin).post("/api/v1/voucher-programs").json(bad).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, vec!["accepted_regions[0]", "claim_by", "coverage_bp", "service_types"]);
    m.app
        .as_user(&m.enterprise)
        .post("/api/v1/voucher-programs")
        .json(program("direct"))
        .problem(403)
        .await;
    let over = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/vouchers")
        .json(json!({"program_id": m.program_id, "amount_fen": 2_000_001, "purpose": "检测"}))
        .problem(422)
        .await;
    assert_eq!(over["errors"][0]["code"], "over_cap");
    let unknown = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/vouchers")
        .json(json!({"program_id": "nope", "amount_fen": 100, "purpose": "检测"}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&unknown), vec!["program_id"]);
    let applied = m
        .app
        .as_user(&m.enterprise)
        .post("/api/v1/vouchers")
        .json(json!({"program_id": m.program_id, "amount_fen": 100_000, "purpose": "检测"}))
        .expect(201)
        .await;
    let id = applied["id"].as_str().unwrap();
    m.app
        .as_user(&m.admin)
        .post(format!("/api/v1/vouchers/{id}/approve"))
        .json(json!({"amount_fen": 100_001}))
        .problem(422)
        .await;
    let rejected = m
        .app
        .as_user(&m.admin)
        .post(format!("/api/v1/vouchers/{id}/reject"))
        .json(json!({"reason": "材料不全"}))
        .expect(200)
        .await;
    assert_eq!(rejected["status"], "rejected");
    let again = m
        .app
        .as_user(&m.admin)
        .post(format!("/api/v1/vouchers/{id}/approve"))
        .json(json!({}))
        .problem(409)
        .await;
    assert_eq!(again["allowed"], json!([]));
    let listed = m.app.anon().get("/api/v1/voucher-programs?region=33").expect(200).await;
    assert_eq!(ids(&listed), vec![m.program_id.clone()]);
    assert!(
        ids(&m.app.anon().get("/api/v1/voucher-programs?region=11").expect(200).await).is_empty()
    );
}

#[tokio::test]
async fn refused_and_late_claims_and_the_figures_as_csv() {
    let m = Vouchers::new("direct").await;
    let voucher = m.issued(&m.enterprise, 1_000_000).await;
    let first = m.confirmed(&voucher, &m.provider, &m.provider_id, 200_000, 200_000).await;
    let second = m.confirmed(&voucher, &m.provider, &m.provider_id, 100_000, 100_000).await;
    let claim = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [first["id"]], "invoice_number": "R-1", "attachment_ids": [m.invoice(&m.provider).await]}))
        .expect(201)
        .await;
    let claim_id = claim["id"].as_str().unwrap();
    m.app
        .as_user(&m.admin)
        .post(format!("/api/v1/voucher-claims/{claim_id}/reject"))
        .json(json!({"reason": "服务内容与创新券支持范围不符"}))
        .expect(200)
        .await;
    let resubmit = m
        .app
        .as_user(&m.provider)
        .act(format!("/api/v1/voucher-claims/{claim_id}/resubmit"))
        .problem(409)
        .await;
    assert_eq!(resubmit["allowed"], json!([]), "a refused claim is final");
    let again = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [first["id"]], "invoice_number": "R-2", "attachment_ids": [m.invoice(&m.provider).await]}))
        .problem(409)
        .await;
    assert_eq!(again["existing_id"], claim_id, "its orders stay claimed");
    // Past the claim-by day nothing more is claimed.
    let db = m.app.state.db.clone();
    let program = m.program_id.clone();
    tokio::task::spawn_blocking(move || {
        use techmarket::db::schema::voucher_programs;
        let yesterday = techmarket::clock::today() - chrono::Duration::days(1);
        diesel::update(voucher_programs::table.find(program))
            .set(voucher_programs::claim_by.eq(yesterday))
            .execute(&mut db.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
    let late = m
        .app
        .as_user(&m.provider)
        .post("/api/v1/voucher-claims")
        .json(json!({"order_ids": [second["id"]], "invoice_number": "R-3", "attachment_ids": [m.invoice(&m.provider).await]}))
        .problem(409)
        .await;
    assert_eq!(late["code"], "claim_period_over");
    let csv = m.app.as_user(&m.admin).get("/api/v1/stats/vouchers?headers=zh").csv().await;
    assert!(csv.starts_with("分组,名称,发放张数,发放金额（分）,使用金额（分）"), "{csv}");
    assert!(
        csv.contains("total,合计,1,1000000,300000,0,0,0"),
        "refused claims are not counted as claimed: {csv}"
    );
}
