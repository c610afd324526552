//! The market day is China Standard Time everywhere a date rule applies: the market clock is
//! moved to both sides of midnight in Beijing. A test binary of its own, because the market
//! clock is shared by the whole process (the API suite runs its tests in parallel).

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use chrono::{DateTime, Utc};

use helpers::*;

fn at(instant: &str) {
    let instant: DateTime<Utc> = instant.parse().expect("instant");
    techmarket::clock::stand_at(instant);
}

#[tokio::test]
async fn a_listing_valid_until_a_day_is_valid_until_midnight_in_beijing() {
    // 23:59 on 1 December in Beijing is 15:59 UTC.
    at("2026-12-01T15:59:00Z");
    assert_eq!(techmarket::clock::today().to_string(), "2026-12-01");
    let app = spawn_app().await;
    let admin = app.admin(1).await;
    let enterprise = app.enterprise(1).await;
    let mut body = sample_demand(1, None);
    body["valid_until"] = "2026-12-02".into();
    let demand = app.publish("demands", &enterprise, &admin, body).await;
    let path = format!("/api/v1/demands/{}", demand["id"].as_str().expect("id"));
    // A validity date must lie after the market day: "today" in Beijing is refused at 23:59.
    let mut today = sample_demand(2, None);
    today["valid_until"] = "2026-12-01".into();
    app.as_user(&enterprise).post("/api/v1/demands").json(today).problem(422).await;

    // 23:59 on 2 December in Beijing: still valid (UTC and Beijing agree on the date).
    at("2026-12-02T15:59:00Z");
    let seen = app.anon().get(&path).expect(200).await;
    assert_eq!(seen["status"], "published");

    // 00:01 on 3 December in Beijing is still 2 December in UTC: the listing has expired.
    at("2026-12-02T16:01:00Z");
    assert_eq!(techmarket::clock::today().to_string(), "2026-12-03");
    app.anon().get(&path).problem(404).await;
    let owner_view = app.as_user(&enterprise).get(&path).expect(200).await;
    assert_eq!(owner_view["status"], "expired");
    techmarket::clock::reset();
}
