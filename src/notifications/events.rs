//! The notifications of answers, contracts and deals, written in the transaction of their
//! event: each organization concerned but the actor's own is told (in-app, by webhook, and to
//! its members by e-mail as they chose).

use diesel::prelude::*;

use super::{NotificationKind, Tiding, tell};
use crate::audit::Actor;
use crate::contracts::model::{ContractRow, ContractStatus};
use crate::db::DbConnection;
use crate::db::schema::{listings, users};
use crate::deals::model::DealRow;
use crate::error::ApiResult;
use crate::responses::model::{ResponseRow, ResponseStatus};

/// A listing's title (empty when it is gone).
fn title_of(conn: &mut DbConnection, id: Option<&str>) -> ApiResult<String> {
    let Some(id) = id else { return Ok(String::new()) };
    Ok(listings::table.find(id).select(listings::title).first(conn).optional()?.unwrap_or_default())
}

/// The organization that owns a listing.
fn owner_of(conn: &mut DbConnection, id: &str) -> ApiResult<Option<String>> {
    Ok(listings::table
        .find(id)
        .select(listings::org_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The organization of the acting user.
fn org_of(conn: &mut DbConnection, actor: &Actor) -> ApiResult<Option<String>> {
    let Some(user) = &actor.user_id else { return Ok(None) };
    Ok(users::table
        .find(user)
        .select(users::organization_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

#[allow(clippy::too_many_arguments)]
fn tell_each(
    conn: &mut DbConnection,
    orgs: &[Option<String>],
    except: Option<&str>,
    kind: NotificationKind,
    subject_kind: &'static str,
    subject_id: &str,
    achievement_id: Option<&str>,
    title: &str,
) -> ApiResult<()> {
    let mut told: Vec<&str> = Vec::new();
    for org in orgs.iter().flatten() {
        if Some(org.as_str()) == except || told.contains(&org.as_str()) {
            continue;
        }
        told.push(org);
        tell(
            conn,
            Tiding {
                org_id: org.clone(),
                kind,
                subject_kind,
                subject_id: subject_id.to_string(),
                achievement_id: achievement_id.map(str::to_string),
                title: title.to_string(),
            },
        )?;
    }
    Ok(())
}

/// Tells the demand's organization of a new answer.
pub fn answer_received(conn: &mut DbConnection, answer: &ResponseRow) -> ApiResult<()> {
    let demand = title_of(conn, Some(&answer.demand_id))?;
    let owner = owner_of(conn, &answer.demand_id)?;
    let title = format!("需求「{demand}」收到新的答题");
    tell_each(
        conn,
        &[owner],
        answer.responder_org_id.as_deref(),
        NotificationKind::AnswerReceived,
        "demand_response",
        &answer.id,
        None,
        &title,
    )
}

/// Tells the other side of an answer that it moved.
pub fn answer_moved(conn: &mut DbConnection, actor: &Actor, answer: &ResponseRow) -> ApiResult<()> {
    let demand = title_of(conn, Some(&answer.demand_id))?;
    let what = match answer.status {
        ResponseStatus::Shortlisted => "已入围",
        ResponseStatus::Accepted => "已被采纳，对接已建立",
        ResponseStatus::Declined => "未被采纳",
        ResponseStatus::Withdrawn => "已被答题方撤回",
        ResponseStatus::Submitted => return Ok(()),
    };
    let title = format!("对需求「{demand}」的答题{what}");
    let owner = owner_of(conn, &answer.demand_id)?;
    let except = org_of(conn, actor)?;
    tell_each(
        conn,
        &[answer.responder_org_id.clone(), owner],
        except.as_deref(),
        NotificationKind::AnswerDecided,
        "demand_response",
        &answer.id,
        None,
        &title,
    )
}

/// Tells the parties of a contract that the registry decided it.
pub fn contract_decided(conn: &mut DbConnection, contract: &ContractRow) -> ApiResult<()> {
    let what = match contract.status {
        ContractStatus::Registered => format!(
            "已登记，登记编号 {}",
            contract.registration_number.as_deref().unwrap_or_default()
        ),
        ContractStatus::Returned => {
            format!("被退回补正：{}", contract.return_note.as_deref().unwrap_or_default())
        }
        ContractStatus::Refused => "不予登记".to_string(),
        _ => return Ok(()),
    };
    let title = format!("技术合同「{}」{what}", contract.name);
    let orgs = [
        contract.owner_org_id.clone(),
        contract.buyer_org_id.clone(),
        contract.seller_org_id.clone(),
    ];
    tell_each(
        conn,
        &orgs,
        None,
        NotificationKind::ContractDecided,
        "contract",
        &contract.id,
        None,
        &title,
    )
}

fn deal_title(conn: &mut DbConnection, deal: &DealRow) -> ApiResult<String> {
    let id = deal.achievement_id.as_deref().or(deal.demand_id.as_deref());
    title_of(conn, id)
}

/// Tells the other parties of a deal that it moved.
pub fn deal_moved(conn: &mut DbConnection, actor: &Actor, deal: &DealRow) -> ApiResult<()> {
    let subject = deal_title(conn, deal)?;
    let stage = match deal.stage {
        crate::deals::model::DealStage::Connected => "对接",
        crate::deals::model::DealStage::Intention => "意向",
        crate::deals::model::DealStage::Agreement => "达成意向",
        crate::deals::model::DealStage::Signed => "签约",
        crate::deals::model::DealStage::Lost => "流失",
    };
    let title = format!("对接「{subject}」现为{stage}");
    let except = org_of(conn, actor)?;
    tell_each(
        conn,
        &[Some(deal.buyer_org_id.clone()), Some(deal.seller_org_id.clone())],
        except.as_deref(),
        NotificationKind::DealMoved,
        "deal",
        &deal.id,
        deal.achievement_id.as_deref(),
        &title,
    )
}

/// Tells the other parties of a deal of a new message.
pub fn deal_message(
    conn: &mut DbConnection,
    actor: &Actor,
    deal: &DealRow,
    text: &str,
) -> ApiResult<()> {
    let subject = deal_title(conn, deal)?;
    let excerpt: String = text.chars().take(60).collect();
    let title = format!("对接「{subject}」有新消息：{excerpt}");
    let except = org_of(conn, actor)?;
    tell_each(
        conn,
        &[Some(deal.buyer_org_id.clone()), Some(deal.seller_org_id.clone())],
        except.as_deref(),
        NotificationKind::DealMessage,
        "deal",
        &deal.id,
        deal.achievement_id.as_deref(),
        &title,
    )
}
