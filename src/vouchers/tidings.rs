//! What the parties of vouchers are told, in the transaction of each event (in-app and by
//! webhook): the enterprise when its voucher is decided, the provider when it is ordered from,
//! each party when the other moves an order, the claimant when its claim is decided or paid.

use super::model::{ClaimRow, ClaimStatus, OrderRow, OrderStatus, VoucherRow};
use crate::db::DbConnection;
use crate::domain::rmb::yuan;
use crate::error::ApiResult;
use crate::notifications::{NotificationKind, Tiding, tell};

fn tell_org(
    conn: &mut DbConnection,
    org_id: &str,
    kind: NotificationKind,
    subject_kind: &'static str,
    subject_id: &str,
    title: String,
) -> ApiResult<()> {
    let tiding = Tiding {
        org_id: org_id.to_string(),
        kind,
        subject_kind,
        subject_id: subject_id.to_string(),
        achievement_id: None,
        title,
    };
    tell(conn, tiding)
}

/// Tells the enterprise its voucher was issued or refused.
pub fn voucher_decided(conn: &mut DbConnection, voucher: &VoucherRow) -> ApiResult<()> {
    let title = match (&voucher.number, &voucher.reason) {
        (Some(number), _) => format!(
            "创新券 {number} 已发放，额度 {} 元，请于 {} 前使用",
            yuan(voucher.balance_fen),
            voucher.use_by
        ),
        (None, reason) => format!("创新券申请未通过：{}", reason.as_deref().unwrap_or_default()),
    };
    tell_org(
        conn,
        &voucher.org_id,
        NotificationKind::VoucherDecided,
        super::VOUCHER_ENTITY,
        &voucher.id,
        title,
    )
}

/// Tells the provider an enterprise ordered from it.
pub fn order_placed(conn: &mut DbConnection, order: &OrderRow) -> ApiResult<()> {
    let title =
        format!("收到创新券服务订单：{}（券额 {} 元）", order.description, yuan(order.voucher_fen));
    tell_org(
        conn,
        &order.provider_org_id,
        NotificationKind::VoucherOrderPlaced,
        super::ORDER_ENTITY,
        &order.id,
        title,
    )
}

/// Tells the other party that an order moved.
pub fn order_moved(conn: &mut DbConnection, order: &OrderRow) -> ApiResult<()> {
    let (told, what) = match order.status {
        OrderStatus::Accepted => (&order.enterprise_org_id, "已接单"),
        OrderStatus::Declined => (&order.enterprise_org_id, "被服务机构拒绝"),
        OrderStatus::Delivered => (&order.enterprise_org_id, "已交付，请确认"),
        OrderStatus::Confirmed => (&order.provider_org_id, "已被企业确认，可申请兑付"),
        OrderStatus::Cancelled => (&order.provider_org_id, "已被企业取消"),
        OrderStatus::Pending => return Ok(()),
    };
    let note = order.note.as_deref().map(|n| format!("：{n}")).unwrap_or_default();
    let title = format!("创新券订单「{}」{what}{note}", order.description);
    tell_org(conn, told, NotificationKind::VoucherOrderMoved, super::ORDER_ENTITY, &order.id, title)
}

/// Tells the claimant its claim was approved, returned, refused or paid.
pub fn claim_decided(conn: &mut DbConnection, claim: &ClaimRow) -> ApiResult<()> {
    let amount = yuan(claim.total_fen);
    let title = match claim.status {
        ClaimStatus::Approved => {
            format!("兑付申请（发票 {}，{amount} 元）已审核通过", claim.invoice_number)
        }
        ClaimStatus::Returned => format!(
            "兑付申请（发票 {}）被退回修改：{}",
            claim.invoice_number,
            claim.note.as_deref().unwrap_or_default()
        ),
        ClaimStatus::Rejected => format!(
            "兑付申请（发票 {}）未通过：{}",
            claim.invoice_number,
            claim.reason.as_deref().unwrap_or_default()
        ),
        ClaimStatus::Paid => {
            format!("兑付款 {amount} 元已结算支付（发票 {}）", claim.invoice_number)
        }
        ClaimStatus::Submitted => return Ok(()),
    };
    tell_org(
        conn,
        &claim.claimant_org_id,
        NotificationKind::VoucherClaimDecided,
        super::CLAIM_ENTITY,
        &claim.id,
        title,
    )
}
