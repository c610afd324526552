//! Chinese first: every human text is zh-CN unless `Accept-Language` asks for English, the
//! answer says its language, and the machine codes never change.

use serde_json::{Value, json};

use crate::helpers::*;

async fn problem_in(app: &TestApp, call: Call, language: Option<&str>, status: u16) -> Value {
    let call = match language {
        Some(language) => call.header("accept-language", language),
        None => call,
    };
    let response = call.send().await;
    assert_eq!(response.status().as_u16(), status);
    let expected = match language {
        Some(l) if l.starts_with("en") => "en",
        _ => "zh-CN",
    };
    assert_eq!(response.headers()["content-language"], expected, "{}", app.address);
    let vary: Vec<&str> =
        response.headers().get_all("vary").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(vary.iter().any(|v| v.contains("Accept-Language")), "{vary:?}");
    response.json().await.expect("a problem document")
}

#[tokio::test]
async fn problems_are_chinese_unless_english_is_asked_for() {
    let app = spawn_app().await;
    let zh = problem_in(&app, app.anon().get("/api/v1/deals/nothing-here"), None, 401).await;
    assert_eq!(zh["title"], "需要登录");
    let unknown = problem_in(&app, app.anon().get("/api/v1/nothing"), None, 404).await;
    assert_eq!(unknown["title"], "未找到");
    assert!(unknown["detail"].as_str().unwrap().ends_with("不存在"), "{unknown}");

    // A registration with bad fields: each field's message in the caller's language, the
    // codes the same in both.
    let bad = json!({
        "email": "not-an-address", "password": "password123", "display_name": "",
        "role": "enterprise",
        "organization": {"name": "某某科技有限公司", "kind": "enterprise",
                         "credit_code": "91350100M000100Y44", "region_code": "330106"}
    });
    let zh =
        problem_in(&app, app.anon().post("/api/v1/auth/register").json(bad.clone()), None, 422)
            .await;
    let en =
        problem_in(&app, app.anon().post("/api/v1/auth/register").json(bad), Some("en"), 422).await;
    assert_eq!(zh["title"], "校验未通过");
    assert_eq!(en["title"], "Validation failed");
    assert_eq!(zh["code"], en["code"]);
    let codes = |p: &Value| -> Vec<(String, String)> {
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].as_str().unwrap().into(), e["code"].as_str().unwrap().into()))
            .collect()
    };
    assert_eq!(codes(&zh), codes(&en));
    let message = |p: &Value, field: &str| -> String {
        p["errors"].as_array().unwrap().iter().find(|e| e["field"] == field).unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(message(&zh, "email"), "须为电子邮箱地址，例如 name@example.com");
    assert_eq!(message(&en, "email"), "must be an e-mail address like name@example.com");
    assert_eq!(message(&zh, "display_name"), "不能为空");
    assert_eq!(message(&en, "display_name"), "must not be empty");
}

#[tokio::test]
async fn the_most_preferred_spoken_language_wins() {
    let app = spawn_app().await;
    for (header, title) in [
        ("en-US,en;q=0.9,zh;q=0.5", "Not found"),
        ("zh-TW,en;q=0.5", "未找到"),
        ("fr-FR,en;q=0.7", "Not found"),
        ("fr-FR", "未找到"),
        ("*", "未找到"),
        ("zh;q=0.1,en;q=0.9", "Not found"),
        ("garbage;;;", "未找到"),
    ] {
        let response =
            app.anon().get("/api/v1/nothing").header("accept-language", header).send().await;
        let expected = if title == "Not found" { "en" } else { "zh-CN" };
        assert_eq!(response.headers()["content-language"], expected, "{header}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["title"], title, "{header}");
    }
}

#[tokio::test]
async fn conflicts_and_refusals_name_the_allowed_moves_in_chinese() {
    let app = spawn_app().await;
    let m = MarketBuilder::new(&app).enterprise(1).admin(1).build().await;
    let demand = app
        .as_user(&m.enterprises[0])
        .post("/api/v1/demands")
        .json(sample_demand(1, None))
        .expect(201)
        .await;
    let id = demand["id"].as_str().unwrap();
    let path = format!("/api/v1/demands/{id}/approve");
    let zh =
        problem_in(&app, app.as_user(&m.admins[0]).post(&path).json(json!({})), None, 409).await;
    let en =
        problem_in(&app, app.as_user(&m.admins[0]).post(&path).json(json!({})), Some("en"), 409)
            .await;
    assert_eq!(zh["title"], "冲突");
    assert_eq!(zh["code"], en["code"]);
    assert_eq!(zh["allowed"], en["allowed"]);
    let detail = zh["detail"].as_str().unwrap();
    assert!(detail.starts_with("不能从 `draft` 转为"), "{zh}");
    assert!(en["detail"].as_str().unwrap().starts_with("cannot go from `draft`"), "{en}");
}
