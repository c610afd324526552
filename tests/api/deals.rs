//! Deals end to end: the funnel's stage rules, brokers, the duplicate-deal rule, message
//! privacy, audited confidential reads by deal participants, and every permission rule.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// An enterprise with a published demand, a university with a published achievement, an
/// administrator and a broker.
struct Market {
    enterprise: Session,
    university: Session,
    admin: Session,
    broker: Session,
    demand: String,
    achievement: String,
}

async fn market(app: &TestApp, n: u32) -> Market {
    let m = MarketBuilder::new(app)
        .enterprise(n)
        .university(n + 1)
        .admin(n)
        .broker(n)
        .verified_orgs()
        .demand(sample_demand(n, None))
        .achievement(sample_achievement(n))
        .build()
        .await;
    Market {
        demand: m.demand_id(),
        achievement: m.achievement_id(),
        enterprise: m.enterprise().clone(),
        university: m.university().clone(),
        admin: m.admin().clone(),
        broker: m.broker().clone(),
    }
}

fn deal_body(m: &Market) -> Value {
    json!({
        "demand_id": m.demand, "achievement_id": m.achievement,
        "buyer_org_id": m.enterprise.organization_id, "seller_org_id": m.university.organization_id,
        "source": "match"
    })
}

async fn open_deal(app: &TestApp, token: &str, body: Value) -> Value {
    app.with_token(token).post("/api/v1/deals").json(body).expect(201).await
}

fn advance(app: &TestApp, token: &str, id: &str, to: &str) -> Call {
    app.with_token(token)
        .post(format!("/api/v1/deals/{id}/advance"))
        .json(json!({"to": to, "note": format!("到{to}")}))
}

#[tokio::test]
async fn a_broker_carries_a_deal_from_first_contact_to_agreement_one_stage_at_a_time() {
    let app = spawn_app().await;
    let m = market(&app, 1).await;
    let deal = open_deal(&app, &m.enterprise.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    assert_eq!(deal["stage"], "connected");
    assert_eq!(deal["furthest_stage"], "connected");
    assert_eq!(deal["next_stage"], "intention");
    assert_eq!(deal["source"], "match");

    // A second open deal on the same pair points at the first.
    let conflict =
        app.as_user(&m.university).post("/api/v1/deals").json(deal_body(&m)).problem(409).await;
    assert_eq!(conflict["existing_id"], id);

    // No skipping: connected → agreement names what is allowed.
    let skipped = advance(&app, &m.university.access_token, id, "agreement").problem(409).await;
    assert_eq!(skipped["allowed"], json!(["intention", "lost"]));
    let moved = advance(&app, &m.university.access_token, id, "intention").expect(200).await;
    assert_eq!(moved["stage"], "intention");
    assert!(moved["intention_at"].is_string());

    // A stale version is refused.
    let stale = app
        .as_user(&m.enterprise)
        .post(format!("/api/v1/deals/{id}/advance"))
        .json(json!({"to": "agreement", "version": 1}))
        .problem(409)
        .await;
    assert_eq!(stale["current_version"], 2);

    // The enterprise assigns the broker with a commission; the broker now sees and moves it.
    let assigned = app
        .as_user(&m.enterprise)
        .put(format!("/api/v1/deals/{id}/broker"))
        .json(json!({"broker_id": m.broker.user_id, "commission_rate_bp": 300}))
        .expect(200)
        .await;
    assert_eq!(assigned["broker_id"], m.broker.user_id.as_str());
    assert_eq!(assigned["commission"]["commission_rate_bp"], 300);
    let agreed = advance(&app, &m.broker.access_token, id, "agreement").expect(200).await;
    assert_eq!(agreed["stage"], "agreement");
    assert_eq!(agreed["next_stage"], "signed");

    // `signed` comes from a registered contract, not from a button.
    let signed = advance(&app, &m.admin.access_token, id, "signed").problem(409).await;
    assert!(signed["detail"].as_str().unwrap().contains("/api/v1/contracts"));

    // Every move is stamped: who, when, what.
    let history =
        app.as_user(&m.broker).get(format!("/api/v1/deals/{id}/history")).expect(200).await;
    let entries = history["items"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["deal.create", "deal.advance", "deal.assign_broker", "deal.advance"]);
    assert_eq!(entries[1]["actor_id"], m.university.user_id.as_str());
    assert_eq!(entries[1]["changes"]["note"], "到intention");
    assert_eq!(entries[3]["actor_id"], m.broker.user_id.as_str());
    assert!(entries[3]["created_at"].is_string());

    // Lists: the broker's filter, the parties, the stage filter.
    for (token, query) in [
        (&m.broker.access_token, format!("broker_id={}", m.broker.user_id)),
        (&m.enterprise.access_token, "stage=agreement".to_string()),
        (
            &m.admin.access_token,
            format!("org_id={}", m.university.organization_id.clone().unwrap()),
        ),
    ] {
        let page = app.with_token(token).get(format!("/api/v1/deals?{query}")).expect(200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{query}");
        assert_eq!(page["total"], 1, "{query}");
    }
    let none = app.as_user(&m.enterprise).get("/api/v1/deals?stage=connected").expect(200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn lost_deals_keep_the_furthest_stage_and_free_the_pair() {
    let app = spawn_app().await;
    let m = market(&app, 10).await;
    let deal = open_deal(&app, &m.admin.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    advance(&app, &m.enterprise.access_token, id, "intention").expect(200).await;
    let lose_path = format!("/api/v1/deals/{id}/lose");
    let lose = |body: Value| app.post(&lose_path, Some(&m.enterprise.access_token), body);
    let problem =
        assert_problem(lose(json!({"reason": "other"})).await, StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    assert_eq!(error_fields(&problem), ["note"]);
    let problem = assert_problem(
        lose(json!({"reason": "another_solution_chosen"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["reason"]);
    assert_problem(lose(json!({"reason": "cheap"})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let lost = assert_status(
        lose(json!({"reason": "price_gap", "note": "报价相差三倍"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(lost["stage"], "lost");
    assert_eq!(lost["furthest_stage"], "intention");
    assert_eq!(lost["lost_reason"], "price_gap");
    assert!(lost["next_stage"].is_null());

    // Nothing moves a lost deal.
    let again =
        assert_problem(lose(json!({"reason": "too_early"})).await, StatusCode::CONFLICT).await;
    assert_eq!(again["allowed"], json!([]));
    advance(&app, &m.enterprise.access_token, id, "agreement").problem(409).await;
    app.as_user(&m.enterprise)
        .put(format!("/api/v1/deals/{id}/broker"))
        .json(json!({"broker_id": m.broker.user_id}))
        .problem(409)
        .await;

    // The pair is free again for a new attempt.
    let second = open_deal(&app, &m.broker.access_token, deal_body(&m)).await;
    assert_eq!(
        second["broker_id"],
        m.broker.user_id.as_str(),
        "a broker opening a deal carries it"
    );
}

#[tokio::test]
async fn outsiders_other_deals_parties_and_unassigned_brokers_are_refused() {
    let app = spawn_app().await;
    let m = market(&app, 20).await;
    let other = market(&app, 30).await;
    let deal = open_deal(&app, &m.enterprise.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    let other_deal = open_deal(&app, &other.enterprise.access_token, deal_body(&other)).await;

    // A party of another deal, and a broker who does not carry this one, see nothing.
    for token in
        [&other.enterprise.access_token, &other.university.access_token, &other.broker.access_token]
    {
        for path in ["", "/messages", "/history"] {
            app.with_token(token).get(format!("/api/v1/deals/{id}{path}")).problem(404).await;
        }
        advance(&app, token, id, "intention").problem(404).await;
        app.with_token(token)
            .post(format!("/api/v1/deals/{id}/lose"))
            .json(json!({"reason": "too_early"}))
            .problem(404)
            .await;
        app.with_token(token)
            .post(format!("/api/v1/deals/{id}/messages"))
            .json(json!({"body": "你好"}))
            .problem(404)
            .await;
        let page = app.with_token(token).get("/api/v1/deals").expect(200).await;
        assert!(page["items"].as_array().unwrap().iter().all(|d| d["id"] != id));
        assert_eq!(page["total"], page["items"].as_array().unwrap().len(), "outsiders count none");
    }
    app.anon().get(format!("/api/v1/deals/{id}")).problem(401).await;

    // Only parties, brokers and admins open deals, and only between real parties.
    let outsider = app.enterprise(40).await;
    app.as_user(&outsider).post("/api/v1/deals").json(deal_body(&m)).problem(403).await;
    // A demand that is not the buyer's own.
    let mut crossed = deal_body(&m);
    crossed["demand_id"] = other_deal["demand_id"].clone();
    let problem = app.as_user(&m.enterprise).post("/api/v1/deals").json(crossed).problem(422).await;
    assert_eq!(error_fields(&problem), ["demand_id"]);
    let problem = app.as_user(&m.enterprise).post("/api/v1/deals").json(json!({"buyer_org_id": m.enterprise.organization_id, "seller_org_id": m.enterprise.organization_id,
                   "source": "direct", "broker_id": m.university.user_id,
                   "commission_rate_bp": 20000, "commission_fen": 5})).problem(422).await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["broker_id", "commission_fen", "commission_rate_bp", "seller_org_id"]);

    // The broker is assigned by a party or an admin, not by a broker, and must be a broker.
    app.as_user(&m.admin)
        .put(format!("/api/v1/deals/{id}/broker"))
        .json(json!({"broker_id": m.broker.user_id, "commission_fen": 100_000}))
        .expect(200)
        .await;
    app.as_user(&m.broker)
        .put(format!("/api/v1/deals/{id}/broker"))
        .json(json!({"broker_id": m.broker.user_id}))
        .problem(403)
        .await;
    let problem = app
        .as_user(&m.enterprise)
        .put(format!("/api/v1/deals/{id}/broker"))
        .json(json!({"broker_id": m.university.user_id}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["broker_id"]);
}

#[tokio::test]
async fn the_message_thread_is_seen_only_by_the_parties_the_broker_and_admins() {
    let app = spawn_app().await;
    let m = market(&app, 50).await;
    let mut body = deal_body(&m);
    body["broker_id"] = json!(m.broker.user_id);
    let deal = open_deal(&app, &m.enterprise.access_token, body).await;
    let id = deal["id"].as_str().unwrap();
    for (token, text) in [
        (&m.enterprise.access_token, "请问中试线在哪里？"),
        (&m.university.access_token, "在杭州，欢迎来看。"),
        (&m.broker.access_token, "我来安排下周参观。"),
    ] {
        app.with_token(token)
            .post(format!("/api/v1/deals/{id}/messages"))
            .json(json!({"body": text}))
            .expect(201)
            .await;
    }
    let problem = app
        .as_user(&m.enterprise)
        .post(format!("/api/v1/deals/{id}/messages"))
        .json(json!({"body": "  "}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&problem), ["body"]);
    for token in [
        &m.enterprise.access_token,
        &m.university.access_token,
        &m.broker.access_token,
        &m.admin.access_token,
    ] {
        let page = app
            .with_token(token)
            .get(format!("/api/v1/deals/{id}/messages?limit=2"))
            .expect(200)
            .await;
        assert_eq!(page["items"][0]["body"], "请问中试线在哪里？");
        assert_eq!(page["items"][0]["author_id"], m.enterprise.user_id.as_str());
        let cursor = page["next_cursor"].as_str().expect("a second page");
        let rest = app
            .with_token(token)
            .get(format!("/api/v1/deals/{id}/messages?limit=2&cursor={cursor}"))
            .expect(200)
            .await;
        assert_eq!(rest["items"][0]["body"], "我来安排下周参观。");
    }
    let stranger = app.university(60).await;
    app.as_user(&stranger).get(format!("/api/v1/deals/{id}/messages")).problem(404).await;
}

#[tokio::test]
async fn deal_participants_read_confidential_details_and_every_read_is_audited() {
    let app = spawn_app().await;
    let m = market(&app, 70).await;
    let demand_details = format!("/api/v1/demands/{}/confidential", m.demand);
    let achievement_details = format!("/api/v1/achievements/{}/confidential", m.achievement);
    // Before any deal, the other side sees only the public summary.
    app.as_user(&m.university).get(&demand_details).problem(403).await;
    app.as_user(&m.enterprise).get(&achievement_details).problem(403).await;
    app.as_user(&m.broker).get(&achievement_details).problem(403).await;

    let mut body = deal_body(&m);
    body["broker_id"] = json!(m.broker.user_id);
    let deal = open_deal(&app, &m.enterprise.access_token, body).await;
    let id = deal["id"].as_str().unwrap();
    let read = app.as_user(&m.university).get(&demand_details).expect(200).await;
    assert_eq!(read["confidential_details"], "现有电池包型号 LFP-280Ah");
    // The buyer opened the deal: that opens the buyer's demand, not the seller's achievement,
    // until the seller's side acts on the deal.
    app.as_user(&m.broker).get(&achievement_details).problem(403).await;
    advance(&app, &m.university.access_token, id, "intention").expect(200).await;
    let read = app.as_user(&m.broker).get(&achievement_details).expect(200).await;
    assert_eq!(read["confidential_details"], "烧结温度 850℃，包覆层厚度 5nm");
    app.as_user(&m.enterprise).get(&achievement_details).expect(200).await;
    // Outsiders still see nothing.
    let outsider = app.enterprise(80).await;
    app.as_user(&outsider).get(&achievement_details).problem(403).await;

    let audit = app
        .as_user(&m.admin)
        .get(format!(
            "/api/v1/admin/audit?action=achievement.confidential_read&entity_id={}",
            m.achievement
        ))
        .expect(200)
        .await;
    let readers: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["changes"]["via_deal"], id);
            e["changes"]["reader"].as_str().unwrap()
        })
        .collect();
    assert_eq!(readers.len(), 2);
    assert!(
        readers.contains(&m.broker.user_id.as_str())
            && readers.contains(&m.enterprise.user_id.as_str())
    );

    // A lost deal no longer opens the details.
    app.as_user(&m.enterprise)
        .post(format!("/api/v1/deals/{id}/lose"))
        .json(json!({"reason": "benefit_unclear"}))
        .expect(200)
        .await;
    app.as_user(&m.university).get(&demand_details).problem(403).await;
}

#[tokio::test]
async fn a_deal_opens_confidential_details_only_after_an_act_of_the_owners_side() {
    let app = spawn_app().await;
    let m = market(&app, 90).await;
    let demand_details = format!("/api/v1/demands/{}/confidential", m.demand);
    let achievement_details = format!("/api/v1/achievements/{}/confidential", m.achievement);
    let can_read = |who: &Session, path: &str| {
        let (app, token, path) = (&app, who.access_token.clone(), path.to_string());
        async move { app.get(&path, Some(&token)).await.status() == StatusCode::OK }
    };

    // A self-registered broker nobody verified opens no deal, and cannot be named in one.
    let unverified = app.unverified_broker(91).await;
    let refused =
        app.as_user(&unverified).post("/api/v1/deals").json(deal_body(&m)).problem(403).await;
    assert!(refused["detail"].as_str().unwrap().contains("认证"), "{refused}");
    let mut named = deal_body(&m);
    named["broker_id"] = json!(unverified.user_id);
    let problem = app.as_user(&m.enterprise).post("/api/v1/deals").json(named).problem(422).await;
    assert!(
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "broker_id" && e["code"] == "not_verified")
    );
    assert!(!can_read(&unverified, &achievement_details).await);

    // A brand-new, unverified enterprise opens no deal naming itself as the buyer.
    let newcomer = app.enterprise(92).await;
    let mut body = deal_body(&m);
    body["demand_id"] = Value::Null;
    body["buyer_org_id"] = json!(newcomer.organization_id);
    app.as_user(&newcomer).post("/api/v1/deals").json(body).problem(403).await;
    assert!(!can_read(&newcomer, &achievement_details).await);

    // A verified broker opens the deal: neither owner has acted, so nothing opens.
    let deal = open_deal(&app, &m.broker.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    assert!(deal["buyer_acted_at"].is_null() && deal["seller_acted_at"].is_null());
    for who in [&m.broker, &m.enterprise] {
        assert!(!can_read(who, &achievement_details).await);
    }
    for who in [&m.broker, &m.university] {
        assert!(!can_read(who, &demand_details).await);
    }

    // The buyer advances it: its demand opens to the seller and the broker, not the
    // achievement to the buyer.
    let moved = advance(&app, &m.enterprise.access_token, id, "intention").expect(200).await;
    assert!(moved["buyer_acted_at"].is_string() && moved["seller_acted_at"].is_null());
    assert!(can_read(&m.university, &demand_details).await);
    assert!(can_read(&m.broker, &demand_details).await);
    assert!(!can_read(&m.enterprise, &achievement_details).await);
    assert!(!can_read(&m.broker, &achievement_details).await);

    // The seller advances it: now the achievement opens too.
    let moved = advance(&app, &m.university.access_token, id, "agreement").expect(200).await;
    assert!(moved["seller_acted_at"].is_string());
    assert!(can_read(&m.enterprise, &achievement_details).await);
    assert!(can_read(&m.broker, &achievement_details).await);

    // Verifying users is for administrators; withdrawing it takes the deal from the broker.
    let path = format!("/api/v1/admin/users/{}/verify", m.broker.user_id);
    app.as_user(&m.enterprise).post(&path).json(json!({"verified": false})).problem(403).await;
    let user = app.as_user(&m.admin).post(&path).json(json!({"verified": false})).expect(200).await;
    assert_eq!(user["verified"], false);
    app.as_user(&m.broker).get(format!("/api/v1/deals/{id}")).problem(404).await;
    assert!(!can_read(&m.broker, &achievement_details).await);
    app.verify_user(&m.admin, &m.broker).await;
    app.as_user(&m.broker).get(format!("/api/v1/deals/{id}")).expect(200).await;
    assert!(can_read(&m.broker, &achievement_details).await);
    app.as_user(&m.admin)
        .post("/api/v1/admin/users/no-such-user/verify")
        .json(json!({"verified": true}))
        .problem(404)
        .await;
}

#[tokio::test]
async fn a_deals_parties_are_taken_from_its_demand_and_achievement() {
    let app = spawn_app().await;
    let m = market(&app, 1).await;
    // The demand and the achievement say who buys and who sells.
    let records_only =
        json!({"demand_id": m.demand, "achievement_id": m.achievement, "source": "match"});
    let deal = open_deal(&app, &m.broker.access_token, records_only.clone()).await;
    assert_eq!(deal["buyer_org_id"], json!(m.enterprise.organization_id));
    assert_eq!(deal["seller_org_id"], json!(m.university.organization_id));
    assert_eq!(deal["broker_id"], m.broker.user_id.as_str());

    // A party named and the other inferred; a named party must still own its record.
    let m2 = market(&app, 3).await;
    let mixed = json!({"demand_id": m2.demand, "achievement_id": m2.achievement,
                       "buyer_org_id": m2.enterprise.organization_id, "source": "direct"});
    let deal = open_deal(&app, &m2.enterprise.access_token, mixed).await;
    assert_eq!(deal["seller_org_id"], json!(m2.university.organization_id));
    let wrong = json!({"demand_id": m2.demand, "achievement_id": m.achievement,
                       "buyer_org_id": m.enterprise.organization_id, "source": "direct"});
    let problem = app.as_user(&m.broker).post("/api/v1/deals").json(wrong).problem(422).await;
    assert_eq!(error_fields(&problem), ["demand_id"]);

    // Nothing to infer from: each missing party is required.
    let neither = json!({"source": "direct"});
    let problem = app.as_user(&m.broker).post("/api/v1/deals").json(neither).problem(422).await;
    assert_eq!(error_fields(&problem), ["buyer_org_id", "seller_org_id"]);

    // A record the caller may not see infers nothing and reads like an unknown id.
    let draft = app
        .as_user(&m.university)
        .post("/api/v1/achievements")
        .json(sample_achievement(9))
        .expect(201)
        .await;
    let hidden = json!({"demand_id": m.demand, "achievement_id": draft["id"], "source": "match"});
    let problem = app.as_user(&m.broker).post("/api/v1/deals").json(hidden).problem(422).await;
    assert_eq!(error_fields(&problem), ["achievement_id"]);
    assert_eq!(problem["errors"][0]["code"], "not_found");
    let unknown = json!({"demand_id": m.demand, "achievement_id": "no-such-id", "source": "match"});
    let problem = app.as_user(&m.broker).post("/api/v1/deals").json(unknown).problem(422).await;
    assert_eq!(problem["errors"][0]["code"], "not_found");
    // An outsider learns nothing either way: not a party, so 403.
    let outsider = app.enterprise(7).await;
    app.as_user(&outsider).post("/api/v1/deals").json(records_only).problem(403).await;
}

/// The dashboard counts what waits: deals by stage for each party, and a deal whose last
/// message is someone else's waits for the reader's reply; administrators see the queues.
#[tokio::test]
async fn the_dashboard_says_what_waits_for_each_party() {
    let app = spawn_app().await;
    let m = market(&app, 61).await;
    let deal = open_deal(&app, &m.enterprise.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    app.as_user(&m.enterprise)
        .post(format!("/api/v1/deals/{id}/messages"))
        .json(json!({"body": "贵校能否提供中试数据？"}))
        .expect(201)
        .await;
    // A deal list reads without a call per deal: titles and names come with it.
    let listed = app.as_user(&m.enterprise).get("/api/v1/deals").expect(200).await;
    let item = &listed["items"][0];
    assert_eq!(item["buyer_name"], "测试机构61");
    assert_eq!(item["seller_name"], "测试机构62");
    assert_eq!(item["demand_title"], sample_demand(61, None)["title"]);
    assert_eq!(item["achievement_title"], sample_achievement(61)["title"]);
    let waiting = |board: &Value, key: &str| {
        board["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["key"] == key)
            .map(|w| w["count"].clone())
    };
    let told = app.as_user(&m.university).get("/api/v1/notifications").expect(200).await;
    let kinds = items_field(&told, "kind");
    assert_eq!(
        kinds.iter().filter(|k| *k == "deal_message").count(),
        1,
        "the seller hears: {kinds:?}"
    );
    assert!(items_field(&told, "title").iter().any(|t| t.contains("贵校能否提供中试数据")));
    let own = app.as_user(&m.enterprise).get("/api/v1/notifications").expect(200).await;
    let own_kinds = items_field(&own, "kind");
    assert!(!own_kinds.contains(&"deal_message".to_string()), "not told of its own message");
    let seller = app.as_user(&m.university).get("/api/v1/me/dashboard").expect(200).await;
    assert_eq!(seller["deals_by_stage"]["connected"], 1);
    assert_eq!(waiting(&seller, "deal_messages_awaiting_reply"), Some(json!(1)));
    let buyer = app.as_user(&m.enterprise).get("/api/v1/me/dashboard").expect(200).await;
    assert_eq!(buyer["deals_by_stage"]["connected"], 1);
    assert_eq!(
        waiting(&buyer, "deal_messages_awaiting_reply"),
        Some(json!(0)),
        "its own message waits for nobody"
    );
    assert_eq!(waiting(&buyer, "reviews"), None, "queues are the administrators'");
    let outsider = app.enterprise(69).await;
    let nothing = app.as_user(&outsider).get("/api/v1/me/dashboard").expect(200).await;
    assert_eq!(nothing["deals_by_stage"]["connected"], 0);
    assert_eq!(nothing["total_waiting"], 0);
    app.as_user(&m.university)
        .post("/api/v1/achievements")
        .json(sample_achievement(62))
        .expect(201)
        .await;
    let draft = app
        .as_user(&m.university)
        .get("/api/v1/achievements?mine=true&status=draft")
        .expect(200)
        .await;
    let draft_id = draft["items"][0]["id"].as_str().unwrap();
    app.as_user(&m.university)
        .act(format!("/api/v1/achievements/{draft_id}/submit"))
        .expect(200)
        .await;
    let admin = app.as_user(&m.admin).get("/api/v1/me/dashboard").expect(200).await;
    assert_eq!(waiting(&admin, "reviews"), Some(json!(1)));
    assert_eq!(admin["deals_by_stage"]["connected"], 1);
    app.anon().get("/api/v1/me/dashboard").problem(401).await;
}
