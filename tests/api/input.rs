//! Bad bytes: NUL and other control characters in paths, queries, cursors and bodies answer
//! 4xx problem documents on both backends (PostgreSQL refuses NUL in text, which used to be a
//! 500); CSV exports neutralize formulas; records the caller may not see answer like unknown
//! ids.

use base64::Engine;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn field_codes(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_string(),
                        e["code"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn send_raw(
    app: &TestApp,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.with_token(token).post(path).body(content_type, body).send().await
}

#[tokio::test]
async fn control_characters_anywhere_answer_4xx_problems_never_500() {
    let app = spawn_app().await;
    let university = app.university(1).await;
    let enterprise = app.enterprise(2).await;
    let admin = app.admin(1).await;
    let achievement = app.publish("achievements", &university, &admin, sample_achievement(1)).await;
    let token = enterprise.access_token.as_str();

    // Query parameters: 422 naming the parameter.
    for (path, field) in [
        ("/api/v1/achievements?org_id=%00", "org_id"),
        ("/api/v1/demands?q=%E7%94%B5%00%E6%B1%A0", "q"),
        ("/api/v1/experts?region=33%00", "region"),
        ("/api/v1/deals?status=%01", "status"),
        ("/api/v1/achievements/export?format=csv&org_id=%00", "org_id"),
        ("/api/v1/demands/export?format=ndjson&q=%00", "q"),
        ("/api/v1/achievements/import?org_id=%00", "org_id"),
    ] {
        let problem = app.with_token(token).get(path).problem(422).await;
        assert_eq!(
            field_codes(&problem),
            [(field.to_string(), "control_character".to_string())],
            "{path}"
        );
        assert_eq!(problem["code"], "validation");
    }
    // Ids in paths: 404, as for any id that names nothing.
    for path in [
        "/api/v1/achievements/%00",
        "/api/v1/achievements/0190aaaa%00",
        "/api/v1/organizations/%00",
        "/api/v1/deals/%00",
        "/api/v1/events/%00/achievements",
    ] {
        let problem = app.with_token(token).get(path).problem(404).await;
        assert_eq!(problem["code"], "not_found", "{path}");
    }
    let problem = app
        .with_token(token)
        .post("/api/v1/events/%00/achievements")
        .json(json!({"ids": []}))
        .problem(404)
        .await;
    assert_eq!(problem["code"], "not_found");

    // A cursor hiding a NUL is not a cursor this API returned.
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("k1:0190\u{0}x");
    let problem =
        app.anon().get(format!("/api/v1/achievements?cursor={cursor}")).problem(422).await;
    assert_eq!(field_codes(&problem)[0].1, "invalid_cursor");

    // JSON bodies: sign-in, registration, deals, a new record.
    let problem = app
        .anon()
        .post("/api/v1/auth/login")
        .json(json!({"email": "a\u{0}@b.cn", "password": PASSWORD}))
        .problem(422)
        .await;
    assert_eq!(field_codes(&problem), [("email".to_string(), "control_character".to_string())]);
    let problem = app
        .anon()
        .post("/api/v1/auth/register")
        .json(json!({"email": "x\u{0}@example.com", "password": PASSWORD,
                   "display_name": "铃\u{7}声", "role": "broker"}))
        .problem(422)
        .await;
    assert_eq!(
        field_codes(&problem),
        [
            ("display_name".to_string(), "control_character".to_string()),
            ("email".to_string(), "control_character".to_string()),
        ]
    );
    let problem = app
        .with_token(token)
        .post("/api/v1/deals")
        .json(json!({"achievement_id": format!("{}\u{0}", achievement["id"].as_str().unwrap()),
                   "buyer_org_id": enterprise.organization_id,
                   "seller_org_id": university.organization_id, "source": "match"}))
        .problem(422)
        .await;
    assert_eq!(
        field_codes(&problem),
        [("achievement_id".to_string(), "control_character".to_string())]
    );
    let mut body = sample_achievement(5);
    body["keywords"][1] = json!("正极\u{0}材料");
    body["summary"] = json!("第一行\n第二行\t制表\r\n".repeat(10));
    let problem =
        app.as_user(&university).post("/api/v1/achievements").json(body).problem(422).await;
    assert_eq!(
        field_codes(&problem),
        [("keywords[1]".to_string(), "control_character".to_string())],
        "tab and line breaks stay allowed"
    );

    // Import lines: NDJSON escapes and raw bytes in CSV cells, numbered by line.
    let org = university.organization_id.clone().unwrap();
    let mut line = sample_achievement(6);
    line["title"] = json!("标题\u{0}");
    let ndjson = format!("{}\n{line}\n", sample_achievement(7));
    let problem = assert_problem(
        send_raw(
            &app,
            &format!("/api/v1/achievements/import?org_id={org}"),
            &admin.access_token,
            "application/x-ndjson",
            ndjson.into_bytes(),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(problem["errors"][0]["line"], 2);
    assert_eq!(problem["errors"][0]["field"], "title");
    assert_eq!(problem["errors"][0]["code"], "control_character");
    let csv = b"title,summary,technology_field\nab\x00c,\xe6\x91\x98\x01,agriculture\n".to_vec();
    let problem = assert_problem(
        send_raw(
            &app,
            &format!("/api/v1/achievements/import?org_id={org}"),
            &admin.access_token,
            "text/csv",
            csv,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields = field_codes(&problem);
    assert!(
        fields.contains(&("title".to_string(), "control_character".to_string()))
            && fields.contains(&("summary".to_string(), "control_character".to_string())),
        "{problem}"
    );

    // Nothing was lost: the published record is still there, and nothing else was created.
    let page = app.anon().get("/api/v1/achievements").expect(200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn csv_exports_neutralize_formulas_and_ndjson_stays_exact() {
    let app = spawn_app().await;
    let university = app.university(1).await;
    let admin = app.admin(1).await;
    let formula = "=HYPERLINK(\"http://x\",\"点击查看成果详情\")";
    let mut body = sample_achievement(1);
    body["title"] = json!(formula);
    body["keywords"] = json!(["+锂电池", "正极材料"]);
    app.publish("achievements", &university, &admin, body).await;

    let text = app.get("/api/v1/achievements/export?format=csv", None).await.text().await.unwrap();
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\",\"\"点击查看成果详情\"\")\""), "{text}");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert_eq!(&row[column("title")], format!("'{formula}"));
    assert_eq!(&row[column("keywords")], "'+锂电池;正极材料");
    assert_eq!(&row[column("asking_price_fen")], "50000000");

    let ndjson =
        app.get("/api/v1/achievements/export?format=ndjson", None).await.text().await.unwrap();
    let record: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(record["title"], formula);
    assert_eq!(record["keywords"][0], "+锂电池");
}

#[tokio::test]
async fn another_organizations_draft_in_a_deal_answers_like_an_unknown_id() {
    let app = spawn_app().await;
    let enterprise = app.enterprise(1).await;
    let university = app.university(2).await;
    let admin = app.admin(1).await;
    app.verify_orgs(&admin, &[&enterprise]).await;
    let draft = app
        .as_user(&university)
        .post("/api/v1/achievements")
        .json(sample_achievement(1))
        .expect(201)
        .await;
    let mut answers = Vec::new();
    for id in [draft["id"].as_str().unwrap(), "0190aaaa-0000-7000-8000-000000000000"] {
        let problem = app
            .as_user(&enterprise)
            .post("/api/v1/deals")
            .json(json!({"achievement_id": id, "buyer_org_id": enterprise.organization_id,
                       "seller_org_id": university.organization_id, "source": "match"}))
            .problem(422)
            .await;
        answers.push((problem["detail"].clone(), problem["errors"].clone()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].1[0]["code"], "not_found");
}
