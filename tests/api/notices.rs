//! Public pricing notices (公示): posting, reading without signing in, objections and their
//! decision, the notices of announced lots, and the registration rule they serve.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::{Market, TestApp, error_fields, spawn_app, spawn_app_with};

async fn market(app: &TestApp) -> Market {
    crate::auctions::market_of(app, 1).await
}

fn agreement(m: &Market) -> Value {
    json!({
        "achievement_id": m.achievement_id(), "kind": "agreement_pricing", "price_fen": 30_000_000,
        "transfer_mode": "transfer", "buyer_org_id": m.enterprise().organization_id,
    })
}

#[tokio::test]
async fn a_notice_runs_publicly_for_the_minimum_days_and_an_upheld_objection_halts_it() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    app.as_user(e1).post("/api/v1/notices").json(agreement(&m)).problem(403).await;
    let mut short = agreement(&m);
    short["days"] = json!(10);
    short["buyer_org_id"] = Value::Null;
    let problem =
        app.as_user(m.university()).post("/api/v1/notices").json(short).problem(422).await;
    let fields = error_fields(&problem);
    assert!(
        fields.contains(&"days".to_string()) && fields.contains(&"buyer_org_id".to_string()),
        "{fields:?}"
    );
    let notice =
        app.as_user(m.university()).post("/api/v1/notices").json(agreement(&m)).expect(201).await;
    let id = notice["id"].as_str().unwrap().to_string();
    let today = techmarket::clock::today();
    assert_eq!(notice["status"], "noticed");
    assert_eq!(notice["days"], 15);
    assert_eq!(notice["starts_on"], today.to_string());
    assert_eq!(notice["ends_on"], (today + chrono::Duration::days(15)).to_string());
    assert_eq!(notice["title"], m.achievements[0]["title"]);
    let public = app.anon().get(format!("/api/v1/notices/{id}")).expect(200).await;
    assert_eq!(public["price_fen"], 30_000_000);
    assert_eq!(public["summary"], m.achievements[0]["summary"]);
    let listed =
        app.anon().get("/api/v1/notices?status=noticed&kind=agreement_pricing").expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    let objection = app
        .as_user(e2)
        .post(format!("/api/v1/notices/{id}/objections"))
        .json(json!({"reason": "拟交易价格明显低于评估值"}))
        .expect(201)
        .await;
    assert_eq!(objection["status"], "pending");
    let oid = objection["id"].as_str().unwrap().to_string();
    let theirs = app.as_user(e1).get(format!("/api/v1/notices/{id}/objections")).expect(200).await;
    assert_eq!(theirs["items"], json!([]), "others' objections are not shown to a third party");
    let seller = app
        .as_user(m.university())
        .get(format!("/api/v1/notices/{id}/objections"))
        .expect(200)
        .await;
    assert_eq!(seller["items"].as_array().unwrap().len(), 1);
    let resolve = format!("/api/v1/notices/{id}/objections/{oid}/resolve");
    app.as_user(m.university()).post(&resolve).json(json!({"upheld": true})).problem(403).await;
    let upheld = app
        .as_user(m.admin())
        .post(&resolve)
        .json(json!({"upheld": true, "note": "价格依据不足"}))
        .expect(200)
        .await;
    assert_eq!(upheld["status"], "upheld");
    app.as_user(m.admin()).post(&resolve).json(json!({"upheld": false})).problem(409).await;
    let halted = app.anon().get(format!("/api/v1/notices/{id}")).expect(200).await;
    assert_eq!(halted["status"], "halted");
    assert_eq!(halted["objection_count"], 1);
    let late = app
        .as_user(e1)
        .post(format!("/api/v1/notices/{id}/objections"))
        .json(json!({"reason": "再次异议"}))
        .problem(409)
        .await;
    assert_eq!(late["code"], "notice_closed");
    app.anon().get("/api/v1/notices/missing").problem(404).await;
}

#[tokio::test]
async fn an_announced_lot_posts_its_own_notice() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    let lot = app
        .as_user(m.university())
        .post("/api/v1/auctions")
        .json(json!({
            "achievement_id": m.achievement_id(), "type": "english", "starting_price_fen": 10_000,
            "increment_fen": 500, "deposit_fen": 1_000, "starts_at": start.to_rfc3339(),
            "ends_at": (start + chrono::Duration::days(1)).to_rfc3339(),
        }))
        .expect(201)
        .await;
    let id = lot["id"].as_str().unwrap();
    app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/submit")).expect(200).await;
    let none = app
        .anon()
        .get(format!("/api/v1/notices?achievement_id={}", m.achievement_id()))
        .expect(200)
        .await;
    assert_eq!(none["items"], json!([]), "a lot under review is not public");
    app.as_user(m.admin()).act(format!("/api/v1/auctions/{id}/announce")).expect(200).await;
    let notices = app
        .anon()
        .get(format!("/api/v1/notices?achievement_id={}", m.achievement_id()))
        .expect(200)
        .await;
    let notice = &notices["items"][0];
    assert_eq!(notice["kind"], "auction");
    assert_eq!(notice["auction_id"], id);
    assert_eq!(notice["price_fen"], 10_000);
    assert_eq!(notice["status"], "noticed");
}

/// Moves a notice's period into the past, as if it had been posted three weeks ago.
async fn backdate(app: &TestApp, id: &str) {
    use techmarket::db::schema::notices;
    let db = app.state.db.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().expect("conn");
        let today = techmarket::clock::today();
        diesel::update(notices::table.find(&id))
            .set((
                notices::starts_on.eq(today - chrono::Duration::days(21)),
                notices::ends_on.eq(today - chrono::Duration::days(6)),
            ))
            .execute(&mut conn)
            .expect("backdate");
    })
    .await
    .expect("join");
}

#[tokio::test]
async fn a_universitys_licence_registers_only_after_its_price_was_noticed() {
    let app = spawn_app_with(|s| s.pricing_notice_required = true).await;
    let m = market(&app).await;
    let day =
        |offset: i64| (techmarket::clock::today() + chrono::Duration::days(offset)).to_string();
    let deal = app
        .as_user(m.admin())
        .post("/api/v1/deals")
        .json(json!({"buyer_org_id": m.enterprise().organization_id, "seller_org_id": m.university().organization_id,
                     "achievement_id": m.achievement_id(), "source": "direct"}))
        .expect(201)
        .await;
    let deal_id = deal["id"].as_str().unwrap().to_string();
    for to in ["intention", "agreement"] {
        app.as_user(m.admin())
            .post(format!("/api/v1/deals/{deal_id}/advance"))
            .json(json!({"to": to}))
            .expect(200)
            .await;
    }
    let contract = app
        .as_user(m.university())
        .post("/api/v1/contracts")
        .json(json!({
            "deal_id": deal_id, "name": "富锂锰基正极材料制备技术专利实施许可合同",
            "contract_type": "license", "subtype": "patent",
            "buyer": {"org_id": m.enterprise().organization_id}, "seller": {"org_id": m.university().organization_id},
            "technology_field": "new_energy", "ip_type": "invention_patent", "plan_category": "none",
            "signed_on": day(-1), "valid_from": day(-1), "valid_to": day(300), "amount_fen": 30_000_000,
        }))
        .expect(201)
        .await;
    let cid = contract["id"].as_str().unwrap().to_string();
    app.as_user(m.university()).act(format!("/api/v1/contracts/{cid}/submit")).expect(200).await;
    let refused =
        app.as_user(m.admin()).act(format!("/api/v1/contracts/{cid}/register")).problem(409).await;
    assert_eq!(refused["code"], "notice_required");
    let mut body = agreement(&m);
    body["deal_id"] = json!(deal_id);
    let notice = app.as_user(m.university()).post("/api/v1/notices").json(body).expect(201).await;
    assert_eq!(notice["deal_id"], deal_id.as_str(), "the seller sees the deal it concludes");
    let public = app
        .anon()
        .get(format!("/api/v1/notices/{}", notice["id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(public["deal_id"], Value::Null);
    let running =
        app.as_user(m.admin()).act(format!("/api/v1/contracts/{cid}/register")).problem(409).await;
    assert_eq!(running["code"], "notice_required", "a running notice is not yet completed");
    backdate(&app, notice["id"].as_str().unwrap()).await;
    let completed = app
        .anon()
        .get(format!("/api/v1/notices/{}", notice["id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(completed["status"], "completed");
    let registered =
        app.as_user(m.admin()).act(format!("/api/v1/contracts/{cid}/register")).expect(200).await;
    assert_eq!(registered["status"], "registered");
}
