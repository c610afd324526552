//! The demo market's innovation vouchers: this year's programme of the Hangzhou bureau with
//! vouchers applied for, issued, refused, and spent on orders in every state, claims waiting,
//! returned, approved and paid in a settlement batch; and last year's programme, past its
//! use-by day, with a lapsed voucher.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::model::{
    ClaimRow, ClaimStatus, OrderRow, OrderStatus, ProgramRow, SettlementRow, VoucherMode,
    VoucherRow, VoucherStatus,
};
use crate::db::schema::{
    listings, voucher_claims, voucher_orders, voucher_programs, voucher_settlements, vouchers,
};
use crate::db::{DbConnection, new_id, now};
use crate::listings::codec::encode_codes;
use crate::taxonomies::ServiceType;

/// Who takes part: the enterprise spending, the provider serving, and the users acting.
pub struct Cast<'a> {
    /// The enterprise's organization.
    pub enterprise_org_id: &'a str,
    /// A member of it.
    pub enterprise_user_id: &'a str,
    /// The service organization.
    pub provider_org_id: &'a str,
    /// The administrator.
    pub admin_user_id: &'a str,
}

fn program(
    name: &str,
    year: i32,
    use_by: NaiveDate,
    cast: &Cast<'_>,
    stamp: NaiveDateTime,
) -> ProgramRow {
    let types = [
        ServiceType::TechnologyTransfer,
        ServiceType::TestingCertification,
        ServiceType::RdDesign,
        ServiceType::PilotTrial,
        ServiceType::Appraisal,
        ServiceType::Consulting,
    ];
    ProgramRow {
        id: new_id(),
        name: name.into(),
        region_code: "330100".into(),
        year: i64::from(year),
        budget_fen: 5_000_000_000,
        application_cap_fen: 2_000_000,
        enterprise_year_cap_fen: 10_000_000,
        coverage_bp: 5_000,
        full_cover_below_fen: 1_000_000,
        service_types: encode_codes(&types.map(ServiceType::as_str)),
        mode: VoucherMode::Direct,
        use_by,
        claim_by: use_by.checked_add_days(Days::new(90)).unwrap_or(use_by),
        accepted_regions: encode_codes(&["31", "32", "33", "34"]),
        committed_fen: 0,
        issued_count: 0,
        created_by: cast.admin_user_id.into(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    }
}

fn voucher(
    program: &mut ProgramRow,
    cast: &Cast<'_>,
    status: VoucherStatus,
    requested: i64,
    stamp: NaiveDateTime,
) -> VoucherRow {
    let issued = matches!(status, VoucherStatus::Issued | VoucherStatus::Lapsed);
    if issued {
        program.issued_count += 1;
    }
    VoucherRow {
        id: new_id(),
        program_id: program.id.clone(),
        org_id: cast.enterprise_org_id.into(),
        applicant_id: cast.enterprise_user_id.into(),
        number: issued.then(|| {
            format!("{}-{}-{:05}", program.year, program.region_code, program.issued_count)
        }),
        status,
        requested_fen: requested,
        approved_fen: issued.then_some(requested),
        balance_fen: if status == VoucherStatus::Issued { requested } else { 0 },
        lapsed_fen: 0,
        purpose: "委托检测与中试验证，推进印染废水处理装备产业化".into(),
        reason: (status == VoucherStatus::Rejected)
            .then(|| "申请材料缺少服务合同，请补充后重新申请".into()),
        use_by: program.use_by,
        decided_by: (status != VoucherStatus::Applied).then(|| cast.admin_user_id.into()),
        decided_at: (status != VoucherStatus::Applied).then_some(stamp),
        lapsed_at: None,
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    }
}

/// One order of the demo, reserving its share when it reached acceptance.
fn order(
    voucher: &mut VoucherRow,
    program: &mut ProgramRow,
    cast: &Cast<'_>,
    provider_id: &str,
    status: OrderStatus,
    fee: i64,
    stamp: NaiveDateTime,
) -> OrderRow {
    let share = program.coverage_of(fee);
    let reserved =
        matches!(status, OrderStatus::Accepted | OrderStatus::Delivered | OrderStatus::Confirmed);
    if reserved {
        voucher.balance_fen -= share;
        program.committed_fen += share;
    }
    let reached = |states: &[OrderStatus]| states.contains(&status).then_some(stamp);
    OrderRow {
        id: new_id(),
        voucher_id: voucher.id.clone(),
        program_id: program.id.clone(),
        enterprise_org_id: cast.enterprise_org_id.into(),
        provider_id: provider_id.into(),
        provider_org_id: cast.provider_org_id.into(),
        provider_region_code: "330106".into(),
        service_type: ServiceType::TechnologyTransfer,
        description: format!("成果评估与对接服务（{}）", status.as_str()),
        fee_fen: fee,
        voucher_fen: share,
        status,
        note: match status {
            OrderStatus::Declined => Some("本月排期已满".into()),
            OrderStatus::Cancelled => Some("企业调整了项目计划".into()),
            _ => None,
        },
        claim_id: None,
        created_by: cast.enterprise_user_id.into(),
        accepted_at: reached(&[
            OrderStatus::Accepted,
            OrderStatus::Delivered,
            OrderStatus::Confirmed,
        ]),
        delivered_at: reached(&[OrderStatus::Delivered, OrderStatus::Confirmed]),
        confirmed_at: reached(&[OrderStatus::Confirmed]),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    }
}

fn claim(
    order: &mut OrderRow,
    cast: &Cast<'_>,
    status: ClaimStatus,
    invoice: &str,
    stamp: NaiveDateTime,
) -> ClaimRow {
    let row = ClaimRow {
        id: new_id(),
        program_id: order.program_id.clone(),
        claimant_org_id: cast.provider_org_id.into(),
        invoice_number: invoice.into(),
        status,
        total_fen: order.voucher_fen,
        note: (status == ClaimStatus::Returned)
            .then(|| "发票金额与订单不符，请更正后重新提交".into()),
        reason: None,
        settlement_id: None,
        approved_at: matches!(status, ClaimStatus::Approved | ClaimStatus::Paid).then_some(stamp),
        paid_at: (status == ClaimStatus::Paid).then_some(stamp),
        created_by: cast.admin_user_id.into(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    };
    order.claim_id = Some(row.id.clone());
    row
}

/// Fills the demo vouchers; returns how many vouchers it issued or took applications for.
pub fn fill(conn: &mut DbConnection, cast: &Cast<'_>) -> anyhow::Result<usize> {
    let stamp = now();
    let today = crate::clock::today();
    let provider_id: String = listings::table
        .filter(listings::library.eq("service_providers"))
        .filter(listings::org_id.eq(cast.provider_org_id))
        .select(listings::id)
        .first(conn)?;
    let year = today.year();
    let end_of_year = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
    let use_by = end_of_year.max(today.checked_add_days(Days::new(30)).unwrap_or(today));
    let mut current =
        program(&format!("{year}年度杭州市科技创新券（演示）"), year, use_by, cast, stamp);
    let mut last = program(
        &format!("{}年度杭州市科技创新券（演示）", year - 1),
        year - 1,
        today.checked_sub_days(Days::new(1)).unwrap_or(today),
        cast,
        stamp,
    );

    let mut spent = voucher(&mut current, cast, VoucherStatus::Issued, 2_000_000, stamp);
    let applied = voucher(&mut current, cast, VoucherStatus::Applied, 1_500_000, stamp);
    let refused = voucher(&mut current, cast, VoucherStatus::Rejected, 2_000_000, stamp);
    let mut orders: Vec<OrderRow> = [
        (OrderStatus::Confirmed, 1_000_000),
        (OrderStatus::Confirmed, 300_000),
        (OrderStatus::Confirmed, 200_000),
        (OrderStatus::Confirmed, 100_000),
        (OrderStatus::Delivered, 1_200_000),
        (OrderStatus::Accepted, 150_000),
        (OrderStatus::Pending, 100_000),
        (OrderStatus::Declined, 400_000),
        (OrderStatus::Cancelled, 500_000),
    ]
    .into_iter()
    .map(|(status, fee)| order(&mut spent, &mut current, cast, &provider_id, status, fee, stamp))
    .collect();
    let mut claims = Vec::new();
    for (i, (status, invoice)) in [
        (ClaimStatus::Paid, "33012600001"),
        (ClaimStatus::Approved, "33012600002"),
        (ClaimStatus::Submitted, "33012600003"),
        (ClaimStatus::Returned, "33012600004"),
    ]
    .into_iter()
    .enumerate()
    {
        claims.push(claim(&mut orders[i], cast, status, invoice, stamp));
    }
    let batch = SettlementRow {
        id: new_id(),
        program_id: current.id.clone(),
        through: today,
        total_fen: claims[0].total_fen,
        claim_count: 1,
        created_by: cast.admin_user_id.into(),
        created_at: stamp,
    };
    claims[0].settlement_id = Some(batch.id.clone());

    let mut lapsed = voucher(&mut last, cast, VoucherStatus::Issued, 800_000, stamp);
    let used =
        order(&mut lapsed, &mut last, cast, &provider_id, OrderStatus::Confirmed, 300_000, stamp);
    lapsed.status = VoucherStatus::Lapsed;
    lapsed.lapsed_fen = lapsed.balance_fen;
    lapsed.balance_fen = 0;
    lapsed.lapsed_at = Some(stamp);

    for row in [current, last] {
        diesel::insert_into(voucher_programs::table).values(row).execute(conn)?;
    }
    let all = [spent, applied, refused, lapsed];
    let count = all.len();
    for row in all {
        diesel::insert_into(vouchers::table).values(row).execute(conn)?;
    }
    for row in claims {
        diesel::insert_into(voucher_claims::table).values(row).execute(conn)?;
    }
    orders.push(used);
    for row in orders {
        diesel::insert_into(voucher_orders::table).values(row).execute(conn)?;
    }
    diesel::insert_into(voucher_settlements::table).values(batch).execute(conn)?;
    Ok(count)
}
