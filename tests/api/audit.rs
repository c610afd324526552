//! The audit log as a hash chain (`techmarket verify-audit`) and `techmarket backup`.

use std::process::Command;

use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::json;
use techmarket::audit::chain::{self, Break, GENESIS};
use techmarket::db::{DatabaseUrl, Db, DbConnection};

use crate::helpers::*;

/// Runs `work` on a connection of the app's database, off the async executor.
async fn with_conn<T: Send + 'static>(
    app: &TestApp,
    work: impl FnOnce(&mut DbConnection) -> T + Send + 'static,
) -> T {
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || work(&mut db.get().expect("connection")))
        .await
        .expect("join")
}

async fn verify(app: &TestApp) -> chain::Verification {
    with_conn(app, |conn| chain::verify(conn).expect("verify")).await
}

async fn execute(app: &TestApp, sql: &'static str) -> usize {
    with_conn(app, move |conn| diesel::sql_query(sql).execute(conn).expect("direct SQL")).await
}

/// Runs `techmarket verify-audit` against the app's database; returns (success, output).
fn verify_audit_cli(app: &TestApp) -> (bool, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_techmarket"))
        .arg("verify-audit")
        .current_dir(dir.path())
        .env_remove("TECHMARKET_CONFIG")
        .env("DATABASE_URL", &app.database_url)
        .env("TECHMARKET_DATA_DIR", dir.path())
        .env("TECHMARKET_JWT_SECRET", SECRET)
        .output()
        .expect("run techmarket verify-audit");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A market with a few dozen audit entries.
async fn busy_app() -> TestApp {
    let app = spawn_app().await;
    for n in 0..4 {
        app.enterprise(700 + n).await;
    }
    app
}

#[tokio::test]
async fn every_state_change_extends_an_intact_chain() {
    let app = busy_app().await;
    let report = verify(&app).await;
    assert_eq!(report.first_break, None);
    assert!(report.entries >= 8, "{report:?}");
    let (seqs, first_prev): (Vec<i64>, String) = with_conn(&app, |conn| {
        use diesel::prelude::*;
        use techmarket::db::schema::audit_log::dsl::*;
        let seqs = audit_log.select(seq).order(seq.asc()).load(conn).expect("seqs");
        let first = audit_log.filter(seq.eq(1)).select(prev_hash).first(conn).expect("first entry");
        (seqs, first)
    })
    .await;
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert_eq!(first_prev, GENESIS);
    let (ok, text) = verify_audit_cli(&app);
    assert!(ok, "{text}");
    assert!(text.contains("holds"), "{text}");
    // The API shows the chain fields.
    let admin = app.admin(1).await;
    let page = app.as_user(&admin).get("/api/v1/admin/audit?limit=1").expect(200).await;
    let newest = &page["items"][0];
    assert_eq!(newest["hash"].as_str().map(str::len), Some(64), "{newest}");
    assert!(newest["seq"].as_i64().unwrap() > seqs.len() as i64);
}

/// Appends one entry of `action` through the audit log's own door.
fn append_entry(conn: &mut DbConnection, action: &str) {
    techmarket::audit::record(
        conn,
        &techmarket::audit::Actor::default(),
        action,
        "auction",
        "lot-1",
        json!({}),
    )
    .expect("append");
}

#[tokio::test]
async fn appends_batched_in_one_transaction_keep_the_chain_across_a_rolled_back_savepoint() {
    let app = busy_app().await;
    let before = verify(&app).await.entries;
    with_conn(&app, |conn| {
        use diesel::Connection;
        techmarket::db::write_transaction(conn, |conn| {
            chain::batched(|| {
                append_entry(conn, "test.first");
                // A savepoint that appends and is rolled back: its entry is gone, and the
                // remembered head with it.
                let rolled_back: Result<(), diesel::result::Error> = conn.transaction(|conn| {
                    append_entry(conn, "test.rolled_back");
                    Err(diesel::result::Error::RollbackTransaction)
                });
                assert!(rolled_back.is_err());
                chain::forget_head();
                append_entry(conn, "test.second");
                append_entry(conn, "test.third");
            });
            Ok::<_, diesel::result::Error>(())
        })
        .expect("transaction");
    })
    .await;
    let report = verify(&app).await;
    assert_eq!(report.first_break, None, "{report:?}");
    assert_eq!(report.entries, before + 3);
}

#[tokio::test]
async fn an_entry_edited_in_the_database_is_named() {
    let app = busy_app().await;
    assert_eq!(
        execute(&app, "UPDATE audit_log SET changes = '{\"forged\":true}' WHERE seq = 3").await,
        1
    );
    let report = verify(&app).await;
    assert!(matches!(report.first_break, Some(Break::Altered { seq: 3, .. })), "{report:?}");
    assert_eq!(report.entries, 2);
    let (ok, text) = verify_audit_cli(&app);
    assert!(!ok, "verify-audit should fail: {text}");
    assert!(text.contains("entry 3") && text.contains("altered"), "{text}");
}

#[tokio::test]
async fn a_rehashed_edit_breaks_the_next_link() {
    let app = busy_app().await;
    // Whoever edits and recomputes the entry's own hash still breaks the entry after it.
    execute(&app, "UPDATE audit_log SET hash = 'f00d' WHERE seq = 4").await;
    let report = verify(&app).await;
    assert!(matches!(report.first_break, Some(Break::Altered { seq: 4, .. })), "{report:?}");
    execute(&app, "UPDATE audit_log SET prev_hash = 'f00d' WHERE seq = 5").await;
    // Entry 4 still fails its own hash first.
    assert!(matches!(verify(&app).await.first_break, Some(Break::Altered { seq: 4, .. })));
}

#[tokio::test]
async fn a_deleted_entry_is_named() {
    let app = busy_app().await;
    assert_eq!(execute(&app, "DELETE FROM audit_log WHERE seq = 5").await, 1);
    let report = verify(&app).await;
    assert_eq!(report.first_break, Some(Break::Missing { seq: 5, next: 6 }), "{report:?}");
    let (ok, text) = verify_audit_cli(&app);
    assert!(!ok, "{text}");
    assert!(text.contains("entry 5 is missing"), "{text}");
    // Deleting the first entry is caught as well.
    execute(&app, "DELETE FROM audit_log WHERE seq = 1").await;
    assert_eq!(verify(&app).await.first_break, Some(Break::Missing { seq: 1, next: 2 }));
}

#[tokio::test]
async fn entries_from_before_the_chain_are_chained_on_first_run() {
    let app = busy_app().await;
    // What the migration leaves: numbered entries without hashes.
    execute(&app, "UPDATE audit_log SET prev_hash = '', hash = ''").await;
    assert!(verify(&app).await.first_break.is_some());
    let chained = with_conn(&app, |conn| chain::backfill(conn).expect("backfill")).await;
    assert!(chained >= 8, "{chained}");
    let report = verify(&app).await;
    assert_eq!(report.first_break, None);
    assert_eq!(report.entries as usize, chained);
    // The next write chains on.
    app.enterprise(799).await;
    assert_eq!(verify(&app).await.first_break, None);
    assert_eq!(with_conn(&app, |conn| chain::backfill(conn).expect("backfill")).await, 0);
}

#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let mut tasks = Vec::new();
    for n in 0..20u32 {
        let target = if n % 2 == 0 { app.url("") } else { second.url("") };
        let client = app.client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{target}/api/v1/auth/register"))
                .json(&json!({
                    "email": format!("chain{n}@example.com"), "password": PASSWORD,
                    "display_name": "并发用户", "role": "broker"
                }))
                .send()
                .await
                .expect("request")
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.expect("join"), StatusCode::CREATED);
    }
    let report = verify(&app).await;
    assert_eq!(report.first_break, None);
    assert!(report.entries >= 20, "{report:?}");
}

#[tokio::test]
async fn backup_copies_a_live_sqlite_database_with_every_acknowledged_write() {
    let app = spawn_app().await;
    let DatabaseUrl::Sqlite(_) = app.state.db.url().clone() else {
        // PostgreSQL: the command refuses and points to pg_dump.
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("copy.db");
        let error = with_conn(&app, move |conn| {
            techmarket::db::backup::sqlite_backup(conn, &dest).expect_err("refused")
        })
        .await;
        assert!(error.to_string().contains("pg_dump"), "{error}");
        return;
    };
    let admin = app.admin(1).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let dest = dir.path().join("backup").join("techmarket-copy.db");

    // Writers: events created one after another through the API, until told to stop.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..3 {
        let (client, base, token) = (app.client.clone(), app.url(""), admin.access_token.clone());
        let (stop, acknowledged) = (stop.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let response = client
                    .post(format!("{base}/api/v1/events"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "name": format!("备份压力测试对接会{w}-{n}"),
                        "starts_at": "2030-05-01T01:00:00Z", "ends_at": "2030-05-01T09:00:00Z",
                        "region_code": "330106", "online": true
                    }))
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), StatusCode::CREATED);
                let body: serde_json::Value = response.json().await.expect("json");
                let id = body["id"].as_str().expect("id").to_string();
                acknowledged.lock().expect("lock").push(id);
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before: Vec<String> = acknowledged.lock().expect("lock").clone();
    assert!(!before.is_empty(), "the writers wrote nothing before the backup");
    let copy = dest.clone();
    with_conn(&app, move |conn| {
        techmarket::db::backup::sqlite_backup(conn, &copy).expect("backup")
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(
        acknowledged.lock().expect("lock").len() > before.len(),
        "the writers should have gone on during the backup"
    );

    // A second backup to the same file is refused rather than overwriting it.
    let again = dest.clone();
    let error = with_conn(&app, move |conn| {
        techmarket::db::backup::sqlite_backup(conn, &again).expect_err("exists")
    })
    .await;
    assert!(error.to_string().contains("already exists"), "{error}");

    // Restore: open the copy and find every write acknowledged before the backup started.
    let restored = Db::connect(&DatabaseUrl::Sqlite(dest), 1).expect("open the copy");
    let found: Vec<String> = tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use techmarket::db::schema::events::dsl::*;
        let mut conn = restored.get().expect("connection");
        let report = chain::verify(&mut conn).expect("verify the copy");
        assert_eq!(report.first_break, None, "the copy's audit chain");
        events.select(id).load(&mut conn).expect("events")
    })
    .await
    .expect("join");
    for event_id in &before {
        assert!(found.contains(event_id), "event {event_id} is missing from the copy");
    }
}
