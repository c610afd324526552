//! Webhook targets (no SSRF into internal addresses) and background work with several
//! instances on one database: each delivery sent once, each expiry swept and audited once.
//! Every receiver listens on 127.0.0.1; no other address is ever contacted.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, web};
use diesel::prelude::*;
use serde_json::{Value, json};
use techmarket::db::schema::{audit_log, listings, notifications, webhook_deliveries};
use techmarket::db::{DbConnection, new_id, now, write_transaction};

use crate::helpers::*;

const SECRET: &str = "0123456789abcdef-webhook-secret";

/// A local receiver counting the requests it gets and keeping their bodies.
#[derive(Default)]
struct Receiver {
    calls: AtomicUsize,
    bodies: Mutex<Vec<String>>,
}

async fn hook(body: web::Bytes, receiver: web::Data<Receiver>) -> HttpResponse {
    receiver.calls.fetch_add(1, Ordering::SeqCst);
    receiver.bodies.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
    // Slow, so that a round of one instance is still sending when the other polls: without
    // claims, the other would pick the same deliveries again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    HttpResponse::Ok().finish()
}

/// Starts a receiver on 127.0.0.1; returns its port.
async fn start_receiver() -> (u16, web::Data<Receiver>) {
    let receiver = web::Data::new(Receiver::default());
    let data = receiver.clone();
    let port = serve_locally(2, move |routes| {
        routes.app_data(data.clone()).route("/hook", web::post().to(hook));
    });
    (port, receiver)
}

fn put_webhook(app: &TestApp, session: &Session, url: &str) -> Call {
    let org = session.organization_id.clone().unwrap();
    app.as_user(session)
        .put(format!("/api/v1/organizations/{org}/webhook"))
        .json(json!({"url": url, "secret": SECRET}))
}

/// Queues `count` due deliveries to the organization's webhook (one notification about a
/// draft demand and achievement), as a match would; returns the delivery ids.
async fn queue_deliveries(
    app: &TestApp,
    session: &Session,
    university: &Session,
    url: &str,
    n: u32,
    count: usize,
) -> Vec<String> {
    let org = session.organization_id.clone().unwrap();
    let db = app.state.db.clone();
    let demand =
        app.as_user(session).post("/api/v1/demands").json(sample_demand(n, None)).expect(201).await
            ["id"]
            .as_str()
            .unwrap()
            .to_string();
    let achievement = app
        .as_user(university)
        .post("/api/v1/achievements")
        .json(sample_achievement(n))
        .expect(201)
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        write_transaction(&mut conn, |conn: &mut DbConnection| {
            let notification = new_id();
            let stamp = now();
            diesel::insert_into(notifications::table)
                .values((
                    notifications::id.eq(&notification),
                    notifications::org_id.eq(&org),
                    notifications::kind.eq("achievement_for_demand"),
                    notifications::demand_id.eq(&demand),
                    notifications::achievement_id.eq(&achievement),
                    notifications::score.eq(0.9),
                    notifications::title.eq("测试通知"),
                    notifications::created_at.eq(stamp),
                ))
                .execute(conn)?;
            let mut ids = Vec::new();
            for i in 0..count {
                let id = new_id();
                diesel::insert_into(webhook_deliveries::table)
                    .values((
                        webhook_deliveries::id.eq(&id),
                        webhook_deliveries::org_id.eq(&org),
                        webhook_deliveries::notification_id.eq(&notification),
                        webhook_deliveries::url.eq(&url),
                        webhook_deliveries::body.eq(json!({"delivery": i}).to_string()),
                        webhook_deliveries::status.eq("pending"),
                        webhook_deliveries::attempts.eq(0),
                        webhook_deliveries::next_attempt_at.eq(stamp),
                        webhook_deliveries::created_at.eq(stamp),
                    ))
                    .execute(conn)?;
                ids.push(id);
            }
            Ok::<_, diesel::result::Error>(ids)
        })
        .unwrap()
    })
    .await
    .unwrap()
}

type DeliveryState = (String, i32, Option<i32>, Option<String>);

async fn deliveries(app: &TestApp, ids: &[String]) -> Vec<DeliveryState> {
    let db = app.state.db.clone();
    let ids = ids.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(&ids))
            .select((
                webhook_deliveries::status,
                webhook_deliveries::attempts,
                webhook_deliveries::last_status_code,
                webhook_deliveries::last_error,
            ))
            .load(&mut conn)
            .unwrap()
    })
    .await
    .unwrap()
}

async fn wait_until_attempted(app: &TestApp, ids: &[String], what: &str) -> Vec<DeliveryState> {
    let started = Instant::now();
    loop {
        let rows = deliveries(app, ids).await;
        if rows.len() == ids.len() && rows.iter().all(|r| r.1 >= 1) {
            return rows;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn webhooks_to_internal_addresses_are_refused_at_registration() {
    let app = spawn_app_with(|s| {
        s.webhook_allow_private = false;
        s.deliver_webhooks = false;
    })
    .await;
    let enterprise = app.enterprise(1).await;
    for url in [
        "http://127.0.0.1:5432/",
        "http://localhost/",
        "http://foo.localhost:8080/hook",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0.0.0.0/",
        "http://169.254.169.254/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
    ] {
        let problem = put_webhook(&app, &enterprise, url).problem(422).await;
        assert_eq!(error_fields(&problem), vec!["url"], "{url}: {problem}");
        assert_eq!(problem["errors"][0]["code"], "private_address", "{url}");
    }
    for url in ["ftp://example.com/", "gopher://example.com/", "http://"] {
        let problem = put_webhook(&app, &enterprise, url).problem(422).await;
        assert_eq!(problem["errors"][0]["code"], "invalid_url", "{url}");
    }
    // A public name is accepted (deliveries are off here: nothing is sent anywhere).
    let saved = put_webhook(&app, &enterprise, "https://hooks.example.com/techmarket?x=1")
        .expect(200)
        .await;
    assert_eq!(saved["url"], "https://hooks.example.com/techmarket?x=1");
}

#[tokio::test]
async fn private_targets_are_allowed_when_configured_and_stored_normalized() {
    let app = spawn_app_with(|s| s.deliver_webhooks = false).await;
    let enterprise = app.enterprise(1).await;
    let saved = put_webhook(&app, &enterprise, "http://0x7f000001:9/hook").expect(200).await;
    assert_eq!(saved["url"], "http://127.0.0.1:9/hook");
}

/// Webhooks registered while private targets were allowed are refused at delivery once they
/// are not: the receiver never hears of them and the log says why, without a status code.
#[tokio::test]
async fn deliveries_to_internal_targets_are_refused_without_contacting_them() {
    let registrar = spawn_app_with(|s| s.deliver_webhooks = false).await;
    let (port, receiver) = start_receiver().await;
    let university = registrar.university(9).await;
    let mut queued = Vec::new();
    for (n, host) in [(1, "localhost"), (2, "foo.localhost"), (3, "127.0.0.1")] {
        let enterprise = registrar.enterprise(n).await;
        let url = format!("http://{host}:{port}/hook");
        put_webhook(&registrar, &enterprise, &url).expect(200).await;
        queued.extend(queue_deliveries(&registrar, &enterprise, &university, &url, n, 2).await);
    }
    let deliverer = registrar
        .second_instance_with(|s| {
            s.webhook_allow_private = false;
            s.webhook_retry_base_ms = 60_000;
        })
        .await;
    let rows = wait_until_attempted(&deliverer, &queued, "refused attempts").await;
    for (status, attempts, code, error) in &rows {
        assert_eq!((status.as_str(), *attempts, *code), ("pending", 1, None));
        let error = error.as_deref().unwrap_or_default();
        assert!(error.starts_with("refused: "), "{error}");
        assert!(error.contains("non-public"), "{error}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.calls.load(Ordering::SeqCst), 0);
}

/// Two instances deliver from one queue: every delivery reaches the receiver exactly once.
#[tokio::test]
async fn two_instances_send_each_due_delivery_once() {
    const COUNT: usize = 60;
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let (port, receiver) = start_receiver().await;
    let enterprise = first.enterprise(1).await;
    let university = first.university(2).await;
    let url = format!("http://127.0.0.1:{port}/hook");
    put_webhook(&first, &enterprise, &url).expect(200).await;
    let ids = queue_deliveries(&first, &enterprise, &university, &url, 1, COUNT).await;
    let rows = wait_until_attempted(&second, &ids, "every delivery").await;
    assert!(rows.iter().all(|r| r.0 == "delivered" && r.1 == 1 && r.2 == Some(200)), "{rows:?}");
    // Give a duplicate time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.calls.load(Ordering::SeqCst), COUNT);
    let mut seen: Vec<i64> = receiver
        .bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str::<Value>(b).unwrap()["delivery"].as_i64().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..COUNT as i64).collect::<Vec<_>>());
}

/// Expiry sweeps running at once on two instances expire and audit each record once.
#[tokio::test]
async fn concurrent_expiry_sweeps_on_two_instances_audit_each_record_once() {
    const RECORDS: u32 = 4;
    let first = spawn_app().await;
    let second = first.second_instance().await;
    let owner = first.university(1).await;
    let admin = first.admin(1).await;
    let mut ids = Vec::new();
    for n in 0..RECORDS {
        let record = first.publish("achievements", &owner, &admin, sample_achievement(n)).await;
        ids.push(record["id"].as_str().unwrap().to_string());
    }
    let db = first.state.db.clone();
    let past = ids.clone();
    tokio::task::spawn_blocking(move || {
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        diesel::update(listings::table.filter(listings::id.eq_any(&past)))
            .set(listings::valid_until.eq(yesterday))
            .execute(&mut db.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
    let sweeps = (0..6).map(|i| {
        let db = if i % 2 == 0 { first.state.db.clone() } else { second.state.db.clone() };
        techmarket::listings::expiry::sweep_expired(db)
    });
    let swept: usize =
        futures_util::future::join_all(sweeps).await.into_iter().map(|r| r.expect("sweep")).sum();
    assert_eq!(swept, RECORDS as usize);
    let db = first.state.db.clone();
    let audited: Vec<String> = tokio::task::spawn_blocking(move || {
        audit_log::table
            .filter(audit_log::action.eq("achievement.expire"))
            .select(audit_log::entity_id)
            .load(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    let mut audited_sorted = audited.clone();
    audited_sorted.sort();
    ids.sort();
    assert_eq!(audited_sorted, ids, "one expiry audit per record");
}
