//! E-mail: password reset and notifications, delivered over SMTP to a sink each test starts on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use diesel::prelude::*;
use serde_json::json;
use techmarket::db::schema::{email_outbox, password_resets};

use crate::helpers::*;

/// A message the sink received: the recipients and the raw data.
#[derive(Debug, Clone)]
struct Received {
    recipients: Vec<String>,
    data: String,
}

/// A minimal SMTP server on 127.0.0.1 that accepts every message; returns its port and what
/// it received.
fn smtp_sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sink");
    let port = listener.local_addr().expect("address").port();
    let inbox = Arc::new(Mutex::new(Vec::new()));
    let store = inbox.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut out = stream.try_clone().expect("clone the stream");
                let mut lines = BufReader::new(stream);
                let _ = out.write_all(b"220 sink ESMTP\r\n");
                let mut recipients = Vec::new();
                let mut line = String::new();
                while lines.read_line(&mut line).unwrap_or(0) > 0 {
                    let command = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO")
                    {
                        b"250 sink\r\n"
                    } else if command.starts_with("RCPT TO:") {
                        recipients
                            .push(line.trim_end()[8..].trim().trim_matches(['<', '>']).to_string());
                        b"250 OK\r\n"
                    } else if command == "DATA" {
                        let _ = out.write_all(b"354 go ahead\r\n");
                        let mut data = String::new();
                        let mut part = String::new();
                        while lines.read_line(&mut part).unwrap_or(0) > 0 && part.trim_end() != "."
                        {
                            data.push_str(&part);
                            part.clear();
                        }
                        store
                            .lock()
                            .unwrap()
                            .push(Received { recipients: std::mem::take(&mut recipients), data });
                        b"250 OK queued\r\n"
                    } else if command == "QUIT" {
                        let _ = out.write_all(b"221 bye\r\n");
                        break;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = out.write_all(reply);
                    line.clear();
                }
            });
        }
    });
    (port, inbox)
}

/// The plain-text body of a received message (base64 as the mailer writes it).
fn body_of(message: &Received) -> String {
    let (_, body) = message.data.split_once("\r\n\r\n").expect("headers and body");
    let encoded: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64 body");
    String::from_utf8(bytes).expect("UTF-8 body")
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_the_emailed_token_once() {
    let (port, inbox) = smtp_sink();
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let user = app.enterprise(1).await;
    // Unknown addresses answer the same and send nothing.
    let unknown = app
        .anon()
        .post("/api/v1/auth/password-reset")
        .json(json!({"email": "nobody@example.com"}))
        .send()
        .await;
    assert_eq!(unknown.status(), 202);
    let known = app
        .anon()
        .post("/api/v1/auth/password-reset")
        .json(json!({"email": user.email}))
        .send()
        .await;
    assert_eq!(known.status(), 202);
    let mut message = None;
    for _ in 0..100 {
        if let Some(first) = inbox.lock().unwrap().first().cloned() {
            message = Some(first);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let message = message.expect("the reset e-mail reaches the SMTP server");
    assert_eq!(message.recipients, vec![user.email.clone()]);
    assert_eq!(inbox.lock().unwrap().len(), 1, "nothing for the unknown address");
    let body = body_of(&message);
    let token = body
        .split("重置码：")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("the token")
        .trim()
        .to_string();
    assert!(body.contains(&format!("/reset-password?token={token}")), "{body}");

    let confirm = |token: &str, password: &str| {
        app.anon()
            .post("/api/v1/auth/password-reset/confirm")
            .json(json!({"token": token, "new_password": password}))
    };
    let weak = confirm(&token, "123456").problem(422).await;
    assert_eq!(error_fields(&weak), vec!["new_password"]);
    let wrong = confirm("not-the-token", "Zhejiang-lab-2026!").problem(422).await;
    assert_eq!(wrong["errors"][0]["code"], "invalid_token");
    let done = confirm(&token, "Zhejiang-lab-2026!").send().await;
    assert_eq!(done.status(), 204);
    app.with_token(&user.access_token).get("/api/v1/me").problem(401).await;
    assert_eq!(app.login(&user.email, "Zhejiang-lab-2026!").await.status(), 200);
    let again = confirm(&token, "Another-lab-2026!").problem(422).await;
    assert_eq!(again["errors"][0]["code"], "invalid_token", "a token works once");

    // An expired token is refused like an unknown one.
    app.anon()
        .post("/api/v1/auth/password-reset")
        .json(json!({"email": user.email}))
        .expect(202)
        .await;
    let db = app.state.db.clone();
    tokio::task::spawn_blocking(move || {
        let conn = &mut db.get().unwrap();
        let past = (chrono::Utc::now() - chrono::Duration::minutes(31)).naive_utc();
        diesel::update(password_resets::table.filter(password_resets::used_at.is_null()))
            .set(password_resets::expires_at.eq(past))
            .execute(conn)
            .unwrap();
    })
    .await
    .unwrap();
    let mut second = None;
    for _ in 0..100 {
        if let Some(found) = inbox.lock().unwrap().get(1).cloned() {
            second = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = body_of(&second.expect("the second e-mail"));
    let expired = body
        .split("重置码：")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap()
        .trim()
        .to_string();
    confirm(&expired, "Third-lab-2026!").problem(422).await;
    let db = app.state.db.clone();
    let unsent: i64 = tokio::task::spawn_blocking(move || {
        email_outbox::table
            .filter(email_outbox::sent_at.is_null())
            .count()
            .get_result(&mut db.get().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(unsent, 0, "the outbox is sent");
}

#[tokio::test]
async fn without_smtp_the_outbox_keeps_the_message() {
    let app = spawn_app().await;
    let user = app.enterprise(2).await;
    app.anon()
        .post("/api/v1/auth/password-reset")
        .json(json!({"email": user.email}))
        .expect(202)
        .await;
    let db = app.state.db.clone();
    let kept: Vec<(String, Option<chrono::NaiveDateTime>)> =
        tokio::task::spawn_blocking(move || {
            email_outbox::table
                .select((email_outbox::to_address, email_outbox::sent_at))
                .load(&mut db.get().unwrap())
                .unwrap()
        })
        .await
        .unwrap();
    assert_eq!(kept, vec![(user.email.clone(), None)]);
}

/// Waits until the sink holds `n` messages; answers them.
async fn received(inbox: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    for _ in 0..100 {
        if inbox.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    inbox.lock().unwrap().clone()
}

#[tokio::test]
async fn notifications_are_emailed_unless_the_user_turns_them_off() {
    let (port, inbox) = smtp_sink();
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let owner = app.university(3).await;
    let admin = app.admin(3).await;
    let defaults = app.as_user(&owner).get("/api/v1/me/notification-preferences").expect(200).await;
    let of = |page: &serde_json::Value, kind: &str| {
        page["preferences"].as_array().unwrap().iter().find(|p| p["kind"] == kind).unwrap().clone()
    };
    assert_eq!(
        of(&defaults, "listing_approved"),
        json!({"kind": "listing_approved", "in_app": true, "email": true})
    );
    assert_eq!(
        of(&defaults, "achievement_for_demand")["email"],
        false,
        "match suggestions stay out of the mailbox"
    );
    app.publish("achievements", &owner, &admin, sample_achievement(1)).await;
    let mail = received(&inbox, 1).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipients, vec![owner.email.clone()]);
    assert!(body_of(&mail[0]).contains("已通过审核并发布"));

    let set = app
        .as_user(&owner)
        .put("/api/v1/me/notification-preferences")
        .json(
            json!({"preferences": [{"kind": "listing_approved", "in_app": false, "email": false}]}),
        )
        .expect(200)
        .await;
    assert_eq!(
        of(&set, "listing_approved"),
        json!({"kind": "listing_approved", "in_app": false, "email": false})
    );
    app.publish("achievements", &owner, &admin, sample_achievement(2)).await;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(inbox.lock().unwrap().len(), 1, "no e-mail once turned off");
    let listed = app.as_user(&owner).get("/api/v1/notifications").expect(200).await;
    assert!(
        listed["items"].as_array().unwrap().is_empty(),
        "and not in the caller's list: {listed}"
    );
    let twice = app
        .as_user(&owner)
        .put("/api/v1/me/notification-preferences")
        .json(json!({"preferences": [{"kind": "outbid", "in_app": true, "email": true}, {"kind": "outbid", "in_app": false, "email": true}]}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&twice), vec!["preferences[1].kind"]);
    app.anon().get("/api/v1/me/notification-preferences").problem(401).await;
}
