//! The statistics' sums (`stat_sums`) stay equal to a full recount through a randomized half
//! year of contract registrations, refusals, amendments and terminations, listings published
//! (one by one and imported in batches), withdrawn, edited and expired, deals opened, advanced
//! and lost, and buyers moving region; and the figures read from them equal the figures
//! computed here from each record as the API shows it. A test binary of its own: it moves the market clock (shared by
//! the whole process) forward day by day, so that periods cut across whole months and days.
//! `TEST_SEED=<n>` replays a history; the seed is printed and named in every failure.

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{Value, json};

use helpers::*;

/// A small deterministic generator (xorshift64*), so a failing history can be replayed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A user with a new organization of `kind` in `region`.
async fn member(app: &TestApp, n: u32, role: &str, kind: &str, region: &str) -> Session {
    let email = format!("rollup{n}@example.com");
    let body = json!({
        "email": email, "password": PASSWORD, "display_name": format!("会员{n}"), "role": role,
        "organization": {
            "name": format!("汇总测试机构{n}"), "kind": kind,
            "credit_code": credit_code(n), "region_code": region
        }
    });
    app.anon().post("/api/v1/auth/register").json(body).expect(201).await;
    app.session(&email).await
}

fn org(session: &Session) -> String {
    session.organization_id.clone().expect("organization")
}

/// What a registered contract adds to the figures, as the API shows the contract.
#[derive(Debug, Clone)]
struct Counted {
    registered_on: NaiveDate,
    contract_type: String,
    technology_field: String,
    seller_region: Option<String>,
    buyer_kind: String,
    broker: Option<String>,
    amount_fen: i64,
    technology_amount_fen: i64,
    commission_fen: i64,
    terminated: bool,
}

impl Counted {
    fn of(contract: &Value) -> Counted {
        let text = |v: &Value| v.as_str().expect("text").to_string();
        Counted {
            registered_on: contract["registration"]["registered_on"]
                .as_str()
                .expect("registered")
                .parse()
                .expect("date"),
            contract_type: text(&contract["contract_type"]),
            technology_field: text(&contract["technology_field"]),
            seller_region: contract["seller"]["region_code"].as_str().map(str::to_owned),
            buyer_kind: text(&contract["buyer"]["entity_kind"]),
            broker: contract["intermediary"]["broker_id"].as_str().map(str::to_owned),
            amount_fen: contract["amount_fen"].as_i64().expect("amount"),
            technology_amount_fen: contract["technology_amount_fen"].as_i64().expect("amount"),
            commission_fen: contract["intermediary"]["commission_due_fen"].as_i64().unwrap_or(0),
            terminated: contract["status"] == "terminated",
        }
    }
}

/// The groups of `GET /stats/contracts` as `key → [count, amount, technology amount]`.
fn groups_of(stats: &Value) -> BTreeMap<String, [i64; 3]> {
    stats["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter(|g| g["current"]["count"].as_i64() != Some(0))
        .map(|g| {
            let figure = |name: &str| g["current"][name].as_i64().expect("figure");
            (
                g["key"].as_str().unwrap_or("").to_string(),
                [figure("count"), figure("amount_fen"), figure("technology_amount_fen")],
            )
        })
        .collect()
}

/// The same groups computed from the contracts: those `keep` selects, grouped by `key`.
fn expected(
    contracts: &BTreeMap<String, Counted>,
    keep: impl Fn(&Counted) -> bool,
    key: impl Fn(&Counted) -> String,
) -> BTreeMap<String, [i64; 3]> {
    let mut out: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    for c in contracts.values().filter(|c| keep(c)) {
        let sums = out.entry(key(c)).or_default();
        sums[0] += 1;
        sums[1] += c.amount_fen;
        sums[2] += c.technology_amount_fen;
    }
    out
}

const KINDS: [(&str, Option<&str>, &str); 5] = [
    ("development", Some("commissioned"), "new_energy"),
    ("transfer", Some("patent_right"), "new_materials"),
    ("license", Some("patent"), "new_energy"),
    ("consulting", None, "agriculture"),
    ("service", Some("general"), "urban_social"),
];

#[tokio::test]
async fn rollups_equal_a_full_recount_after_a_randomized_history() {
    let seed = std::env::var("TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| u64::from(chrono::Utc::now().timestamp_subsec_nanos()) | 1);
    println!("TEST_SEED={seed}");
    let mut dice = Dice(seed);
    let app = spawn_app_with(|s| s.registry_own_region_only = false).await;
    let admin = app.admin(1).await;
    let sellers = [
        member(&app, 801, "university", "university", "330106").await,
        member(&app, 802, "university", "research_institute", "320102").await,
        member(&app, 803, "university", "university", "330212").await,
    ];
    let buyers = [
        member(&app, 804, "enterprise", "enterprise", "330106").await,
        member(&app, 805, "enterprise", "enterprise", "320102").await,
    ];
    let brokers = [app.broker(806).await, app.broker(807).await];
    let everyone: Vec<&Session> = sellers.iter().chain(buyers.iter()).collect();
    app.verify_orgs(&admin, &everyone).await;
    let mut listings_and_deals = ListingsAndDeals {
        admin: &admin,
        sellers: &sellers,
        buyers: &buyers,
        brokers: &brokers,
        achievements: Vec::new(),
        demands: Vec::new(),
        deals: Vec::new(),
        paired: Default::default(),
        expired: Default::default(),
        moves: 0,
    };
    let mut counted: BTreeMap<String, Counted> = BTreeMap::new();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for step in 0..48 {
        techmarket::clock::stand_at(
            techmarket::clock::now() + Duration::days(dice.below(6) as i64),
        );
        let today = techmarket::clock::today();
        listings_and_deals.step(&app, &mut dice, step).await;
        let day = |offset: i64| (today + Duration::days(offset)).to_string();
        let live: Vec<String> =
            counted.iter().filter(|(_, c)| !c.terminated).map(|(id, _)| id.clone()).collect();
        let roll = dice.below(100);
        if roll < 20 && !live.is_empty() {
            // An amendment of the amount, registered by the registry.
            let id = dice.pick(&live).clone();
            let seller = &sellers[owner[&id]];
            // At least the non-technical costs, which an amount change keeps.
            let costs = counted[&id].amount_fen - counted[&id].technology_amount_fen;
            let amount = costs + 1_000_000 + dice.below(90_000_000) as i64;
            let amendment = app
                .as_user(seller)
                .post(format!("/api/v1/contracts/{id}/amendments"))
                .json(json!({"what": "调整金额", "why": "双方协商", "new_values": {"amount_fen": amount}}))
                .expect(201)
                .await;
            let register = format!(
                "/api/v1/contracts/{id}/amendments/{}/register",
                amendment["id"].as_str().unwrap()
            );
            let amended = app.as_user(&admin).post(register).json(json!({})).expect(200).await;
            assert_eq!(amended["amount_fen"], amount, "seed {seed} step {step}");
            counted.insert(id, Counted::of(&amended));
            continue;
        }
        if roll < 32 && !live.is_empty() {
            let id = dice.pick(&live).clone();
            let seller = &sellers[owner[&id]];
            let ended = app
                .as_user(seller)
                .post(format!("/api/v1/contracts/{id}/terminate"))
                .json(json!({"reason": "合同解除"}))
                .expect(200)
                .await;
            counted.insert(id, Counted::of(&ended));
            continue;
        }
        // A new contract: registered, refused or left waiting.
        let (contract_type, subtype, field) = *dice.pick(&KINDS);
        let seller_index = dice.below(sellers.len() as u64) as usize;
        let seller = &sellers[seller_index];
        let buyer = dice.pick(&buyers);
        let amount = 2_000_000 + dice.below(200_000_000) as i64;
        let equipment = if dice.below(3) == 0 { amount / 5 } else { 0 };
        let mut body = json!({
            "name": format!("随机合同{step}"),
            "contract_type": contract_type, "subtype": subtype,
            "buyer": {"org_id": org(buyer)}, "seller": {"org_id": org(seller)},
            "technology_field": field, "ip_type": "invention_patent", "plan_category": "none",
            "signed_on": day(-3), "valid_from": day(-3), "valid_to": day(300),
            "amount_fen": amount,
            "non_technical_costs": if equipment > 0 { json!([{"item": "equipment", "amount_fen": equipment}]) } else { json!([]) }
        });
        match dice.below(3) {
            0 => {
                let broker = &dice.pick(&brokers).user_id;
                body["intermediary"] = json!({"broker_id": broker, "commission_rate_bp": 300});
            }
            1 => {
                let broker = &dice.pick(&brokers).user_id;
                body["intermediary"] =
                    json!({"broker_id": broker, "commission_fen": 10_000 + dice.below(900_000)});
            }
            _ => {}
        }
        if contract_type == "transfer" {
            body["expected_investment_fen"] = json!(200_000_000);
            body["expected_output_fen"] = json!(500_000_000);
        }
        let created = app.as_user(seller).post("/api/v1/contracts").json(body).expect(201).await;
        let id = created["id"].as_str().unwrap().to_string();
        app.as_user(seller)
            .post(format!("/api/v1/contracts/{id}/submit"))
            .json(json!({}))
            .expect(200)
            .await;
        match roll {
            0..=79 => {
                let registered = app
                    .as_user(&admin)
                    .post(format!("/api/v1/contracts/{id}/register"))
                    .json(json!({}))
                    .expect(200)
                    .await;
                owner.insert(id.clone(), seller_index);
                counted.insert(id, Counted::of(&registered));
            }
            80..=91 => {
                app.as_user(&admin)
                    .post(format!("/api/v1/contracts/{id}/refuse"))
                    .json(json!({"reason": "other", "note": "不属于技术合同"}))
                    .expect(200)
                    .await;
            }
            _ => {}
        }
    }
    assert!(
        counted.values().any(|c| c.broker.is_some() && c.commission_fen > 0),
        "seed {seed}: brokered contracts"
    );
    assert!(
        counted.len() >= 10,
        "seed {seed}: a history worth checking ({} contracts)",
        counted.len()
    );

    // The stored sums equal a full recount of the contracts.
    let db = app.state.db.clone();
    let differences = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().expect("connection");
        techmarket::stats::rollups::recount_differences(&mut conn).expect("recount")
    })
    .await
    .expect("join");
    assert!(differences.is_empty(), "seed {seed}: {differences:#?}");

    // The figures read from them equal the figures of the contracts, over whole months, parts
    // of months, regions and groupings.
    let first = counted.values().map(|c| c.registered_on).min().expect("a contract");
    let last = techmarket::clock::today();
    let middle = first + Duration::days((last - first).num_days() / 2);
    let periods: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = vec![
        (None, None),
        (Some(first + Duration::days(3)), Some(middle.max(first + Duration::days(3)))),
        (Some(middle.with_day(1).expect("month")), Some(last)),
        (None, Some(middle)),
        (Some(middle), None),
    ];
    for (from, to) in periods {
        let in_period = |c: &Counted| {
            from.is_none_or(|f| c.registered_on >= f) && to.is_none_or(|t| c.registered_on <= t)
        };
        let mut range = String::new();
        if let Some(from) = from {
            range.push_str(&format!("&from={from}"));
        }
        if let Some(to) = to {
            range.push_str(&format!("&to={to}"));
        }
        let region_of = |c: &Counted, digits: usize| {
            c.seller_region.as_deref().map(|r| r[..digits].to_string()).unwrap_or_default()
        };
        let checks: Vec<(String, BTreeMap<String, [i64; 3]>)> = vec![
            ("group_by=type".into(), expected(&counted, in_period, |c| c.contract_type.clone())),
            (
                "group_by=region&region_level=city".into(),
                expected(&counted, in_period, |c| region_of(c, 4)),
            ),
            (
                "region=33&group_by=technology_field".into(),
                expected(
                    &counted,
                    |c| in_period(c) && region_of(c, 2) == "33",
                    |c| c.technology_field.clone(),
                ),
            ),
            (
                "region=3301&group_by=buyer_kind".into(),
                expected(
                    &counted,
                    |c| in_period(c) && region_of(c, 4) == "3301",
                    |c| c.buyer_kind.clone(),
                ),
            ),
            (
                "group_by=month".into(),
                expected(&counted, in_period, |c| c.registered_on.format("%Y-%m").to_string()),
            ),
        ];
        for (query, want) in checks {
            let path = format!("/api/v1/stats/contracts?{query}{range}");
            let stats = app.as_user(&admin).get(&path).expect(200).await;
            assert_eq!(groups_of(&stats), want, "seed {seed}: {path}");
        }
        // The brokers' contracts and commissions (the rate applies to the amended amounts).
        let brokers = app
            .as_user(&admin)
            .get(format!("/api/v1/stats/brokers?top=50{range}"))
            .expect(200)
            .await;
        let seen: BTreeMap<String, [i64; 4]> = brokers["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|b| b["contracts"].as_i64() != Some(0))
            .map(|b| {
                let figure = |name: &str| b[name].as_i64().expect("figure");
                let id = b["broker_id"].as_str().expect("id").to_string();
                let figures =
                    ["contracts", "amount_fen", "technology_amount_fen", "commission_fen"];
                (id, figures.map(figure))
            })
            .collect();
        let mut want: BTreeMap<String, [i64; 4]> = BTreeMap::new();
        for c in counted.values().filter(|c| in_period(c)) {
            if let Some(broker) = &c.broker {
                let sums = want.entry(broker.clone()).or_default();
                for (sum, value) in sums.iter_mut().zip([
                    1,
                    c.amount_fen,
                    c.technology_amount_fen,
                    c.commission_fen,
                ]) {
                    *sum += value;
                }
            }
        }
        assert_eq!(seen, want, "seed {seed}: brokers {range}");
        let overview =
            app.as_user(&admin).get(format!("/api/v1/stats/overview?{range}")).expect(200).await;
        let total = expected(&counted, in_period, |_| String::new());
        let [count, amount, technology] = total.get("").copied().unwrap_or_default();
        assert_eq!(
            overview["contracts"],
            json!({"count": count, "amount_fen": amount, "technology_amount_fen": technology}),
            "seed {seed}: overview {range}"
        );
        listings_and_deals.check(&app, seed, from, to).await;
    }
    techmarket::clock::reset();
}

/// The listings and deals of the randomized history.
struct ListingsAndDeals<'a> {
    admin: &'a Session,
    sellers: &'a [Session],
    buyers: &'a [Session],
    brokers: &'a [Session],
    /// Achievements and the index of their seller.
    achievements: Vec<(String, usize)>,
    /// Demands and the index of their buyer.
    demands: Vec<(String, usize)>,
    deals: Vec<String>,
    /// The pairs a deal was opened for, and demands expired (neither takes a new deal).
    paired: std::collections::BTreeSet<(String, String)>,
    expired: std::collections::BTreeSet<String>,
    /// Buyers moved to another region.
    moves: u32,
}

const FIELDS: [&str; 3] = ["new_energy", "new_materials", "agriculture"];
const REGIONS: [&str; 3] = ["330106", "320102", "330212"];

/// The China day of an RFC 3339 stamp.
fn china_day(stamp: &Value) -> Option<NaiveDate> {
    let instant = chrono::DateTime::parse_from_rfc3339(stamp.as_str()?).ok()?;
    let china = chrono::FixedOffset::east_opt(8 * 3600)?;
    Some(instant.with_timezone(&china).date_naive())
}

impl ListingsAndDeals<'_> {
    /// One random change of a listing, a deal or a buyer's region.
    async fn step(&mut self, app: &TestApp, dice: &mut Dice, step: u32) {
        let admin = self.admin;
        // The history starts with a demand, an achievement and a deal between them.
        let roll = [2, 0, 5].get(step as usize).copied().unwrap_or_else(|| dice.below(11));
        match roll {
            1 => {
                // An administrator imports a few achievements for a seller, published at once,
                // with one line that fails (their sums move once, for the whole batch).
                let seller = dice.below(self.sellers.len() as u64) as usize;
                let org = self.sellers[seller].organization_id.clone().unwrap();
                let mut lines: Vec<String> = (0..1 + dice.below(3) as u32)
                    .map(|n| {
                        let mut body = sample_achievement(2_000 + step * 10 + n);
                        body["technology_field"] = json!(dice.pick(&FIELDS));
                        body["international"] = json!(dice.below(2) == 0);
                        body.to_string()
                    })
                    .collect();
                lines.push(json!({"title": "缺少摘要的成果"}).to_string());
                let report = app
                    .with_token(&admin.access_token)
                    .post(format!(
                        "/api/v1/achievements/import?org_id={org}&publish=true&partial=true"
                    ))
                    .body("application/x-ndjson", lines.join("\n"))
                    .expect(201)
                    .await;
                assert_eq!(report["errors"].as_array().map(Vec::len), Some(1), "{report}");
                for id in report["ids"].as_array().unwrap() {
                    self.achievements.push((id.as_str().unwrap().into(), seller));
                }
            }
            0 => {
                let seller = dice.below(self.sellers.len() as u64) as usize;
                let mut body = sample_achievement(900 + step);
                body["technology_field"] = json!(dice.pick(&FIELDS));
                body["international"] = json!(dice.below(2) == 0);
                let published =
                    app.publish("achievements", &self.sellers[seller], admin, body).await;
                self.achievements.push((published["id"].as_str().unwrap().into(), seller));
            }
            2 => {
                let buyer = dice.below(self.buyers.len() as u64) as usize;
                let mut body = sample_demand(900 + step, None);
                body["technology_field"] = json!(dice.pick(&FIELDS));
                let published = app.publish("demands", &self.buyers[buyer], admin, body).await;
                self.demands.push((published["id"].as_str().unwrap().into(), buyer));
            }
            3 if !self.achievements.is_empty() => {
                let (id, seller) = dice.pick(&self.achievements).clone();
                let path = format!("/api/v1/achievements/{id}");
                let owner = &self.sellers[seller];
                let current = app.as_user(owner).get(&path).expect(200).await;
                if current["status"] == "published" {
                    app.as_user(owner).act(format!("{path}/withdraw")).expect(200).await;
                } else {
                    let body = json!({"technology_field": dice.pick(&FIELDS),
                        "version": current["version"]});
                    app.as_user(owner).patch(&path).json(body).expect(200).await;
                }
            }
            4 if !self.demands.is_empty() => {
                // A demand runs out: its validity passes and the sweep expires it.
                let (id, _) = dice.pick(&self.demands).clone();
                self.expired.insert(id.clone());
                let db = app.state.db.clone();
                tokio::task::spawn_blocking(move || {
                    use diesel::prelude::*;
                    use techmarket::db::schema::listings;
                    let mut conn = db.get().expect("connection");
                    let yesterday = techmarket::clock::today() - Duration::days(1);
                    diesel::update(listings::table.find(&id))
                        .set(listings::valid_until.eq(yesterday))
                        .execute(&mut conn)
                        .expect("backdate");
                    techmarket::db::write_transaction(
                        &mut conn,
                        techmarket::listings::queries::expire_due,
                    )
                    .expect("sweep");
                })
                .await
                .expect("join");
            }
            5..=7 => {
                let live: Vec<&(String, usize)> =
                    self.demands.iter().filter(|(id, _)| !self.expired.contains(id)).collect();
                let Some((demand, buyer)) = live.get(dice.below(live.len().max(1) as u64) as usize)
                else {
                    return;
                };
                // The newest achievement not yet paired with the demand.
                let Some((achievement, seller)) = self
                    .achievements
                    .iter()
                    .rev()
                    .find(|(a, _)| !self.paired.contains(&(demand.clone(), a.clone())))
                else {
                    return;
                };
                let body = json!({
                    "demand_id": demand, "achievement_id": achievement,
                    "buyer_org_id": self.buyers[*buyer].organization_id,
                    "seller_org_id": self.sellers[*seller].organization_id, "source": "match"
                });
                let opened = app.as_user(admin).post("/api/v1/deals").json(body).send().await;
                // (A withdrawn achievement takes no deal: 422.)
                if opened.status() == 201 {
                    let deal: Value = opened.json().await.expect("deal");
                    self.deals.push(deal["id"].as_str().unwrap().into());
                }
                self.paired.insert((demand.clone(), achievement.clone()));
            }
            8 | 9 if !self.deals.is_empty() => {
                let id = dice.pick(&self.deals).clone();
                let path = format!("/api/v1/deals/{id}");
                let deal = app.as_user(admin).get(&path).expect(200).await;
                // (A deal is signed by registering its contract, not by advancing it.)
                let next = deal["next_stage"].as_str().filter(|next| *next != "signed");
                let open = deal["stage"] != "lost" && deal["stage"] != "signed";
                if open && dice.below(4) == 0 {
                    let body = json!({"broker_id": dice.pick(self.brokers).user_id});
                    app.as_user(admin).put(format!("{path}/broker")).json(body).expect(200).await;
                } else if next.is_some() && dice.below(3) > 0 {
                    let body = json!({"to": deal["next_stage"], "note": "推进"});
                    app.as_user(admin).post(format!("{path}/advance")).json(body).expect(200).await;
                } else if deal["stage"] != "lost" && deal["stage"] != "signed" {
                    let body = json!({"reason": "price_gap", "note": "价格差距"});
                    app.as_user(admin).post(format!("{path}/lose")).json(body).expect(200).await;
                }
            }
            10 => {
                let buyer = dice.pick(self.buyers);
                let path = format!("/api/v1/organizations/{}", org(buyer));
                let current = app.as_user(buyer).get(&path).expect(200).await;
                let body =
                    json!({"region_code": dice.pick(&REGIONS), "version": current["version"]});
                app.as_user(buyer).patch(&path).json(body).expect(200).await;
                self.moves += 1;
            }
            _ => {}
        }
    }

    /// The listings' and deals' figures of a period equal those counted here from the records.
    async fn check(
        &self,
        app: &TestApp,
        seed: u64,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) {
        let admin = self.admin;
        println!(
            "{} achievements, {} demands, {} deals, {} moves",
            self.achievements.len(),
            self.demands.len(),
            self.deals.len(),
            self.moves
        );
        assert!(!self.deals.is_empty(), "seed {seed}: deals opened");
        let in_period = |day: Option<NaiveDate>| {
            day.is_some_and(|d| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t))
        };
        let mut range = String::new();
        if let Some(from) = from {
            range.push_str(&format!("&from={from}"));
        }
        if let Some(to) = to {
            range.push_str(&format!("&to={to}"));
        }
        let mut want_fields: BTreeMap<String, [i64; 2]> = BTreeMap::new();
        let (mut published, mut international, mut posted) = (0, 0, 0);
        for (id, _) in &self.achievements {
            let a = app.as_user(admin).get(format!("/api/v1/achievements/{id}")).expect(200).await;
            if in_period(china_day(&a["published_at"])) {
                let now = a["status"] == "published";
                published += i64::from(now);
                international += i64::from(now && a["international"] == true);
                want_fields.entry(a["technology_field"].as_str().unwrap().into()).or_default()
                    [0] += 1;
            }
        }
        for (id, _) in &self.demands {
            let d = app.as_user(admin).get(format!("/api/v1/demands/{id}")).expect(200).await;
            if in_period(china_day(&d["published_at"])) {
                posted += 1;
                want_fields.entry(d["technology_field"].as_str().unwrap().into()).or_default()
                    [1] += 1;
            }
        }
        let mut stages: BTreeMap<String, i64> = BTreeMap::new();
        let mut stages_33: BTreeMap<String, i64> = BTreeMap::new();
        let mut brokered: BTreeMap<String, i64> = BTreeMap::new();
        for id in &self.deals {
            let deal = app.as_user(admin).get(format!("/api/v1/deals/{id}")).expect(200).await;
            if in_period(china_day(&deal["connected_at"])) {
                let stage = deal["stage"].as_str().unwrap().to_string();
                *stages.entry(stage.clone()).or_default() += 1;
                if let Some(broker) = deal["broker_id"].as_str() {
                    *brokered.entry(broker.to_string()).or_default() += 1;
                }
                let buyer = deal["buyer_org_id"].as_str().unwrap();
                let org = app
                    .as_user(admin)
                    .get(format!("/api/v1/organizations/{buyer}"))
                    .expect(200)
                    .await;
                if org["region_code"].as_str().is_some_and(|r| r.starts_with("33")) {
                    *stages_33.entry(stage).or_default() += 1;
                }
            }
        }
        let overview =
            app.as_user(admin).get(format!("/api/v1/stats/overview?{range}")).expect(200).await;
        let context = format!("seed {seed}: {range}");
        assert_eq!(overview["achievements_published"], published, "{context}");
        assert_eq!(overview["achievements_international"], international, "{context}");
        assert_eq!(overview["demands_posted"], posted, "{context}");
        for (stage, count) in &stages {
            assert_eq!(overview["deals"][stage], *count, "{context}: deals {stage}");
        }
        assert_eq!(overview["deals"]["total"], stages.values().sum::<i64>(), "{context}");
        let in_33 = app
            .as_user(admin)
            .get(format!("/api/v1/stats/overview?region=33{range}"))
            .expect(200)
            .await;
        assert_eq!(in_33["deals"]["total"], stages_33.values().sum::<i64>(), "{context}: 33");
        let funnel =
            app.as_user(admin).get(format!("/api/v1/stats/funnel?{range}")).expect(200).await;
        assert_eq!(funnel["connected"], stages.values().sum::<i64>(), "{context}: funnel");
        assert_eq!(funnel["lost"], stages.get("lost").copied().unwrap_or(0), "{context}: lost");
        let libraries = app
            .as_user(admin)
            .get(format!("/api/v1/stats/libraries?group_by=technology_field{range}"))
            .expect(200)
            .await;
        let seen: BTreeMap<String, [i64; 2]> = libraries["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .map(|g| {
                let counts = &g["counts"];
                let key = g["key"].as_str().unwrap_or("").to_string();
                (
                    key,
                    [counts["achievements"].as_i64().unwrap(), counts["demands"].as_i64().unwrap()],
                )
            })
            .filter(|(_, counts)| counts.iter().any(|n| *n != 0))
            .collect();
        assert_eq!(seen, want_fields, "{context}: libraries by field");
        let brokers = app
            .as_user(admin)
            .get(format!("/api/v1/stats/brokers?top=50{range}"))
            .expect(200)
            .await;
        let seen: BTreeMap<String, i64> = brokers["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|b| b["deals_brokered"].as_i64() != Some(0))
            .map(|b| {
                (b["broker_id"].as_str().unwrap().into(), b["deals_brokered"].as_i64().unwrap())
            })
            .collect();
        assert_eq!(seen, brokered, "{context}: deals per broker");
    }
}
