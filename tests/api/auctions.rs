//! Trading by auction: a lot's review and announcement, bidders and deposits, the rules of
//! English, sealed, Dutch and listing lots, the close on time and the deal it opens.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    Market, MarketBuilder, Session, TestApp, assert_fields, items_field, sample_achievement,
    spawn_app,
};

/// A market with a seller (the first university, owning `achievements` published
/// achievements), three bidding enterprises with verified organizations and an administrator.
pub(crate) async fn market_of(app: &TestApp, achievements: u32) -> Market {
    let mut builder = MarketBuilder::new(app)
        .admin(1)
        .university(100)
        .enterprise(1)
        .enterprise(2)
        .enterprise(3)
        .verified_orgs();
    for n in 1..=achievements {
        builder = builder.achievement(sample_achievement(n));
    }
    builder.build().await
}

async fn market(app: &TestApp) -> Market {
    market_of(app, 1).await
}

pub(crate) fn at(offset_ms: i64) -> String {
    (Utc::now() + chrono::Duration::milliseconds(offset_ms)).to_rfc3339()
}

/// An English lot of the market's achievement, starting at 10,000 fen in steps of 500.
pub(crate) fn english(starts_in_ms: i64, runs_ms: i64) -> Value {
    json!({
        "type": "english", "starting_price_fen": 10_000, "increment_fen": 500,
        "deposit_fen": 1_000, "starts_at": at(starts_in_ms),
        "ends_at": at(starts_in_ms + runs_ms), "extension_secs": 0,
    })
}

/// Creates (as the seller), submits and announces a lot (of the market's first achievement
/// unless the body names one); returns its id.
pub(crate) async fn announced(app: &TestApp, m: &Market, mut body: Value) -> String {
    if body["achievement_id"].is_null() {
        body["achievement_id"] = json!(m.achievement_id());
    }
    let lot = app.as_user(m.university()).post("/api/v1/auctions").json(body).expect(201).await;
    assert_eq!(lot["status"], "draft");
    let id = lot["id"].as_str().expect("id").to_string();
    app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/submit")).expect(200).await;
    let lot =
        app.as_user(m.admin()).act(format!("/api/v1/auctions/{id}/announce")).expect(200).await;
    assert_eq!(lot["status"], "announced");
    id
}

/// Registers a bidder and has the administrator record its deposit as held.
pub(crate) async fn bidder(app: &TestApp, m: &Market, id: &str, who: &Session) -> Value {
    let registration = app
        .as_user(who)
        .post(format!("/api/v1/auctions/{id}/registrations"))
        .json(json!({}))
        .expect(201)
        .await;
    assert_eq!(registration["deposit_status"], "pending");
    let rid = registration["id"].as_str().expect("id");
    app.as_user(m.admin())
        .post(format!("/api/v1/auctions/{id}/registrations/{rid}/deposit"))
        .json(json!({"status": "held"}))
        .expect(200)
        .await
}

/// One announced lot of `base` for every achievement of the market, each with `bidders`
/// registered and their deposits held, all of them open; returns their ids.
async fn open_lots(app: &TestApp, m: &Market, base: &Value, bidders: &[&Session]) -> Vec<String> {
    let mut ids = Vec::new();
    for achievement in &m.achievements {
        let mut body = base.clone();
        body["achievement_id"] = achievement["id"].clone();
        let id = announced(app, m, body).await;
        for who in bidders {
            bidder(app, m, &id, who).await;
        }
        ids.push(id);
    }
    for id in &ids {
        until(app, id, "open").await;
    }
    ids
}

/// The deposit statuses of a lot's bidders, in registration order (as the administrator sees them).
async fn deposits(app: &TestApp, m: &Market, id: &str) -> Vec<String> {
    let ledger = app
        .as_user(m.admin())
        .get(format!("/api/v1/auctions/{id}/registrations"))
        .expect(200)
        .await;
    items_field(&ledger, "deposit_status")
}

pub(crate) async fn until(app: &TestApp, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let lot = app.anon().get(format!("/api/v1/auctions/{id}")).expect(200).await;
        if lot["status"] == status {
            return lot;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("auction {id} never reached {status}");
}

pub(crate) fn bid(app: &TestApp, who: &Session, id: &str, body: Value) -> crate::helpers::Call {
    app.as_user(who).post(format!("/api/v1/auctions/{id}/bids")).json(body)
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().expect("time").parse().expect("RFC 3339")
}

#[tokio::test]
async fn an_english_lot_sells_to_the_highest_bidder_and_opens_the_deal() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let (e1, e2, e3) = (&m.enterprises[0], &m.enterprises[1], &m.enterprises[2]);
    let mut body = english(3_000, 3_000);
    body["achievement_id"] = json!(m.achievement_id());
    body["reserve_price_fen"] = json!(10_500);
    // Only the achievement's organization sells it.
    app.as_user(e1).post("/api/v1/auctions").json(body.clone()).problem(403).await;
    let draft = app.as_user(m.university()).post("/api/v1/auctions").json(body).expect(201).await;
    let id = draft["id"].as_str().expect("id").to_string();
    // A draft exists only for its seller and administrators.
    app.as_user(e1).get(format!("/api/v1/auctions/{id}")).problem(404).await;
    let public = app.anon().get("/api/v1/auctions").expect(200).await;
    assert!(public["items"].as_array().unwrap().iter().all(|a| a["id"] != id.as_str()));
    app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/submit")).expect(200).await;
    app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/announce")).problem(403).await;
    let problem =
        app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/submit")).problem(409).await;
    assert_eq!(problem["allowed"], json!(["announced", "returned", "cancelled"]));
    app.as_user(m.admin()).act(format!("/api/v1/auctions/{id}/announce")).expect(200).await;
    // The reserve is the seller's secret; whether it is met is public.
    let seen = app.anon().get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(seen["reserve_price_fen"], Value::Null);
    assert_eq!(seen["reserve_met"], false);
    let own = app.as_user(m.university()).get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(own["reserve_price_fen"], 10_500);

    // Bidders: never the seller; once per organization; a pending deposit does not bid.
    app.as_user(m.university())
        .post(format!("/api/v1/auctions/{id}/registrations"))
        .json(json!({}))
        .problem(403)
        .await;
    let first = bidder(&app, &m, &id, e1).await;
    assert_eq!(first["bidder_code"], "B001");
    assert_eq!(first["deposit_status"], "held");
    let again = app
        .as_user(e1)
        .post(format!("/api/v1/auctions/{id}/registrations"))
        .json(json!({}))
        .problem(409)
        .await;
    assert_eq!(again["existing_id"], first["id"]);
    let held_again = app
        .as_user(m.admin())
        .post(format!(
            "/api/v1/auctions/{id}/registrations/{}/deposit",
            first["id"].as_str().unwrap()
        ))
        .json(json!({"status": "held"}))
        .problem(409)
        .await;
    assert_eq!(held_again["allowed"], json!(["refunded", "applied", "forfeited"]));
    let second = bidder(&app, &m, &id, e2).await;
    assert_eq!(second["bidder_code"], "B002");
    let early = bid(&app, e1, &id, json!({"amount_fen": 10_000})).problem(409).await;
    assert_eq!(early["code"], "auction_not_open");

    until(&app, &id, "open").await;
    let low = bid(&app, e1, &id, json!({"amount_fen": 9_999})).problem(409).await;
    assert_eq!(low["code"], "bid_too_low");
    assert_eq!(low["min_next_fen"], 10_000);
    bid(&app, e3, &id, json!({"amount_fen": 10_000})).problem(403).await;
    bid(&app, m.university(), &id, json!({"amount_fen": 10_000})).problem(403).await;
    let opening = bid(&app, e1, &id, json!({"amount_fen": 10_000})).expect(201).await;
    assert_eq!(opening["leading"], true);
    let step = bid(&app, e2, &id, json!({"amount_fen": 10_000})).problem(409).await;
    assert_eq!(step["min_next_fen"], 10_500);
    // A proxy bid: the server bids for B002 at the minimum step, up to its maximum.
    let proxy = bid(&app, e2, &id, json!({"max_amount_fen": 12_500})).expect(201).await;
    assert_eq!(proxy["amount_fen"], 10_500);
    assert_eq!(proxy["leading"], true);
    let outbid = bid(&app, e1, &id, json!({"amount_fen": 11_000})).expect(201).await;
    assert_eq!(outbid["leading"], false, "the proxy answers at once");
    let lot = app.anon().get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(lot["current_price_fen"], 11_500);
    assert_eq!(lot["min_next_fen"], 12_000);
    assert_eq!(lot["reserve_met"], true);
    assert_eq!(lot["bid_count"], 4);

    let closed = until(&app, &id, "closed").await;
    assert_eq!(closed["result"], "sold");
    assert_eq!(closed["hammer_price_fen"], 11_500);
    assert_eq!(closed["winner_bidder_code"], "B002");
    assert_eq!(closed["deal_id"], Value::Null, "the deal is the parties' own");
    let seller_view =
        app.as_user(m.university()).get(format!("/api/v1/auctions/{id}")).expect(200).await;
    let deal_id = seller_view["deal_id"].as_str().expect("a deal").to_string();
    let winner_view = app.as_user(e2).get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(winner_view["deal_id"], deal_id.as_str());
    let deal = app.as_user(e2).get(format!("/api/v1/deals/{deal_id}")).expect(200).await;
    assert_eq!(deal["stage"], "agreement");
    assert_eq!(deal["source"], "auction");
    assert_eq!(deal["buyer_org_id"], json!(e2.organization_id));
    app.as_user(e1).get(format!("/api/v1/deals/{deal_id}")).problem(404).await;
    // Deposits: the winner's applied, the other refunded.
    assert_eq!(deposits(&app, &m, &id).await, ["refunded", "applied"]);
    let mine =
        app.as_user(e1).get(format!("/api/v1/auctions/{id}/registrations")).expect(200).await;
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        1,
        "a bidder sees only its own registration"
    );
    // Bids by code; identities only to the seller after the close.
    let public_bids = app.anon().get(format!("/api/v1/auctions/{id}/bids")).expect(200).await;
    let amounts: Vec<i64> = public_bids["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["amount_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, [11_500, 11_000, 10_500, 10_000]);
    assert!(public_bids["items"].as_array().unwrap().iter().all(|b| b["org_id"].is_null()));
    let seller_bids =
        app.as_user(m.university()).get(format!("/api/v1/auctions/{id}/bids")).expect(200).await;
    assert_eq!(seller_bids["items"][0]["org_id"], json!(e2.organization_id));
    let late = bid(&app, e1, &id, json!({"amount_fen": 20_000})).problem(409).await;
    assert_eq!(late["code"], "auction_not_open");
    // The 成交确认书 is the parties' own: the buyer prints it, another bidder never sees it.
    let confirmation =
        app.as_user(e2).get(format!("/api/v1/auctions/{id}/confirmation")).send().await;
    assert_eq!(confirmation.status(), 200);
    assert!(confirmation.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = confirmation.text().await.unwrap();
    assert!(html.contains("成交确认书") && html.contains("115.00 元"), "{html}");
    assert!(html.contains("人民币壹佰壹拾伍元整"), "{html}");
    assert!(html.contains("B002"));
    app.as_user(e1).get(format!("/api/v1/auctions/{id}/confirmation")).problem(404).await;
    app.anon().get(format!("/api/v1/auctions/{id}/confirmation")).problem(401).await;
}

#[tokio::test]
async fn a_best_bid_below_the_reserve_leaves_the_lot_unsold_and_refunds_every_deposit() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut body = english(2_000, 1_500);
    body["reserve_price_fen"] = json!(50_000);
    let id = announced(&app, &m, body).await;
    bidder(&app, &m, &id, &m.enterprises[0]).await;
    until(&app, &id, "open").await;
    bid(&app, &m.enterprises[0], &id, json!({"amount_fen": 10_000})).expect(201).await;
    let closed = until(&app, &id, "closed").await;
    assert_eq!(closed["result"], "unsold");
    assert_eq!(closed["hammer_price_fen"], Value::Null);
    assert_eq!(deposits(&app, &m, &id).await, ["refunded"]);
    let deals = app.as_user(m.university()).get("/api/v1/deals").expect(200).await;
    assert_eq!(deals["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn accepted_late_bids_extend_an_english_lot_and_refused_ones_do_not() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let mut body = english(2_000, 2_000);
    body["extension_secs"] = json!(4);
    let id = announced(&app, &m, body).await;
    bidder(&app, &m, &id, &m.enterprises[0]).await;
    let lot = until(&app, &id, "open").await;
    let scheduled = time(&lot["ends_at"]);
    let accepted =
        bid(&app, &m.enterprises[0], &id, json!({"amount_fen": 10_000})).expect(201).await;
    let ends = time(&accepted["ends_at"]);
    assert_eq!(ends, time(&accepted["accepted_at"]) + chrono::Duration::seconds(4));
    assert!(ends > scheduled);
    bid(&app, &m.enterprises[0], &id, json!({"amount_fen": 10_100})).problem(409).await;
    let after = app.anon().get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(time(&after["ends_at"]), ends, "a refused bid extends nothing");
    assert_eq!(time(&after["scheduled_ends_at"]), scheduled);
}

#[tokio::test]
async fn sealed_bids_stay_hidden_from_everyone_until_the_close() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let body = json!({
        "type": "sealed", "starting_price_fen": 10_000, "deposit_fen": 1_000,
        "starts_at": at(2_000), "ends_at": at(4_500), "reserve_price_fen": 11_000,
    });
    let id = announced(&app, &m, body).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    bidder(&app, &m, &id, e1).await;
    bidder(&app, &m, &id, e2).await;
    until(&app, &id, "open").await;
    bid(&app, e1, &id, json!({"amount_fen": 9_000})).problem(409).await;
    bid(&app, e1, &id, json!({"amount_fen": 12_000})).expect(201).await;
    bid(&app, e2, &id, json!({"amount_fen": 13_000})).expect(201).await;
    let replaced = bid(&app, e1, &id, json!({"amount_fen": 13_500})).expect(201).await;
    assert_eq!(replaced["leading"], Value::Null, "nobody knows who leads");
    for viewer in [m.university(), m.admin()] {
        let lot = app.as_user(viewer).get(format!("/api/v1/auctions/{id}")).expect(200).await;
        assert_eq!(lot["current_price_fen"], Value::Null);
        assert_eq!(lot["bid_count"], Value::Null);
        assert_eq!(lot["reserve_met"], Value::Null);
        let bids = app.as_user(viewer).get(format!("/api/v1/auctions/{id}/bids")).expect(200).await;
        assert_eq!(bids["items"], json!([]), "the seller and administrators see no sealed bid");
    }
    let own = app.as_user(e1).get(format!("/api/v1/auctions/{id}/bids")).expect(200).await;
    let own: Vec<(i64, bool)> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["amount_fen"].as_i64().unwrap(), b["replaced_at"].is_null()))
        .collect();
    assert_eq!(own, [(13_500, true), (12_000, false)]);
    let audit = app
        .as_user(m.admin())
        .get(format!("/api/v1/admin/audit?entity_id={id}&action=auction.bid"))
        .expect(200)
        .await;
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e["changes"]["bidder"].is_string()));
    assert!(
        entries.iter().all(|e| e["changes"]["amount_fen"].is_null()),
        "the audit log keeps sealed amounts secret until the close too"
    );
    assert_eq!(entries[0]["actor_id"], json!(e1.user_id));
    let closed = until(&app, &id, "closed").await;
    assert_eq!(closed["result"], "sold");
    assert_eq!(closed["hammer_price_fen"], 13_500);
    assert_eq!(closed["winner_bidder_code"], "B001");
    assert_eq!(closed["bid_count"], 2);
    let bids = app.anon().get(format!("/api/v1/auctions/{id}/bids")).expect(200).await;
    assert_eq!(bids["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn a_dutch_price_falls_on_time_until_the_first_bid_takes_the_lot() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let body = json!({
        "type": "dutch", "starting_price_fen": 10_000, "deposit_fen": 1_000,
        "decrement_fen": 1_000, "decrement_every_secs": 1, "floor_price_fen": 6_000,
        "starts_at": at(2_000), "ends_at": at(30_000),
    });
    let id = announced(&app, &m, body).await;
    bidder(&app, &m, &id, &m.enterprises[0]).await;
    bidder(&app, &m, &id, &m.enterprises[1]).await;
    let lot = until(&app, &id, "open").await;
    let opening = lot["current_price_fen"].as_i64().unwrap();
    assert!((9_000..=10_000).contains(&opening), "{opening}");
    let mut stream =
        reqwest::get(app.url(&format!("/api/v1/auctions/{id}/events"))).await.expect("stream");
    let mut buffer = String::new();
    next_event(&mut stream, &mut buffer, "snapshot").await;
    let tick = next_event(&mut stream, &mut buffer, "price").await;
    assert!(tick["current_price_fen"].as_i64().unwrap() < opening, "the price falls: {tick}");
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let lot = app.anon().get(format!("/api/v1/auctions/{id}")).expect(200).await;
    let price = lot["current_price_fen"].as_i64().unwrap();
    assert!(price <= opening - 2_000, "{price} after two intervals from {opening}");
    let low = bid(&app, &m.enterprises[0], &id, json!({"amount_fen": 1_000})).problem(409).await;
    assert_eq!(low["code"], "bid_too_low");
    let taken = bid(&app, &m.enterprises[0], &id, json!({})).expect(201).await;
    assert_eq!(taken["status"], "closed");
    let taken_at = taken["amount_fen"].as_i64().unwrap();
    assert!((6_000..=price).contains(&taken_at));
    bid(&app, &m.enterprises[1], &id, json!({})).problem(409).await;
    let closed =
        app.as_user(m.university()).get(format!("/api/v1/auctions/{id}")).expect(200).await;
    assert_eq!(closed["result"], "sold");
    assert_eq!(closed["hammer_price_fen"], taken_at);
    assert!(closed["deal_id"].is_string());
}

#[tokio::test]
async fn a_listing_sells_to_its_one_taker_and_goes_on_as_an_english_auction_with_two() {
    let app = spawn_app().await;
    let m = market_of(&app, 2).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    let listing = json!({
        "type": "listing", "starting_price_fen": 20_000, "increment_fen": 1_000,
        "deposit_fen": 2_000, "extension_secs": 2, "starts_at": at(2_500), "ends_at": at(4_000),
    });
    let ids = open_lots(&app, &m, &listing, &[e1, e2]).await;
    let taken = bid(&app, e1, &ids[0], json!({})).expect(201).await;
    assert_eq!(taken["amount_fen"], 20_000);
    let twice = bid(&app, e1, &ids[0], json!({})).problem(409).await;
    assert_eq!(twice["code"], "already_taken");
    bid(&app, e1, &ids[1], json!({})).expect(201).await;
    bid(&app, e2, &ids[1], json!({"amount_fen": 20_000})).expect(201).await;

    let one_taker = until(&app, &ids[0], "closed").await;
    assert_eq!(one_taker["result"], "sold");
    assert_eq!(one_taker["hammer_price_fen"], 20_000);
    // Two takers: the lot goes on as an English auction from the listing price; the earlier
    // taker leads there until outbid.
    let mut converted = Value::Null;
    for _ in 0..50 {
        converted = app.anon().get(format!("/api/v1/auctions/{}", ids[1])).expect(200).await;
        if converted["type"] == "english" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(converted["type"], "english");
    assert_eq!(converted["converted_from"], "listing");
    assert_eq!(converted["status"], "open");
    assert_eq!(converted["min_next_fen"], 21_000);
    let raised = bid(&app, e2, &ids[1], json!({"amount_fen": 21_000})).expect(201).await;
    assert_eq!(raised["leading"], true);
    let closed = until(&app, &ids[1], "closed").await;
    assert_eq!(closed["hammer_price_fen"], 21_000);
    assert_eq!(closed["winner_bidder_code"], "B002");
}

#[tokio::test]
async fn lots_are_checked_before_they_are_drafted_and_announced_with_notice() {
    let app = crate::helpers::spawn_app_with(|s| s.auction_notice_secs = 3_600).await;
    let m = market(&app).await;
    let mut body = english(60_000, 60_000);
    body["achievement_id"] = json!(m.achievement_id());
    let invalid = |patch: Value| {
        let mut b = body.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (patch, field) in [
        (json!({"deposit_fen": 100}), "deposit_fen"),
        (json!({"deposit_fen": 2_001}), "deposit_fen"),
        (json!({"ends_at": at(30_000)}), "ends_at"),
        (json!({"starts_at": at(-1_000)}), "starts_at"),
        (json!({"increment_bp": 100}), "increment_bp"),
        (json!({"decrement_fen": 100}), "decrement_fen"),
        (json!({"achievement_id": "missing"}), "achievement_id"),
    ] {
        let problem = app
            .as_user(m.university())
            .post("/api/v1/auctions")
            .json(invalid(patch.clone()))
            .problem(422)
            .await;
        let fields = crate::helpers::error_fields(&problem);
        assert!(fields.iter().any(|f| f == field), "{patch}: {fields:?}");
    }
    let dutch = json!({"type": "dutch", "increment_fen": null, "extension_secs": null});
    let problem = app
        .as_user(m.university())
        .post("/api/v1/auctions")
        .json(invalid(dutch))
        .problem(422)
        .await;
    let fields = crate::helpers::error_fields(&problem);
    for field in ["decrement_fen", "decrement_every_secs", "floor_price_fen"] {
        assert!(fields.iter().any(|f| f == field), "{fields:?}");
    }
    // Announcement an hour ahead at least: a lot starting in a minute is returned.
    let lot =
        app.as_user(m.university()).post("/api/v1/auctions").json(body.clone()).expect(201).await;
    let id = lot["id"].as_str().unwrap();
    let twin =
        app.as_user(m.university()).post("/api/v1/auctions").json(body.clone()).problem(409).await;
    assert_eq!(twin["existing_id"], id);
    app.as_user(m.university()).act(format!("/api/v1/auctions/{id}/submit")).expect(200).await;
    let short =
        app.as_user(m.admin()).act(format!("/api/v1/auctions/{id}/announce")).problem(409).await;
    assert_eq!(short["code"], "notice_too_short");
    let returned = app
        .as_user(m.admin())
        .post(format!("/api/v1/auctions/{id}/reject"))
        .json(json!({"reason": "公告期不足"}))
        .expect(200)
        .await;
    assert_eq!(returned["status"], "draft");
    assert_eq!(returned["reject_reason"], "公告期不足");
    let cancelled = app
        .as_user(m.university())
        .post(format!("/api/v1/auctions/{id}/cancel"))
        .json(json!({"reason": "重新安排"}))
        .expect(200)
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    app.as_user(&m.enterprises[0]).get(format!("/api/v1/auctions/{id}")).problem(404).await;
}

/// An English lot opening in 2.5 s and running `runs_ms`, with `bidders` enterprises of
/// verified organizations registered to bid, their deposits held.
async fn registered_lot(app: &TestApp, bidders: u32, runs_ms: i64) -> (Market, String) {
    let mut builder = MarketBuilder::new(app).admin(1).university(100);
    for n in 1..=bidders {
        builder = builder.enterprise(n);
    }
    let m = builder.verified_orgs().achievement(sample_achievement(1)).build().await;
    let id = announced(app, &m, english(2_500, runs_ms)).await;
    for who in &m.enterprises {
        bidder(app, &m, &id, who).await;
    }
    (m, id)
}

/// The status of a plain bid of `amount` sent straight to a bids URL (from a task of its own).
async fn bid_status(client: &reqwest::Client, url: &str, token: &str, amount: i64) -> u16 {
    let answer = client
        .post(url)
        .bearer_auth(token)
        .json(&json!({"amount_fen": amount}))
        .send()
        .await
        .expect("the bid is answered");
    answer.status().as_u16()
}

#[tokio::test]
async fn a_lot_closes_once_with_two_instances_and_concurrent_bids_climb_by_the_step() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let (m, id) = registered_lot(&app, 50, 4_000).await;
    until(&app, &id, "open").await;
    let mut tasks = Vec::new();
    for (n, who) in m.enterprises.iter().enumerate() {
        let target = if n % 2 == 0 { &app } else { &second };
        let url = target.url(&format!("/api/v1/auctions/{id}/bids"));
        let token = who.access_token.clone();
        let client = reqwest::Client::new();
        let lot_url = target.url(&format!("/api/v1/auctions/{id}"));
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            for _ in 0..4 {
                let lot: Value = client.get(&lot_url).send().await.unwrap().json().await.unwrap();
                let Some(next) = lot["min_next_fen"].as_i64() else { break };
                match bid_status(&client, &url, &token, next).await {
                    201 => accepted += 1,
                    409 => {}
                    other => panic!("bid answered {other}"),
                }
            }
            accepted
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.unwrap();
    }
    assert!(accepted > 0);
    let closed = until(&app, &id, "closed").await;
    let bids = app
        .as_user(m.university())
        .get(format!("/api/v1/auctions/{id}/bids?limit=100"))
        .expect(200)
        .await;
    let mut amounts: Vec<i64> = bids["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["amount_fen"].as_i64().unwrap())
        .collect();
    amounts.reverse();
    assert_eq!(amounts.len(), accepted, "every accepted bid is kept");
    assert!(
        amounts.windows(2).all(|w| w[1] >= w[0] + 500),
        "each bid a step above the last: {amounts:?}"
    );
    assert_eq!(closed["hammer_price_fen"].as_i64(), amounts.last().copied());
    // One close, one deal, however many clocks ran.
    assert_eq!(
        app.audit_entries(m.admin(), format!("entity_id={id}&action=auction.close")).await.len(),
        1
    );
    let deals = app.as_user(m.university()).get("/api/v1/deals").expect(200).await;
    assert_eq!(deals["items"].as_array().unwrap().len(), 1);
    // Bids judged together appended their audit entries to one unbroken chain.
    let db = app.state.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        techmarket::audit::chain::verify(&mut db.get().expect("connection")).expect("verify")
    })
    .await
    .unwrap();
    assert_eq!(report.first_break, None, "{report:?}");
}

#[tokio::test]
async fn bids_of_ended_sessions_are_refused_in_the_turn_that_judges_the_live_ones() {
    let app = spawn_app().await;
    let (m, id) = registered_lot(&app, 12, 60_000).await;
    // Every other bidder signs out: its access token is still signed and unexpired.
    for who in m.enterprises.iter().step_by(2) {
        app.anon()
            .post("/api/v1/auth/logout")
            .json(json!({"refresh_token": who.refresh_token}))
            .expect(204)
            .await;
    }
    // A dead session learns nothing about lots, not even whether one exists.
    bid(&app, &m.enterprises[0], "no-such-lot", json!({"amount_fen": 10_000})).problem(401).await;
    bid(&app, &m.enterprises[1], "no-such-lot", json!({"amount_fen": 10_000})).problem(404).await;
    until(&app, &id, "open").await;
    let mut tasks = Vec::new();
    for (n, who) in m.enterprises.iter().enumerate() {
        let url = app.url(&format!("/api/v1/auctions/{id}/bids"));
        let token = who.access_token.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut answers = Vec::new();
            for step in 0..3 {
                let amount = 10_000 + 500 * (n as i64 + 12 * step);
                answers.push(bid_status(&client, &url, &token, amount).await);
            }
            (n % 2 == 0, answers)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (signed_out, answers) = task.await.unwrap();
        for answer in answers {
            if signed_out {
                assert_eq!(answer, 401, "a signed-out bidder's bid is refused");
            } else {
                assert!(answer == 201 || answer == 409, "a live bidder's bid is judged: {answer}");
                accepted += usize::from(answer == 201);
            }
        }
    }
    assert!(accepted > 0);
    let bids = app
        .as_user(&m.enterprises[1])
        .get(format!("/api/v1/auctions/{id}/bids?limit=100"))
        .expect(200)
        .await;
    assert_eq!(bids["items"].as_array().unwrap().len(), accepted, "only live bidders' bids stand");
}

/// Reads SSE frames from a response until one of `kind` arrives; returns its data and when.
async fn next_event(response: &mut reqwest::Response, buffer: &mut String, kind: &str) -> Value {
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let mut name = "";
            let mut data = "";
            for line in frame.lines() {
                if let Some(rest) = line.strip_prefix("event: ") {
                    name = rest;
                } else if let Some(rest) = line.strip_prefix("data: ") {
                    data = rest;
                }
            }
            if name == kind {
                return serde_json::from_str(data).expect("event data");
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
            .await
            .expect("an event in time")
            .expect("stream")
            .expect("stream ended");
        buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
    }
}

#[tokio::test]
async fn watchers_on_another_instance_see_bids_extensions_and_the_close_live() {
    let app = spawn_app().await;
    let second = app.second_instance().await;
    let m = market(&app).await;
    let mut body = english(2_000, 2_500);
    body["extension_secs"] = json!(3);
    let id = announced(&app, &m, body).await;
    bidder(&app, &m, &id, &m.enterprises[0]).await;
    let mut stream = reqwest::Client::new()
        .get(second.url(&format!("/api/v1/auctions/{id}/events")))
        .send()
        .await
        .expect("stream");
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let snapshot = next_event(&mut stream, &mut buffer, "snapshot").await;
    assert_eq!(snapshot["status"], "announced");
    assert_eq!(snapshot["reserve_price_fen"], Value::Null);
    next_event(&mut stream, &mut buffer, "opened").await;
    let sent = std::time::Instant::now();
    bid(&app, &m.enterprises[0], &id, json!({"amount_fen": 10_000})).expect(201).await;
    let seen = next_event(&mut stream, &mut buffer, "bid").await;
    assert!(sent.elapsed() < Duration::from_secs(1), "seen after {:?}", sent.elapsed());
    assert_eq!(seen["amount_fen"], 10_000);
    assert_eq!(seen["bidder_code"], "B001");
    let extended = next_event(&mut stream, &mut buffer, "extended").await;
    assert!(extended["ends_at"].is_string());
    let closed = next_event(&mut stream, &mut buffer, "closed").await;
    assert_eq!(closed["result"], "sold");
    assert_eq!(closed["hammer_price_fen"], 10_000);
    let rest = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
        .await
        .expect("the stream ends");
    assert!(rest.expect("clean end").is_none(), "nothing after the close");
    // A draft's stream does not exist for others.
    let mut draft = english(60_000, 60_000);
    draft["achievement_id"] = json!(m.achievement_id());
    let lot = app.as_user(m.university()).post("/api/v1/auctions").json(draft).expect(201).await;
    app.anon()
        .get(format!("/api/v1/auctions/{}/events", lot["id"].as_str().unwrap()))
        .problem(404)
        .await;
}

#[tokio::test]
async fn nobody_opens_an_auction_deal_by_hand() {
    let app = spawn_app().await;
    let m = market(&app).await;
    let problem = app
        .as_user(m.admin())
        .post("/api/v1/deals")
        .json(json!({"buyer_org_id": m.enterprise().organization_id,
                     "seller_org_id": m.university().organization_id, "source": "auction"}))
        .problem(422)
        .await;
    assert_eq!(crate::helpers::error_fields(&problem), ["source"]);
}

#[tokio::test]
async fn a_joint_session_reports_what_each_city_offered_and_bought() {
    let app = spawn_app().await;
    let m = market_of(&app, 3).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    let org = app
        .as_user(e2)
        .get(format!("/api/v1/organizations/{}", e2.organization_id.as_deref().unwrap()))
        .expect(200)
        .await;
    app.as_user(e2)
        .patch(format!("/api/v1/organizations/{}", e2.organization_id.as_deref().unwrap()))
        .json(json!({"region_code": "310101", "version": org["version"]}))
        .expect(200)
        .await;
    app.as_user(m.university())
        .post("/api/v1/auction-sessions")
        .json(json!({"name": "长三角联合竞价会", "starts_at": at(0), "ends_at": at(60_000)}))
        .problem(403)
        .await;
    let session = app
        .as_user(m.admin())
        .post("/api/v1/auction-sessions")
        .json(json!({"name": "长三角联合竞价会", "starts_at": at(0), "ends_at": at(60_000)}))
        .expect(201)
        .await;
    let sid = session["id"].as_str().unwrap().to_string();
    let mut outside = english(1_000, 120_000);
    outside["achievement_id"] = m.achievements[0]["id"].clone();
    outside["session_id"] = json!(sid);
    let problem =
        app.as_user(m.university()).post("/api/v1/auctions").json(outside).problem(422).await;
    assert_eq!(crate::helpers::error_fields(&problem), ["session_id"]);
    let mut base = english(3_000, 2_000);
    base["session_id"] = json!(sid);
    let ids = open_lots(&app, &m, &base, &[e1, e2]).await;
    bid(&app, e1, &ids[0], json!({"amount_fen": 12_000})).expect(201).await;
    bid(&app, e2, &ids[1], json!({"amount_fen": 10_000})).expect(201).await;
    for id in &ids {
        until(&app, id, "closed").await;
    }
    let listed = app.anon().get(format!("/api/v1/auctions?session_id={sid}")).expect(200).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);
    for lot in listed["items"].as_array().unwrap() {
        assert!(lot["achievement_title"].is_string() && lot["seller_name"].is_string(), "{lot}");
    }
    let report = app.anon().get(format!("/api/v1/auction-sessions/{sid}/report")).expect(200).await;
    assert_fields(
        &report,
        json!({"lots": 3, "sold": 2, "unsold": 1, "bidders": 2, "starting_fen": 30_000,
               "hammer_fen": 22_000, "premium_rate": 0.1}),
    );
    assert_eq!(
        report["by_seller_region"],
        json!([{"region_code": "330100", "region_name": "浙江省杭州市", "lots": 3, "sold": 2,
                "starting_fen": 30_000, "hammer_fen": 22_000, "premium_rate": 0.1}])
    );
    assert_eq!(
        report["by_buyer_region"],
        json!([
            {"region_code": "310100", "region_name": "上海市", "lots": 1, "sold": 1,
             "starting_fen": 10_000, "hammer_fen": 10_000, "premium_rate": 0.0},
            {"region_code": "330100", "region_name": "浙江省杭州市", "lots": 1, "sold": 1,
             "starting_fen": 10_000, "hammer_fen": 12_000, "premium_rate": 0.2}
        ])
    );
    app.anon().get("/api/v1/auction-sessions/missing/report").problem(404).await;

    // The bureau's trading figures count the same lots; a buyer reads the lots it won.
    let trading = app.as_user(m.admin()).get("/api/v1/stats/trading").expect(200).await;
    let english_lots = &trading["groups"][0];
    assert_eq!(english_lots["auction_type"], "english");
    assert_eq!((english_lots["lots"].as_i64(), english_lots["sold"].as_i64()), (Some(3), Some(2)));
    assert_eq!(trading["groups"][1]["auction_type"], "total");
    assert_eq!(trading["groups"][1]["hammer_fen"], 22_000);
    assert_eq!(trading["groups"][1]["premium_rate"], 0.1);
    let shanghai = app.as_user(m.admin()).get("/api/v1/stats/trading?region=31").expect(200).await;
    assert_eq!(shanghai["groups"], json!([]), "the region is the seller's");
    let own = app.as_user(e1).get("/api/v1/stats/trading").expect(200).await;
    assert_eq!(own["groups"][0]["lots"], 1);
    let csv = app.as_user(m.admin()).get("/api/v1/stats/trading").csv().await;
    assert!(csv.starts_with("auction_type,label,lots,sold"));
    let zh = app.as_user(m.admin()).get("/api/v1/stats/trading?headers=zh").csv().await;
    assert!(zh.starts_with("交易方式,名称,标的数,成交,流拍,竞买人"), "{zh}");
    let chart = app.as_user(m.admin()).get("/api/v1/stats/trading/chart.svg").send().await;
    assert_eq!(chart.status(), 200);
    app.anon().get("/api/v1/stats/trading").problem(401).await;
}

#[tokio::test]
async fn a_defaulting_winner_forfeits_and_the_lot_goes_to_the_runner_up_or_up_again() {
    let app = spawn_app().await;
    let m = market_of(&app, 2).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    let ids = open_lots(&app, &m, &english(2_500, 1_500), &[e1, e2]).await;
    for id in &ids {
        bid(&app, e1, id, json!({"amount_fen": 10_000})).expect(201).await;
        bid(&app, e2, id, json!({"amount_fen": 10_500})).expect(201).await;
    }
    for id in &ids {
        until(&app, id, "closed").await;
    }
    let (declined, accepted) = (&ids[0], &ids[1]);
    let default = |id: &str| format!("/api/v1/auctions/{id}/default");
    app.as_user(m.university())
        .post(default(declined))
        .json(json!({"reason": "逾期未付款"}))
        .problem(403)
        .await;
    for id in &ids {
        let lot = app
            .as_user(m.admin())
            .post(default(id))
            .json(json!({"reason": "逾期未付款"}))
            .expect(200)
            .await;
        assert!(lot["defaulted_at"].is_string());
        let deal = app
            .as_user(m.admin())
            .get(format!("/api/v1/deals/{}", lot["deal_id"].as_str().unwrap()))
            .expect(200)
            .await;
        assert_eq!(deal["stage"], "lost");
    }
    let again = app
        .as_user(m.admin())
        .post(default(declined))
        .json(json!({"reason": "重复"}))
        .problem(409)
        .await;
    assert_eq!(again["code"], "defaulted_already");
    assert_eq!(deposits(&app, &m, declined).await, ["refunded", "forfeited"]);

    // The runner-up (B001 at 10,000) is offered each lot: it declines one, accepts the other.
    for id in &ids {
        let offered = app
            .as_user(m.university())
            .act(format!("/api/v1/auctions/{id}/runner-up/offer"))
            .expect(200)
            .await;
        assert_eq!(offered["runner_up_price_fen"], 10_000);
    }
    // The runner-up is told of each offer; the defaulting winner is not.
    let offers = |list: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "auction_runner_up_offer")
            .map(|n| n["subject_id"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let told = app.as_user(e1).get("/api/v1/notifications?limit=100").expect(200).await;
    assert_eq!(offers(&told), ids.iter().map(|id| id.to_string()).collect());
    let told = app.as_user(e2).get("/api/v1/notifications?limit=100").expect(200).await;
    assert!(offers(&told).is_empty());
    let answer = |id: &str| format!("/api/v1/auctions/{id}/runner-up/answer");
    app.as_user(e2).post(answer(accepted)).json(json!({"accept": true})).problem(403).await;
    let sold =
        app.as_user(e1).post(answer(accepted)).json(json!({"accept": true})).expect(200).await;
    assert_eq!(sold["hammer_price_fen"], 10_000);
    assert_eq!(sold["winner_bidder_code"], "B001");
    let deal = app
        .as_user(e1)
        .get(format!("/api/v1/deals/{}", sold["deal_id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(deal["stage"], "agreement");
    assert_eq!(deal["buyer_org_id"], json!(e1.organization_id));
    app.as_user(e1).post(answer(declined)).json(json!({"accept": false})).expect(200).await;
    let relist = |id: &str| format!("/api/v1/auctions/{id}/relist");
    let sold_relist = app
        .as_user(m.university())
        .post(relist(accepted))
        .json(json!({"starts_at": at(2_000), "ends_at": at(60_000)}))
        .problem(409)
        .await;
    assert_eq!(sold_relist["code"], "not_relistable");

    // Relisting: at most 20 % below the last starting price; the defaulter is barred.
    let cheap = app
        .as_user(m.university())
        .post(relist(declined))
        .json(json!({"starts_at": at(2_000), "ends_at": at(60_000), "starting_price_fen": 7_999}))
        .problem(422)
        .await;
    assert_eq!(cheap["errors"][0]["code"], "too_low");
    let relisted = app
        .as_user(m.university())
        .post(relist(declined))
        .json(json!({"starts_at": at(2_000), "ends_at": at(60_000), "starting_price_fen": 8_000}))
        .expect(201)
        .await;
    assert_eq!(relisted["status"], "draft");
    assert_eq!(relisted["relisted_from"], declined.as_str());
    assert_eq!(relisted["deposit_fen"], 800);
    let rid = relisted["id"].as_str().unwrap();
    app.as_user(m.university()).act(format!("/api/v1/auctions/{rid}/submit")).expect(200).await;
    app.as_user(m.admin()).act(format!("/api/v1/auctions/{rid}/announce")).expect(200).await;
    app.as_user(e2)
        .post(format!("/api/v1/auctions/{rid}/registrations"))
        .json(json!({}))
        .problem(403)
        .await;
    app.as_user(e1)
        .post(format!("/api/v1/auctions/{rid}/registrations"))
        .json(json!({}))
        .expect(201)
        .await;
}

#[tokio::test]
async fn a_bidder_with_the_priority_right_may_match_the_price_within_its_window() {
    let app = spawn_app().await;
    let m = market_of(&app, 2).await;
    let (e1, e2) = (&m.enterprises[0], &m.enterprises[1]);
    let mut base = english(2_500, 1_500);
    base["priority_window_secs"] = json!(2);
    let ids = open_lots(&app, &m, &base, &[e1, e2]).await;
    for id in &ids {
        let registrations = app
            .as_user(m.admin())
            .get(format!("/api/v1/auctions/{id}/registrations"))
            .expect(200)
            .await;
        let rid = registrations["items"][0]["id"].as_str().unwrap();
        let path = format!("/api/v1/auctions/{id}/registrations/{rid}/priority");
        app.as_user(m.university()).post(&path).json(json!({"priority": true})).problem(403).await;
        let flagged =
            app.as_user(m.admin()).post(&path).json(json!({"priority": true})).expect(200).await;
        assert_eq!(flagged["priority"], true);
        bid(&app, e2, id, json!({"amount_fen": 10_000})).expect(201).await;
    }
    let (matched, waited) = (&ids[0], &ids[1]);
    let closed = until(&app, matched, "closed").await;
    assert_eq!(closed["winner_bidder_code"], "B002");
    assert!(closed["priority_until"].is_string(), "the sale waits for the priority right");
    let seller =
        app.as_user(m.university()).get(format!("/api/v1/auctions/{matched}")).expect(200).await;
    assert_eq!(seller["deal_id"], Value::Null);
    assert_eq!(deposits(&app, &m, matched).await, ["held", "held"]);
    let late_flag = app
        .as_user(m.admin())
        .get(format!("/api/v1/auctions/{matched}/registrations"))
        .expect(200)
        .await;
    let rid = late_flag["items"][1]["id"].as_str().unwrap();
    let problem = app
        .as_user(m.admin())
        .post(format!("/api/v1/auctions/{matched}/registrations/{rid}/priority"))
        .json(json!({"priority": true}))
        .problem(409)
        .await;
    assert_eq!(problem["code"], "lot_closed");
    app.as_user(e2).act(format!("/api/v1/auctions/{matched}/priority-match")).problem(403).await;
    let sold =
        app.as_user(e1).act(format!("/api/v1/auctions/{matched}/priority-match")).expect(200).await;
    assert_eq!(sold["winner_bidder_code"], "B001");
    assert_eq!(sold["hammer_price_fen"], 10_000);
    assert_eq!(sold["priority_until"], Value::Null);
    let deal = app
        .as_user(e1)
        .get(format!("/api/v1/deals/{}", sold["deal_id"].as_str().unwrap()))
        .expect(200)
        .await;
    assert_eq!(deal["buyer_org_id"], json!(e1.organization_id));
    assert_eq!(deposits(&app, &m, matched).await, ["applied", "refunded"]);

    // Nobody matches the other lot: once the window passes, the winner's deal opens.
    let mut lot = Value::Null;
    for _ in 0..60 {
        lot =
            app.as_user(m.university()).get(format!("/api/v1/auctions/{waited}")).expect(200).await;
        if lot["deal_id"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(lot["winner_bidder_code"], "B002");
    assert!(lot["deal_id"].is_string(), "the deal opens after the window");
    assert_eq!(deposits(&app, &m, waited).await, ["refunded", "applied"]);
    let late =
        app.as_user(e1).act(format!("/api/v1/auctions/{waited}/priority-match")).problem(409).await;
    assert_eq!(late["code"], "no_priority_window");
}
