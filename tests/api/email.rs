//! E-mail: password reset and notifications, delivered over SMTP to a sink each test starts on loopback.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use base64::Engine;
use diesel::prelude::*;
use serde_json::json;
use techmarket::db::schema::{account_tokens, email_outbox};

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
    let message = wait_for(&inbox, "重置码").await;
    assert_eq!(message.recipients, vec![user.email.clone()]);
    let all = inbox.lock().unwrap().clone();
    assert!(
        all.iter().all(|m| m.recipients != vec!["nobody@example.com".to_string()]),
        "nothing for the unknown address"
    );
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
        diesel::update(account_tokens::table.filter(account_tokens::used_at.is_null()))
            .set(account_tokens::expires_at.eq(past))
            .execute(conn)
            .unwrap();
    })
    .await
    .unwrap();
    let second = wait_for_nth(&inbox, "重置码", 2).await;
    let body = body_of(&second);
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
                .filter(email_outbox::kind.eq("password_reset"))
                .select((email_outbox::to_address, email_outbox::sent_at))
                .load(&mut db.get().unwrap())
                .unwrap()
        })
        .await
        .unwrap();
    assert_eq!(kept, vec![(user.email.clone(), None)]);
}

/// Waits until the sink holds the `n`-th message whose body contains `needle`; answers it.
async fn wait_for_nth(inbox: &Arc<Mutex<Vec<Received>>>, needle: &str, n: usize) -> Received {
    for _ in 0..100 {
        let found: Vec<Received> =
            inbox.lock().unwrap().iter().filter(|m| body_of(m).contains(needle)).cloned().collect();
        if found.len() >= n {
            return found[n - 1].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no e-mail {n} with {needle}")
}

/// Waits for the first message whose body contains `needle`.
async fn wait_for(inbox: &Arc<Mutex<Vec<Received>>>, needle: &str) -> Received {
    wait_for_nth(inbox, needle, 1).await
}

/// The messages whose body contains `needle`, now.
fn count_with(inbox: &Arc<Mutex<Vec<Received>>>, needle: &str) -> usize {
    inbox.lock().unwrap().iter().filter(|m| body_of(m).contains(needle)).count()
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
    let mail = wait_for(&inbox, "已通过审核并发布").await;
    assert_eq!(mail.recipients, vec![owner.email.clone()]);

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
    assert_eq!(count_with(&inbox, "已通过审核并发布"), 1, "no e-mail once turned off");
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

#[tokio::test]
async fn registration_emails_a_link_that_confirms_the_address_once() {
    let (port, inbox) = smtp_sink();
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let user = app.enterprise(4).await;
    let me = app.as_user(&user).get("/api/v1/me").expect(200).await;
    assert_eq!(me["user"]["email_verified_at"], serde_json::Value::Null);
    let body = body_of(&wait_for(&inbox, "验证码").await);
    let token = body
        .split("验证码：")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap()
        .trim()
        .to_string();
    let verify =
        |token: &str| app.anon().post("/api/v1/auth/verify-email").json(json!({"token": token}));
    assert_eq!(verify("forged").problem(422).await["errors"][0]["code"], "invalid_token");
    assert_eq!(verify(&token).send().await.status(), 204);
    let me = app.as_user(&user).get("/api/v1/me").expect(200).await;
    assert!(me["user"]["email_verified_at"].is_string(), "{me}");
    assert_eq!(verify(&token).problem(422).await["errors"][0]["code"], "invalid_token", "once");
    let again = app.as_user(&user).act("/api/v1/me/verify-email").problem(409).await;
    assert_eq!(again["code"], "email_verified");
    let other = app.enterprise(5).await;
    app.as_user(&other).act("/api/v1/me/verify-email").expect(202).await;
    wait_for_nth(&inbox, "验证码", 3).await;
}

#[tokio::test]
async fn emails_are_written_in_the_language_each_user_reads() {
    let (port, inbox) = smtp_sink();
    let app = spawn_app_with(|s| s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    // Registering with `Accept-Language: en` sets English for the user's e-mails.
    app.anon()
        .post("/api/v1/auth/register")
        .header("Accept-Language", "en-GB,en;q=0.9")
        .json(json!({
            "email": "uni-en@example.edu.cn", "password": PASSWORD, "display_name": "Li Wei",
            "role": "university",
            "organization": {"name": "测试大学英文", "kind": "university",
                             "credit_code": credit_code(61), "region_code": "330106"}
        }))
        .expect(201)
        .await;
    let welcome = body_of(&wait_for(&inbox, "Verification code: ").await);
    assert!(welcome.starts_with("Hello Li Wei,"), "{welcome}");
    let owner = app.session("uni-en@example.edu.cn").await;
    let mine = app.as_user(&owner).get("/api/v1/me/notification-preferences").expect(200).await;
    assert_eq!(mine["language"], "en");
    let chinese = app.university(62).await;
    let theirs = app.as_user(&chinese).get("/api/v1/me/notification-preferences").expect(200).await;
    assert_eq!(theirs["language"], "zh-CN", "Chinese unless the request asked for English");

    // A notification reaches each reader in their language, whoever's request caused it.
    let admin = app.admin(61).await;
    app.publish("achievements", &owner, &admin, sample_achievement(61)).await;
    let approved = wait_for(&inbox, "passed review and is published").await;
    assert_eq!(approved.recipients, vec![owner.email.clone()]);
    assert!(approved.data.contains("Subject: [Techmarket]"), "{}", approved.data);
    app.publish("achievements", &chinese, &admin, sample_achievement(62)).await;
    let chinese_mail = wait_for(&inbox, "已通过审核并发布").await;
    assert_eq!(chinese_mail.recipients, vec![chinese.email.clone()]);

    // The user switches to Chinese: the next e-mail (a password reset) is Chinese.
    let set = app
        .as_user(&owner)
        .put("/api/v1/me/notification-preferences")
        .json(json!({"preferences": [], "language": "zh-CN"}))
        .expect(200)
        .await;
    assert_eq!(set["language"], "zh-CN");
    app.anon()
        .post("/api/v1/auth/password-reset")
        .header("Accept-Language", "en")
        .json(json!({"email": owner.email}))
        .expect(202)
        .await;
    let reset = wait_for(&inbox, "重置码").await;
    assert_eq!(reset.recipients, vec![owner.email.clone()]);
    let bad = app
        .as_user(&owner)
        .put("/api/v1/me/notification-preferences")
        .json(json!({"preferences": [], "language": "fr"}))
        .problem(422)
        .await;
    assert_eq!(error_fields(&bad), vec!["language"]);
}
