//! A working month of the demo market, played through the public API by the demo users as
//! they would play it: a matchmaking event collecting the libraries, answers to demands (one
//! accepted, others waiting to be read), deals at every stage of the funnel with messages,
//! licences recorded, registered and partly paid, so that every statistic, chart and
//! dashboard shows real figures on the first start and each user finds notifications waiting.

use std::collections::HashMap;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// How much of the story was played, by kind.
pub type Played = Vec<(String, usize)>;

/// Calls the API as the demo users.
struct Players {
    client: reqwest::Client,
    base: String,
    tokens: HashMap<String, String>,
}

impl Players {
    async fn call(
        &self,
        who: &str,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> anyhow::Result<Value> {
        let token = self.tokens.get(who).with_context(|| format!("{who} is not signed in"))?;
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("accept-language", "en")
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("{path}: {status} {answer}");
        }
        Ok(answer)
    }

    async fn post(&self, who: &str, path: &str, body: Value) -> anyhow::Result<Value> {
        self.call(who, reqwest::Method::POST, path, body).await
    }

    async fn get(&self, who: &str, path: &str) -> anyhow::Result<Value> {
        self.call(who, reqwest::Method::GET, path, Value::Null).await
    }
}

/// The organization a demo user belongs to.
async fn organization_of(players: &Players, who: &str) -> anyhow::Result<String> {
    let user = players.get(who, "/api/v1/me").await?;
    user["user"]["organization_id"].as_str().map(str::to_string).context("demo organization")
}

/// The records of one organization.
fn owned_by(records: &[Value], org: &str) -> Vec<Value> {
    records.iter().filter(|r| r["org_id"] == org).cloned().collect()
}

fn id(record: &Value) -> anyhow::Result<String> {
    record["id"].as_str().map(str::to_string).context("a record without an id")
}

fn items(page: &Value) -> Vec<Value> {
    page["items"].as_array().cloned().unwrap_or_default()
}

/// A date `offset` days from the market's today.
fn day(offset: i64) -> String {
    (crate::clock::today() + chrono::Duration::days(offset)).to_string()
}

const ENTERPRISE: &str = "enterprise@demo.techmarket.cn";
const ENTERPRISE2: &str = "enterprise2@demo.techmarket.cn";
const UNIVERSITY: &str = "university@demo.techmarket.cn";
const BROKER: &str = "broker@demo.techmarket.cn";
const ADMIN: &str = "admin@demo.techmarket.cn";

/// Plays the story against the server at `base` with the demo users' `credentials`.
pub async fn play(base: &str, credentials: &[(String, String)]) -> anyhow::Result<Played> {
    let client = reqwest::Client::new();
    let mut tokens = HashMap::new();
    for (email, password) in credentials {
        let session: Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await?
            .json()
            .await?;
        let token = session["access_token"].as_str().context("demo sign-in")?;
        tokens.insert(email.clone(), token.to_string());
    }
    let players = Players { client, base: base.to_string(), tokens };
    let mut played = Played::new();

    let demands = items(&players.get(ADMIN, "/api/v1/demands?limit=100").await?);
    let newest = items(&players.get(ADMIN, "/api/v1/achievements?limit=100").await?);
    let (lvyuan, xinli, xihu) = (
        organization_of(&players, ENTERPRISE).await?,
        organization_of(&players, ENTERPRISE2).await?,
        organization_of(&players, UNIVERSITY).await?,
    );
    let offered =
        items(&players.get(ADMIN, &format!("/api/v1/achievements?org_id={xihu}&limit=30")).await?);
    let achievements = [newest, offered.clone()].concat();

    // 对接会: the bureau's online matchmaking event collects the libraries and its attendance.
    let event = players
        .post(
            ADMIN,
            "/api/v1/events",
            json!({
                "name": "杭州市科技成果线上对接会（演示）",
                "description": "线上发布成果与需求，技术经纪人现场撮合对接",
                "starts_at": format!("{}T01:00:00Z", day(-20)),
                "ends_at": format!("{}T09:00:00Z", day(-19)),
                "region_code": "330100",
                "online": true
            }),
        )
        .await?;
    let event_id = id(&event)?;
    let ids = |records: &[Value]| {
        records.iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect::<Vec<_>>()
    };
    players
        .post(
            ADMIN,
            &format!("/api/v1/events/{event_id}/achievements"),
            json!({"ids": ids(&achievements)}),
        )
        .await?;
    players
        .post(ADMIN, &format!("/api/v1/events/{event_id}/demands"), json!({"ids": ids(&demands)}))
        .await?;
    let orgs: Vec<String> = demands
        .iter()
        .chain(&achievements)
        .filter_map(|r| r["org_id"].as_str().map(str::to_string))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    players
        .post(
            ADMIN,
            &format!("/api/v1/events/{event_id}/participants"),
            json!({"organizations": orgs, "anonymous_attendance": 36}),
        )
        .await?;
    played.push(("matchmaking event with its report".into(), 1));

    // 院校答题: the university answers the first enterprise's demands; one answer is accepted
    // (a deal at intention), the others wait to be read.
    let mut answers = 0;
    let mut accepted_demand = String::new();
    let asked = [owned_by(&demands, &lvyuan), owned_by(&demands, &xinli)].concat();
    for (n, demand) in asked.into_iter().enumerate().take(3) {
        let demand_id = id(&demand)?;
        let mut body = json!({"proposal": "我校团队在该方向有成熟成果和中试经验，可派驻工程师现场联合攻关，三个月内完成样机验证。"});
        if let Some(achievement) = offered.get(n) {
            body["achievement_id"] = json!(id(achievement)?);
        }
        let answer = players
            .post(UNIVERSITY, &format!("/api/v1/demands/{demand_id}/responses"), body)
            .await?;
        answers += 1;
        if n == 0 {
            accepted_demand.clone_from(&demand_id);
            let owner = if demand["org_id"] == lvyuan.as_str() { ENTERPRISE } else { ENTERPRISE2 };
            players
                .post(
                    owner,
                    &format!("/api/v1/demands/{demand_id}/responses/{}/accept", id(&answer)?),
                    json!({}),
                )
                .await?;
        }
    }
    played.push(("answers to demands".into(), answers));

    // 对接: the broker opens deals at the event on each demand's best match (a result of the
    // Hangzhou university first: its contracts register here) and carries them through the
    // funnel: two signed with registered contracts, one at agreement, one at intention, one
    // just connected and one lost.
    let mut pairs: Vec<(Value, Value)> = Vec::new();
    for demand in demands.iter().filter(|d| d["id"] != accepted_demand.as_str()) {
        let found = items(
            &players
                .get(BROKER, &format!("/api/v1/demands/{}/matches?limit=10", id(demand)?))
                .await?,
        );
        let local = found.iter().find(|m| m["achievement"]["org_id"] == xihu.as_str());
        if let Some(best) = local.or(found.first()) {
            pairs.push((demand.clone(), best["achievement"].clone()));
        }
    }
    pairs.sort_by_key(|(_, a)| a["org_id"] != xihu.as_str());
    let stages: [&[&str]; 6] = [
        &["intention", "agreement"],
        &["intention", "agreement"],
        &["intention", "agreement"],
        &["intention"],
        &[],
        &["intention"],
    ];
    let mut deals = 0;
    let mut contracts = 0;
    for (n, ((demand, achievement), path)) in pairs.iter().zip(stages).enumerate() {
        let deal = players
            .post(
                BROKER,
                "/api/v1/deals",
                json!({"demand_id": id(demand)?, "achievement_id": id(achievement)?,
                       "event_id": event_id, "source": "event", "commission_rate_bp": 300}),
            )
            .await?;
        let deal_id = id(&deal)?;
        deals += 1;
        for to in path {
            players
                .post(
                    BROKER,
                    &format!("/api/v1/deals/{deal_id}/advance"),
                    json!({"to": to, "note": format!("经纪人推进到{to}")}),
                )
                .await?;
        }
        players
            .post(
                BROKER,
                &format!("/api/v1/deals/{deal_id}/messages"),
                json!({"body": "双方技术负责人下周三线上会谈，请提前准备样品检测报告。"}),
            )
            .await?;
        if n == 5 {
            players
                .post(
                    BROKER,
                    &format!("/api/v1/deals/{deal_id}/lose"),
                    json!({"reason": "price_gap", "note": "报价差距较大"}),
                )
                .await?;
        }
        if n < 2 && achievement["org_id"] == xihu.as_str() {
            contracts += record_contract(&players, &deal, demand, achievement, n).await?;
        }
    }
    played.push(("deals across the funnel".into(), deals));
    played.push(("registered technology contracts with payments".into(), contracts));
    Ok(played)
}

/// A licence for a deal at agreement, recorded and submitted by the seller, registered by the
/// registry and paid in part.
async fn record_contract(
    players: &Players,
    deal: &Value,
    demand: &Value,
    achievement: &Value,
    n: usize,
) -> anyhow::Result<usize> {
    let amount: i64 = [80_000_000, 150_000_000, 45_000_000, 60_000_000][n % 4];
    let title = achievement["title"].as_str().unwrap_or("技术");
    let body = json!({
        "name": format!("{title}专利实施许可合同"),
        "contract_type": "license",
        "subtype": "patent",
        "deal_id": id(deal)?,
        "buyer": {"org_id": demand["org_id"]},
        "seller": {"org_id": achievement["org_id"]},
        "technology_field": achievement["technology_field"],
        "ip_type": "invention_patent",
        "plan_category": "provincial",
        "signed_on": day(-15 + n as i64),
        "valid_from": day(-15 + n as i64),
        "valid_to": day(700),
        "amount_fen": amount,
        "milestones": [
            {"due_on": day(-5), "amount_fen": amount / 2, "description": "合同生效后首付款"},
            {"due_on": day(90), "amount_fen": amount - amount / 2, "description": "验收合格后尾款"}
        ]
    });
    let contract = players.post(UNIVERSITY, "/api/v1/contracts", body).await?;
    let contract_id = id(&contract)?;
    players.post(UNIVERSITY, &format!("/api/v1/contracts/{contract_id}/submit"), json!({})).await?;
    players.post(ADMIN, &format!("/api/v1/contracts/{contract_id}/register"), json!({})).await?;
    players
        .post(
            UNIVERSITY,
            &format!("/api/v1/contracts/{contract_id}/payments"),
            json!({"paid_on": day(-3), "amount_fen": amount / 2}),
        )
        .await?;
    Ok(1)
}
