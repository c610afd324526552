//! Bulk import and export, on the real CSL records.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The CSL records shipped with the crate (real Chinese abstracts).
pub(crate) fn csl_lines(count: usize) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/csl/achievements.jsonl");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines().take(count).map(str::to_owned).collect()
}

async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    content_type: &str,
    body: String,
) -> reqwest::Response {
    let path = format!("/api/v1/achievements/import{query}");
    app.with_token(token).post(path).body(content_type, body).send().await
}

/// Imports NDJSON lines as an administrator into `org`, published at once; the 201 report.
async fn import_published(app: &TestApp, token: &str, org: &str, lines: &[String]) -> Value {
    let query = format!("?org_id={org}&publish=true");
    let response = import(app, token, &query, "application/x-ndjson", lines.join("\n")).await;
    assert_status(response, StatusCode::CREATED).await
}

#[tokio::test]
async fn admins_import_real_records_published_and_search_ranks_them() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let lines = csl_lines(300);
    let org = owner.organization_id.clone().unwrap();
    let report = assert_status(
        import(
            &app,
            &admin.access_token,
            &format!("?org_id={org}&publish=true&partial=true"),
            "application/x-ndjson",
            lines.join("\n"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Some real records carry more than the 10 keywords a listing may have: reported, not created.
    let too_many = lines
        .iter()
        .filter(|l| {
            serde_json::from_str::<Value>(l).unwrap()["keywords"].as_array().unwrap().len() > 10
        })
        .count();
    assert!(too_many > 0);
    assert_eq!(report["created"], 300 - too_many);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), too_many);
    assert!(errors.iter().all(|e| e["code"] == "too_many" && e["field"] == "keywords"));

    // Every record's own title finds it first.
    let mut first = 0;
    for line in lines
        .iter()
        .filter(|l| {
            serde_json::from_str::<Value>(l).unwrap()["keywords"].as_array().unwrap().len() <= 10
        })
        .take(40)
    {
        let record: Value = serde_json::from_str(line).unwrap();
        let title = record["title"].as_str().unwrap();
        let page = assert_status(
            app.client
                .get(app.url("/api/v1/achievements"))
                .query(&[("q", title), ("limit", "5")])
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        if page["items"][0]["external_ref"] == record["external_ref"] {
            first += 1;
        }
    }
    assert!(first >= 38, "only {first} of 40 titles ranked their record first");

    // A duplicate external_ref in a second import fails the whole import.
    let again = import(
        &app,
        &admin.access_token,
        &format!("?org_id={org}"),
        "application/x-ndjson",
        lines[0].clone(),
    )
    .await;
    let problem = assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["line"], 1);
    assert_eq!(problem["errors"][0]["field"], "external_ref");
}

#[tokio::test]
async fn imports_are_all_or_nothing_unless_partial() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let mut lines = csl_lines(5);
    lines[2] =
        json!({"title": "x", "summary": "太短", "keywords": [], "technology_field": "alchemy"})
            .to_string();
    lines.push("{not json".into());
    let body = lines.join("\n");
    let failed = assert_problem(
        import(&app, &owner.access_token, "", "application/x-ndjson", body.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let failing_lines: Vec<u64> =
        failed["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert!(failing_lines.contains(&6), "{failed}");
    let mine = app.as_user(&owner).get("/api/v1/achievements?mine=true").expect(200).await;
    assert!(mine["items"].as_array().unwrap().is_empty(), "nothing created");

    let partial = assert_status(
        import(
            &app,
            &owner.access_token,
            "?partial=true",
            "application/x-ndjson",
            lines[..5].join("\n"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(partial["created"], 4);
    let errors = partial["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| e["line"] == 3), "{partial}");
    let drafts = app.as_user(&owner).get("/api/v1/achievements?status=draft").expect(200).await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 4);

    // Members cannot publish on import or pick another organization.
    assert_problem(
        import(
            &app,
            &owner.access_token,
            "?publish=true",
            "application/x-ndjson",
            lines[0].clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_problem(
        import(&app, &owner.access_token, "", "application/json", lines[0].clone()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    let enterprise = app.enterprise(2).await;
    let outsider =
        import(&app, &enterprise.access_token, "", "application/x-ndjson", lines[1].clone()).await;
    let created = assert_status(outsider, StatusCode::CREATED).await;
    assert_eq!(created["created"], 1, "enterprises list achievements too");
}

#[tokio::test]
async fn csv_imports_and_exports_round_trip_without_confidential_details() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let org = owner.organization_id.clone().unwrap();
    let csv = "\u{feff}title,summary,keywords,technology_field,maturity,trl,cooperation_modes,asking_price_fen,contact.phone,confidential_details,external_ref\n\
        智能温室环境调控系统,基于物联网传感器与模型预测控制的温室温湿度调控方法，节能百分之二十。,物联网;温室;模型预测控制,agriculture,pilot,6,license;transfer,3000000,13800138000,控制参数表,AG-1\n\
        \"高强韧铝合金, 航空用\",一种通过微合金化与形变热处理提高铝合金强韧性的工艺，已完成中试验证。,铝合金;热处理,new_materials,pilot,7,transfer,,0571-87951234,熔炼配方,AL-2\n";
    let report = assert_status(
        import(
            &app,
            &admin.access_token,
            &format!("?org_id={org}&publish=true"),
            "text/csv",
            csv.into(),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(report["created"], 2);
    let one = app
        .as_user(&owner)
        .get(format!("/api/v1/achievements/{}", report["ids"][0].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(one["keywords"], json!(["物联网", "温室", "模型预测控制"]));
    assert_eq!(one["cooperation_modes"], json!(["transfer", "license"]));
    assert_eq!(one["asking_price_fen"], 3_000_000);
    assert!(one["has_confidential_details"].as_bool().unwrap());

    let exported = app.get("/api/v1/achievements/export?format=csv", None).await;
    assert_eq!(exported.status(), StatusCode::OK);
    assert!(
        exported.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv")
    );
    let text = exported.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "a byte-order mark for spreadsheet programmes");
    let zh = app.anon().get("/api/v1/achievements/export?format=csv&headers=zh").csv().await;
    assert!(zh.starts_with("编号,外部编号,标题,简介,关键词"), "{zh}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[2], "title");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().any(|r| &r[2] == "高强韧铝合金, 航空用"));
    assert!(!text.contains("熔炼配方") && !text.contains("控制参数表"));
    assert!(!text.contains("13800138000"), "contacts only for signed-in callers");

    let ndjson = app
        .get(
            "/api/v1/achievements/export?format=ndjson&technology_field=agriculture",
            Some(&owner.access_token),
        )
        .await
        .text()
        .await
        .unwrap();
    let records: Vec<Value> = ndjson.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["contact"]["phone"], "13800138000");
    assert!(records[0].get("confidential_details").is_none());
}

#[tokio::test]
async fn enterprises_import_and_export_demands() {
    let app = spawn_app().await;
    let enterprise = app.enterprise(1).await;
    let lines = [
        json!({"title": "印染废水COD居高不下，求低成本深度处理工艺", "description": "生化出水COD在120mg/L左右，芬顿药剂成本太高，希望找到运行成本更低的深度处理技术。", "keywords": ["印染废水", "深度处理"], "technology_field": "environmental_protection", "budget_max_fen": 200_000_000, "confidential_details": "现有工艺参数"}),
        json!({"title": "机器人焊接焊缝跟踪不稳定", "description": "薄板焊接时焊缝跟踪经常偏移，返修率高，寻求视觉焊缝实时跟踪技术。", "keywords": ["焊缝跟踪"], "technology_field": "advanced_manufacturing", "reward_fen": 50_000_000}),
    ];
    let body = lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n");
    let imported = app
        .as_user(&enterprise)
        .post("/api/v1/demands/import")
        .body("application/x-ndjson", body.clone())
        .expect(201)
        .await;
    assert_eq!(imported["created"], 2);
    let university = app.university(2).await;
    app.as_user(&university)
        .post("/api/v1/demands/import")
        .body("application/x-ndjson", body)
        .problem(403)
        .await;
    let exported = app
        .get("/api/v1/demands/export?format=ndjson&mine=true", Some(&enterprise.access_token))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(exported.lines().count(), 2);
    assert!(!exported.contains("现有工艺参数"));
    let public = app.get("/api/v1/demands/export", None).await.text().await.unwrap();
    assert_eq!(public.lines().count(), 1, "drafts are not exported to the public: only the header");
}

#[tokio::test]
async fn imports_point_out_near_duplicates() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let lines = csl_lines(3);
    let mut copy: Value = serde_json::from_str(&lines[0]).unwrap();
    copy["external_ref"] = json!("copy-of-first");
    let body = format!("{}\n{}\n{}", lines[0], lines[1], copy);
    let report = assert_status(
        import(&app, &owner.access_token, "", "application/x-ndjson", body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(report["created"], 3);
    let duplicates = report["possible_duplicates"].as_array().unwrap();
    let lines_flagged: Vec<u64> = duplicates.iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert!(lines_flagged.contains(&1) && lines_flagged.contains(&3), "{report}");
    assert!(!lines_flagged.contains(&2), "{report}");
    assert!(duplicates.iter().all(|d| d["duplicate_of"]["similarity"].as_f64().unwrap() >= 0.75));
}

/// More textual hits than a search hands out at once: a filter that leaves a few records still
/// finds every one of them, in relevance order, paged to the end.
#[tokio::test]
async fn a_filter_finds_every_record_among_more_hits_than_a_search_hands_out() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let org = owner.organization_id.clone().unwrap();
    let lines: Vec<String> = (0..1_030u32)
        .map(|n| {
            let mut body = sample_achievement(n);
            body["external_ref"] = json!(format!("bulk-{n}"));
            // Thirty of them sit in Shenzhen; the rest in Hangzhou.
            body["region_code"] = json!(if n % 34 == 0 && n < 1_020 { "440305" } else { "330106" });
            body.as_object_mut().unwrap().remove("confidential_details");
            body.to_string()
        })
        .collect();
    let shenzhen = lines.iter().filter(|l| l.contains("440305")).count();
    assert_eq!(shenzhen, 30);
    let report = import_published(&app, &admin.access_token, &org, &lines).await;
    assert_eq!(report["created"], 1_030);
    let mut found = Vec::new();
    for page in every_page(&app, "/api/v1/achievements?q=正极材料&region=4403&limit=7").await {
        assert_eq!(page["total"], 30, "{page}");
        for item in page["items"].as_array().unwrap() {
            assert_eq!(item["region_code"], "440305");
            found.push(item["id"].as_str().unwrap().to_string());
        }
    }
    found.sort();
    found.dedup();
    assert_eq!(found.len(), 30, "every Shenzhen record, once");
}

/// Every page of a list, following `next_cursor` from `path` (which has a query string).
async fn every_page(app: &TestApp, path: &str) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_string(),
        };
        let page = app.anon().get(page_path).expect(200).await;
        cursor = page["next_cursor"].as_str().map(str::to_string);
        pages.push(page);
        if cursor.is_none() {
            return pages;
        }
    }
}

/// Every id of an achievements list, paged to the end with `limit=40`, and the total it reported.
async fn every_id(app: &TestApp, query: &str) -> (Vec<String>, i64) {
    let pages = every_page(app, &format!("/api/v1/achievements?{query}&limit=40")).await;
    let ids = pages
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().iter())
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect();
    (ids, pages[0]["total"].as_i64().unwrap_or(-1))
}

/// A word every record holds: each filter (field, industry, maturity, cooperation mode, price,
/// region, organization) leaves hundreds of hits, and the search pages through exactly the
/// records the plain list shows under the same filter; a price order holds across pages; an
/// export of the search holds every hit.
#[tokio::test]
async fn a_search_pages_through_every_hit_its_filters_leave() {
    let app = spawn_app().await;
    let owner = app.university(1).await;
    let admin = app.admin(1).await;
    let org = owner.organization_id.clone().unwrap();
    let fields = ["new_energy", "advanced_manufacturing", "aerospace"];
    let maturities = ["lab", "pilot", "industrialization"];
    let industries = ["new_materials", "biotech"];
    let modes = [json!(["license"]), json!(["transfer", "equity"])];
    let regions = ["330106", "440305", "110101"];
    let lines: Vec<String> = (0..1_200u32)
        .map(|n| {
            let i = n as usize;
            let mut body = sample_achievement(n);
            body["external_ref"] = json!(format!("every-{n}"));
            body["technology_field"] = json!(fields[i % 3]);
            body["maturity"] = json!(maturities[(i / 3) % 3]);
            body["industry"] = json!(industries[i % 2]);
            body["cooperation_modes"] = modes[(i / 2) % 2].clone();
            body["region_code"] = json!(regions[(i / 5) % 3]);
            body["asking_price_fen"] = if n % 7 == 0 {
                Value::Null
            } else {
                json!(1_000_000 + i64::from(n % 97) * 10_000)
            };
            body.as_object_mut().unwrap().remove("confidential_details");
            body.to_string()
        })
        .collect();
    let report = import_published(&app, &admin.access_token, &org, &lines).await;
    assert_eq!(report["created"], 1_200);
    let filters = [
        "technology_field=aerospace".to_string(),
        "maturity=pilot&industry=biotech".to_string(),
        "cooperation_mode=equity".to_string(),
        "price_min=1300000&price_max=1800000".to_string(),
        "region=44".to_string(),
        "region=110101&technology_field=new_energy".to_string(),
        format!("org_id={org}&cooperation_mode=license"),
    ];
    for filter in &filters {
        let (mut plain, plain_total) = every_id(&app, filter).await;
        let (mut searched, searched_total) = every_id(&app, &format!("q=正极材料&{filter}")).await;
        assert!(plain.len() > 60, "{filter}: {} records", plain.len());
        assert_eq!(searched_total, plain_total, "{filter}");
        assert_eq!(searched.len(), plain.len(), "{filter}: every hit, once per page");
        plain.sort();
        searched.sort();
        searched.dedup();
        assert_eq!(searched, plain, "{filter}: the hits are the records the filter leaves");
    }
    // Cheapest first through every page, negotiable records last.
    let path = "/api/v1/achievements?q=正极材料&region=33&sort=price_asc&limit=50";
    let prices: Vec<Option<i64>> = every_page(&app, path)
        .await
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().iter())
        .map(|item| item["asking_price_fen"].as_i64())
        .collect();
    assert_eq!(prices.len(), 400);
    let priced: Vec<i64> = prices.iter().map_while(|p| *p).collect();
    assert!(priced.windows(2).all(|w| w[0] <= w[1]), "cheapest first");
    assert!(prices[priced.len()..].iter().all(Option::is_none), "negotiable last");
    let exported =
        app.anon().get("/api/v1/achievements/export?format=csv&q=正极材料&region=44").csv().await;
    assert_eq!(
        exported.lines().filter(|l| !l.trim().is_empty()).count(),
        1 + 400,
        "header and every hit"
    );
}
