//! Market statistics end to end: a market built through the API (organizations in three
//! cities of two provinces, listings in the four libraries, deals at every stage, registered
//! contracts of every type this year and last), every figure checked against totals computed
//! by hand, and who may read which slice.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Today on the registry's calendar (China Standard Time), as the figures count days.
fn today() -> NaiveDate {
    techmarket::stats::params::today()
}

fn org(session: &Session) -> String {
    session.organization_id.clone().expect("organization")
}

/// A user with a new organization of `kind` in `region`.
async fn member(app: &TestApp, n: u32, role: &str, kind: &str, region: &str) -> Session {
    let email = format!("stats{n}@example.com");
    let body = json!({
        "email": email, "password": PASSWORD, "display_name": format!("会员{n}"), "role": role,
        "organization": {
            "name": format!("统计测试机构{n}"), "kind": kind,
            "credit_code": credit_code(n), "region_code": region
        }
    });
    app.anon().post("/api/v1/auth/register").json(body).expect(201).await;
    app.session(&email).await
}

/// GET as `who`, asserting 200, returning the JSON.
async fn read(app: &TestApp, who: &Session, path: &str) -> Value {
    app.as_user(who).get(path).expect(200).await
}

async fn post_ok(app: &TestApp, who: &Session, path: &str, body: Value) -> Value {
    app.as_user(who).post(path).json(body).expect(200).await
}

/// The market: enterprises in 杭州 (330106), 宁波 (330212) and 南京 (320102), a university
/// in 杭州, a research institute in 南京, a service organization in 杭州, two brokers and an
/// expert without organization.
struct Market {
    app: TestApp,
    admin: Session,
    ent_hz: Session,
    ent_nb: Session,
    ent_nj: Session,
    uni_hz: Session,
    inst_nj: Session,
    sp_hz: Session,
    broker1: Session,
    broker2: Session,
    expert: Session,
}

async fn market() -> Market {
    // Sellers of three cities and two provinces in one market: the registry takes every
    // seller's contract, as a platform gathering several registries' records does.
    let app = spawn_app_with(|s| s.registry_own_region_only = false).await;
    let admin = app.admin(1).await;
    let ent_hz = member(&app, 701, "enterprise", "enterprise", "330106").await;
    let ent_nb = member(&app, 702, "enterprise", "enterprise", "330212").await;
    let ent_nj = member(&app, 703, "enterprise", "enterprise", "320102").await;
    let uni_hz = member(&app, 704, "university", "university", "330106").await;
    let inst_nj = member(&app, 705, "university", "research_institute", "320102").await;
    let sp_hz = member(&app, 706, "service_provider", "service_provider", "330106").await;
    let broker1 = app.broker(707).await;
    let broker2 = app.broker(708).await;
    let expert = app.person("expert709@example.com", "expert").await;
    Market { app, admin, ent_hz, ent_nb, ent_nj, uni_hz, inst_nj, sp_hz, broker1, broker2, expert }
}

fn achievement(n: u32, field: &str, international: bool) -> Value {
    let mut body = sample_achievement(n);
    body["technology_field"] = json!(field);
    body["international"] = json!(international);
    body
}

fn demand(n: u32, field: &str) -> Value {
    let mut body = sample_demand(n, None);
    body["technology_field"] = json!(field);
    body
}

/// Published listings: A1 (new_energy, international), A2 (new_materials) and A3
/// (new_energy, withdrawn afterwards) of the 杭州 university; A4 (new_energy) of the 南京
/// institute; D1, D2 (new_energy; D2 withdrawn afterwards) of the 杭州 enterprise; D3
/// (advanced_manufacturing) of the 宁波 enterprise; a draft demand of the 南京 enterprise; the
/// expert's profile (new_energy, new_materials; 杭州) and the service organization's
/// (electronic_information, new_materials).
async fn listings(m: &Market) {
    let app = &m.app;
    let admin = &m.admin;
    app.publish("achievements", &m.uni_hz, admin, achievement(1, "new_energy", true)).await;
    app.publish("achievements", &m.uni_hz, admin, achievement(2, "new_materials", false)).await;
    let a3 =
        app.publish("achievements", &m.uni_hz, admin, achievement(3, "new_energy", false)).await;
    app.publish("achievements", &m.inst_nj, admin, achievement(4, "new_energy", false)).await;
    app.publish("demands", &m.ent_hz, admin, demand(1, "new_energy")).await;
    let d2 = app.publish("demands", &m.ent_hz, admin, demand(2, "new_energy")).await;
    app.publish("demands", &m.ent_nb, admin, demand(3, "advanced_manufacturing")).await;
    app.as_user(&m.ent_nj).post("/api/v1/demands").json(demand(4, "new_energy")).expect(201).await;
    for (library, id, owner) in [("achievements", &a3, &m.uni_hz), ("demands", &d2, &m.ent_hz)] {
        post_ok(
            app,
            owner,
            &format!("/api/v1/{library}/{}/withdraw", id["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    }
    app.publish(
        "experts",
        &m.expert,
        admin,
        json!({
            "name": "张明", "title": "professor", "affiliation_name": "浙江大学",
            "technology_fields": ["new_energy", "new_materials"],
            "expertise_keywords": ["锂离子电池"],
            "bio": "长期从事锂离子电池正极材料与固态电解质研究，擅长动力电池失效分析。",
            "region_code": "330106", "services": ["consulting"], "availability": "available"
        }),
    )
    .await;
    app.publish(
        "service-providers",
        &m.sp_hz,
        admin,
        json!({
            "service_types": ["ip_agency"],
            "technology_fields": ["electronic_information", "new_materials"],
            "qualifications": ["国家技术转移示范机构"],
            "description": "专业从事专利申请与知识产权运营的服务机构，为高校院所和科技型中小企业提供全流程服务。",
            "accepts_vouchers": true,
            "services": [{"name": "发明专利申请代理", "description": "技术交底、撰写、答复审查意见"}]
        }),
    )
    .await;
}

#[tokio::test]
async fn figures_need_a_signed_in_reader_of_the_right_slice() {
    let m = market().await;
    let endpoints = [
        "/api/v1/stats/overview",
        "/api/v1/stats/contracts",
        "/api/v1/stats/contracts/chart.svg",
        "/api/v1/stats/funnel",
        "/api/v1/stats/funnel/chart.svg",
        "/api/v1/stats/libraries",
        "/api/v1/stats/libraries/chart.svg",
        "/api/v1/stats/brokers",
    ];
    for path in endpoints {
        m.app.anon().get(path).problem(401).await;
        // An organization never reads another organization's figures.
        let other = format!("{path}?org_id={}", org(&m.uni_hz));
        m.app.as_user(&m.ent_hz).get(&other).problem(403).await;
        // Its own organization is fine; so is everything for the bureau.
        let own = format!("{path}?org_id={}", org(&m.ent_hz));
        m.app.as_user(&m.ent_hz).get(&own).expect(200).await;
        m.app.as_user(&m.admin).get(path).expect(200).await;
        // An expert without an organization has no slice.
        m.app.as_user(&m.expert).get(path).problem(403).await;
    }
    // A broker reads their own funnel and broker figures, and nothing else.
    for path in ["/api/v1/stats/funnel", "/api/v1/stats/brokers"] {
        let own = read(&m.app, &m.broker1, path).await;
        assert_eq!(own["basis"]["broker_id"], m.broker1.user_id.as_str());
    }
    for path in ["/api/v1/stats/overview", "/api/v1/stats/contracts", "/api/v1/stats/libraries"] {
        m.app.as_user(&m.broker1).get(path).problem(403).await;
    }
    m.app
        .as_user(&m.broker1)
        .get(format!("/api/v1/stats/funnel?broker_id={}", m.broker2.user_id))
        .problem(403)
        .await;
    // Members read their own slice without naming it.
    let own = read(&m.app, &m.uni_hz, "/api/v1/stats/overview").await;
    assert_eq!(own["basis"]["organization_id"], org(&m.uni_hz).as_str());
}

#[tokio::test]
async fn bad_filters_are_422_field_by_field() {
    let m = market().await;
    let token = Some(m.admin.access_token.as_str());
    let cases: &[(&str, &[&str])] = &[
        ("/api/v1/stats/overview?from=2025-13-01&to=soon&region=4400", &["from", "to", "region"]),
        ("/api/v1/stats/overview?from=2025-02-01&to=2025-01-31", &["to"]),
        ("/api/v1/stats/overview?region=99", &["region"]),
        ("/api/v1/stats/contracts?group_by=colour", &["group_by"]),
        ("/api/v1/stats/contracts?group_by=region&region_level=county", &["region_level"]),
        ("/api/v1/stats/contracts?region=3301&region_level=province", &["region_level"]),
        ("/api/v1/stats/contracts/chart.svg?metric=pie", &["metric"]),
        ("/api/v1/stats/libraries?group_by=type", &["group_by"]),
        ("/api/v1/stats/brokers?top=0", &["top"]),
        ("/api/v1/stats/brokers?top=ten", &["top"]),
        ("/api/v1/stats/funnel?event_id=no-such-event", &["event_id"]),
        ("/api/v1/stats/overview?org_id=no-such-org", &["org_id"]),
    ];
    for (path, fields) in cases {
        let problem = m.app.caller(token).get(path).problem(422).await;
        assert_eq!(&error_fields(&problem), fields, "{path}");
    }
    // A broker filter must name a broker.
    let problem = m
        .app
        .caller(token)
        .get(format!("/api/v1/stats/funnel?broker_id={}", m.ent_hz.user_id))
        .problem(422)
        .await;
    assert_eq!(problem["errors"][0]["code"], "not_a_broker");
    // Full codes of provinces and cities are rolled up to their prefix.
    let zhejiang = read(&m.app, &m.admin, "/api/v1/stats/overview?region=330000").await;
    assert_eq!(zhejiang["basis"]["region"], "33");
    assert_eq!(zhejiang["basis"]["region_name"], "浙江省");
}

#[tokio::test]
async fn the_overview_counts_members_organizations_and_listings() {
    let m = market().await;
    listings(&m).await;
    let app = &m.app;
    // The 南京 enterprise's only user is disabled: no longer a member, no longer online.
    post_disable(&m, &m.ent_nj).await;

    let all = read(app, &m.admin, "/api/v1/stats/overview").await;
    // 2 enterprises + university + institute + service organization users, 2 brokers, the
    // expert; the disabled user and the administrator are not members.
    assert_eq!(all["members"], 8);
    assert_eq!(
        all["organizations"],
        json!({"enterprise": 3, "university": 1, "research_institute": 1,
               "service_provider": 1, "government": 0, "total": 6})
    );
    // A1, A2, A4 (A3 was withdrawn), one international; D1, D2, D3 posted (the draft was not).
    assert_fields(
        &all,
        json!({"enterprises_online": 2, "achievements_published": 3,
               "achievements_international": 1, "demands_posted": 3, "experts": 1,
               "service_providers": 1,
               "contracts": {"count": 0, "amount_fen": 0, "technology_amount_fen": 0}}),
    );
    assert_eq!(all["basis"]["organization_id"], Value::Null);

    let zhejiang = read(app, &m.admin, "/api/v1/stats/overview?region=33").await;
    assert_eq!(zhejiang["members"], 4);
    assert_eq!(zhejiang["organizations"]["total"], 4);
    assert_eq!(zhejiang["organizations"]["enterprise"], 2);
    assert_eq!(zhejiang["enterprises_online"], 2);
    assert_eq!(zhejiang["achievements_published"], 2);
    assert_eq!(zhejiang["achievements_international"], 1);
    assert_eq!(zhejiang["demands_posted"], 3);
    assert_eq!(zhejiang["experts"], 1);
    assert_eq!(zhejiang["service_providers"], 1);
    let ningbo = read(app, &m.admin, "/api/v1/stats/overview?region=3302").await;
    assert_eq!(ningbo["basis"]["region_name"], "宁波市");
    assert_eq!(ningbo["members"], 1);
    assert_eq!(ningbo["organizations"]["total"], 1);
    assert_eq!(ningbo["demands_posted"], 1);
    assert_eq!(ningbo["achievements_published"], 0);
    let jiangsu = read(app, &m.admin, "/api/v1/stats/overview?region=32").await;
    assert_eq!(jiangsu["members"], 1);
    assert_eq!(jiangsu["organizations"]["total"], 2);
    assert_eq!(jiangsu["enterprises_online"], 0);
    assert_eq!(jiangsu["achievements_published"], 1);
    assert_eq!(jiangsu["demands_posted"], 0);

    // The university's own slice, read by its member and by the bureau.
    let uni = format!("/api/v1/stats/overview?org_id={}", org(&m.uni_hz));
    for reader in [&m.uni_hz, &m.admin] {
        let own = read(app, reader, &uni).await;
        assert_eq!(own["members"], 1);
        assert_eq!(own["organizations"]["university"], 1);
        assert_eq!(own["organizations"]["total"], 1);
        assert_eq!(own["enterprises_online"], 0);
        assert_eq!(own["achievements_published"], 2);
        assert_eq!(own["achievements_international"], 1);
        assert_eq!(own["demands_posted"], 0);
    }
    let ent = read(app, &m.ent_hz, "/api/v1/stats/overview").await;
    assert_eq!(ent["enterprises_online"], 1);
    assert_eq!(ent["demands_posted"], 2);
    assert_eq!(ent["achievements_published"], 0);

    // Periods: everything happened today.
    let day = today();
    let same_day =
        read(app, &m.admin, &format!("/api/v1/stats/overview?from={day}&to={day}")).await;
    assert_eq!(same_day["members"], 8);
    assert_eq!(same_day["demands_posted"], 3);
    assert_eq!(same_day["basis"]["from"], day.to_string());
    for period in
        [format!("from={}", day + Duration::days(1)), format!("to={}", day - Duration::days(1))]
    {
        let empty = read(app, &m.admin, &format!("/api/v1/stats/overview?{period}")).await;
        assert_eq!(empty["members"], 0, "{period}");
        assert_eq!(empty["organizations"]["total"], 0, "{period}");
        assert_eq!(empty["achievements_published"], 0, "{period}");
        assert_eq!(empty["demands_posted"], 0, "{period}");
    }

    // CSV: figure,label,value rows.
    let text = m.app.as_user(&m.admin).get("/api/v1/stats/overview").csv().await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "figure,label,value");
    assert!(lines.contains(&"members,会员,8"), "{text}");
    assert!(lines.contains(&"achievements_published,发布成果,3"), "{text}");
    assert!(lines.contains(&"organizations.enterprise,企业,3"), "{text}");
}

async fn post_disable(m: &Market, who: &Session) {
    let response = m
        .app
        .patch(
            &format!("/api/v1/admin/users/{}", who.user_id),
            Some(&m.admin.access_token),
            json!({"status": "disabled", "version": 1}),
        )
        .await;
    assert_status(response, StatusCode::OK).await;
}

#[tokio::test]
async fn libraries_count_new_listings_by_month_field_and_region() {
    let m = market().await;
    listings(&m).await;
    let app = &m.app;
    let month = format!("{:04}-{:02}", today().year(), today().month());
    let by_month = read(app, &m.admin, "/api/v1/stats/libraries").await;
    // Withdrawn listings were published in the period: they count; the draft does not.
    let all =
        json!({"achievements": 4, "demands": 3, "experts": 1, "service_providers": 1, "total": 9});
    assert_eq!(by_month["group_by"], "month");
    assert_eq!(by_month["groups"].as_array().unwrap().len(), 1);
    assert_eq!(by_month["groups"][0]["key"], month.as_str());
    assert_eq!(
        by_month["groups"][0]["label"],
        format!("{}年{}月", today().year(), today().month())
    );
    assert_eq!(by_month["groups"][0]["counts"], all);
    assert_eq!(by_month["total"], all);

    // Fields in the registration form's order; experts and service organizations count in
    // each of their fields, once in the total.
    let by_field = read(app, &m.admin, "/api/v1/stats/libraries?group_by=technology_field").await;
    let groups: Vec<(String, Value)> = by_field["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_string(), g["counts"].clone()))
        .collect();
    assert_eq!(
        groups,
        [
            (
                "electronic_information".to_string(),
                json!({"achievements": 0, "demands": 0, "experts": 0, "service_providers": 1, "total": 1})
            ),
            (
                "advanced_manufacturing".to_string(),
                json!({"achievements": 0, "demands": 1, "experts": 0, "service_providers": 0, "total": 1})
            ),
            (
                "new_materials".to_string(),
                json!({"achievements": 1, "demands": 0, "experts": 1, "service_providers": 1, "total": 3})
            ),
            (
                "new_energy".to_string(),
                json!({"achievements": 3, "demands": 2, "experts": 1, "service_providers": 0, "total": 6})
            ),
        ]
    );
    assert_eq!(by_field["groups"][3]["label"], "新能源与高效节能");
    assert_eq!(by_field["total"], all);

    // Regions roll up one level below the filter: 浙江 → its cities.
    let by_city = read(app, &m.admin, "/api/v1/stats/libraries?group_by=region&region=33").await;
    let cities: Vec<(String, String, i64)> = by_city["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_string(),
                g["label"].as_str().unwrap().to_string(),
                g["counts"]["total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cities,
        [
            ("3301".to_string(), "杭州市".to_string(), 7),
            ("3302".to_string(), "宁波市".to_string(), 1)
        ]
    );
    let by_province = read(app, &m.admin, "/api/v1/stats/libraries?group_by=region").await;
    let provinces: Vec<(&str, i64)> = by_province["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["counts"]["total"].as_i64().unwrap()))
        .collect();
    assert_eq!(provinces, [("32", 1), ("33", 8)]);
    let districts = read(
        app,
        &m.admin,
        "/api/v1/stats/libraries?group_by=region&region=3301&region_level=district",
    )
    .await;
    assert_eq!(districts["groups"][0]["key"], "330106");
    assert_eq!(districts["groups"][0]["label"], "西湖区");

    // An organization's own listings only.
    let own = read(app, &m.ent_nb, "/api/v1/stats/libraries").await;
    assert_eq!(
        own["total"],
        json!({"achievements": 0, "demands": 1, "experts": 0, "service_providers": 0, "total": 1})
    );
    // A period before today has none.
    let before =
        read(app, &m.admin, &format!("/api/v1/stats/libraries?to={}", today() - Duration::days(1)))
            .await;
    assert_eq!(before["total"]["total"], 0);
    assert!(before["groups"].as_array().unwrap().is_empty());

    // The chart: an SVG whose Chinese labels are text.
    let chart = app.get("/api/v1/stats/libraries/chart.svg", Some(&m.admin.access_token)).await;
    assert_eq!(chart.status(), StatusCode::OK);
    assert_eq!(chart.headers()["content-type"], "image/svg+xml");
    let svg = chart.text().await.unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.contains("新增发布信息（四库）  开始 至 "), "the title states the period");
    for label in ["成果", "需求", "专家", "服务机构"] {
        assert!(
            svg.contains(&format!(">\n{label}\n</text>"))
                || svg.contains(&format!("{label}\n</text>")),
            "{label}"
        );
    }
    // CSV with a header row.
    let csv =
        app.as_user(&m.admin).get("/api/v1/stats/libraries?group_by=technology_field").csv().await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "key,label,achievements,demands,experts,service_providers,total");
    assert_eq!(lines[4], "new_energy,新能源与高效节能,3,2,1,0,6");
    assert_eq!(lines[5], ",合计,4,3,1,1,9");
}

/// Opens a deal as the bureau and moves it through `stages`, then loses it if `lost` says so.
async fn deal(
    m: &Market,
    buyer: &Session,
    seller: &Session,
    broker: Option<&Session>,
    event_id: Option<&str>,
    stages: &[&str],
    lost: Option<&str>,
) -> String {
    let created = m
        .app
        .as_user(&m.admin)
        .post("/api/v1/deals")
        .json(json!({
            "buyer_org_id": org(buyer), "seller_org_id": org(seller),
            "broker_id": broker.map(|b| b.user_id.clone()), "event_id": event_id,
            "source": if event_id.is_some() { "event" } else { "direct" },
            "commission_rate_bp": broker.map(|_| 300)
        }))
        .expect(201)
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    for to in stages {
        post_ok(&m.app, &m.admin, &format!("/api/v1/deals/{id}/advance"), json!({"to": to})).await;
    }
    if let Some(reason) = lost {
        post_ok(&m.app, &m.admin, &format!("/api/v1/deals/{id}/lose"), json!({"reason": reason}))
            .await;
    }
    id
}

/// One contract to record: who sells to whom, what, for how much.
struct Contract<'a> {
    seller: &'a Session,
    buyer: &'a Session,
    contract_type: &'a str,
    subtype: Option<&'a str>,
    field: &'a str,
    amount_fen: i64,
    equipment_fen: i64,
    deal_id: Option<&'a str>,
    intermediary: Option<Value>,
}

/// Records a contract as the seller and submits it; the bureau registers it when `register`.
async fn contract(m: &Market, c: Contract<'_>, register: bool) -> String {
    let day = |offset: i64| (today() + Duration::days(offset)).to_string();
    let costs = if c.equipment_fen > 0 {
        json!([{"item": "equipment", "amount_fen": c.equipment_fen}])
    } else {
        json!([])
    };
    let mut body = json!({
        "name": format!("{}合同{}", c.field, c.amount_fen),
        "contract_type": c.contract_type, "subtype": c.subtype,
        "buyer": {"org_id": org(c.buyer)}, "seller": {"org_id": org(c.seller)},
        "technology_field": c.field, "ip_type": "invention_patent", "plan_category": "none",
        "signed_on": day(-10), "valid_from": day(-10), "valid_to": day(300),
        "amount_fen": c.amount_fen, "non_technical_costs": costs
    });
    if c.contract_type == "transfer" {
        body["expected_investment_fen"] = json!(200_000_000);
        body["expected_output_fen"] = json!(500_000_000);
    }
    if let Some(deal) = c.deal_id {
        body["deal_id"] = json!(deal);
    }
    if let Some(intermediary) = c.intermediary {
        body["intermediary"] = intermediary;
    }
    let created = m.app.as_user(c.seller).post("/api/v1/contracts").json(body).expect(201).await;
    let id = created["id"].as_str().unwrap().to_string();
    post_ok(&m.app, c.seller, &format!("/api/v1/contracts/{id}/submit"), json!({})).await;
    if register {
        post_ok(&m.app, &m.admin, &format!("/api/v1/contracts/{id}/register"), json!({})).await;
    }
    id
}

/// SIMULATES LAST YEAR'S REGISTRATIONS: registration happens today through the API, so the
/// test harness moves the registration date of a registered contract back one year directly
/// in the database (the API has no way to backdate a registration, on purpose).
async fn registered_a_year_ago(app: &TestApp, id: &str) {
    use diesel::prelude::*;
    use techmarket::db::schema::contracts;
    let a_year_ago = today().checked_sub_months(chrono::Months::new(12)).unwrap();
    let db = app.state.db.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().expect("connection");
        diesel::update(contracts::table.find(id))
            .set(contracts::registered_on.eq(a_year_ago))
            .execute(&mut *conn)
            .expect("backdate");
        // The statistics' sums follow the contracts through the API only: refill them.
        techmarket::db::write_transaction(&mut conn, techmarket::stats::rollups::rebuild)
            .expect("rebuild the sums");
    })
    .await
    .expect("join");
}

/// The deals and contracts of the market (see the figures in the test below).
async fn deals_and_contracts(m: &Market) -> String {
    let now = chrono::Utc::now();
    let event = m
        .app
        .as_user(&m.admin)
        .post("/api/v1/events")
        .json(json!({
            "name": "在线科技成果对接会", "region_code": "330100", "online": true,
            "starts_at": now - Duration::hours(1), "ends_at": now + Duration::hours(2)
        }))
        .expect(201)
        .await;
    let ev = event["id"].as_str().unwrap().to_string();
    let (b1, b2) = (Some(&m.broker1), Some(&m.broker2));
    let ev_ = Some(ev.as_str());
    let d1 = deal(m, &m.ent_hz, &m.uni_hz, b1, ev_, &["intention", "agreement"], None).await;
    deal(m, &m.ent_hz, &m.inst_nj, b1, ev_, &["intention", "agreement"], Some("price_gap")).await;
    deal(m, &m.ent_nb, &m.uni_hz, b2, None, &["intention"], None).await;
    deal(m, &m.ent_nb, &m.inst_nj, None, ev_, &[], Some("too_early")).await;
    deal(m, &m.ent_nj, &m.uni_hz, b2, None, &[], None).await;
    deal(m, &m.ent_hz, &m.uni_hz, b2, None, &["intention"], Some("benefit_unclear")).await;

    let base = |seller, buyer, contract_type, subtype, field, amount_fen| Contract {
        seller,
        buyer,
        contract_type,
        subtype,
        field,
        amount_fen,
        equipment_fen: 0,
        deal_id: None,
        intermediary: None,
    };
    // c1: the contract of deal d1 (its broker, 300 bp, becomes the intermediary): d1 is signed.
    let mut c1 =
        base(&m.uni_hz, &m.ent_hz, "development", Some("commissioned"), "new_energy", 100_000_000);
    c1.deal_id = Some(&d1);
    contract(m, c1, true).await;
    let mut c2 =
        base(&m.inst_nj, &m.ent_nb, "transfer", Some("patent_right"), "new_materials", 50_000_000);
    c2.equipment_fen = 10_000_000;
    c2.intermediary = Some(json!({"broker_id": m.broker2.user_id, "commission_fen": 1_000_000}));
    contract(m, c2, true).await;
    contract(
        m,
        base(&m.uni_hz, &m.ent_nb, "license", Some("patent"), "new_energy", 30_000_000),
        true,
    )
    .await;
    let mut c4 = base(&m.inst_nj, &m.ent_hz, "consulting", None, "agriculture", 2_000_000);
    c4.intermediary = Some(json!({"broker_id": m.broker1.user_id, "commission_rate_bp": 500}));
    contract(m, c4, true).await;
    let c5 = contract(
        m,
        base(&m.uni_hz, &m.ent_hz, "service", Some("general"), "urban_social", 5_000_000),
        true,
    )
    .await;
    let mut c6 =
        base(&m.uni_hz, &m.ent_nb, "development", Some("cooperative"), "new_energy", 80_000_000);
    c6.intermediary = Some(json!({"broker_id": m.broker1.user_id, "commission_rate_bp": 300}));
    let c6 = contract(m, c6, true).await;
    registered_a_year_ago(&m.app, &c5).await;
    registered_a_year_ago(&m.app, &c6).await;
    // c7 is submitted but not registered: it never counts.
    contract(
        m,
        base(&m.inst_nj, &m.ent_nj, "development", Some("commissioned"), "new_energy", 9_900),
        false,
    )
    .await;
    ev
}

/// `[key, label, current, previous, growth]` of each group, for compact comparisons.
fn groups(stats: &Value) -> Vec<Value> {
    stats["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| json!([g["key"], g["label"], g["current"], g["previous"], g["growth"]]))
        .collect()
}

fn figures(count: i64, amount: i64, technology: i64) -> Value {
    json!({"count": count, "amount_fen": amount, "technology_amount_fen": technology})
}

fn growth(count: Option<f64>, amount: Option<f64>, technology: Option<f64>) -> Value {
    json!({"count": count, "amount_fen": amount, "technology_amount_fen": technology})
}

#[tokio::test]
async fn contracts_funnel_and_brokers_match_hand_computed_totals() {
    let m = market().await;
    let ev = deals_and_contracts(&m).await;
    let app = &m.app;
    let first = today().with_day(1).unwrap();
    let period = format!("from={first}&to={}", today());
    let zero = figures(0, 0, 0);
    let none = growth(None, None, None);

    // By type, this month against the same days a year earlier.
    let by_type = read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}")).await;
    assert_eq!(by_type["group_by"], "type");
    assert_eq!(
        groups(&by_type),
        [
            json!([
                "development",
                "技术开发",
                figures(1, 100_000_000, 100_000_000),
                figures(1, 80_000_000, 80_000_000),
                growth(Some(0.0), Some(0.25), Some(0.25))
            ]),
            json!(["transfer", "技术转让", figures(1, 50_000_000, 40_000_000), zero, none]),
            json!(["license", "技术许可", figures(1, 30_000_000, 30_000_000), zero, none]),
            json!(["consulting", "技术咨询", figures(1, 2_000_000, 2_000_000), zero, none]),
            json!([
                "service",
                "技术服务",
                zero,
                figures(1, 5_000_000, 5_000_000),
                growth(Some(-1.0), Some(-1.0), Some(-1.0))
            ]),
        ]
    );
    assert_eq!(by_type["total"]["current"], figures(4, 182_000_000, 172_000_000));
    assert_eq!(by_type["total"]["previous"], figures(2, 85_000_000, 85_000_000));
    assert_eq!(by_type["total"]["growth"], growth(Some(1.0), Some(1.1412), Some(1.0235)));
    let a_year_ago =
        |d: NaiveDate| d.checked_sub_months(chrono::Months::new(12)).unwrap().to_string();
    assert_eq!(by_type["previous_from"], a_year_ago(first));
    assert_eq!(by_type["previous_to"], a_year_ago(today()));

    // By the seller's region: provinces, then 浙江's cities and districts.
    let by_province =
        read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&group_by=region")).await;
    assert_eq!(
        groups(&by_province),
        [
            json!([
                "33",
                "浙江省",
                figures(2, 130_000_000, 130_000_000),
                figures(2, 85_000_000, 85_000_000),
                growth(Some(0.0), Some(0.5294), Some(0.5294))
            ]),
            json!(["32", "江苏省", figures(2, 52_000_000, 42_000_000), zero, none]),
        ]
    );
    assert_eq!(by_province["region_level"], "province");
    let by_city =
        read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&group_by=region&region=33"))
            .await;
    assert_eq!(by_city["region_level"], "city");
    assert_eq!(by_city["groups"][0]["key"], "3301");
    assert_eq!(by_city["groups"][0]["label"], "杭州市");
    assert_eq!(by_city["groups"].as_array().unwrap().len(), 1);
    assert_eq!(by_city["total"]["current"], figures(2, 130_000_000, 130_000_000));
    let by_district = read(
        app,
        &m.admin,
        &format!(
            "/api/v1/stats/contracts?{period}&group_by=region&region=33&region_level=district"
        ),
    )
    .await;
    assert_eq!(by_district["groups"][0]["key"], "330106");
    let jiangsu = read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&region=32")).await;
    assert_eq!(jiangsu["total"]["current"], figures(2, 52_000_000, 42_000_000));

    // By field and by the parties' kinds.
    let by_field =
        read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&group_by=technology_field"))
            .await;
    assert_eq!(
        groups(&by_field),
        [
            json!([
                "new_energy",
                "新能源与高效节能",
                figures(2, 130_000_000, 130_000_000),
                figures(1, 80_000_000, 80_000_000),
                growth(Some(1.0), Some(0.625), Some(0.625))
            ]),
            json!([
                "new_materials",
                "新材料及其应用",
                figures(1, 50_000_000, 40_000_000),
                zero,
                none
            ]),
            json!(["agriculture", "农业", figures(1, 2_000_000, 2_000_000), zero, none]),
            json!([
                "urban_social",
                "城市建设与社会发展",
                zero,
                figures(1, 5_000_000, 5_000_000),
                growth(Some(-1.0), Some(-1.0), Some(-1.0))
            ]),
        ]
    );
    let by_seller =
        read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&group_by=seller_kind"))
            .await;
    let sellers: Vec<(Value, Value, Value)> = by_seller["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].clone(), g["label"].clone(), g["current"].clone()))
        .collect();
    assert_eq!(
        sellers,
        [
            (json!("university"), json!("高等院校"), figures(2, 130_000_000, 130_000_000)),
            (json!("research_institute"), json!("科研院所"), figures(2, 52_000_000, 42_000_000)),
        ]
    );
    let by_buyer =
        read(app, &m.admin, &format!("/api/v1/stats/contracts?{period}&group_by=buyer_kind")).await;
    assert_eq!(by_buyer["groups"][0]["key"], "enterprise");
    assert_eq!(by_buyer["groups"][0]["current"], figures(4, 182_000_000, 172_000_000));

    // By month and quarter over all time: each compared with the same month a year earlier.
    let this_month = format!("{:04}-{:02}", today().year(), today().month());
    let last_year = a_year_ago(today());
    let last_month = &last_year[..7];
    let by_month = read(app, &m.admin, "/api/v1/stats/contracts?group_by=month").await;
    assert_eq!(
        groups(&by_month),
        [
            json!([
                last_month,
                format!("{}年{}月", today().year() - 1, today().month()),
                figures(2, 85_000_000, 85_000_000),
                zero,
                none
            ]),
            json!([
                this_month,
                format!("{}年{}月", today().year(), today().month()),
                figures(4, 182_000_000, 172_000_000),
                figures(2, 85_000_000, 85_000_000),
                growth(Some(1.0), Some(1.1412), Some(1.0235))
            ]),
        ]
    );
    assert_eq!(by_month["total"]["current"], figures(6, 267_000_000, 257_000_000));
    assert_eq!(by_month["total"]["previous"], Value::Null);
    let quarter = (today().month() - 1) / 3 + 1;
    let by_quarter = read(app, &m.admin, "/api/v1/stats/contracts?group_by=quarter").await;
    assert_eq!(by_quarter["groups"][1]["key"], format!("{}-Q{quarter}", today().year()));
    assert_eq!(by_quarter["groups"][1]["label"], format!("{}年第{quarter}季度", today().year()));
    assert_eq!(by_quarter["groups"][1]["growth"]["amount_fen"], 1.1412);
    // Without `from`, groups other than months and quarters have no comparison period.
    let cumulative = read(app, &m.admin, "/api/v1/stats/contracts").await;
    assert_eq!(cumulative["total"]["current"], figures(6, 267_000_000, 257_000_000));
    assert_eq!(cumulative["groups"][0]["previous"], Value::Null);
    assert_eq!(cumulative["previous_from"], Value::Null);

    // The 宁波 enterprise's slice: c2, c3 now, c6 a year ago (all three as buyer).
    let nb = read(app, &m.ent_nb, &format!("/api/v1/stats/contracts?{period}")).await;
    let keys: Vec<&str> =
        nb["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["transfer", "license", "development"]);
    assert_eq!(nb["total"]["current"], figures(2, 80_000_000, 70_000_000));
    assert_eq!(nb["total"]["previous"], figures(1, 80_000_000, 80_000_000));
    assert_eq!(nb["total"]["growth"], growth(Some(1.0), Some(0.0), Some(-0.125)));
    assert_eq!(nb["basis"]["organization_id"], org(&m.ent_nb).as_str());

    // The overview's contract and deal figures.
    let overview = read(app, &m.admin, &format!("/api/v1/stats/overview?{period}")).await;
    assert_eq!(overview["contracts"], figures(4, 182_000_000, 172_000_000));
    assert_eq!(
        overview["deals"],
        json!({"connected": 1, "intention": 1, "agreement": 0, "signed": 1, "lost": 3, "total": 6})
    );
    let all_time = read(app, &m.admin, "/api/v1/stats/overview").await;
    assert_eq!(all_time["contracts"], figures(6, 267_000_000, 257_000_000));

    // The funnel by furthest stage: d1 signed; d2 lost at agreement; d3 at intention; d4 lost
    // when connected; d5 connected; d6 lost at intention.
    let funnel = read(app, &m.admin, &format!("/api/v1/stats/funnel?{period}")).await;
    assert_eq!(
        [
            &funnel["connected"],
            &funnel["intention"],
            &funnel["agreement"],
            &funnel["signed"],
            &funnel["lost"],
            &funnel["open"]
        ],
        [6, 4, 2, 1, 3, 2]
    );
    assert_eq!(
        funnel["conversion"],
        json!({"intention_per_connected": 0.6667, "agreement_per_intention": 0.5,
               "signed_per_agreement": 0.5, "signed_per_connected": 0.1667})
    );
    let steps: Vec<(Value, Value, Value)> = funnel["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["label"].clone(), s["count"].clone(), s["conversion"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("对接"), json!(6), Value::Null),
            (json!("意向"), json!(4), json!(0.6667)),
            (json!("达成意向"), json!(2), json!(0.5)),
            (json!("签约"), json!(1), json!(0.5)),
        ]
    );
    let reasons: Vec<(Value, Value)> = funnel["lost_by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["reason"].clone(), r["count"].clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            (json!("too_early"), json!(1)),
            (json!("benefit_unclear"), json!(1)),
            (json!("price_gap"), json!(1))
        ]
    );
    let counts = |f: &Value| {
        [
            f["connected"].as_i64(),
            f["intention"].as_i64(),
            f["agreement"].as_i64(),
            f["signed"].as_i64(),
            f["lost"].as_i64(),
        ]
        .map(Option::unwrap)
    };
    let at_event = read(app, &m.admin, &format!("/api/v1/stats/funnel?event_id={ev}")).await;
    assert_eq!(counts(&at_event), [3, 2, 2, 1, 2]);
    assert_eq!(at_event["event_id"], ev.as_str());
    let of_broker1 =
        read(app, &m.admin, &format!("/api/v1/stats/funnel?broker_id={}", m.broker1.user_id)).await;
    assert_eq!(counts(&of_broker1), [2, 2, 2, 1, 1]);
    let ningbo = read(app, &m.admin, "/api/v1/stats/funnel?region=3302").await;
    assert_eq!(counts(&ningbo), [2, 1, 0, 0, 1]);
    let zhejiang = read(app, &m.admin, "/api/v1/stats/funnel?region=33").await;
    assert_eq!(counts(&zhejiang), [5, 4, 2, 1, 3]);
    let institute = read(app, &m.inst_nj, "/api/v1/stats/funnel").await;
    assert_eq!(counts(&institute), [2, 1, 1, 0, 2]);
    let own = read(app, &m.broker2, "/api/v1/stats/funnel").await;
    assert_eq!(counts(&own), [3, 2, 0, 0, 1]);
    let named =
        read(app, &m.broker2, &format!("/api/v1/stats/funnel?broker_id={}", m.broker2.user_id))
            .await;
    assert_eq!(counts(&named), [3, 2, 0, 0, 1]);
    let tomorrow =
        read(app, &m.admin, &format!("/api/v1/stats/funnel?from={}", today() + Duration::days(1)))
            .await;
    assert_eq!(counts(&tomorrow), [0, 0, 0, 0, 0]);
    assert_eq!(tomorrow["conversion"]["intention_per_connected"], Value::Null);

    // Brokers: b1 carries d1 (signed) and d2, and is the intermediary of c1 (300 bp of
    // 100万: 3万) and c4 (500 bp of 2万: 1,000 元); b2 carries d3, d5, d6 and c2 (fixed 1万).
    let ranking = read(app, &m.admin, &format!("/api/v1/stats/brokers?{period}")).await;
    let rows: Vec<Value> = ranking["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            json!([
                b["rank"],
                b["broker_id"],
                b["deals_brokered"],
                b["deals_signed"],
                b["contracts"],
                b["amount_fen"],
                b["technology_amount_fen"],
                b["commission_fen"]
            ])
        })
        .collect();
    assert_eq!(
        rows,
        [
            json!([1, m.broker1.user_id, 2, 1, 2, 102_000_000, 102_000_000, 3_100_000]),
            json!([2, m.broker2.user_id, 3, 0, 1, 50_000_000, 40_000_000, 1_000_000]),
        ]
    );
    assert_eq!(ranking["brokers_total"], 2);
    assert_eq!(ranking["items"][0]["display_name"], "个人用户");
    let top1 = read(app, &m.admin, &format!("/api/v1/stats/brokers?{period}&top=1")).await;
    assert_eq!(top1["items"].as_array().unwrap().len(), 1);
    assert_eq!(top1["brokers_total"], 2);
    // All time, b1 also has last year's c6 (300 bp of 80万).
    let all_time = read(app, &m.admin, "/api/v1/stats/brokers").await;
    assert_eq!(all_time["items"][0]["contracts"], 3);
    assert_eq!(all_time["items"][0]["commission_fen"], 5_500_000);
    // A broker reads only their own row; an organization the brokers of its own deals.
    let mine = read(app, &m.broker2, "/api/v1/stats/brokers").await;
    assert_eq!(mine["brokers_total"], 1);
    assert_eq!(mine["items"][0]["broker_id"], m.broker2.user_id.as_str());
    let nb = read(app, &m.ent_nb, &format!("/api/v1/stats/brokers?{period}")).await;
    assert_eq!(nb["brokers_total"], 1);
    assert_eq!(
        json!([
            nb["items"][0]["broker_id"],
            nb["items"][0]["deals_brokered"],
            nb["items"][0]["contracts"],
            nb["items"][0]["amount_fen"]
        ]),
        json!([m.broker2.user_id, 1, 1, 50_000_000])
    );

    // CSV and charts of the same queries.
    let csv = app.as_user(&m.admin).get(format!("/api/v1/stats/contracts?{period}")).csv().await;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "key,label,count,amount_fen,technology_amount_fen,previous_count,previous_amount_fen,previous_technology_amount_fen,count_growth,amount_growth,technology_amount_growth"
    );
    assert_eq!(
        lines[1],
        "development,技术开发,1,100000000,100000000,1,80000000,80000000,0,0.25,0.25"
    );
    assert_eq!(lines[2], "transfer,技术转让,1,50000000,40000000,0,0,0,,,");
    assert_eq!(
        lines.last().copied(),
        Some(",合计,4,182000000,172000000,2,85000000,85000000,1,1.1412,1.0235")
    );
    let funnel_csv = app.as_user(&m.admin).get("/api/v1/stats/funnel").csv().await;
    assert!(
        funnel_csv.starts_with(
            "stage,label,count,conversion\nconnected,对接,6,\nintention,意向,4,0.6667\n"
        ),
        "{funnel_csv}"
    );
    let broker_csv =
        app.as_user(&m.admin).get(format!("/api/v1/stats/brokers?{period}")).csv().await;
    assert_eq!(broker_csv.lines().count(), 3);
    for (path, texts) in [
        (
            format!("/api/v1/stats/contracts/chart.svg?{period}"),
            vec![
                "技术合同成交额（按合同类型）",
                "技术开发",
                "本期",
                "上年同期",
                " 至 ",
                "· 全部地区",
            ],
        ),
        (
            format!("/api/v1/stats/contracts/chart.svg?{period}&group_by=region&metric=count"),
            vec!["登记技术合同数（按卖方地区）", "浙江省"],
        ),
        (
            "/api/v1/stats/funnel/chart.svg".to_string(),
            vec!["技术对接漏斗（按最远阶段）", "签约（转化", "%）", "流失", "全部地区"],
        ),
    ] {
        let response = app.get(&path, Some(&m.admin.access_token)).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        let svg = response.text().await.unwrap();
        for text in texts {
            assert!(svg.contains(text), "{path}: {text}");
        }
    }
}
