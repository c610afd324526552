//! Matching: demands to achievements and back, on real Chinese records.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::bulk::csl_lines;
use crate::helpers::*;

/// A market: a university with 200 real CSL records published, an enterprise, an admin.
async fn market(app: &TestApp) -> (Session, Session, Session) {
    let m = MarketBuilder::new(app).university(1).enterprise(2).admin(1).build().await;
    let (university, enterprise, admin) =
        (m.university().clone(), m.enterprise().clone(), m.admin().clone());
    let org = university.organization_id.clone().unwrap();
    let lines: Vec<String> = csl_lines(200)
        .into_iter()
        .filter(|l| {
            serde_json::from_str::<Value>(l).unwrap()["keywords"].as_array().unwrap().len() <= 10
        })
        .collect();
    let response = app
        .client
        .post(app.url(&format!("/api/v1/achievements/import?org_id={org}&publish=true")))
        .bearer_auth(&admin.access_token)
        .header("content-type", "application/x-ndjson")
        .body(lines.join("\n"))
        .send()
        .await
        .unwrap();
    assert_status(response, StatusCode::CREATED).await;
    (university, enterprise, admin)
}

async fn publish_demand(
    app: &TestApp,
    enterprise: &Session,
    admin: &Session,
    body: Value,
) -> String {
    let created = app.as_user(enterprise).post("/api/v1/demands").json(body).expect(201).await;
    let id = created["id"].as_str().unwrap().to_string();
    app.as_user(enterprise).act(format!("/api/v1/demands/{id}/submit")).expect(200).await;
    app.as_user(admin).act(format!("/api/v1/demands/{id}/approve")).expect(200).await;
    id
}

fn record(line: usize) -> Value {
    serde_json::from_str(&csl_lines(line + 1)[line]).unwrap()
}

#[tokio::test]
async fn a_demand_finds_the_result_that_solves_it_with_an_explanation_that_adds_up() {
    let app = spawn_app().await;
    let (_, enterprise, admin) = market(&app).await;
    let target = record(0);
    let keywords: Vec<String> = target["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    let demand = publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({
            "title": format!("寻求{}方面的技术", keywords.join("、")),
            "description": format!("我公司在{}上遇到难题，希望与高校合作解决。", keywords.join("和")),
            "keywords": keywords,
            "technology_field": target["technology_field"],
        }),
    )
    .await;
    let matches = app
        .as_user(&enterprise)
        .get(format!("/api/v1/demands/{demand}/matches?limit=5"))
        .expect(200)
        .await;
    let items = matches["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert_eq!(items[0]["achievement"]["external_ref"], target["external_ref"], "{matches}");
    // The explanation speaks Chinese unless English is asked for.
    let factors = items[0]["explanation"]["factors"].to_string();
    assert!(factors.contains("文本相关度") && !factors.contains("text relevance"), "{factors}");
    let english = app
        .as_user(&enterprise)
        .get(format!("/api/v1/demands/{demand}/matches?limit=5"))
        .header("accept-language", "en-GB,en;q=0.8")
        .expect(200)
        .await;
    let factors = english["items"][0]["explanation"]["factors"].to_string();
    assert!(factors.contains("text relevance") && !factors.contains("文本相关度"), "{factors}");
    for item in items {
        let factors = item["explanation"]["factors"].as_array().unwrap();
        let names: Vec<&str> = factors.iter().map(|f| f["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "text",
                "technology_field",
                "maturity",
                "price",
                "cooperation_mode",
                "region",
                "freshness"
            ]
        );
        let sum: f64 = factors.iter().map(|f| f["contribution"].as_f64().unwrap()).sum();
        let score = item["score"].as_f64().unwrap();
        assert!((sum - score).abs() < 1e-6, "{sum} vs {score}");
        assert!((0.0..=1.0).contains(&score));
        assert!(item["achievement"].get("confidential_details").is_none());
    }
    assert!(!items[0]["explanation"]["matched_terms"].as_array().unwrap().is_empty());
    let scores: Vec<f64> = items.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first");
}

#[tokio::test]
async fn constraints_lower_scores_and_strict_mode_filters() {
    let app = spawn_app().await;
    let (_, enterprise, admin) = market(&app).await;
    let target = record(5);
    let text = target["title"].as_str().unwrap();
    let ask = |body: Value| {
        let app = &app;
        let token = enterprise.access_token.clone();
        async move {
            app.with_token(&token)
                .post("/api/v1/matching/achievements")
                .json(body)
                .expect(200)
                .await
        }
    };
    let open = ask(json!({"text": text, "limit": 3})).await;
    assert_eq!(open["items"][0]["achievement"]["external_ref"], target["external_ref"]);
    // Imported CSL records default to lab maturity: asking for industrialization lowers the score.
    let demanding =
        ask(json!({"text": text, "limit": 3, "required_maturity": "industrialization"})).await;
    let first = &demanding["items"][0];
    assert!(first["score"].as_f64().unwrap() < open["items"][0]["score"].as_f64().unwrap());
    assert!(
        first["explanation"]["violations"]
            .as_array()
            .unwrap()
            .contains(&json!("maturity_below_required"))
    );
    let strict =
        ask(json!({"text": text, "required_maturity": "industrialization", "strict": true})).await;
    assert!(strict["items"].as_array().unwrap().is_empty(), "{strict}");
    assert_eq!(strict["reason"], "constraints_exclude", "{strict}");
    app.as_user(&enterprise)
        .post("/api/v1/matching/achievements")
        .json(json!({"text": text, "limit": 0}))
        .problem(422)
        .await;
    let _ = admin;
}

#[tokio::test]
async fn a_problem_nothing_listed_solves_gets_an_empty_answer_that_says_why() {
    let app = spawn_app().await;
    let (_, enterprise, _) = market(&app).await;
    let ask = |text: &str, lang: &str| {
        app.as_user(&enterprise)
            .post("/api/v1/matching/achievements")
            .header("accept-language", lang)
            .json(json!({"text": text}))
            .expect(200)
    };
    let off_topic = ask("婚纱摄影工作室想设计新的婚礼主题布景和灯光效果", "zh-CN").await;
    assert_eq!(off_topic["items"], json!([]), "{off_topic}");
    let reason = off_topic["reason"].as_str().unwrap();
    assert!(["below_floor", "no_candidates"].contains(&reason), "{off_topic}");
    let floor = off_topic["floor"].as_f64().unwrap();
    assert!(floor > 0.0 && floor < 1.0);
    let detail = off_topic["reason_detail"].as_str().unwrap();
    assert!(detail.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{detail}");
    let english = ask("婚纱摄影工作室想设计新的婚礼主题布景和灯光效果", "en").await;
    assert!(english["reason_detail"].as_str().unwrap().is_ascii(), "{english}");
    // Nothing in the corpus shares a word: the other reason.
    let nothing = ask("ᚠᚢᚦ ᚨᚱᚲ", "en").await;
    assert_eq!(nothing["reason"], "no_candidates", "{nothing}");
    // A problem the library answers lists records, every one at or above the floor, and no
    // reason.
    let title = record(3)["title"].as_str().unwrap().to_string();
    let answered = ask(&title, "zh-CN").await;
    let items = answered["items"].as_array().unwrap();
    assert!(!items.is_empty() && answered["reason"].is_null(), "{answered}");
    assert!(items.iter().all(|i| i["score"].as_f64().unwrap() >= floor));
}

#[tokio::test]
async fn text_relevance_gates_field_price_maturity_and_region() {
    let app = spawn_app().await;
    let (university, enterprise, admin) = market(&app).await;
    let target = record(5);
    let title = target["title"].as_str().unwrap();
    let longest =
        techmarket::search::tokens(title).into_iter().max_by_key(|t| t.chars().count()).unwrap();
    // A decoy that meets every market factor in full and shares one word with the problem.
    let decoy = app
        .as_user(&admin)
        .post("/api/v1/achievements?publish=true")
        .json(json!({
            "title": format!("{longest}在婚纱摄影布景中的应用"),
            "summary": "婚礼主题布景、灯光与花艺的一体化设计服务。",
            "keywords": ["婚礼布景"], "technology_field": target["technology_field"],
            "maturity": "industrialization", "asking_price_fen": 100,
            "cooperation_modes": ["transfer", "license", "joint_development"],
            "region_code": "330106", "org_id": university.organization_id,
        }))
        .expect(201)
        .await;
    let answer = app
        .as_user(&enterprise)
        .post("/api/v1/matching/achievements")
        .json(json!({
            "text": title, "technology_field": target["technology_field"],
            "budget_max_fen": 100_000_000, "cooperation_modes": ["transfer"],
            "region_code": "330106", "limit": 50,
        }))
        .expect(200)
        .await;
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items[0]["achievement"]["external_ref"], target["external_ref"], "{answer}");
    assert!(!items.iter().any(|i| i["achievement"]["id"] == decoy["id"]), "{answer}");
    for item in items {
        let factors = item["explanation"]["factors"].as_array().unwrap();
        let text = factors[0]["value"].as_f64().unwrap();
        assert!(item["score"].as_f64().unwrap() <= text + 1e-9, "the score never passes the text");
    }
}

#[tokio::test]
async fn only_the_demands_organization_brokers_and_admins_see_its_matches() {
    let app = spawn_app().await;
    let (university, enterprise, admin) = market(&app).await;
    let demand = publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({"title": "求飞行器姿态控制算法", "description": "需要大角度机动的镇定控制器设计方法。", "keywords": ["姿态控制"], "technology_field": "aerospace"}),
    )
    .await;
    let path = format!("/api/v1/demands/{demand}/matches");
    app.as_user(&enterprise).get(&path).expect(200).await;
    app.as_user(&admin).get(&path).expect(200).await;
    app.as_user(&university).get(&path).problem(403).await;
    let rival = app.enterprise(7).await;
    app.as_user(&rival).get(&path).problem(403).await;
    app.anon().get(&path).problem(401).await;
    app.post(
        "/api/v1/auth/register",
        None,
        json!({"email": "broker@example.com", "password": PASSWORD, "display_name": "经纪人", "role": "broker"}),
    )
    .await;
    let broker = app.session("broker@example.com").await;
    app.as_user(&broker).get(&path).expect(200).await;
    app.as_user(&university)
        .post("/api/v1/matching/achievements")
        .json(json!({"text": "姿态控制"}))
        .problem(403)
        .await;
}

#[tokio::test]
async fn feedback_removes_irrelevant_matches_and_is_kept() {
    let app = spawn_app().await;
    let (university, enterprise, admin) = market(&app).await;
    let target = record(0);
    let demand = publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({"title": target["title"], "description": format!("我们还关注{}", record(1)["title"].as_str().unwrap()), "keywords": record(1)["keywords"], "technology_field": target["technology_field"]}),
    )
    .await;
    let path = format!("/api/v1/demands/{demand}/matches?limit=5");
    let before = app.as_user(&enterprise).get(&path).expect(200).await;
    let first = before["items"][0]["achievement"]["id"].as_str().unwrap().to_string();
    let second = before["items"][1]["achievement"]["id"].as_str().unwrap().to_string();
    let card = &before["items"][0]["achievement"];
    assert!(
        card["organization_name"].as_str().is_some_and(|n| n.starts_with("测试机构")),
        "{card}"
    );
    assert_eq!(card["region_name"], "浙江省杭州市西湖区", "a match reads without further calls");
    let body = |id: &str, relevant: bool| json!({"demand_id": demand, "achievement_id": id, "relevant": relevant, "reason": "too_early"});
    app.as_user(&university)
        .post("/api/v1/matches/feedback")
        .json(body(&first, false))
        .problem(403)
        .await;
    app.as_user(&enterprise)
        .post("/api/v1/matches/feedback")
        .json(body(&first, false))
        .expect(201)
        .await;
    app.as_user(&enterprise)
        .post("/api/v1/matches/feedback")
        .json(body(&second, true))
        .expect(201)
        .await;
    let after = app.as_user(&enterprise).get(&path).expect(200).await;
    let ids: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["achievement"]["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&first.as_str()));
    let marked = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["achievement"]["id"] == second.as_str())
        .unwrap();
    assert_eq!(marked["explanation"]["feedback"], "relevant");
    // Changing one's mind: the latest feedback governs.
    app.as_user(&enterprise)
        .post("/api/v1/matches/feedback")
        .json(body(&first, true))
        .expect(201)
        .await;
    let again = app.as_user(&enterprise).get(&path).expect(200).await;
    assert!(
        again["items"].as_array().unwrap().iter().any(|i| i["achievement"]["id"] == first.as_str())
    );
}

#[tokio::test]
async fn an_achievement_finds_the_open_demands_it_answers_and_a_new_record_is_matchable_at_once() {
    let app = spawn_app().await;
    let (university, enterprise, admin) = market(&app).await;
    let demand = publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({"title": "高镍三元正极循环寿命衰减快，寻求包覆改性方案", "description": "高镍正极材料在高温循环后容量保持率低，希望合作开发表面包覆或掺杂改性工艺。", "keywords": ["高镍正极", "包覆改性", "锂离子电池"], "technology_field": "new_energy", "budget_min_fen": 20_000_000, "budget_max_fen": 100_000_000, "required_maturity": "small_scale", "cooperation_modes": ["joint_development"]}),
    )
    .await;
    let created = app.as_user(&admin).post("/api/v1/achievements?publish=true").json(json!({"title": "高镍正极材料表面包覆改性技术", "summary": "采用原子层沉积在高镍三元正极表面包覆氧化铝，显著提升高温循环稳定性，已完成公斤级中试。", "keywords": ["高镍正极", "包覆改性", "循环稳定性"], "technology_field": "new_energy", "maturity": "pilot", "cooperation_modes": ["joint_development", "license"], "asking_price_fen": 80_000_000, "org_id": university.organization_id})).expect(201).await;
    let achievement = created["id"].as_str().unwrap();
    // Matchable right away from the demand's side…
    let matches = app
        .as_user(&enterprise)
        .get(format!("/api/v1/demands/{demand}/matches?limit=3"))
        .expect(200)
        .await;
    assert_eq!(matches["items"][0]["achievement"]["id"], achievement, "{matches}");
    assert!(matches["items"][0]["explanation"]["violations"].as_array().unwrap().is_empty());
    let card = &matches["items"][0]["achievement"];
    assert_eq!(
        (&card["maturity"], &card["asking_price_fen"], &card["technology_field"]),
        (&json!("pilot"), &json!(80_000_000), &json!("new_energy")),
        "{card}"
    );
    // …and the demand from the achievement's side.
    let back = app
        .as_user(&university)
        .get(format!("/api/v1/achievements/{achievement}/matches"))
        .expect(200)
        .await;
    assert_eq!(back["items"][0]["demand"]["id"], demand.as_str(), "{back}");
    let card = &back["items"][0]["demand"];
    assert_eq!(
        [
            &card["budget_min_fen"],
            &card["budget_max_fen"],
            &card["required_maturity"],
            &card["reward_fen"]
        ],
        [&json!(20_000_000), &json!(100_000_000), &json!("small_scale"), &Value::Null],
        "{card}"
    );
    assert!(back["items"][0]["demand"]["organization_name"].is_string(), "{back}");
    app.as_user(&enterprise)
        .get(format!("/api/v1/achievements/{achievement}/matches"))
        .problem(403)
        .await;
}

#[tokio::test]
async fn demands_find_the_experts_and_service_organizations_that_can_help() {
    let app = spawn_app().await;
    let enterprise = app.enterprise(2).await;
    let admin = app.admin(1).await;
    let demand = publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({"title": "印染废水COD居高不下，求深度处理工艺", "description": "生化出水COD偏高，色度大，希望找到高级氧化或膜分离深度处理方案。", "keywords": ["印染废水", "深度处理"], "technology_field": "environmental_protection"}),
    )
    .await;
    let expert = |name: &str, fields: Value, keywords: Value, bio: &str| json!({"name": name, "title": "professor", "affiliation_name": "某大学", "technology_fields": fields, "expertise_keywords": keywords, "bio": bio, "region_code": "330106", "services": ["consulting", "diagnosis"]});
    for body in [
        expert(
            "陈明远",
            json!(["environmental_protection"]),
            json!(["印染废水", "高级氧化"]),
            "长期从事印染废水深度处理与高级氧化研究，多项技术在工业园区落地。",
        ),
        expert(
            "王立",
            json!(["aerospace"]),
            json!(["飞行器", "姿态控制"]),
            "研究飞行器姿态控制与导航制导，主持多项航天课题。",
        ),
    ] {
        app.as_user(&admin).post("/api/v1/experts?publish=true").json(body).expect(201).await;
    }
    let experts =
        app.as_user(&enterprise).get(format!("/api/v1/demands/{demand}/experts")).expect(200).await;
    assert_eq!(experts["items"][0]["expert"]["name"], "陈明远", "{experts}");
    let sum: f64 = experts["items"][0]["explanation"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["contribution"].as_f64().unwrap())
        .sum();
    assert!((sum - experts["items"][0]["score"].as_f64().unwrap()).abs() < 1e-6);

    let provider_org =
        app.register_with_org("sp@example.com", "service_provider", "service_provider", 9).await;
    let org_id = provider_org["organization_id"].as_str().unwrap();
    app.as_user(&admin).post("/api/v1/service-providers?publish=true").json(json!({"org_id": org_id, "service_types": ["testing_certification"], "technology_fields": ["environmental_protection"], "description": "提供废水水质检测、环保工程验收检测与第三方评估服务。", "accepts_vouchers": true})).expect(201).await;
    let providers = app
        .as_user(&enterprise)
        .get(format!("/api/v1/demands/{demand}/service-providers"))
        .expect(200)
        .await;
    assert_eq!(providers["items"][0]["service_provider"]["org_id"], org_id, "{providers}");
    let outsider = app.university(3).await;
    app.as_user(&outsider).get(format!("/api/v1/demands/{demand}/experts")).problem(403).await;
}

#[tokio::test]
async fn two_instances_on_one_database_converge() {
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let university = first.university(1).await;
    let admin = first.admin(1).await;
    let created = first.as_user(&admin).post("/api/v1/achievements?publish=true").json(json!({"title": "一种深海探测机器人的耐压壳体结构", "summary": "采用钛合金与复合材料组合的耐压壳体，适用于万米深海探测机器人。", "keywords": ["耐压壳体", "深海探测"], "technology_field": "advanced_manufacturing", "org_id": university.organization_id})).expect(201).await;
    let id = created["id"].as_str().unwrap();
    let query = "/api/v1/achievements?q=%E8%80%90%E5%8E%8B%E5%A3%B3%E4%BD%93"; // 耐压壳体
    let found_on_first = first.anon().get(query).expect(200).await;
    assert_eq!(found_on_first["items"][0]["id"], id, "at once on the instance that wrote it");
    let started = std::time::Instant::now();
    loop {
        let page = second.anon().get(query).expect(200).await;
        if page["items"].as_array().is_some_and(|items| items.iter().any(|i| i["id"] == id)) {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the second instance never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Deletions travel too.
    let draft = second.as_user(&university).post("/api/v1/achievements").json(json!({"title": "深海耐压壳体的快速检测方法", "summary": "一种针对深海耐压壳体焊缝的快速无损检测方法。", "keywords": ["耐压壳体"], "technology_field": "advanced_manufacturing"})).expect(201).await;
    let draft_id = draft["id"].as_str().unwrap();
    second
        .as_user(&university)
        .request(reqwest::Method::DELETE, format!("/api/v1/achievements/{draft_id}"))
        .expect(204)
        .await;
    let mine = first.as_user(&university).get(format!("{query}&mine=true")).expect(200).await;
    assert!(!mine["items"].as_array().unwrap().iter().any(|i| i["id"] == draft_id));
}

#[tokio::test]
async fn an_index_that_was_down_catches_up_on_edits_from_its_checkpoint() {
    use techmarket::listings::Library;
    use techmarket::listings::reindex::{ChangeFeed, doc_for};

    let app = spawn_app().await;
    let university = app.university(1).await;
    let admin = app.admin(1).await;
    let created = app.as_user(&admin).post("/api/v1/achievements?publish=true").json(json!({"title": "一种秸秆还田机械的刀具结构", "summary": "适用于玉米秸秆粉碎还田的新型刀具结构，降低功耗。", "keywords": ["秸秆还田"], "technology_field": "agriculture", "org_id": university.organization_id})).expect(201).await;
    let id = created["id"].as_str().unwrap().to_string();
    // Another instance indexed the record, then went down.
    let offline_index = techmarket::search::SearchIndex::in_memory().unwrap();
    let offline_vocabulary = techmarket::matching::engine::MatchingState::default();
    let db = app.state.db.clone();
    let doc_id = id.clone();
    let index = offline_index.clone();
    let checkpoint = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let doc = doc_for(&mut conn, Library::Achievements, &doc_id).unwrap().unwrap();
        index.upsert(&doc).unwrap();
        techmarket::db::now()
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // While it is down, the record is renamed.
    app.as_user(&university)
        .patch(format!("/api/v1/achievements/{id}"))
        .json(json!({"title": "一种玉米收获机的茎秆切割装置", "version": created["version"]}))
        .expect(200)
        .await;
    let stalk_cutters = |index: &techmarket::search::SearchIndex| {
        let (library, words) =
            (techmarket::search::Library::Achievements, techmarket::search::WordMatch::Any);
        index.search(library, "茎秆切割", words, 5).unwrap()
    };
    let stale = stalk_cutters(&offline_index);
    assert!(stale.is_empty());
    // Back up: its feed replays the changes since its checkpoint.
    let db = app.state.db.clone();
    let index = offline_index.clone();
    let (mut feed, vocabulary) = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let mut feed = ChangeFeed::starting_at(checkpoint);
        assert!(feed.poll(&mut conn, &index, &offline_vocabulary).unwrap() >= 1);
        // Nothing new: the next poll reads nothing again.
        assert_eq!(feed.poll(&mut conn, &index, &offline_vocabulary).unwrap(), 0);
        (feed, offline_vocabulary)
    })
    .await
    .unwrap();
    let fresh = stalk_cutters(&offline_index);
    assert_eq!(fresh.first().map(|h| h.id.as_str()), Some(id.as_str()));
    // Renamed again: the running feed picks up the entries after the last one it read.
    let current = app.anon().get(format!("/api/v1/achievements/{id}")).expect(200).await;
    app.as_user(&university)
        .patch(format!("/api/v1/achievements/{id}"))
        .json(json!({"title": "一种玉米收获机的果穗剥皮装置", "version": current["version"]}))
        .expect(200)
        .await;
    let db = app.state.db.clone();
    let index = offline_index.clone();
    let saved = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        assert_eq!(feed.poll(&mut conn, &index, &vocabulary).unwrap(), 1);
        feed.checkpoint()
    })
    .await
    .unwrap();
    let husking = offline_index
        .search(
            techmarket::search::Library::Achievements,
            "果穗剥皮",
            techmarket::search::WordMatch::Any,
            5,
        )
        .unwrap();
    assert_eq!(husking.first().map(|h| h.id.as_str()), Some(id.as_str()));
    // Restarted: resumed from its checkpoint, the feed reads nothing again; from the
    // checkpoint's time alone it would read the window before it once more.
    assert!(saved.seq.is_some(), "the checkpoint names the last entry read");
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let vocabulary = techmarket::matching::engine::MatchingState::default();
        let resumed = ChangeFeed::resuming(saved).poll(&mut conn, &offline_index, &vocabulary);
        assert_eq!(resumed.unwrap(), 0, "a restart resumes after the last entry read");
        let by_time =
            ChangeFeed::starting_at(saved.since).poll(&mut conn, &offline_index, &vocabulary);
        assert!(by_time.unwrap() >= 1, "by time alone the window is read again");
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn reindex_rebuilds_the_whole_index_from_the_database() {
    let app = spawn_app().await;
    let (_, enterprise, admin) = market(&app).await;
    publish_demand(
        &app,
        &enterprise,
        &admin,
        json!({"title": "求飞行器姿态控制算法", "description": "需要大角度机动的镇定控制器设计方法。", "keywords": ["姿态控制"], "technology_field": "aerospace"}),
    )
    .await;
    let db = app.state.db.clone();
    let (count, hits) = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        let index = techmarket::search::SearchIndex::in_memory().unwrap();
        let count = techmarket::listings::reindex::rebuild(&mut conn, &index).unwrap();
        let target = record(0);
        let hits = index
            .search(
                techmarket::search::Library::Achievements,
                target["title"].as_str().unwrap(),
                techmarket::search::WordMatch::Any,
                3,
            )
            .unwrap();
        let demands = index
            .search(
                techmarket::search::Library::Demands,
                "姿态控制",
                techmarket::search::WordMatch::Any,
                3,
            )
            .unwrap();
        assert_eq!(demands.len(), 1);
        (count, hits)
    })
    .await
    .unwrap();
    assert!(count >= 190, "{count} records indexed");
    let target = record(0);
    let listed = assert_status(
        app.client
            .get(app.url("/api/v1/achievements"))
            .query(&[("q", target["title"].as_str().unwrap()), ("limit", "1")])
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["external_ref"], target["external_ref"]);
    assert_eq!(
        hits.first().map(|h| h.id.as_str()),
        listed["items"][0]["id"].as_str(),
        "the rebuilt index ranks the same record first"
    );
}
