//! `GET /api/v1/me/dashboard`: what waits for the caller, by role, with counts — one call
//! instead of polling every list. Administrators see the market's queues (reviews, lots to
//! announce, contracts to register, vouchers and claims to decide, objections); members of an
//! organization what waits for it (access requests, answers, voucher orders and deliveries,
//! returned contracts and claims, unread notifications); everyone with deals sees them by stage
//! and the deals whose last message waits for their reply.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::{get, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::{
    access_requests, auctions, contracts, deal_messages, deals, demand_responses, listings,
    notice_objections, notifications, voucher_claims, voucher_orders, vouchers,
};
use crate::deals::model::DealStage;
use crate::error::ApiResult;
use crate::http::endpoint::State;

/// One thing waiting for the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingItem {
    /// A stable code (`reviews`, `access_requests`, `deliveries_to_confirm`, …).
    pub key: &'static str,
    /// What it is, in Chinese (待审核信息, …).
    pub label: &'static str,
    /// How many.
    pub count: i64,
    /// The list that shows them, when there is one.
    pub path: Option<&'static str>,
}

/// What waits for the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    /// The caller's role.
    pub role: crate::accounts::model::Role,
    /// Everything waiting for the caller's role and organization, each with its count (zero
    /// included, so a client shows the same tiles every day).
    pub waiting: Vec<WaitingItem>,
    /// The sum of the counts.
    pub total_waiting: i64,
    /// The deals the caller takes part in (administrators: all), per current stage:
    /// `connected`, `intention`, `agreement`, `signed`, `lost`.
    pub deals_by_stage: BTreeMap<String, i64>,
}

fn item(
    key: &'static str,
    label: &'static str,
    count: i64,
    path: Option<&'static str>,
) -> WaitingItem {
    WaitingItem { key, label, count, path }
}

/// The market's queues, for administrators.
fn admin_queues(conn: &mut DbConnection) -> ApiResult<Vec<WaitingItem>> {
    use crate::listings::lifecycle::ListingStatus;
    let reviews: i64 = listings::table
        .filter(listings::status.eq(ListingStatus::PendingReview.as_str()))
        .count()
        .get_result(conn)?;
    let lots: i64 =
        auctions::table.filter(auctions::status.eq("submitted")).count().get_result(conn)?;
    let registrations: i64 =
        contracts::table.filter(contracts::status.eq("submitted")).count().get_result(conn)?;
    let applications: i64 =
        vouchers::table.filter(vouchers::status.eq("applied")).count().get_result(conn)?;
    let claims: i64 = voucher_claims::table
        .filter(voucher_claims::status.eq("submitted"))
        .count()
        .get_result(conn)?;
    let objections: i64 = notice_objections::table
        .filter(notice_objections::status.eq("pending"))
        .count()
        .get_result(conn)?;
    Ok(vec![
        item("reviews", "待审核信息", reviews, Some("/api/v1/admin/reviews")),
        item("auctions_to_announce", "待公告拍卖", lots, Some("/api/v1/auctions?status=submitted")),
        item(
            "contracts_to_register",
            "待登记技术合同",
            registrations,
            Some("/api/v1/contracts?status=submitted"),
        ),
        item(
            "vouchers_to_decide",
            "待审批创新券",
            applications,
            Some("/api/v1/vouchers?status=applied"),
        ),
        item(
            "voucher_claims_to_decide",
            "待审核兑付",
            claims,
            Some("/api/v1/voucher-claims?status=submitted"),
        ),
        item("objections_to_resolve", "待处理异议", objections, None),
    ])
}

/// What waits for an organization.
fn organization_queues(conn: &mut DbConnection, org: &str) -> ApiResult<Vec<WaitingItem>> {
    let requests: i64 = access_requests::table
        .inner_join(listings::table.on(listings::id.eq(access_requests::listing_id)))
        .filter(listings::org_id.eq(org))
        .filter(access_requests::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let answers: i64 = demand_responses::table
        .inner_join(listings::table.on(listings::id.eq(demand_responses::demand_id)))
        .filter(listings::org_id.eq(org))
        .filter(demand_responses::status.eq("submitted"))
        .count()
        .get_result(conn)?;
    let returned: i64 = contracts::table
        .filter(contracts::owner_org_id.eq(org))
        .filter(contracts::status.eq("returned"))
        .count()
        .get_result(conn)?;
    let to_accept: i64 = voucher_orders::table
        .filter(voucher_orders::provider_org_id.eq(org))
        .filter(voucher_orders::status.eq("pending"))
        .count()
        .get_result(conn)?;
    let to_deliver: i64 = voucher_orders::table
        .filter(voucher_orders::provider_org_id.eq(org))
        .filter(voucher_orders::status.eq("accepted"))
        .count()
        .get_result(conn)?;
    let to_confirm: i64 = voucher_orders::table
        .filter(voucher_orders::enterprise_org_id.eq(org))
        .filter(voucher_orders::status.eq("delivered"))
        .count()
        .get_result(conn)?;
    let claims_returned: i64 = voucher_claims::table
        .filter(voucher_claims::claimant_org_id.eq(org))
        .filter(voucher_claims::status.eq("returned"))
        .count()
        .get_result(conn)?;
    let unread: i64 = notifications::table
        .filter(notifications::org_id.eq(org))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(vec![
        item(
            "access_requests",
            "待处理查看申请",
            requests,
            Some("/api/v1/me/access-requests?status=pending"),
        ),
        item("answers_to_read", "待阅读答题", answers, None),
        item(
            "contracts_returned",
            "退回补正的合同",
            returned,
            Some("/api/v1/contracts?status=returned"),
        ),
        item(
            "voucher_orders_to_accept",
            "待接单创新券订单",
            to_accept,
            Some("/api/v1/voucher-orders?status=pending"),
        ),
        item(
            "voucher_orders_to_deliver",
            "待交付创新券订单",
            to_deliver,
            Some("/api/v1/voucher-orders?status=accepted"),
        ),
        item(
            "deliveries_to_confirm",
            "待确认交付",
            to_confirm,
            Some("/api/v1/voucher-orders?status=delivered"),
        ),
        item(
            "voucher_claims_returned",
            "退回修改的兑付申请",
            claims_returned,
            Some("/api/v1/voucher-claims?status=returned"),
        ),
        item("unread_notifications", "未读通知", unread, Some("/api/v1/notifications")),
    ])
}

/// The caller's deals per stage, and how many open ones wait for the caller's reply (the last
/// message is someone else's).
fn deal_figures(
    conn: &mut DbConnection,
    user: &AuthUser,
) -> ApiResult<(BTreeMap<String, i64>, i64)> {
    let mut query = deals::table.select((deals::id, deals::stage)).into_boxed();
    if !user.is_admin() {
        let org = user.own_organization();
        query = query.filter(
            deals::buyer_org_id
                .eq(org.clone())
                .or(deals::seller_org_id.eq(org))
                .or(deals::broker_id.eq(user.id().to_string())),
        );
    }
    let rows: Vec<(String, String)> = query.load(conn)?;
    let mut by_stage: BTreeMap<String, i64> =
        DealStage::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
    for (_, stage) in &rows {
        *by_stage.entry(stage.clone()).or_default() += 1;
    }
    if user.is_admin() {
        return Ok((by_stage, 0));
    }
    let open: Vec<&String> = rows
        .iter()
        .filter(|(_, stage)| {
            stage != DealStage::Signed.as_str() && stage != DealStage::Lost.as_str()
        })
        .map(|(id, _)| id)
        .collect();
    let messages: Vec<(String, String, NaiveDateTime)> = deal_messages::table
        .filter(deal_messages::deal_id.eq_any(open))
        .select((deal_messages::deal_id, deal_messages::author_id, deal_messages::created_at))
        .load(conn)?;
    let mut last: HashMap<&String, (&String, NaiveDateTime)> = HashMap::new();
    for (deal, author, at) in &messages {
        let entry = last.entry(deal).or_insert((author, *at));
        if *at >= entry.1 {
            *entry = (author, *at);
        }
    }
    let awaiting: HashSet<&&String> = last
        .iter()
        .filter(|(_, (author, _))| author.as_str() != user.id())
        .map(|(d, _)| d)
        .collect();
    Ok((by_stage, i64::try_from(awaiting.len()).unwrap_or(i64::MAX)))
}

/// What waits for the user.
pub fn compute(conn: &mut DbConnection, user: &AuthUser) -> ApiResult<Dashboard> {
    let mut waiting = Vec::new();
    if user.is_admin() {
        waiting.extend(admin_queues(conn)?);
    }
    if let Some(org) = user.user.organization_id.clone() {
        waiting.extend(organization_queues(conn, &org)?);
    }
    let (deals_by_stage, awaiting) = deal_figures(conn, user)?;
    if !user.is_admin() {
        waiting.push(item(
            "deal_messages_awaiting_reply",
            "待回复的对接消息",
            awaiting,
            Some("/api/v1/deals"),
        ));
    }
    let total_waiting = waiting.iter().map(|w| w.count).sum();
    Ok(Dashboard { role: user.role(), waiting, total_waiting, deals_by_stage })
}

crate::endpoint! {
    /// What waits for the caller, with counts: administrators the market's queues (reviews,
    /// auctions to announce, contracts to register, vouchers and claims to decide, objections);
    /// members of an organization its access requests, answers to read, returned contracts and
    /// claims, voucher orders to accept, deliver or confirm and unread notifications; everyone
    /// their deals by stage and the deals whose last message waits for their reply.
    get "/me/dashboard" => get_dashboard, tag "me",
    ok 200 "What waits" => Dashboard,
    |user: AuthUser, state: State| -> ApiResult<web::Json<Dashboard>> {
        let dashboard = state.db.read(move |conn| compute(conn, &user)).await?;
        Ok(web::Json(dashboard))
    }
}
