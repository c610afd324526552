//! The moves of an order: the provider accepts (reserving the voucher share against the
//! voucher's balance, the enterprise's yearly cap and the programme's budget) or declines,
//! then delivers; the enterprise confirms, or cancels before delivery (releasing what was
//! reserved). Every move locks programme, voucher and order in that order, so concurrent
//! orders never overspend.

use actix_web::{HttpResponse, post};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{Orders, is_enterprise_side, is_provider_side, wrong_side};
use super::lifecycle::ORDERS;
use super::model::{OrderRow, OrderStatus, ProgramRow, VoucherRow, VoucherStatus};
use super::output::OrderOut;
use super::{ORDER_ENTITY, store};
use crate::action_endpoint;
use crate::audit;
use crate::auth::AuthUser;
use crate::contracts::registration::VersionInput;
use crate::db::schema::voucher_orders;
use crate::db::{DbConnection, now};
use crate::error::{ApiError, ApiResult};
use crate::http::version::Tagged;
use crate::policy::Visible;
use crate::validation;

/// The party that makes a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Enterprise,
    Provider,
}

/// What a move works on: the programme, the voucher and the order, locked.
struct Locked {
    program: ProgramRow,
    voucher: VoucherRow,
    order: OrderRow,
}

fn lock(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: &str,
    side: Side,
    label: &str,
    version: Option<i64>,
) -> ApiResult<Locked> {
    let current = Visible::check::<Orders>(Some(user), store::order(conn, id)?)?.into_inner();
    let allowed = match side {
        Side::Enterprise => is_enterprise_side(user, &current),
        Side::Provider => is_provider_side(user, &current),
    };
    if !allowed {
        let who = if side == Side::Enterprise { "enterprise" } else { "provider" };
        return Err(wrong_side(who, label));
    }
    let program = store::lock_program(conn, &current.program_id)?;
    let voucher = store::lock_voucher(conn, &current.voucher_id)?;
    let order = store::lock_order(conn, id)?;
    store::check_version(order.version, version)?;
    ORDERS.check(order.status, label)?;
    Ok(Locked { program, voucher, order })
}

/// The voucher shares the enterprise has reserved or used under the programme.
fn enterprise_committed(conn: &mut DbConnection, order: &OrderRow) -> ApiResult<i64> {
    let held = [OrderStatus::Accepted, OrderStatus::Delivered, OrderStatus::Confirmed];
    let shares: Vec<i64> = voucher_orders::table
        .filter(voucher_orders::program_id.eq(&order.program_id))
        .filter(voucher_orders::enterprise_org_id.eq(&order.enterprise_org_id))
        .filter(voucher_orders::status.eq_any(held.map(OrderStatus::as_str)))
        .select(voucher_orders::voucher_fen)
        .load(conn)?;
    Ok(shares.iter().sum())
}

/// Reserves the order's voucher share, or answers why it cannot be.
fn reserve(conn: &mut DbConnection, locked: &mut Locked) -> ApiResult<()> {
    let share = locked.order.voucher_fen;
    super::orders::ensure_usable(&locked.voucher)?;
    if share > locked.voucher.balance_fen {
        return Err(ApiError::refused(
            "insufficient_balance",
            format!(
                "the voucher's balance is {} fen; the order needs {share}",
                locked.voucher.balance_fen
            ),
        ));
    }
    let used = enterprise_committed(conn, &locked.order)?;
    if used + share > locked.program.enterprise_year_cap_fen {
        return Err(ApiError::refused(
            "enterprise_cap_reached",
            format!(
                "the enterprise has {used} fen reserved or used this year; the cap is {} fen",
                locked.program.enterprise_year_cap_fen
            ),
        ));
    }
    if locked.program.committed_fen + share > locked.program.budget_fen {
        return Err(ApiError::refused(
            "budget_exhausted",
            format!(
                "the programme has {} fen of its budget left",
                locked.program.budget_fen - locked.program.committed_fen
            ),
        ));
    }
    locked.voucher.balance_fen -= share;
    locked.program.committed_fen += share;
    Ok(())
}

/// Gives the order's reserved share back to the voucher (or to what lapsed, when the voucher
/// lapsed meanwhile) and to the programme's budget.
fn release(locked: &mut Locked) {
    let share = locked.order.voucher_fen;
    if locked.voucher.status == VoucherStatus::Lapsed {
        locked.voucher.lapsed_fen += share;
    } else {
        locked.voucher.balance_fen += share;
    }
    locked.program.committed_fen -= share;
}

/// What a move did: its audit action, whether it moved money (the programme and the voucher
/// are saved too) and the audit detail.
struct Done {
    action: &'static str,
    money_moved: bool,
    detail: serde_json::Value,
}

/// Makes one move of an order in a write transaction — programme, voucher and order locked,
/// the side and the lifecycle checked — saves what changed, audits it and answers the order.
async fn make_move<F>(
    state: &crate::http::endpoint::State,
    user: AuthUser,
    id: String,
    side: Side,
    label: &'static str,
    version: Option<i64>,
    apply: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection, &AuthUser, &mut Locked) -> ApiResult<Done> + Send + 'static,
{
    let out = state
        .db
        .write(move |conn| {
            let mut locked = lock(conn, &user, &id, side, label, version)?;
            let done = apply(conn, &user, &mut locked)?;
            let stamp = now();
            if done.money_moved {
                store::save_program(conn, &mut locked.program, stamp)?;
                store::save_voucher(conn, &mut locked.voucher, stamp)?;
            }
            store::save_order(conn, &mut locked.order, stamp)?;
            audit::record(
                conn,
                &user.actor(),
                done.action,
                ORDER_ENTITY,
                &locked.order.id,
                done.detail,
            )?;
            super::tidings::order_moved(conn, &locked.order)?;
            OrderOut::one(conn, locked.order)
        })
        .await?;
    Ok(Tagged::ok(out.version, out).into())
}

action_endpoint! {
    /// Accepts an order (the provider): the voucher share is reserved against the voucher's
    /// balance, the enterprise's yearly cap and the programme's budget.
    post "/voucher-orders/{id}/accept" => accept_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "Accepted" => OrderOut,
    problems { 403: "Not the order's provider", 404: "No such order", 409: "Not pending, a stale version, or no room: `insufficient_balance`, `enterprise_cap_reached`, `budget_exhausted`, `voucher_not_usable`" },
    |user: AuthUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = body.0.and_then(|b| b.version);
        make_move(&state, user, path.into_inner(), Side::Provider, "accepted", version, move |conn, _, locked| {
            reserve(conn, locked)?;
            locked.order.status = OrderStatus::Accepted;
            locked.order.accepted_at = Some(now());
            let detail = serde_json::json!({ "voucher_fen": locked.order.voucher_fen,
                "balance_fen": locked.voucher.balance_fen, "committed_fen": locked.program.committed_fen });
            Ok(Done { action: "voucher_order.accept", money_moved: true, detail })
        })
        .await
    }
}

/// A move with an optional reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderNoteInput {
    /// Why (up to 500 characters), shown on the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The version the move is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl OrderNoteInput {
    fn checked(&self) -> ApiResult<Option<String>> {
        validation::optional_text(self.reason.as_deref(), 500)
            .map_err(|(code, message)| ApiError::field("reason", code, message))
    }
}

action_endpoint! {
    /// Declines an order (the provider), with an optional reason; nothing was reserved.
    post "/voucher-orders/{id}/decline" => decline_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "Declined" => OrderOut,
    problems { 403: "Not the order's provider", 404: "No such order", 409: "Not pending, or a stale version", 422: "A reason over 500 characters" },
    |user: AuthUser, state, path: String, body: Option<OrderNoteInput>| -> HttpResponse {
        let input = body.0.unwrap_or_default();
        let note = input.checked()?;
        make_move(&state, user, path.into_inner(), Side::Provider, "declined", input.version, move |_, _, locked| {
            locked.order.status = OrderStatus::Declined;
            locked.order.note = note;
            let detail = serde_json::json!({ "reason": locked.order.note });
            Ok(Done { action: "voucher_order.decline", money_moved: false, detail })
        })
        .await
    }
}

/// A delivery with its deliverable.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverInput {
    /// The deliverable's files (a test report, a design), uploaded first
    /// (`POST /api/v1/attachments`) by a member of the provider; up to 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachment_ids: Vec<String>,
    /// The version the move is based on (optional; a stale one is 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

action_endpoint! {
    /// Records the service as delivered (the provider), with the deliverable's files, which
    /// the enterprise reads before it confirms.
    post "/voucher-orders/{id}/deliver" => deliver_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "Delivered" => OrderOut,
    problems { 403: "Not the order's provider", 404: "No such order", 409: "Not accepted, or a stale version", 422: "Unknown uploads, or uploads of someone else (`attachment_ids[i]`)" },
    |user: AuthUser, state, path: String, body: Option<DeliverInput>| -> HttpResponse {
        let input = body.0.unwrap_or_default();
        make_move(&state, user, path.into_inner(), Side::Provider, "delivered", input.version, move |conn, user, locked| {
            locked.order.status = OrderStatus::Delivered;
            locked.order.delivered_at = Some(now());
            crate::attachments::attach(conn, user, crate::attachments::SubjectKind::VoucherOrder,
                &locked.order.id, "deliverable", &input.attachment_ids)?;
            let detail = serde_json::json!({ "attachment_ids": input.attachment_ids });
            Ok(Done { action: "voucher_order.deliver", money_moved: false, detail })
        })
        .await
    }
}

action_endpoint! {
    /// Confirms a delivered service (the enterprise): the voucher share counts as used and
    /// may be claimed.
    post "/voucher-orders/{id}/confirm" => confirm_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "Confirmed" => OrderOut,
    problems { 403: "Not the order's enterprise", 404: "No such order", 409: "Not delivered, or a stale version" },
    |user: AuthUser, state, path: String, body: Option<VersionInput>| -> HttpResponse {
        let version = body.0.and_then(|b| b.version);
        make_move(&state, user, path.into_inner(), Side::Enterprise, "confirmed", version, move |_, _, locked| {
            locked.order.status = OrderStatus::Confirmed;
            locked.order.confirmed_at = Some(now());
            let detail = serde_json::json!({ "voucher_fen": locked.order.voucher_fen });
            Ok(Done { action: "voucher_order.confirm", money_moved: false, detail })
        })
        .await
    }
}

action_endpoint! {
    /// Cancels an order before delivery (the enterprise), with an optional reason; a share
    /// reserved on acceptance goes back to the voucher and the programme's budget.
    post "/voucher-orders/{id}/cancel" => cancel_order, tag "vouchers", path { "id": "Order id" },
    ok 200 "Cancelled" => OrderOut,
    problems { 403: "Not the order's enterprise", 404: "No such order", 409: "Delivered already (or otherwise finished), or a stale version", 422: "A reason over 500 characters" },
    |user: AuthUser, state, path: String, body: Option<OrderNoteInput>| -> HttpResponse {
        let input = body.0.unwrap_or_default();
        let note = input.checked()?;
        make_move(&state, user, path.into_inner(), Side::Enterprise, "cancelled", input.version, move |_, _, locked| {
            let reserved = locked.order.status == OrderStatus::Accepted;
            if reserved {
                release(locked);
            }
            locked.order.status = OrderStatus::Cancelled;
            locked.order.note = note;
            let detail = serde_json::json!({ "reason": locked.order.note, "released_fen": if reserved { locked.order.voucher_fen } else { 0 } });
            Ok(Done { action: "voucher_order.cancel", money_moved: reserved, detail })
        })
        .await
    }
}
