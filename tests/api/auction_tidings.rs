//! What bidders are told: a lot starting soon, being outbid, winning and losing, and a
//! defaulted lot's offer to the runner-up, in the notification list and by webhook; nobody
//! outside the lot hears of it.

use std::time::Duration;

use serde_json::json;

use crate::auctions::{announced, bid, bidder, english, market_of, until};
use crate::helpers::{Market, Session, TestApp, spawn_app_with};

/// The caller's organization's notifications about lot `id`, oldest first, as `kind`s.
async fn told(app: &TestApp, who: &Session, id: &str) -> Vec<String> {
    let list = app.as_user(who).get("/api/v1/notifications?limit=100").expect(200).await;
    let mut kinds: Vec<String> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|n| n["subject_id"] == id)
        .map(|n| {
            assert_eq!(n["subject_kind"], "auction");
            assert!(n["demand_id"].is_null() && n["score"].is_null(), "{n}");
            n["kind"].as_str().expect("kind").to_string()
        })
        .collect();
    kinds.reverse();
    kinds
}

/// Waits until the caller's organization has been told `kind` about lot `id`.
async fn until_told(app: &TestApp, who: &Session, id: &str, kind: &str) -> Vec<String> {
    for _ in 0..100 {
        let kinds = told(app, who, id).await;
        if kinds.iter().any(|k| k == kind) {
            return kinds;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never told {kind} about {id}");
}

/// A market whose bidders hear of a lot an hour before it opens (webhooks not delivered).
async fn told_an_hour_ahead() -> (TestApp, Market) {
    let app = spawn_app_with(|s| {
        s.auction_starting_soon_secs = 3600;
        s.deliver_webhooks = false;
    })
    .await;
    let m = market_of(&app, 1).await;
    (app, m)
}

#[tokio::test]
async fn a_bidder_who_registers_after_the_notice_went_out_is_told_at_once() {
    let (app, m) = told_an_hour_ahead().await;
    let (e1, e2, e3) = (&m.enterprises[0], &m.enterprises[1], &m.enterprises[2]);
    let id = announced(&app, &m, english(600_000, 60_000)).await;
    bidder(&app, &m, &id, e1).await;
    until_told(&app, e1, &id, "auction_starting_soon").await;
    bidder(&app, &m, &id, e2).await;
    assert_eq!(told(&app, e2, &id).await, ["auction_starting_soon"], "told with the registration");
    assert_eq!(told(&app, e1, &id).await, ["auction_starting_soon"], "the first bidder once");
    assert!(told(&app, e3, &id).await.is_empty(), "not registered, not told");
}

#[tokio::test]
async fn bidders_hear_the_lot_start_soon_when_outbid_and_whether_they_won() {
    let (app, m) = told_an_hour_ahead().await;
    let (e1, e2, e3) = (&m.enterprises[0], &m.enterprises[1], &m.enterprises[2]);
    let org1 = e1.organization_id.clone().expect("org");
    app.as_user(e1)
        .put(format!("/api/v1/organizations/{org1}/webhook"))
        .json(
            json!({"url": "http://127.0.0.1:9/hook", "secret": "0123456789abcdef-webhook-secret"}),
        )
        .expect(200)
        .await;
    // Three bids and four reads happen while the lot is open: a window that a loaded
    // two-core CI run (both suites' tests in parallel) still fits.
    let id = announced(&app, &m, english(5_000, 6_000)).await;
    bidder(&app, &m, &id, e1).await;
    bidder(&app, &m, &id, e2).await;
    assert_eq!(until_told(&app, e1, &id, "auction_starting_soon").await, ["auction_starting_soon"]);
    assert_eq!(until_told(&app, e2, &id, "auction_starting_soon").await, ["auction_starting_soon"]);
    until(&app, &id, "open").await;

    bid(&app, e1, &id, json!({"amount_fen": 10_000})).expect(201).await;
    bid(&app, e1, &id, json!({"amount_fen": 10_500})).expect(201).await;
    assert_eq!(told(&app, e1, &id).await, ["auction_starting_soon"], "raising one's own lead");
    bid(&app, e2, &id, json!({"amount_fen": 11_000})).expect(201).await;
    assert_eq!(told(&app, e1, &id).await, ["auction_starting_soon", "outbid"]);
    assert_eq!(
        told(&app, e2, &id).await,
        ["auction_starting_soon"],
        "the new leader is not outbid"
    );
    let list = app.as_user(e1).get("/api/v1/notifications?unread=true").expect(200).await;
    let outbid = &list["items"][0];
    assert_eq!(outbid["kind"], "outbid");
    assert!(outbid["title"].as_str().unwrap().contains("110.00 元"), "{outbid}");
    assert_eq!(outbid["achievement_id"], json!(m.achievement_id()));

    until(&app, &id, "closed").await;
    assert_eq!(
        until_told(&app, e2, &id, "auction_won").await,
        ["auction_starting_soon", "auction_won"]
    );
    assert_eq!(
        until_told(&app, e1, &id, "auction_lost").await,
        ["auction_starting_soon", "outbid", "auction_lost"]
    );
    assert!(told(&app, e3, &id).await.is_empty(), "an organization that did not register");
    assert!(told(&app, m.university(), &id).await.is_empty(), "the seller is no bidder");

    // The same events went to the organization's webhook, once each.
    let deliveries = app
        .as_user(e1)
        .get(format!("/api/v1/organizations/{org1}/webhook/deliveries?limit=100"))
        .expect(200)
        .await;
    let mut delivered: Vec<&str> = deliveries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["notification_id"].as_str().expect("notification id"))
        .collect();
    delivered.sort_unstable();
    let list = app.as_user(e1).get("/api/v1/notifications?limit=100").expect(200).await;
    let mut notified: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap()).collect();
    notified.sort_unstable();
    assert_eq!(delivered.len(), 3);
    assert_eq!(delivered, notified);

    // Read all at once: the organization's own unread ones, once; nobody else's.
    let read_all = "/api/v1/notifications/read-all";
    assert_eq!(app.as_user(e1).post(read_all).expect(200).await["marked"], 3);
    assert_eq!(app.as_user(e1).post(read_all).expect(200).await["marked"], 0);
    let unread = app.as_user(e1).get("/api/v1/notifications?unread=true").expect(200).await;
    assert!(unread["items"].as_array().unwrap().is_empty());
    let others = app.as_user(e2).get("/api/v1/notifications?unread=true").expect(200).await;
    assert_eq!(others["items"].as_array().unwrap().len(), 2, "another organization's stay unread");
    let broker = app.broker(1).await;
    assert!(broker.organization_id.is_none());
    app.as_user(&broker).post(read_all).problem(403).await;
    app.anon().post(read_all).problem(401).await;
}

#[tokio::test]
async fn a_lot_closing_unsold_tells_its_bidders_and_no_starting_soon_when_switched_off() {
    let app = spawn_app_with(|s| s.auction_starting_soon_secs = 0).await;
    let m = market_of(&app, 1).await;
    let e1 = &m.enterprises[0];
    let mut body = english(1_500, 1_500);
    body["reserve_price_fen"] = json!(50_000);
    let id = announced(&app, &m, body).await;
    bidder(&app, &m, &id, e1).await;
    until(&app, &id, "open").await;
    bid(&app, e1, &id, json!({"amount_fen": 10_000})).expect(201).await;
    until(&app, &id, "closed").await;
    assert_eq!(until_told(&app, e1, &id, "auction_lost").await, ["auction_lost"]);
    let list = app.as_user(e1).get("/api/v1/notifications").expect(200).await;
    assert!(list["items"][0]["title"].as_str().unwrap().contains("未成交"));
}
