//! The taxonomies of the kinds and lifecycles the API exchanges — deal stages and sources,
//! auction types and statuses, listing, contract, voucher, order and claim statuses,
//! organization kinds and roles — each value with its Chinese label (the matches below are
//! exhaustive, so a new value cannot go unlabelled).

use super::routes::TaxonomyItem;
use crate::accounts::model::Role;
use crate::auctions::model::{AuctionStatus, AuctionType};
use crate::contracts::model::ContractStatus;
use crate::deals::model::{DealSource, DealStage};
use crate::listings::lifecycle::ListingStatus;
use crate::organizations::model::OrgKind;
use crate::vouchers::model::{ClaimStatus, OrderStatus, VoucherMode, VoucherStatus};

fn labelled<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
) -> Vec<TaxonomyItem> {
    all.iter().map(|&v| TaxonomyItem::worded(code(v), zh(v))).collect()
}

/// The deal funnel's stages (对接 → 意向 → 达成意向 → 签约, or 流失).
pub(super) fn deal_stages() -> Vec<TaxonomyItem> {
    labelled(DealStage::ALL, DealStage::as_str, |s| match s {
        DealStage::Connected => "对接",
        DealStage::Intention => "意向",
        DealStage::Agreement => "达成意向",
        DealStage::Signed => "签约",
        DealStage::Lost => "流失",
    })
}

/// Where a deal came from.
pub(super) fn deal_sources() -> Vec<TaxonomyItem> {
    labelled(DealSource::ALL, DealSource::as_str, |s| match s {
        DealSource::Match => "智能匹配",
        DealSource::Response => "院校答题",
        DealSource::Event => "对接会",
        DealSource::Direct => "直接对接",
        DealSource::Auction => "拍卖成交",
    })
}

/// How an auction sells.
pub(super) fn auction_types() -> Vec<TaxonomyItem> {
    labelled(AuctionType::ALL, AuctionType::as_str, |t| match t {
        AuctionType::English => "增价拍卖",
        AuctionType::Sealed => "密封报价",
        AuctionType::Dutch => "减价拍卖",
        AuctionType::Listing => "挂牌交易",
    })
}

/// An auction's lifecycle.
pub(super) fn auction_statuses() -> Vec<TaxonomyItem> {
    labelled(AuctionStatus::ALL, AuctionStatus::as_str, |s| match s {
        AuctionStatus::Draft => "草稿",
        AuctionStatus::Submitted => "待公告",
        AuctionStatus::Announced => "已公告",
        AuctionStatus::Open => "竞价中",
        AuctionStatus::Closed => "已结束",
        AuctionStatus::Cancelled => "已取消",
    })
}

/// A library record's lifecycle.
pub(super) fn listing_statuses() -> Vec<TaxonomyItem> {
    labelled(ListingStatus::ALL, ListingStatus::as_str, |s| match s {
        ListingStatus::Draft => "草稿",
        ListingStatus::PendingReview => "待审核",
        ListingStatus::Published => "已发布",
        ListingStatus::Rejected => "未通过审核",
        ListingStatus::Withdrawn => "已撤回",
        ListingStatus::Expired => "已过期",
        ListingStatus::Closed => "已关闭",
    })
}

/// A technology contract's lifecycle.
pub(super) fn contract_statuses() -> Vec<TaxonomyItem> {
    labelled(ContractStatus::ALL, ContractStatus::as_str, ContractStatus::zh)
}

/// How a programme's vouchers pay.
pub(super) fn voucher_modes() -> Vec<TaxonomyItem> {
    labelled(VoucherMode::ALL, VoucherMode::as_str, |m| match m {
        VoucherMode::Reimburse => "通用（企业先付后补）",
        VoucherMode::Direct => "通兑（服务机构申领）",
    })
}

/// A voucher's lifecycle.
pub(super) fn voucher_statuses() -> Vec<TaxonomyItem> {
    labelled(VoucherStatus::ALL, VoucherStatus::as_str, |s| match s {
        VoucherStatus::Applied => "已申请",
        VoucherStatus::Issued => "已发放",
        VoucherStatus::Rejected => "未通过",
        VoucherStatus::Lapsed => "已失效",
    })
}

/// A voucher service order's lifecycle.
pub(super) fn voucher_order_statuses() -> Vec<TaxonomyItem> {
    labelled(OrderStatus::ALL, OrderStatus::as_str, |s| match s {
        OrderStatus::Pending => "待接单",
        OrderStatus::Accepted => "已接单",
        OrderStatus::Declined => "已拒绝",
        OrderStatus::Delivered => "已交付",
        OrderStatus::Confirmed => "已确认",
        OrderStatus::Cancelled => "已取消",
    })
}

/// A voucher claim's lifecycle.
pub(super) fn voucher_claim_statuses() -> Vec<TaxonomyItem> {
    labelled(ClaimStatus::ALL, ClaimStatus::as_str, |s| match s {
        ClaimStatus::Submitted => "待审核",
        ClaimStatus::Returned => "退回修改",
        ClaimStatus::Approved => "已审核",
        ClaimStatus::Rejected => "未通过",
        ClaimStatus::Paid => "已支付",
    })
}

/// The kinds of organization.
pub(super) fn organization_kinds() -> Vec<TaxonomyItem> {
    labelled(OrgKind::ALL, OrgKind::as_str, |k| match k {
        OrgKind::Enterprise => "企业",
        OrgKind::University => "高校",
        OrgKind::ResearchInstitute => "科研院所",
        OrgKind::ServiceProvider => "服务机构",
        OrgKind::Government => "政府部门",
    })
}

/// The users' roles.
pub(super) fn roles() -> Vec<TaxonomyItem> {
    labelled(Role::ALL, Role::as_str, |r| match r {
        Role::Enterprise => "企业用户",
        Role::University => "高校院所用户",
        Role::Broker => "技术经纪人",
        Role::Expert => "专家",
        Role::ServiceProvider => "服务机构用户",
        Role::Admin => "管理员",
    })
}
