//! Match notifications and signed webhooks with retries.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::helpers::*;

#[derive(Default)]
struct Receiver {
    calls: AtomicUsize,
    received: Mutex<Vec<(String, String, u16)>>,
}

async fn hook(req: HttpRequest, body: web::Bytes, receiver: web::Data<Receiver>) -> HttpResponse {
    let call = receiver.calls.fetch_add(1, Ordering::SeqCst);
    let signature = String::from_utf8_lossy(
        req.headers().get("x-techmarket-signature").map_or(&b""[..], |v| v.as_bytes()),
    )
    .into_owned();
    // The first delivery fails: the service must retry.
    let status = if call == 0 { 500 } else { 200 };
    receiver.received.lock().unwrap().push((
        signature,
        String::from_utf8_lossy(&body).into_owned(),
        status,
    ));
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

async fn start_receiver() -> (String, web::Data<Receiver>) {
    let receiver = web::Data::new(Receiver::default());
    let data = receiver.clone();
    let port = serve_locally(1, move |routes| {
        routes.app_data(data.clone()).route("/hook", web::post().to(hook));
    });
    (format!("http://127.0.0.1:{port}/hook"), receiver)
}

async fn wait_for<F: Fn() -> bool>(what: &str, done: F) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn match_notifications_follow_the_calibrated_floor_of_the_match_lists() {
    let app = spawn_app().await;
    let university = app.university(1).await;
    let enterprise = app.enterprise(2).await;
    let admin = app.admin(1).await;
    let org = enterprise.organization_id.clone().unwrap();
    let demand = app.as_user(&admin).post("/api/v1/demands?publish=true").json(json!({
            "title": "高镍三元正极循环寿命衰减快，寻求包覆改性方案",
            "description": "高镍正极材料在高温循环后容量保持率低，希望合作开发表面包覆或掺杂改性工艺。",
            "keywords": ["高镍正极", "包覆改性", "锂离子电池"], "technology_field": "new_energy",
            "budget_max_fen": 100_000_000, "cooperation_modes": ["joint_development"],
            "region_code": "330106", "org_id": org
        })).expect(201).await;
    let publish = |body: Value| {
        let mut body = body;
        body["org_id"] = json!(university.organization_id);
        app.as_user(&admin).post("/api/v1/achievements?publish=true").json(body).expect(201)
    };
    // Meets the budget, field, mode and region in full and shares a word, but is about
    // something else: below the floor, so nobody hears of it.
    let decoy = publish(json!({
        "title": "正极板栅铸造车间的通风除尘装置",
        "summary": "用于铅酸蓄电池板栅铸造车间的局部排风与布袋除尘，降低车间粉尘浓度。",
        "keywords": ["通风除尘", "板栅铸造"], "technology_field": "new_energy", "maturity": "industrialization",
        "cooperation_modes": ["joint_development"], "asking_price_fen": 100, "region_code": "330106"
    })).await;
    let fit = publish(json!({
        "title": "高镍正极材料表面包覆改性技术",
        "summary": "采用原子层沉积在高镍三元正极表面包覆氧化铝，显著提升高温循环稳定性，已完成公斤级中试。",
        "keywords": ["高镍正极", "包覆改性", "循环稳定性"], "technology_field": "new_energy", "maturity": "pilot",
        "cooperation_modes": ["joint_development"], "asking_price_fen": 80_000_000
    })).await;
    let started = std::time::Instant::now();
    let items = loop {
        let page = app.as_user(&enterprise).get("/api/v1/notifications").expect(200).await;
        let items = page["items"].as_array().unwrap().clone();
        if items.iter().any(|n| n["achievement_id"] == fit["id"]) {
            break items;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no notification");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let matches = app
        .as_user(&enterprise)
        .get(format!("/api/v1/demands/{}/matches", demand["id"].as_str().unwrap()))
        .expect(200)
        .await;
    let floor = matches["floor"].as_f64().unwrap();
    for notification in &items {
        assert!(notification["score"].as_f64().unwrap() >= floor, "{notification}");
        assert_ne!(notification["achievement_id"], decoy["id"], "{notification}");
    }
    let listed: Vec<&Value> = matches["items"].as_array().unwrap().iter().collect();
    assert!(!listed.iter().any(|m| m["achievement"]["id"] == decoy["id"]), "{matches}");
    assert_eq!(listed[0]["achievement"]["id"], fit["id"]);
}

#[tokio::test]
async fn a_new_matching_result_notifies_the_demand_owner_and_its_signed_webhook() {
    let app = spawn_app_with(|s| s.webhook_retry_base_ms = 50).await;
    let (url, receiver) = start_receiver().await;
    let university = app.university(1).await;
    let enterprise = app.enterprise(2).await;
    let admin = app.admin(1).await;
    let org = enterprise.organization_id.clone().unwrap();
    let secret = "0123456789abcdef-webhook-secret";
    let outsider = app.enterprise(3).await;
    app.as_user(&outsider)
        .request(reqwest::Method::PUT, format!("/api/v1/organizations/{org}/webhook"))
        .json(json!({"url": url, "secret": secret}))
        .problem(403)
        .await;
    app.as_user(&enterprise)
        .request(reqwest::Method::PUT, format!("/api/v1/organizations/{org}/webhook"))
        .json(json!({"url": "ftp://x", "secret": "short"}))
        .problem(422)
        .await;
    let hook = app
        .as_user(&enterprise)
        .request(reqwest::Method::PUT, format!("/api/v1/organizations/{org}/webhook"))
        .json(json!({"url": url, "secret": secret}))
        .expect(200)
        .await;
    assert!(hook.get("secret").is_none());

    let demand = app.as_user(&admin).post("/api/v1/demands?publish=true").json(json!({
            "title": "高镍三元正极循环寿命衰减快，寻求包覆改性方案",
            "description": "高镍正极材料在高温循环后容量保持率低，希望合作开发表面包覆或掺杂改性工艺。",
            "keywords": ["高镍正极", "包覆改性", "锂离子电池"], "technology_field": "new_energy",
            "budget_max_fen": 100_000_000, "cooperation_modes": ["joint_development"], "org_id": org
        })).expect(201).await;
    let achievement = app.as_user(&university).post("/api/v1/achievements").json(json!({
            "title": "高镍正极材料表面包覆改性技术",
            "summary": "采用原子层沉积在高镍三元正极表面包覆氧化铝，显著提升高温循环稳定性，已完成公斤级中试。",
            "keywords": ["高镍正极", "包覆改性", "循环稳定性"], "technology_field": "new_energy", "maturity": "pilot",
            "cooperation_modes": ["joint_development"], "asking_price_fen": 80_000_000
        })).expect(201).await;
    let id = achievement["id"].as_str().unwrap();
    // Nothing is sent for drafts.
    app.as_user(&university).act(format!("/api/v1/achievements/{id}/submit")).expect(200).await;
    app.as_user(&admin).act(format!("/api/v1/achievements/{id}/approve")).expect(200).await;

    let mut notifications = Value::Null;
    let started = std::time::Instant::now();
    while notifications["items"].as_array().is_none_or(|i| i.is_empty()) {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "no notification");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        notifications =
            app.as_user(&enterprise).get("/api/v1/notifications?unread=true").expect(200).await;
    }
    let first = &notifications["items"][0];
    assert_eq!(first["kind"], "achievement_for_demand");
    assert_eq!(first["achievement_id"], id);
    assert_eq!(first["demand_id"], demand["id"]);
    let none = app.as_user(&outsider).get("/api/v1/notifications").expect(200).await;
    assert!(none["items"].as_array().unwrap().is_empty());
    let notification_id = first["id"].as_str().unwrap();
    app.as_user(&outsider)
        .act(format!("/api/v1/notifications/{notification_id}/read"))
        .problem(404)
        .await;
    let read = app
        .as_user(&enterprise)
        .act(format!("/api/v1/notifications/{notification_id}/read"))
        .expect(200)
        .await;
    assert!(read["read_at"].is_string());
    let unread =
        app.as_user(&enterprise).get("/api/v1/notifications?unread=true").expect(200).await;
    assert!(unread["items"].as_array().unwrap().is_empty());

    // The webhook: refused once, retried, delivered, signed.
    wait_for("a successful webhook delivery", || {
        receiver.received.lock().unwrap().iter().any(|(_, _, status)| *status == 200)
    })
    .await;
    let received = receiver.received.lock().unwrap().clone();
    assert!(received.len() >= 2 && received[0].2 == 500);
    for (signature, body, _) in &received {
        assert_eq!(
            *signature,
            techmarket::notifications::webhooks::signature(secret, body.as_bytes())
        );
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["notification"]["achievement_id"], id);
    }
    let deliveries = app
        .as_user(&enterprise)
        .get(format!("/api/v1/organizations/{org}/webhook/deliveries"))
        .expect(200)
        .await;
    assert_eq!(deliveries["items"][0]["status"], "delivered", "{deliveries}");
    assert_eq!(deliveries["items"][0]["attempts"], 2);
    app.as_user(&outsider)
        .get(format!("/api/v1/organizations/{org}/webhook/deliveries"))
        .problem(403)
        .await;
}
