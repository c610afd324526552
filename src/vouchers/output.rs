//! Voucher records as the API shows them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{
    ClaimRow, ClaimStatus, OrderRow, OrderStatus, ProgramRow, SettlementRow, VoucherMode,
    VoucherRow, VoucherStatus,
};
use crate::attachments::model::AttachmentOut;
use crate::db::to_utc;
use crate::taxonomies::ServiceType;

/// Claims approved longer ago than this and still unpaid are overdue (six months: vouchers
/// are settled at least every six months).
pub const OVERDUE_DAYS: i64 = 183;

/// A programme.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgramOut {
    /// Programme id.
    pub id: String,
    /// Its name (e.g. 2027年度杭州市科技创新券).
    pub name: String,
    /// The issuing bureau's region (GB/T 2260); enterprises of this region apply.
    pub region_code: String,
    /// The budget year.
    pub year: i64,
    /// The budget in fen: what accepted orders may reserve in all.
    pub budget_fen: i64,
    /// Reserved or used by accepted orders so far, in fen.
    pub committed_fen: i64,
    /// What is left of the budget, in fen.
    pub remaining_fen: i64,
    /// The most one application is issued, in fen (e.g. 2 万元).
    pub application_cap_fen: i64,
    /// The most one enterprise spends under the programme in its year, in fen (e.g. 10 万元).
    pub enterprise_year_cap_fen: i64,
    /// The share of a service fee a voucher pays, in basis points (5000 = 50 %).
    pub coverage_bp: i64,
    /// Fees below this (in fen) are paid by the voucher in full.
    pub full_cover_below_fen: i64,
    /// The service types vouchers buy.
    pub service_types: Vec<ServiceType>,
    /// `reimburse` (通用: the enterprise pays in full and claims the voucher share) or
    /// `direct` (通兑: the provider claims the voucher share).
    pub mode: VoucherMode,
    /// The last China day vouchers are spent; unused balances lapse after it.
    pub use_by: NaiveDate,
    /// The last China day claims are filed.
    pub claim_by: NaiveDate,
    /// Region code prefixes where providers may be (通用通兑 across regions).
    pub accepted_regions: Vec<String>,
    /// Version of the record.
    pub version: i64,
    /// Created (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: ProgramRow => ProgramOut {
    computed {
        service_types: row.service_types(),
        accepted_regions: row.accepted_regions(),
        remaining_fen: row.budget_fen - row.committed_fen,
    }
    same {
        id, name, region_code, year, budget_fen, committed_fen, application_cap_fen,
        enterprise_year_cap_fen, coverage_bp, full_cover_below_fen, mode, use_by, claim_by,
        version
    }
    times { created_at }
} }

/// A voucher.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VoucherOut {
    /// Voucher id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// The enterprise holding it.
    pub org_id: String,
    /// The voucher number (unique in its programme), once issued.
    pub number: Option<String>,
    /// `applied`, `issued`, `rejected` or `lapsed`.
    pub status: VoucherStatus,
    /// The amount applied for, in fen.
    pub requested_fen: i64,
    /// The amount issued, in fen (the administrator may lower it).
    pub approved_fen: Option<i64>,
    /// What is left to spend, in fen (accepted orders reserve their voucher share).
    pub balance_fen: i64,
    /// What lapsed unused at the use-by day, in fen.
    pub lapsed_fen: i64,
    /// What the enterprise wants it for.
    pub purpose: String,
    /// The administrator's reason for refusing it.
    pub reason: Option<String>,
    /// The last China day it is spent.
    pub use_by: NaiveDate,
    /// When it was issued or refused (RFC 3339 UTC).
    pub decided_at: Option<DateTime<Utc>>,
    /// Version of the record.
    pub version: i64,
    /// Applied (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::versioned!(VoucherOut);

crate::output_of_row! { row: VoucherRow => VoucherOut {
    same {
        id, program_id, org_id, number, status, requested_fen, approved_fen, balance_fen,
        lapsed_fen, purpose, reason, use_by, version
    }
    times { created_at }
    optional_times { decided_at }
} }

/// A service order paid in part with a voucher.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderOut {
    /// Order id.
    pub id: String,
    /// The voucher paying.
    pub voucher_id: String,
    /// Its programme.
    pub program_id: String,
    /// The ordering enterprise.
    pub enterprise_org_id: String,
    /// The service organization's profile ordered from.
    pub provider_id: String,
    /// The service organization.
    pub provider_org_id: String,
    /// The provider's region when ordered (the payee region of cross-region clearing).
    pub provider_region_code: String,
    /// The service.
    pub service_type: ServiceType,
    /// What is ordered.
    pub description: String,
    /// The whole fee, in fen.
    pub fee_fen: i64,
    /// The voucher's share, in fen.
    pub voucher_fen: i64,
    /// What the enterprise pays itself, in fen (fee − voucher share).
    pub own_share_fen: i64,
    /// `pending`, `accepted`, `declined`, `delivered`, `confirmed` or `cancelled`.
    pub status: OrderStatus,
    /// The reason given for declining or cancelling.
    pub note: Option<String>,
    /// The claim it is in, once claimed (an order is claimed once).
    pub claim_id: Option<String>,
    /// The deliverable's files (attached on delivery), downloaded at
    /// `/api/v1/attachments/{id}` by the order's parties.
    pub attachments: Vec<AttachmentOut>,
    /// Accepted (RFC 3339 UTC).
    pub accepted_at: Option<DateTime<Utc>>,
    /// Delivered (RFC 3339 UTC).
    pub delivered_at: Option<DateTime<Utc>>,
    /// Confirmed (RFC 3339 UTC).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Version of the record.
    pub version: i64,
    /// Placed (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
    /// The ordering enterprise's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enterprise_name: Option<String>,
    /// The service organization's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
}

crate::versioned!(OrderOut);

impl OrderOut {
    /// The orders as the API shows them, with their files.
    pub fn many(
        conn: &mut crate::db::DbConnection,
        rows: Vec<OrderRow>,
    ) -> crate::error::ApiResult<Vec<OrderOut>> {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let kind = crate::attachments::SubjectKind::VoucherOrder;
        let mut files = crate::attachments::links::list_many(conn, kind, &ids)?;
        let org_ids: Vec<&String> =
            rows.iter().flat_map(|r| [&r.enterprise_org_id, &r.provider_org_id]).collect();
        let names = crate::organizations::queries::names(conn, &org_ids)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let attachments = files.remove(&row.id).unwrap_or_default();
                OrderOut {
                    attachments,
                    enterprise_name: names.get(&row.enterprise_org_id).cloned(),
                    provider_name: names.get(&row.provider_org_id).cloned(),
                    ..OrderOut::from(row)
                }
            })
            .collect())
    }

    /// One order as the API shows it, with its files.
    pub fn one(
        conn: &mut crate::db::DbConnection,
        row: OrderRow,
    ) -> crate::error::ApiResult<OrderOut> {
        OrderOut::many(conn, vec![row])?
            .pop()
            .ok_or_else(|| crate::error::ApiError::Internal("order output missing".into()))
    }
}

crate::output_of_row! { row: OrderRow => OrderOut {
    computed {
        own_share_fen: row.fee_fen - row.voucher_fen,
    }
    same {
        id, voucher_id, program_id, enterprise_org_id, provider_id, provider_org_id,
        provider_region_code, service_type, description, fee_fen, voucher_fen, status, note,
        claim_id, version
    }
    times { created_at }
    optional_times { accepted_at, delivered_at, confirmed_at }
    absent { attachments, enterprise_name, provider_name }
} }

/// A claim for the voucher share of confirmed orders.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimOut {
    /// Claim id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// The organization claiming (the provider in `direct` programmes, the enterprise in
    /// `reimburse` ones).
    pub claimant_org_id: String,
    /// The orders claimed.
    pub order_ids: Vec<String>,
    /// The invoice number.
    pub invoice_number: String,
    /// The invoice and payment proof files.
    pub attachments: Vec<AttachmentOut>,
    /// `submitted`, `returned`, `approved`, `rejected` or `paid`.
    pub status: ClaimStatus,
    /// The voucher shares claimed, in fen.
    pub total_fen: i64,
    /// The administrator's note when returning it.
    pub note: Option<String>,
    /// The administrator's reason when refusing it.
    pub reason: Option<String>,
    /// The settlement batch that paid it.
    pub settlement_id: Option<String>,
    /// Approved more than 183 days ago and still unpaid.
    pub overdue: bool,
    /// Approved (RFC 3339 UTC).
    pub approved_at: Option<DateTime<Utc>>,
    /// Paid (RFC 3339 UTC).
    pub paid_at: Option<DateTime<Utc>>,
    /// Version of the record.
    pub version: i64,
    /// Filed (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

crate::versioned!(ClaimOut);

impl ClaimOut {
    /// The claim with its orders, judged overdue at `now`.
    pub fn new(
        row: ClaimRow,
        order_ids: Vec<String>,
        attachments: Vec<AttachmentOut>,
        now: DateTime<Utc>,
    ) -> ClaimOut {
        let overdue = row.status == ClaimStatus::Approved
            && row
                .approved_at
                .is_some_and(|at| now - to_utc(at) > chrono::Duration::days(OVERDUE_DAYS));
        ClaimOut {
            overdue,
            order_ids,
            attachments,
            id: row.id,
            program_id: row.program_id,
            claimant_org_id: row.claimant_org_id,
            invoice_number: row.invoice_number,
            status: row.status,
            total_fen: row.total_fen,
            note: row.note,
            reason: row.reason,
            settlement_id: row.settlement_id,
            approved_at: row.approved_at.map(to_utc),
            paid_at: row.paid_at.map(to_utc),
            version: row.version,
            created_at: to_utc(row.created_at),
        }
    }
}

/// A settlement batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SettlementOut {
    /// Batch id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// Claims approved up to the end of this China day were paid.
    pub through: NaiveDate,
    /// The sum paid, in fen.
    pub total_fen: i64,
    /// Claims paid.
    pub claim_count: i64,
    /// The claims paid (their ids).
    pub claim_ids: Vec<String>,
    /// Made (RFC 3339 UTC).
    pub created_at: DateTime<Utc>,
}

impl SettlementOut {
    /// The batch with its claims.
    pub fn new(row: SettlementRow, claim_ids: Vec<String>) -> SettlementOut {
        SettlementOut {
            id: row.id,
            program_id: row.program_id,
            through: row.through,
            total_fen: row.total_fen,
            claim_count: row.claim_count,
            claim_ids,
            created_at: to_utc(row.created_at),
        }
    }
}
