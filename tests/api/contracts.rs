//! Technology contracts end to end: recording (idempotent), validation, visibility, editing,
//! registration with gap-free numbers, the deal chain, payments and overdue milestones,
//! amendments, broker commissions and the certificate.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

mod performance;
mod recording;
mod registration;
mod reports;

/// A date `offset` days from the registry's today.
fn day(offset: i64) -> String {
    (techmarket::clock::today() + chrono::Duration::days(offset)).to_string()
}

/// A registry, a seller (university), a buyer (enterprise), a broker and an outsider.
struct Market {
    app: TestApp,
    admin: Session,
    seller: Session,
    buyer: Session,
    broker: Session,
    outsider: Session,
}

async fn market() -> Market {
    let app = spawn_app().await;
    let m =
        MarketBuilder::new(&app).admin(1).university(11).enterprise(12).broker(13).build().await;
    let outsider = app.enterprise(14).await;
    app.verify_orgs(m.admin(), &[m.university(), m.enterprise()]).await;
    let (admin, seller, buyer) =
        (m.admin().clone(), m.university().clone(), m.enterprise().clone());
    Market { admin, seller, buyer, broker: m.broker().clone(), outsider, app }
}

fn org(session: &Session) -> String {
    session.organization_id.clone().expect("organization")
}

/// A patent licence between the market's buyer and seller: 1,000,000.00 元 with
/// 200,000.00 元 of equipment, paid in three milestones (two already due).
fn licence(m: &Market) -> Value {
    json!({
        "name": "富锂锰基正极材料制备技术专利实施许可合同",
        "contract_type": "license",
        "subtype": "patent",
        "buyer": {"org_id": org(&m.buyer)},
        "seller": {"org_id": org(&m.seller)},
        "technology_field": "new_energy",
        "ip_type": "invention_patent",
        "plan_category": "provincial",
        "signed_on": day(-60),
        "valid_from": day(-60),
        "valid_to": day(300),
        "amount_fen": 100_000_000,
        "non_technical_costs": [{"item": "equipment", "amount_fen": 20_000_000}],
        "milestones": [
            {"due_on": day(-30), "amount_fen": 40_000_000, "description": "合同生效后首付款"},
            {"due_on": day(-10), "amount_fen": 30_000_000, "description": "技术资料交付"},
            {"due_on": day(60), "amount_fen": 30_000_000, "description": "验收合格"}
        ]
    })
}

async fn create(m: &Market, who: &Session, body: Value) -> Value {
    m.app.as_user(who).post("/api/v1/contracts").json(body).expect(201).await
}

fn act(m: &Market, who: &Session, id: &str, action: &str, body: Value) -> Call {
    m.app.as_user(who).post(format!("/api/v1/contracts/{id}/{action}")).json(body)
}

fn get(m: &Market, who: &Session, id: &str) -> Call {
    m.app.as_user(who).get(format!("/api/v1/contracts/{id}"))
}

/// Records the licence as the seller, submits and registers it.
async fn registered(m: &Market, body: Value) -> Value {
    let contract = create(m, &m.seller, body).await;
    let id = contract["id"].as_str().unwrap().to_string();
    act(m, &m.seller, &id, "submit", json!({})).expect(200).await;
    act(m, &m.admin, &id, "register", json!({})).expect(200).await
}

async fn deal_at_agreement(m: &Market, event_id: Option<&str>) -> Value {
    let deal = m
        .app
        .as_user(&m.admin)
        .post("/api/v1/deals")
        .json(json!({
            "buyer_org_id": org(&m.buyer), "seller_org_id": org(&m.seller),
            "broker_id": m.broker.user_id, "event_id": event_id,
            "source": if event_id.is_some() { "event" } else { "direct" },
            "commission_rate_bp": 300
        }))
        .expect(201)
        .await;
    let id = deal["id"].as_str().unwrap();
    for to in ["intention", "agreement"] {
        m.app
            .as_user(&m.admin)
            .post(format!("/api/v1/deals/{id}/advance"))
            .json(json!({"to": to}))
            .expect(200)
            .await;
    }
    m.app.as_user(&m.admin).get(format!("/api/v1/deals/{id}")).expect(200).await
}

async fn registered_number(m: &Market) -> String {
    let contract = registered(m, licence(m)).await;
    contract["registration"]["number"].as_str().unwrap().to_string()
}
