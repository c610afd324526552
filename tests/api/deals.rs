//! Deals end to end: the funnel's stage rules, brokers, the duplicate-deal rule, message
//! privacy, audited confidential reads by deal participants, and every permission rule.

use reqwest::{Method, StatusCode};
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
    let enterprise = app.enterprise(n).await;
    let university = app.university(n + 1).await;
    let admin = app.admin(n).await;
    let broker = app.broker(n).await;
    app.verify_orgs(&admin, &[&enterprise, &university]).await;
    let demand = app
        .publish("demands", &enterprise, &admin, sample_demand(n, None))
        .await;
    let achievement = app
        .publish("achievements", &university, &admin, sample_achievement(n))
        .await;
    Market {
        demand: demand["id"].as_str().unwrap().to_string(),
        achievement: achievement["id"].as_str().unwrap().to_string(),
        enterprise,
        university,
        admin,
        broker,
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
    assert_status(
        app.post("/api/v1/deals", Some(token), body).await,
        StatusCode::CREATED,
    )
    .await
}

async fn advance(app: &TestApp, token: &str, id: &str, to: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/deals/{id}/advance"),
        Some(token),
        json!({"to": to, "note": format!("到{to}")}),
    )
    .await
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
    let conflict = assert_problem(
        app.post(
            "/api/v1/deals",
            Some(&m.university.access_token),
            deal_body(&m),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(conflict["existing_id"], id);

    // No skipping: connected → agreement names what is allowed.
    let skipped = assert_problem(
        advance(&app, &m.university.access_token, id, "agreement").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(skipped["allowed"], json!(["intention", "lost"]));
    let moved = assert_status(
        advance(&app, &m.university.access_token, id, "intention").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["stage"], "intention");
    assert!(moved["intention_at"].is_string());

    // A stale version is refused.
    let stale = assert_problem(
        app.post(
            &format!("/api/v1/deals/{id}/advance"),
            Some(&m.enterprise.access_token),
            json!({"to": "agreement", "version": 1}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(stale["current_version"], 2);

    // The enterprise assigns the broker with a commission; the broker now sees and moves it.
    let assigned = assert_status(
        app.send(
            Method::PUT,
            &format!("/api/v1/deals/{id}/broker"),
            Some(&m.enterprise.access_token),
            Some(json!({"broker_id": m.broker.user_id, "commission_rate_bp": 300})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(assigned["broker_id"], m.broker.user_id.as_str());
    assert_eq!(assigned["commission"]["commission_rate_bp"], 300);
    let agreed = assert_status(
        advance(&app, &m.broker.access_token, id, "agreement").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(agreed["stage"], "agreement");
    assert_eq!(agreed["next_stage"], "signed");

    // `signed` comes from a registered contract, not from a button.
    let signed = assert_problem(
        advance(&app, &m.admin.access_token, id, "signed").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(
        signed["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/contracts")
    );

    // Every move is stamped: who, when, what.
    let history = assert_status(
        app.get(
            &format!("/api/v1/deals/{id}/history"),
            Some(&m.broker.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let entries = history["items"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "deal.create",
            "deal.advance",
            "deal.assign_broker",
            "deal.advance"
        ]
    );
    assert_eq!(entries[1]["actor_id"], m.university.user_id.as_str());
    assert_eq!(entries[1]["changes"]["note"], "到intention");
    assert_eq!(entries[3]["actor_id"], m.broker.user_id.as_str());
    assert!(entries[3]["created_at"].is_string());

    // Lists: the broker's filter, the parties, the stage filter.
    for (token, query) in [
        (
            &m.broker.access_token,
            format!("broker_id={}", m.broker.user_id),
        ),
        (&m.enterprise.access_token, "stage=agreement".to_string()),
        (
            &m.admin.access_token,
            format!("org_id={}", m.university.organization_id.clone().unwrap()),
        ),
    ] {
        let page = assert_status(
            app.get(&format!("/api/v1/deals?{query}"), Some(token))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{query}");
    }
    let none = assert_status(
        app.get(
            "/api/v1/deals?stage=connected",
            Some(&m.enterprise.access_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(none["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn lost_deals_keep_the_furthest_stage_and_free_the_pair() {
    let app = spawn_app().await;
    let m = market(&app, 10).await;
    let deal = open_deal(&app, &m.admin.access_token, deal_body(&m)).await;
    let id = deal["id"].as_str().unwrap();
    assert_status(
        advance(&app, &m.enterprise.access_token, id, "intention").await,
        StatusCode::OK,
    )
    .await;
    let lose_path = format!("/api/v1/deals/{id}/lose");
    let lose = |body: Value| app.post(&lose_path, Some(&m.enterprise.access_token), body);
    let problem = assert_problem(
        lose(json!({"reason": "other"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["note"]);
    let problem = assert_problem(
        lose(json!({"reason": "another_solution_chosen"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["reason"]);
    assert_problem(
        lose(json!({"reason": "cheap"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
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
    let again = assert_problem(
        lose(json!({"reason": "too_early"})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(again["allowed"], json!([]));
    assert_problem(
        advance(&app, &m.enterprise.access_token, id, "agreement").await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_problem(
        app.send(
            Method::PUT,
            &format!("/api/v1/deals/{id}/broker"),
            Some(&m.enterprise.access_token),
            Some(json!({"broker_id": m.broker.user_id})),
        )
        .await,
        StatusCode::CONFLICT,
    )
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
    for token in [
        &other.enterprise.access_token,
        &other.university.access_token,
        &other.broker.access_token,
    ] {
        for path in ["", "/messages", "/history"] {
            assert_problem(
                app.get(&format!("/api/v1/deals/{id}{path}"), Some(token))
                    .await,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        assert_problem(
            advance(&app, token, id, "intention").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_problem(
            app.post(
                &format!("/api/v1/deals/{id}/lose"),
                Some(token),
                json!({"reason": "too_early"}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_problem(
            app.post(
                &format!("/api/v1/deals/{id}/messages"),
                Some(token),
                json!({"body": "你好"}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let page = assert_status(app.get("/api/v1/deals", Some(token)).await, StatusCode::OK).await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["id"] != id)
        );
    }
    assert_problem(
        app.get(&format!("/api/v1/deals/{id}"), None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;

    // Only parties, brokers and admins open deals, and only between real parties.
    let outsider = app.enterprise(40).await;
    assert_problem(
        app.post("/api/v1/deals", Some(&outsider.access_token), deal_body(&m))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // A demand that is not the buyer's own.
    let mut crossed = deal_body(&m);
    crossed["demand_id"] = other_deal["demand_id"].clone();
    let problem = assert_problem(
        app.post("/api/v1/deals", Some(&m.enterprise.access_token), crossed)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["demand_id"]);
    let problem = assert_problem(
        app.post(
            "/api/v1/deals",
            Some(&m.enterprise.access_token),
            json!({"buyer_org_id": m.enterprise.organization_id, "seller_org_id": m.enterprise.organization_id,
                   "source": "direct", "broker_id": m.university.user_id,
                   "commission_rate_bp": 20000, "commission_fen": 5}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields = error_fields(&problem);
    fields.sort();
    assert_eq!(
        fields,
        [
            "broker_id",
            "commission_fen",
            "commission_rate_bp",
            "seller_org_id"
        ]
    );

    // The broker is assigned by a party or an admin, not by a broker, and must be a broker.
    assert_status(
        app.send(
            Method::PUT,
            &format!("/api/v1/deals/{id}/broker"),
            Some(&m.admin.access_token),
            Some(json!({"broker_id": m.broker.user_id, "commission_fen": 100_000})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.send(
            Method::PUT,
            &format!("/api/v1/deals/{id}/broker"),
            Some(&m.broker.access_token),
            Some(json!({"broker_id": m.broker.user_id})),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let problem = assert_problem(
        app.send(
            Method::PUT,
            &format!("/api/v1/deals/{id}/broker"),
            Some(&m.enterprise.access_token),
            Some(json!({"broker_id": m.university.user_id})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
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
        assert_status(
            app.post(
                &format!("/api/v1/deals/{id}/messages"),
                Some(token),
                json!({"body": text}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let problem = assert_problem(
        app.post(
            &format!("/api/v1/deals/{id}/messages"),
            Some(&m.enterprise.access_token),
            json!({"body": "  "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["body"]);
    for token in [
        &m.enterprise.access_token,
        &m.university.access_token,
        &m.broker.access_token,
        &m.admin.access_token,
    ] {
        let page = assert_status(
            app.get(&format!("/api/v1/deals/{id}/messages?limit=2"), Some(token))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(page["items"][0]["body"], "请问中试线在哪里？");
        assert_eq!(page["items"][0]["author_id"], m.enterprise.user_id.as_str());
        let cursor = page["next_cursor"].as_str().expect("a second page");
        let rest = assert_status(
            app.get(
                &format!("/api/v1/deals/{id}/messages?limit=2&cursor={cursor}"),
                Some(token),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(rest["items"][0]["body"], "我来安排下周参观。");
    }
    let stranger = app.university(60).await;
    assert_problem(
        app.get(
            &format!("/api/v1/deals/{id}/messages"),
            Some(&stranger.access_token),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn deal_participants_read_confidential_details_and_every_read_is_audited() {
    let app = spawn_app().await;
    let m = market(&app, 70).await;
    let demand_details = format!("/api/v1/demands/{}/confidential", m.demand);
    let achievement_details = format!("/api/v1/achievements/{}/confidential", m.achievement);
    // Before any deal, the other side sees only the public summary.
    assert_problem(
        app.get(&demand_details, Some(&m.university.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&achievement_details, Some(&m.enterprise.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        app.get(&achievement_details, Some(&m.broker.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let mut body = deal_body(&m);
    body["broker_id"] = json!(m.broker.user_id);
    let deal = open_deal(&app, &m.enterprise.access_token, body).await;
    let id = deal["id"].as_str().unwrap();
    let read = assert_status(
        app.get(&demand_details, Some(&m.university.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["confidential_details"], "现有电池包型号 LFP-280Ah");
    // The buyer opened the deal: that opens the buyer's demand, not the seller's achievement,
    // until the seller's side acts on the deal.
    assert_problem(
        app.get(&achievement_details, Some(&m.broker.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_status(
        advance(&app, &m.university.access_token, id, "intention").await,
        StatusCode::OK,
    )
    .await;
    let read = assert_status(
        app.get(&achievement_details, Some(&m.broker.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        read["confidential_details"],
        "烧结温度 850℃，包覆层厚度 5nm"
    );
    assert_status(
        app.get(&achievement_details, Some(&m.enterprise.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    // Outsiders still see nothing.
    let outsider = app.enterprise(80).await;
    assert_problem(
        app.get(&achievement_details, Some(&outsider.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let audit = assert_status(
        app.get(
            &format!(
                "/api/v1/admin/audit?action=achievement.confidential_read&entity_id={}",
                m.achievement
            ),
            Some(&m.admin.access_token),
        )
        .await,
        StatusCode::OK,
    )
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
    assert_status(
        app.post(
            &format!("/api/v1/deals/{id}/lose"),
            Some(&m.enterprise.access_token),
            json!({"reason": "benefit_unclear"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get(&demand_details, Some(&m.university.access_token))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
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
    let refused = assert_problem(
        app.post(
            "/api/v1/deals",
            Some(&unverified.access_token),
            deal_body(&m),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(refused["detail"].as_str().unwrap().contains("verified"));
    let mut named = deal_body(&m);
    named["broker_id"] = json!(unverified.user_id);
    let problem = assert_problem(
        app.post("/api/v1/deals", Some(&m.enterprise.access_token), named)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
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
    assert_problem(
        app.post("/api/v1/deals", Some(&newcomer.access_token), body)
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
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
    let moved = assert_status(
        advance(&app, &m.enterprise.access_token, id, "intention").await,
        StatusCode::OK,
    )
    .await;
    assert!(moved["buyer_acted_at"].is_string() && moved["seller_acted_at"].is_null());
    assert!(can_read(&m.university, &demand_details).await);
    assert!(can_read(&m.broker, &demand_details).await);
    assert!(!can_read(&m.enterprise, &achievement_details).await);
    assert!(!can_read(&m.broker, &achievement_details).await);

    // The seller advances it: now the achievement opens too.
    let moved = assert_status(
        advance(&app, &m.university.access_token, id, "agreement").await,
        StatusCode::OK,
    )
    .await;
    assert!(moved["seller_acted_at"].is_string());
    assert!(can_read(&m.enterprise, &achievement_details).await);
    assert!(can_read(&m.broker, &achievement_details).await);

    // Verifying users is for administrators; withdrawing it takes the deal from the broker.
    let path = format!("/api/v1/admin/users/{}/verify", m.broker.user_id);
    assert_problem(
        app.post(
            &path,
            Some(&m.enterprise.access_token),
            json!({"verified": false}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let user = assert_status(
        app.post(
            &path,
            Some(&m.admin.access_token),
            json!({"verified": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(user["verified"], false);
    assert_problem(
        app.get(&format!("/api/v1/deals/{id}"), Some(&m.broker.access_token))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(!can_read(&m.broker, &achievement_details).await);
    app.verify_user(&m.admin, &m.broker).await;
    assert_status(
        app.get(&format!("/api/v1/deals/{id}"), Some(&m.broker.access_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(can_read(&m.broker, &achievement_details).await);
    assert_problem(
        app.post(
            "/api/v1/admin/users/no-such-user/verify",
            Some(&m.admin.access_token),
            json!({"verified": true}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
