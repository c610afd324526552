//! Matchmaking events (对接会) end to end: creating and editing them, collecting records in
//! bulk, registering participants, and the report — down to the bureau's published figures.

use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn event_body(name: &str, region: &str, starts: &str, ends: &str) -> Value {
    json!({"name": name, "description": "线上发布成果与需求，现场对接", "starts_at": starts,
           "ends_at": ends, "region_code": region, "online": true})
}

async fn create_event(app: &TestApp, who: &Session, body: Value) -> Value {
    app.as_user(who).post("/api/v1/events").json(body).expect(201).await
}

async fn an_event(app: &TestApp, who: &Session) -> String {
    let event = create_event(
        app,
        who,
        event_body(
            "2026年在线科技成果对接会",
            "330106",
            "2026-12-01T01:00:00Z",
            "2026-12-03T09:00:00Z",
        ),
    )
    .await;
    event["id"].as_str().unwrap().to_string()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn report(app: &TestApp, who: &Session, event: &str) -> Value {
    app.as_user(who).get(format!("/api/v1/events/{event}/report")).expect(200).await
}

#[tokio::test]
async fn admins_and_brokers_create_events_the_public_lists_them_and_creators_edit_them() {
    let app = spawn_app().await;
    let broker = app.broker(1).await;
    let other_broker = app.broker(2).await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(1).await;
    let hangzhou = create_event(
        &app,
        &broker,
        event_body("杭州成果对接会", "330106", "2026-12-01T01:00:00Z", "2026-12-01T09:00:00Z"),
    )
    .await;
    assert_eq!(hangzhou["version"], 1);
    assert_eq!(hangzhou["anonymous_attendance"], 0);
    assert_eq!(hangzhou["created_by"], broker.user_id.as_str());
    let beijing = create_event(
        &app,
        &admin,
        event_body("北京专场", "110108", "2027-03-01T01:00:00Z", "2027-03-02T09:00:00Z"),
    )
    .await;
    let body = event_body("企业不能办", "330106", "2026-12-01T01:00:00Z", "2026-12-01T09:00:00Z");
    app.as_user(&enterprise).post("/api/v1/events").json(body.clone()).problem(403).await;
    app.anon().post("/api/v1/events").json(body).problem(401).await;
    let bad = app
        .as_user(&broker)
        .post("/api/v1/events")
        .json(event_body("x", "999999", "2026-12-02T00:00:00Z", "2026-12-01T00:00:00Z"))
        .problem(422)
        .await;
    let mut fields = error_fields(&bad);
    fields.sort();
    assert_eq!(fields, ["ends_at", "name", "region_code"]);
    let bad_time = app
        .as_user(&broker)
        .post("/api/v1/events")
        .json(event_body("坏时间", "330106", "tomorrow", "2026-12-01T00:00:00Z"))
        .problem(422)
        .await;
    assert_eq!(error_fields(&bad_time), ["starts_at"]);

    // The public list: latest start first, by region and time window, paged.
    let all = app.anon().get("/api/v1/events").expect(200).await;
    let ids: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [id(&beijing), id(&hangzhou)]);
    let zhejiang = app.anon().get("/api/v1/events?region=33").expect(200).await;
    assert_eq!(zhejiang["items"].as_array().unwrap().len(), 1);
    assert_eq!(zhejiang["items"][0]["id"], id(&hangzhou));
    let window = app
        .anon()
        .get("/api/v1/events?from=2027-01-01T00:00:00Z&to=2027-12-31T00:00:00Z")
        .expect(200)
        .await;
    assert_eq!(window["items"].as_array().unwrap().len(), 1);
    assert_eq!(window["items"][0]["id"], id(&beijing));
    let first = app.anon().get("/api/v1/events?limit=1").expect(200).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second =
        app.anon().get(format!("/api/v1/events?limit=1&cursor={cursor}")).expect(200).await;
    assert_eq!(second["items"][0]["id"], id(&hangzhou));
    assert!(second["next_cursor"].is_null());
    for bad_query in [
        "region=3a",
        "from=2027-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        "from=yesterday",
        "cursor=junk",
    ] {
        app.anon().get(format!("/api/v1/events?{bad_query}")).problem(422).await;
    }
    let one = app.get(&format!("/api/v1/events/{}", id(&hangzhou)), None).await;
    assert_eq!(one.headers().get("etag").unwrap(), "\"1\"");
    app.anon().get("/api/v1/events/nope").problem(404).await;

    // Edits: the creator or an administrator, based on a version.
    let path = format!("/api/v1/events/{}", id(&hangzhou));
    app.as_user(&other_broker)
        .patch(&path)
        .json(json!({"name": "改名", "version": 1}))
        .problem(403)
        .await;
    app.as_user(&broker).patch(&path).json(json!({"name": "改名"})).problem(428).await;
    app.as_user(&broker)
        .patch(&path)
        .json(json!({"ends_at": "2026-11-30T00:00:00Z", "version": 1}))
        .problem(422)
        .await;
    let edited = app
        .as_user(&broker)
        .patch(&path)
        .json(json!({"name": "杭州成果对接会（第二场）", "online": false, "version": 1}))
        .expect(200)
        .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["online"], false);
    let stale = app
        .as_user(&admin)
        .patch(&path)
        .json(json!({"description": "", "version": 1}))
        .problem(409)
        .await;
    assert_eq!(stale["current_version"], 2);
    let cleared = app
        .as_user(&admin)
        .patch(&path)
        .json(json!({"description": "", "version": 2}))
        .expect(200)
        .await;
    assert!(cleared["description"].is_null());
}

#[tokio::test]
async fn events_collect_published_records_in_bulk_from_organizers_and_owners() {
    let app = spawn_app().await;
    let broker = app.broker(1).await;
    let admin = app.admin(1).await;
    let university = app.university(1).await;
    let institute = app.institute(2).await;
    let enterprise = app.enterprise(3).await;
    let event = an_event(&app, &broker).await;
    let mine = id(&app.publish("achievements", &university, &admin, sample_achievement(1)).await);
    let theirs = id(&app.publish("achievements", &institute, &admin, sample_achievement(2)).await);
    let draft = id(&app
        .as_user(&university)
        .post("/api/v1/achievements")
        .json(sample_achievement(3))
        .expect(201)
        .await);
    let demand = id(&app.publish("demands", &enterprise, &admin, sample_demand(1, None)).await);
    let achievements = format!("/api/v1/events/{event}/achievements");
    let demands = format!("/api/v1/events/{event}/demands");

    let added = app
        .as_user(&broker)
        .post(&achievements)
        .json(json!({"ids": [mine, theirs, mine]}))
        .expect(200)
        .await;
    assert_eq!(added, json!({"added": 2, "already_collected": 0, "total": 2}));
    let again =
        app.as_user(&broker).post(&achievements).json(json!({"ids": [theirs]})).expect(200).await;
    assert_eq!(again, json!({"added": 0, "already_collected": 1, "total": 2}));

    let bad = app
        .as_user(&broker)
        .post(&achievements)
        .json(json!({"ids": [mine, draft, "0190aaaa-0000-7000-8000-000000000000", demand]}))
        .problem(422)
        .await;
    let errors: Vec<(String, String)> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (e["field"].as_str().unwrap().to_string(), e["code"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        errors,
        [
            // Another organization's draft answers exactly like an unknown id.
            ("ids[1]".to_string(), "not_found".to_string()),
            ("ids[2]".to_string(), "not_found".to_string()),
            ("ids[3]".to_string(), "not_found".to_string()),
        ]
    );
    // Its owner learns that it is not published yet.
    let own = app
        .as_user(&university)
        .post(&achievements)
        .json(json!({"ids": [draft]}))
        .problem(422)
        .await;
    assert_eq!(own["errors"][0]["code"], "not_published");
    app.as_user(&broker).post(&achievements).json(json!({"ids": []})).problem(422).await;
    let too_many: Vec<String> = (0..2001).map(|i| format!("id-{i}")).collect();
    let over =
        app.as_user(&broker).post(&achievements).json(json!({"ids": too_many})).problem(422).await;
    assert_eq!(over["errors"][0]["code"], "too_many");

    // Owners add their own records, and only those.
    let other_event = an_event(&app, &admin).await;
    let own = app
        .as_user(&university)
        .post(format!("/api/v1/events/{other_event}/achievements"))
        .json(json!({"ids": [mine]}))
        .expect(200)
        .await;
    assert_eq!(own["added"], 1);
    app.as_user(&university)
        .post(format!("/api/v1/events/{other_event}/achievements"))
        .json(json!({"ids": [mine, theirs]}))
        .problem(403)
        .await;
    app.as_user(&enterprise).post(&demands).json(json!({"ids": [demand]})).expect(200).await;
    app.anon().post(&demands).json(json!({"ids": [demand]})).problem(401).await;
    app.as_user(&admin)
        .post("/api/v1/events/nope/demands")
        .json(json!({"ids": [demand]}))
        .problem(404)
        .await;

    // The public lists show what is still published.
    let listed = app.anon().get(&achievements).expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    assert!(listed["items"][0]["title"].is_string());
    app.as_user(&institute)
        .act(format!("/api/v1/achievements/{theirs}/withdraw"))
        .expect(200)
        .await;
    let after = app.anon().get(&achievements).expect(200).await;
    assert_eq!(after["items"].as_array().unwrap().len(), 1);
    assert_eq!(after["items"][0]["id"], mine.as_str());
    let paged = app.anon().get(format!("{demands}?limit=1")).expect(200).await;
    assert_eq!(paged["items"][0]["id"], demand.as_str());
    let figures = report(&app, &broker, &event).await;
    assert_eq!(figures["achievements"], 2, "collected records stay counted");
    assert_eq!(figures["demands"], 1);
}

#[tokio::test]
async fn people_register_themselves_and_organizers_register_everyone() {
    let app = spawn_app().await;
    let broker = app.broker(1).await;
    let other_broker = app.broker(2).await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(1).await;
    let university = app.university(2).await;
    let event = an_event(&app, &broker).await;
    let path = format!("/api/v1/events/{event}/participants");
    let own_org = enterprise.organization_id.clone().unwrap();
    let uni_org = university.organization_id.clone().unwrap();

    let registered = app
        .as_user(&enterprise)
        .post(&path)
        .json(json!({"organizations": [own_org], "people": [{"user_id": enterprise.user_id}]}))
        .expect(200)
        .await;
    assert_eq!(registered["organizations_added"], 1);
    assert_eq!(registered["people_added"], 1);
    let twice = app
        .as_user(&enterprise)
        .post(&path)
        .json(json!({"organizations": [own_org], "people": [{"user_id": enterprise.user_id}]}))
        .expect(200)
        .await;
    assert_eq!(twice["organizations_added"], 0);
    assert_eq!(twice["people_added"], 0);
    assert_eq!(twice["already_registered"], 2);
    for body in [
        json!({"organizations": [uni_org]}),
        json!({"people": [{"user_id": university.user_id}]}),
        json!({"people": [{"name": "张三"}]}),
        json!({"anonymous_attendance": 5}),
    ] {
        app.as_user(&enterprise).post(&path).json(body).problem(403).await;
    }
    for (body, field) in [
        (json!({}), "body"),
        (
            json!({"organizations": [uni_org, "0190aaaa-0000-7000-8000-000000000000"]}),
            "organizations[1]",
        ),
        (
            json!({"people": [{"user_id": "0190aaaa-0000-7000-8000-000000000000"}]}),
            "people[0].user_id",
        ),
        (json!({"people": [{"user_id": university.user_id, "name": "李四"}]}), "people[0]"),
        (json!({"people": [{"name": " "}]}), "people[0].name"),
        (json!({"anonymous_attendance": -1}), "anonymous_attendance"),
    ] {
        let problem = app.as_user(&broker).post(&path).json(body).problem(422).await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let by_organizer = app.as_user(&broker).post(&path).json(json!({"organizations": [uni_org, own_org],
                   "people": [{"user_id": university.user_id}, {"name": "王五", "organization_name": "某研究所"},
                              {"name": "赵六"}, {"user_id": university.user_id}],
                   "anonymous_attendance": 120})).expect(200).await;
    assert_fields(
        &by_organizer,
        json!({"organizations_added": 1, "people_added": 3, "organizations": 2, "people": 4,
               "anonymous_attendance": 120, "participants": 124}),
    );
    let more =
        app.as_user(&admin).post(&path).json(json!({"anonymous_attendance": 80})).expect(200).await;
    assert_eq!(more["participants"], 204);

    let figures = report(&app, &other_broker, &event).await;
    assert_eq!(
        figures["participants"],
        json!({"total": 204, "people": 4, "anonymous_attendance": 200, "organizations": 2})
    );
    report(&app, &admin, &event).await;
    app.as_user(&enterprise).get(format!("/api/v1/events/{event}/report")).problem(403).await;
    app.anon().get(format!("/api/v1/events/{event}/report")).problem(401).await;
    assert_eq!(
        app.audit_entries(&admin, format!("entity_id={event}&action=event.register_participants"))
            .await
            .len(),
        3
    );
}

/// Opens a deal of the event between a demand and an achievement, as `who`.
async fn open_deal(
    app: &TestApp,
    who: &Session,
    event: &str,
    demand: &(String, String),
    achievement: &(String, String),
) -> Value {
    app.as_user(who)
        .post("/api/v1/deals")
        .json(json!({"demand_id": demand.0, "achievement_id": achievement.0,
                   "buyer_org_id": demand.1, "seller_org_id": achievement.1,
                   "event_id": event, "source": "event"}))
        .expect(201)
        .await
}

async fn advance(app: &TestApp, who: &Session, deal: &str, to: &str) {
    app.as_user(who)
        .post(format!("/api/v1/deals/{deal}/advance"))
        .json(json!({"to": to}))
        .expect(200)
        .await;
}

/// Inserts a contract row for a deal (the contracts API is another module's; the report only
/// reads the table).
fn insert_contract(
    conn: &mut techmarket::db::DbConnection,
    deal: &str,
    created_by: &str,
    registration: Option<&str>,
    amount: i64,
    technology: i64,
) {
    use techmarket::db::schema::contracts::dsl as c;
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let stamp = chrono::Utc::now().naive_utc();
    diesel::insert_into(c::contracts)
        .values((
            c::id.eq(uuid::Uuid::now_v7().to_string()),
            c::deal_id.eq(deal),
            c::name.eq("锂电池正极材料技术转让合同"),
            c::contract_type.eq("transfer"),
            c::buyer_name.eq("买方"),
            c::buyer_country.eq("CN"),
            c::buyer_entity_kind.eq("enterprise"),
            c::seller_name.eq("卖方"),
            c::seller_country.eq("CN"),
            c::seller_entity_kind.eq("university"),
            c::technology_field.eq("new_energy"),
            c::ip_type.eq("invention_patent"),
            c::plan_category.eq("none"),
            c::signed_on.eq(day),
            c::valid_from.eq(day),
            c::valid_to.eq(day + chrono::Duration::days(365)),
            c::amount_fen.eq(amount),
            c::non_technical_costs.eq("[]"),
            c::non_technical_fen.eq(amount - technology),
            c::technology_amount_fen.eq(technology),
            c::status.eq(if registration.is_some() { "registered" } else { "submitted" }),
            c::registration_number.eq(registration),
            c::created_by.eq(created_by),
            c::created_at.eq(stamp),
            c::updated_at.eq(stamp),
        ))
        .execute(conn)
        .unwrap();
}

#[tokio::test]
async fn the_report_counts_deals_by_furthest_stage_and_registered_contracts() {
    let app = spawn_app().await;
    let broker = app.broker(1).await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(1).await;
    let university = app.university(2).await;
    let event = an_event(&app, &broker).await;
    let buyer = enterprise.organization_id.clone().unwrap();
    let seller = university.organization_id.clone().unwrap();
    let mut demands = Vec::new();
    let mut achievements = Vec::new();
    for n in 1..=4 {
        let d = app.publish("demands", &enterprise, &admin, sample_demand(n, None)).await;
        demands.push((id(&d), buyer.clone()));
        let a = app.publish("achievements", &university, &admin, sample_achievement(n)).await;
        achievements.push((id(&a), seller.clone()));
    }
    let mut deals = Vec::new();
    for i in 0..4 {
        deals.push(id(&open_deal(&app, &admin, &event, &demands[i], &achievements[i]).await));
    }
    // A deal of no event does not count.
    let outside = app
        .post(
            "/api/v1/deals",
            Some(&admin.access_token),
            json!({"demand_id": demands[0].0, "achievement_id": achievements[1].0,
                   "buyer_org_id": buyer, "seller_org_id": seller, "source": "direct"}),
        )
        .await;
    assert_status(outside, StatusCode::CREATED).await;
    advance(&app, &admin, &deals[0], "intention").await;
    advance(&app, &admin, &deals[0], "agreement").await;
    advance(&app, &admin, &deals[1], "intention").await;
    app.as_user(&admin)
        .post(format!("/api/v1/deals/{}/lose", deals[1]))
        .json(json!({"reason": "price_gap"}))
        .expect(200)
        .await;
    app.as_user(&admin)
        .post(format!("/api/v1/deals/{}/lose", deals[2]))
        .json(json!({"reason": "too_early"}))
        .expect(200)
        .await;
    let db = app.state.db.clone();
    let (first, second, creator) = (deals[0].clone(), deals[3].clone(), admin.user_id.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        insert_contract(
            &mut conn,
            &first,
            &creator,
            Some("2633010600001"),
            300_000_000,
            250_000_000,
        );
        insert_contract(
            &mut conn,
            &second,
            &creator,
            Some("2633010600002"),
            50_000_000,
            50_000_000,
        );
        insert_contract(&mut conn, &second, &creator, None, 999_000_000, 999_000_000);
    })
    .await
    .unwrap();
    let figures = report(&app, &broker, &event).await;
    assert_eq!(
        figures["funnel"],
        json!({"connections": 4, "intentions": 2, "agreements": 1, "signed": 0, "lost": 2})
    );
    assert_eq!(
        figures["contracts"],
        json!({"count": 2, "registered": 2, "amount_fen": 350_000_000, "technology_amount_fen": 300_000_000})
    );
    assert_eq!(figures["name"], "2026年在线科技成果对接会");
}

/// NDJSON import of generated records, published, for an organization; returns their ids.
async fn import(
    app: &TestApp,
    admin: &Session,
    library: &str,
    org: &str,
    lines: Vec<Value>,
) -> Vec<String> {
    let body = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let report = app
        .as_user(admin)
        .post(format!("/api/v1/{library}/import?org_id={org}&publish=true"))
        .body("application/x-ndjson", body)
        .expect(201)
        .await;
    report["ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

/// Runs requests 16 at a time.
async fn in_chunks<T: Clone, F, Fut>(items: &[T], run: F)
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for chunk in items.chunks(16) {
        join_all(chunk.iter().cloned().map(&run)).await;
    }
}

/// The bureau's online matchmaking conference: 23,983 participants, 1,300 achievements and
/// 754 demands collected, 963 connections, 442 intentions, 206 agreements.
#[tokio::test]
async fn the_report_reproduces_the_bureaus_online_matchmaking_conference() {
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let broker = app.broker(1).await;
    let enterprise = app.enterprise(1).await;
    let university = app.university(2).await;
    let institute = app.institute(3).await;
    let buyer = enterprise.organization_id.clone().unwrap();
    let seller = university.organization_id.clone().unwrap();
    let event = an_event(&app, &broker).await;

    let achievements =
        import(&app, &admin, "achievements", &seller, (0..1300).map(sample_achievement).collect())
            .await;
    let demands =
        import(&app, &admin, "demands", &buyer, (0..754).map(|n| sample_demand(n, None)).collect())
            .await;
    assert_eq!((achievements.len(), demands.len()), (1300, 754));
    let collected = app
        .as_user(&broker)
        .post(format!("/api/v1/events/{event}/achievements"))
        .json(json!({"ids": achievements}))
        .expect(200)
        .await;
    assert_eq!(collected["added"], 1300);
    let collected = app
        .as_user(&broker)
        .post(format!("/api/v1/events/{event}/demands"))
        .json(json!({"ids": demands}))
        .expect(200)
        .await;
    assert_eq!(collected["added"], 754);

    // Participants: three organizations, two users who register themselves, three guests,
    // and the anonymous online audience.
    let path = format!("/api/v1/events/{event}/participants");
    for who in [&enterprise, &university] {
        app.as_user(who).post(&path).json(json!({"organizations": [who.organization_id], "people": [{"user_id": who.user_id}]})).expect(200).await;
    }
    let totals = app.as_user(&broker).post(&path).json(json!({"organizations": [institute.organization_id],
                   "people": [{"name": "陈工", "organization_name": "某装备公司"}, {"name": "刘老师"}, {"name": "周经理"}],
                   "anonymous_attendance": 23_978})).expect(200).await;
    assert_eq!(totals["participants"], 23_983);

    // 963 connections on distinct pairs; 442 reach intention, 206 of them agreement.
    let pairs: Vec<usize> = (0..963).collect();
    let deal_ids = std::sync::Mutex::new(vec![String::new(); 963]);
    in_chunks(&pairs, |i| {
        let demand = (demands[i % demands.len()].clone(), buyer.clone());
        let achievement = (achievements[i].clone(), seller.clone());
        let (app, admin, event, deal_ids) = (&app, &admin, &event, &deal_ids);
        async move {
            let deal = open_deal(app, admin, event, &demand, &achievement).await;
            deal_ids.lock().unwrap()[i] = id(&deal);
        }
    })
    .await;
    let deal_ids = deal_ids.into_inner().unwrap();
    for (count, stage) in [(442, "intention"), (206, "agreement")] {
        in_chunks(&deal_ids[..count], |deal| {
            let (app, admin) = (&app, &admin);
            async move { advance(app, admin, &deal, stage).await }
        })
        .await;
    }

    let figures = report(&app, &broker, &event).await;
    assert_eq!(
        figures["participants"],
        json!({"total": 23_983, "people": 5, "anonymous_attendance": 23_978, "organizations": 3})
    );
    assert_eq!(figures["achievements"], 1300);
    assert_eq!(figures["demands"], 754);
    assert_eq!(
        figures["funnel"],
        json!({"connections": 963, "intentions": 442, "agreements": 206, "signed": 0, "lost": 0})
    );
    assert_eq!(
        figures["contracts"],
        json!({"count": 0, "registered": 0, "amount_fen": 0, "technology_amount_fen": 0})
    );
}
