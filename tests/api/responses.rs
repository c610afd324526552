//! Answers to demands (院校答题) end to end: who may answer, who sees what, the state rules,
//! acceptance into a deal at `intention`, and open calls (揭榜挂帅).

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const PROPOSAL: &str = "我校团队有成熟的电池低温预热与分段快充控制算法，已在储能项目中验证，可在三个月内完成样机适配。";

struct Market {
    enterprise: Session,
    university: Session,
    institute: Session,
    admin: Session,
    demand_id: String,
}

async fn market(app: &TestApp, reward_fen: Option<i64>) -> Market {
    let m = MarketBuilder::new(app)
        .enterprise(1)
        .university(2)
        .institute(3)
        .admin(1)
        .demand(sample_demand(1, reward_fen))
        .build()
        .await;
    Market {
        enterprise: m.enterprise().clone(),
        university: m.university().clone(),
        institute: m.institute().clone(),
        admin: m.admin().clone(),
        demand_id: m.demand_id(),
    }
}

fn responses_path(demand_id: &str) -> String {
    format!("/api/v1/demands/{demand_id}/responses")
}

fn move_path(demand_id: &str, response_id: &str, action: &str) -> String {
    format!("/api/v1/demands/{demand_id}/responses/{response_id}/{action}")
}

fn answer(app: &TestApp, who: &Session, demand_id: &str, body: Value) -> Call {
    app.as_user(who).post(responses_path(demand_id)).json(body)
}

async fn answered(app: &TestApp, who: &Session, demand_id: &str) -> Value {
    answer(app, who, demand_id, json!({"proposal": PROPOSAL})).expect(201).await
}

fn act(
    app: &TestApp,
    who: &Session,
    demand_id: &str,
    response_id: &str,
    action: &str,
    body: Value,
) -> Call {
    app.as_user(who).post(move_path(demand_id, response_id, action)).json(body)
}

async fn audit_actions(app: &TestApp, admin: &Session, entity_id: &str) -> Vec<String> {
    let page = app
        .as_user(admin)
        .get(format!("/api/v1/admin/audit?entity_id={entity_id}&limit=100"))
        .expect(200)
        .await;
    items_field(&page, "action")
}

/// A user of the given role who joins `org_owner`'s organization through an invite.
async fn colleague(app: &TestApp, org_owner: &Session, email: &str, role: &str) -> Session {
    let org = org_owner.organization_id.clone().unwrap();
    let invite = app
        .as_user(org_owner)
        .post(format!("/api/v1/organizations/{org}/invites"))
        .json(json!({"max_uses": 1}))
        .expect(201)
        .await;
    let registered = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": "同事", "role": role,
                   "invite_code": invite["code"]}),
        )
        .await;
    assert_status(registered, StatusCode::CREATED).await;
    app.session(email).await
}

#[tokio::test]
async fn an_accepted_answer_opens_a_deal_at_intention_between_the_demand_and_the_responder() {
    let app = spawn_app().await;
    let m = market(&app, None).await;
    let achievement =
        app.publish("achievements", &m.university, &m.admin, sample_achievement(1)).await;
    let achievement_id = achievement["id"].as_str().unwrap();
    let created = answer(
        &app,
        &m.university,
        &m.demand_id,
        json!({"proposal": PROPOSAL, "achievement_id": achievement_id,
                   "estimated_cost_fen": 15_000_000, "estimated_months": 6}),
    )
    .expect(201)
    .await;
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["achievement_id"], achievement_id);
    assert_eq!(created["responder_org_id"].as_str(), m.university.organization_id.as_deref());
    let response_id = created["id"].as_str().unwrap();

    // One live answer per organization: a colleague's second answer is refused, naming it.
    let colleague = colleague(&app, &m.university, "colleague@example.edu.cn", "university").await;
    let again =
        answer(&app, &colleague, &m.demand_id, json!({"proposal": PROPOSAL})).problem(409).await;
    assert_eq!(again["existing_id"], response_id);

    let other = answered(&app, &m.institute, &m.demand_id).await;
    let listed = app.as_user(&m.enterprise).get(responses_path(&m.demand_id)).expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert_eq!(listed["total"], 2, "{listed}");

    let shortlisted = act(&app, &m.enterprise, &m.demand_id, response_id, "shortlist", json!({}))
        .expect(200)
        .await;
    assert_eq!(shortlisted["status"], "shortlisted");
    let twice = act(&app, &m.enterprise, &m.demand_id, response_id, "shortlist", json!({}))
        .problem(409)
        .await;
    assert_eq!(twice["allowed"], json!(["declined", "accepted"]));
    let only_shortlisted = app
        .as_user(&m.enterprise)
        .get(format!("{}?status=shortlisted", responses_path(&m.demand_id)))
        .expect(200)
        .await;
    assert_eq!(only_shortlisted["items"][0]["id"], response_id);
    assert_eq!(only_shortlisted["items"].as_array().unwrap().len(), 1);

    let accepted = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        response_id,
        "accept",
        json!({"note": "请尽快安排技术交流", "version": shortlisted["version"]}),
    )
    .expect(200)
    .await;
    let deal = &accepted["deal"];
    assert_eq!(accepted["response"]["status"], "accepted");
    assert_eq!(accepted["response"]["deal_id"], deal["id"]);
    assert_eq!(accepted["auto_declined"], json!([]));
    assert_eq!(deal["stage"], "intention");
    assert_eq!(deal["source"], "response");
    assert_eq!(deal["response_id"], response_id);
    assert_eq!(deal["demand_id"], m.demand_id.as_str());
    assert_eq!(deal["achievement_id"], achievement_id);
    assert_eq!(deal["buyer_org_id"].as_str(), m.enterprise.organization_id.as_deref());
    assert_eq!(deal["seller_org_id"].as_str(), m.university.organization_id.as_deref());
    let accept_again =
        act(&app, &m.enterprise, &m.demand_id, response_id, "accept", json!({})).problem(409).await;
    assert_eq!(accept_again["allowed"], json!([]));

    // Not an open call: another answer may be accepted as well (a deal without achievement).
    let second =
        act(&app, &m.enterprise, &m.demand_id, other["id"].as_str().unwrap(), "accept", json!({}))
            .expect(200)
            .await;
    assert_eq!(second["deal"]["stage"], "intention");
    assert!(second["deal"]["achievement_id"].is_null());

    // The responder sees the deal its answer opened.
    let seen = app
        .as_user(&m.university)
        .get(format!("/api/v1/deals/{}", deal["id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(seen["stage"], "intention");

    // Each side is told: the enterprise of the answers, the university of their fate.
    let enterprise_told = app.as_user(&m.enterprise).get("/api/v1/notifications").expect(200).await;
    let kinds = items_field(&enterprise_told, "kind");
    assert_eq!(kinds.iter().filter(|k| *k == "answer_received").count(), 2, "{kinds:?}");
    let university_told = app.as_user(&m.university).get("/api/v1/notifications").expect(200).await;
    let titles = items_field(&university_told, "title");
    assert!(titles.iter().any(|t| t.contains("已入围")), "{titles:?}");
    assert!(titles.iter().any(|t| t.contains("已被采纳")), "{titles:?}");
    let actions = audit_actions(&app, &m.admin, response_id).await;
    for action in ["demand_response.create", "demand_response.shortlist", "demand_response.accept"]
    {
        assert!(actions.contains(&action.to_string()), "{actions:?}");
    }
}

#[tokio::test]
async fn rivals_never_see_or_move_others_answers() {
    let app = spawn_app().await;
    let m = market(&app, None).await;
    let created = answered(&app, &m.university, &m.demand_id).await;
    let id = created["id"].as_str().unwrap();
    let one = format!("{}/{id}", responses_path(&m.demand_id));

    // The rival institute: 403 on the list, 404 on the answer and its moves.
    let rival = &m.institute;
    app.as_user(rival).get(responses_path(&m.demand_id)).problem(403).await;
    app.as_user(rival).get(&one).problem(404).await;
    for action in ["shortlist", "withdraw", "accept"] {
        act(&app, rival, &m.demand_id, id, action, json!({})).problem(404).await;
    }
    let rivals_own = app.as_user(rival).get("/api/v1/me/responses").expect(200).await;
    assert_eq!(rivals_own["items"], json!([]));
    app.anon().get(responses_path(&m.demand_id)).problem(401).await;

    // The responder and its organization see it; the demand's side sees it; nobody plays
    // the other side's part.
    for viewer in [&m.university, &m.enterprise, &m.admin] {
        let seen = app.as_user(viewer).get(&one).expect(200).await;
        assert_eq!(seen["id"], id);
    }
    let mine = app
        .as_user(&m.university)
        .get(format!("/api/v1/me/responses?status=submitted&demand_id={}", m.demand_id))
        .expect(200)
        .await;
    assert_eq!(mine["items"][0]["id"], id);
    // Lists carry the names people read: the demand's title and who answered.
    assert!(mine["items"][0]["demand_title"].is_string(), "{mine}");
    let listed = app.as_user(&m.enterprise).get(responses_path(&m.demand_id)).expect(200).await;
    assert!(listed["items"][0]["responder_org_name"].is_string(), "{listed}");
    assert_eq!(listed["items"][0]["demand_title"], mine["items"][0]["demand_title"]);
    let colleague = colleague(&app, &m.university, "peer@example.edu.cn", "university").await;
    let org_view = app.as_user(&colleague).get("/api/v1/me/responses").expect(200).await;
    assert_eq!(org_view["items"][0]["id"], id);
    act(&app, &m.university, &m.demand_id, id, "shortlist", json!({})).problem(403).await;
    act(&app, &m.enterprise, &m.demand_id, id, "withdraw", json!({})).problem(403).await;
    app.as_user(&m.university).get(responses_path(&m.demand_id)).problem(403).await;
    let admin_list = app.as_user(&m.admin).get(responses_path(&m.demand_id)).expect(200).await;
    assert_eq!(admin_list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_universities_institutes_and_experts_with_an_organization_answer_open_demands() {
    let app = spawn_app().await;
    let m = market(&app, None).await;
    let enterprise2 = app.enterprise(4).await;
    let broker = app.broker(1).await;
    for who in [&enterprise2, &broker] {
        answer(&app, who, &m.demand_id, json!({"proposal": PROPOSAL})).problem(403).await;
    }
    let lone_expert = app.person("expert@example.com", "expert").await;
    let refused =
        answer(&app, &lone_expert, &m.demand_id, json!({"proposal": PROPOSAL})).problem(403).await;
    assert!(refused["detail"].as_str().unwrap().contains("机构"), "{refused}");
    let expert = colleague(&app, &m.institute, "expert@example.ac.cn", "expert").await;
    let by_expert = answered(&app, &expert, &m.demand_id).await;
    assert_eq!(by_expert["responder_org_id"].as_str(), m.institute.organization_id.as_deref());
    // An expert of the demand's own enterprise cannot answer it.
    let insider = colleague(&app, &m.enterprise, "insider@example.com", "expert").await;
    answer(&app, &insider, &m.demand_id, json!({"proposal": PROPOSAL})).problem(403).await;

    // Bad fields: each named.
    let bad = answer(
        &app,
        &m.university,
        &m.demand_id,
        json!({"proposal": "太短", "estimated_cost_fen": -1, "estimated_months": 0}),
    )
    .problem(422)
    .await;
    let mut fields = error_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["estimated_cost_fen", "estimated_months", "proposal"]);
    let unknown =
        answer(&app, &m.university, &m.demand_id, json!({"proposal": PROPOSAL, "reward": 1}))
            .send()
            .await;
    assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await;

    // The offered achievement must be a published record of the responder's organization.
    let others = app.publish("achievements", &m.institute, &m.admin, sample_achievement(2)).await;
    let draft = app
        .as_user(&m.university)
        .post("/api/v1/achievements")
        .json(sample_achievement(3))
        .expect(201)
        .await;
    for (id, code) in [
        (others["id"].as_str().unwrap(), "wrong_owner"),
        (draft["id"].as_str().unwrap(), "not_published"),
        ("0190aaaa-0000-7000-8000-000000000000", "not_found"),
    ] {
        let problem = answer(
            &app,
            &m.university,
            &m.demand_id,
            json!({"proposal": PROPOSAL, "achievement_id": id}),
        )
        .problem(422)
        .await;
        assert_eq!(problem["errors"][0]["field"], "achievement_id");
        assert_eq!(problem["errors"][0]["code"], code);
    }

    // Unpublished demands are not found; closed ones and ones past their deadline are not open.
    let draft_demand = app
        .as_user(&m.enterprise)
        .post("/api/v1/demands")
        .json(sample_demand(2, None))
        .expect(201)
        .await;
    answer(
        &app,
        &m.university,
        draft_demand["id"].as_str().unwrap(),
        json!({"proposal": PROPOSAL}),
    )
    .problem(404)
    .await;
    let late = app.publish("demands", &m.enterprise, &m.admin, sample_demand(3, None)).await;
    let late_id = late["id"].as_str().unwrap().to_string();
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        use techmarket::db::schema::demands;
        let mut conn = db.get().unwrap();
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        diesel::update(demands::table.find(&late_id))
            .set(demands::deadline.eq(Some(yesterday)))
            .execute(&mut *conn)
            .unwrap();
    })
    .await
    .unwrap();
    let past =
        answer(&app, &m.university, late["id"].as_str().unwrap(), json!({"proposal": PROPOSAL}))
            .problem(409)
            .await;
    assert!(past["detail"].as_str().unwrap().contains("截止日期"), "{past}");
    app.as_user(&m.enterprise)
        .post(format!("/api/v1/demands/{}/close", m.demand_id))
        .json(json!({"reason": "已解决"}))
        .expect(200)
        .await;
    answer(&app, &m.university, &m.demand_id, json!({"proposal": PROPOSAL})).problem(409).await;
    // A closed demand accepts no answer either.
    let closed = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        by_expert["id"].as_str().unwrap(),
        "accept",
        json!({}),
    )
    .problem(409)
    .await;
    assert!(closed["detail"].as_str().unwrap().contains("已关闭"), "{closed}");
}

#[tokio::test]
async fn declines_carry_a_coded_reason_and_responders_withdraw_their_own() {
    let app = spawn_app().await;
    let m = market(&app, None).await;
    let created = answered(&app, &m.university, &m.demand_id).await;
    let id = created["id"].as_str().unwrap();

    let no_note = act(&app, &m.enterprise, &m.demand_id, id, "decline", json!({"reason": "other"}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&no_note), ["note"]);
    let reserved = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        id,
        "decline",
        json!({"reason": "another_solution_chosen"}),
    )
    .problem(422)
    .await;
    assert_eq!(error_fields(&reserved), ["reason"]);
    let missing =
        act(&app, &m.enterprise, &m.demand_id, id, "decline", json!({})).problem(422).await;
    assert_eq!(error_fields(&missing), ["reason"]);
    let stale = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        id,
        "decline",
        json!({"reason": "price_gap", "version": 7}),
    )
    .problem(409)
    .await;
    assert_eq!(stale["current_version"], 1);
    let declined = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        id,
        "decline",
        json!({"reason": "price_gap", "note": "报价高于预算", "version": 1}),
    )
    .expect(200)
    .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_reason"], "price_gap");
    assert_eq!(declined["decline_note"], "报价高于预算");
    let after_decline =
        act(&app, &m.enterprise, &m.demand_id, id, "accept", json!({})).problem(409).await;
    assert_eq!(after_decline["allowed"], json!([]));
    act(&app, &m.university, &m.demand_id, id, "withdraw", json!({})).problem(409).await;

    // A declined answer is not live: the university may answer again, then withdraw it.
    let second = answered(&app, &m.university, &m.demand_id).await;
    let second_id = second["id"].as_str().unwrap();
    let withdrawn =
        act(&app, &m.university, &m.demand_id, second_id, "withdraw", json!({})).expect(200).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    let shortlist_withdrawn =
        act(&app, &m.enterprise, &m.demand_id, second_id, "shortlist", json!({}))
            .problem(409)
            .await;
    assert_eq!(shortlist_withdrawn["allowed"], json!([]));

    // An accepted answer cannot be withdrawn.
    let third = answered(&app, &m.university, &m.demand_id).await;
    let third_id = third["id"].as_str().unwrap();
    act(&app, &m.enterprise, &m.demand_id, third_id, "accept", json!({})).expect(200).await;
    act(&app, &m.university, &m.demand_id, third_id, "withdraw", json!({})).problem(409).await;

    let listed = app
        .as_user(&m.enterprise)
        .get(format!("{}?status=declined", responses_path(&m.demand_id)))
        .expect(200)
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(
        audit_actions(&app, &m.admin, id).await.contains(&"demand_response.decline".to_string())
    );
    assert!(
        audit_actions(&app, &m.admin, second_id)
            .await
            .contains(&"demand_response.withdraw".to_string())
    );
}

#[tokio::test]
async fn an_open_call_names_one_winner_and_declines_the_other_answers() {
    let app = spawn_app().await;
    let m = market(&app, Some(100_000_000)).await;
    let third = app.university(5).await;
    let winner = answered(&app, &m.university, &m.demand_id).await;
    let shortlisted = answered(&app, &m.institute, &m.demand_id).await;
    let submitted = answered(&app, &third, &m.demand_id).await;
    let winner_id = winner["id"].as_str().unwrap();
    let shortlisted_id = shortlisted["id"].as_str().unwrap();
    let submitted_id = submitted["id"].as_str().unwrap();
    act(&app, &m.enterprise, &m.demand_id, shortlisted_id, "shortlist", json!({}))
        .expect(200)
        .await;
    let broker = app.broker(1).await;
    let accepted = act(
        &app,
        &m.enterprise,
        &m.demand_id,
        winner_id,
        "accept",
        json!({"broker_id": broker.user_id}),
    )
    .expect(200)
    .await;
    assert_eq!(accepted["deal"]["broker_id"], broker.user_id.as_str());
    let mut declined: Vec<&str> =
        accepted["auto_declined"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    declined.sort();
    let mut expected = vec![shortlisted_id, submitted_id];
    expected.sort();
    assert_eq!(declined, expected);
    for id in [shortlisted_id, submitted_id] {
        let seen = app
            .as_user(&m.enterprise)
            .get(format!("{}/{id}", responses_path(&m.demand_id)))
            .expect(200)
            .await;
        assert_eq!(seen["status"], "declined");
        assert_eq!(seen["decline_reason"], "another_solution_chosen");
        assert!(
            audit_actions(&app, &m.admin, id)
                .await
                .contains(&"demand_response.decline".to_string())
        );
    }
    // The losers see why.
    let losers_view = app.as_user(&third).get("/api/v1/me/responses").expect(200).await;
    assert_eq!(losers_view["items"][0]["decline_reason"], "another_solution_chosen");

    // No second winner, and no new answers once the winner is named.
    act(&app, &m.enterprise, &m.demand_id, submitted_id, "accept", json!({})).problem(409).await;
    let late = app.institute(6).await;
    let closed =
        answer(&app, &late, &m.demand_id, json!({"proposal": PROPOSAL})).problem(409).await;
    assert_eq!(closed["existing_id"], winner_id);

    // A broker that is not a broker is a bad field, and nothing changes.
    let m2 = market_on(&app, &m, 7).await;
    let answer2 = answered(&app, &m.university, &m2).await;
    let bad_broker = act(
        &app,
        &m.enterprise,
        &m2,
        answer2["id"].as_str().unwrap(),
        "accept",
        json!({"broker_id": m.university.user_id}),
    )
    .problem(422)
    .await;
    assert_eq!(error_fields(&bad_broker), ["broker_id"]);
    let unchanged = app
        .as_user(&m.enterprise)
        .get(format!("{}/{}", responses_path(&m2), answer2["id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(unchanged["status"], "submitted");
}

/// Another published open call of the market's enterprise.
async fn market_on(app: &TestApp, m: &Market, n: u32) -> String {
    let demand =
        app.publish("demands", &m.enterprise, &m.admin, sample_demand(n, Some(5_000_000))).await;
    demand["id"].as_str().unwrap().to_string()
}
