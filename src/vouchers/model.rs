//! Voucher programmes, vouchers, orders, claims and settlements as stored.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    voucher_claims, voucher_orders, voucher_programs, voucher_settlements, vouchers,
};
use crate::taxonomies::ServiceType;

text_enum! {
    /// How the voucher share reaches the provider.
    pub enum VoucherMode {
        /// 通用: the enterprise pays the provider in full and claims the voucher share back.
        Reimburse => "reimburse",
        /// 通兑: the enterprise pays its own share; the provider claims the voucher share.
        Direct => "direct",
    }
}

text_enum! {
    /// Where a voucher stands.
    pub enum VoucherStatus {
        /// Applied for, waiting for an administrator.
        Applied => "applied",
        /// Issued: it has a number and a balance to spend until its use-by day.
        Issued => "issued",
        /// Refused by an administrator.
        Rejected => "rejected",
        /// Past its use-by day: the unused balance lapsed.
        Lapsed => "lapsed",
    }
}

text_enum! {
    /// Where a service order stands.
    pub enum OrderStatus {
        /// Placed by the enterprise, waiting for the provider.
        Pending => "pending",
        /// Accepted by the provider: the voucher share is reserved.
        Accepted => "accepted",
        /// Declined by the provider.
        Declined => "declined",
        /// Delivered by the provider, waiting for the enterprise's confirmation.
        Delivered => "delivered",
        /// Confirmed by the enterprise: the voucher share is used and may be claimed.
        Confirmed => "confirmed",
        /// Cancelled by the enterprise before delivery.
        Cancelled => "cancelled",
    }
}

text_enum! {
    /// Where a claim stands.
    pub enum ClaimStatus {
        /// Filed, waiting for an administrator.
        Submitted => "submitted",
        /// Returned to the claimant to fix and resubmit.
        Returned => "returned",
        /// Approved, waiting for a settlement batch.
        Approved => "approved",
        /// Refused.
        Rejected => "rejected",
        /// Paid in a settlement batch.
        Paid => "paid",
    }
}

/// A stored programme.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = voucher_programs)]
pub struct ProgramRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The issuing bureau's region (GB/T 2260).
    pub region_code: String,
    /// The budget year.
    pub year: i64,
    /// The budget.
    pub budget_fen: i64,
    /// The most one application may be issued.
    pub application_cap_fen: i64,
    /// The most one enterprise may spend in the year.
    pub enterprise_year_cap_fen: i64,
    /// The share of a fee a voucher covers, in basis points.
    pub coverage_bp: i64,
    /// Fees below this are covered in full.
    pub full_cover_below_fen: i64,
    /// The service types it buys, `,a,b,`.
    pub service_types: String,
    /// How the voucher share is paid.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub mode: VoucherMode,
    /// The last day vouchers are spent.
    pub use_by: NaiveDate,
    /// The last day claims are filed.
    pub claim_by: NaiveDate,
    /// Region prefixes where providers may be, `,a,b,`.
    pub accepted_regions: String,
    /// Reserved or used by accepted orders.
    pub committed_fen: i64,
    /// Vouchers issued (numbers them).
    pub issued_count: i64,
    /// Who created it.
    pub created_by: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

impl ProgramRow {
    /// The service types it buys.
    pub fn service_types(&self) -> Vec<ServiceType> {
        crate::listings::codec::decode_codes(&self.service_types)
    }

    /// The accepted region prefixes.
    pub fn accepted_regions(&self) -> Vec<String> {
        crate::listings::codec::decode_codes(&self.accepted_regions)
    }

    /// Whether a provider of `region_code` is in an accepted region.
    pub fn accepts_region(&self, region_code: &str) -> bool {
        self.accepted_regions().iter().any(|prefix| region_code.starts_with(prefix.as_str()))
    }

    /// Whether an enterprise of `region_code` belongs to the programme's region.
    pub fn covers_enterprise(&self, region_code: &str) -> bool {
        region_code.starts_with(crate::domain::regions::prefix_of(&self.region_code))
    }

    /// The most a voucher may pay of `fee_fen`: all of it below `full_cover_below_fen`, else
    /// `coverage_bp` of it (rounded down to the fen).
    pub fn coverage_of(&self, fee_fen: i64) -> i64 {
        if fee_fen < self.full_cover_below_fen {
            fee_fen
        } else {
            i64::try_from(i128::from(fee_fen) * i128::from(self.coverage_bp) / 10_000)
                .unwrap_or(i64::MAX)
        }
    }
}

/// A stored voucher.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = vouchers, treat_none_as_null = true)]
pub struct VoucherRow {
    /// Id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// The enterprise.
    pub org_id: String,
    /// Who applied.
    pub applicant_id: String,
    /// The number, once issued.
    pub number: Option<String>,
    /// Where it stands.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: VoucherStatus,
    /// Applied for.
    pub requested_fen: i64,
    /// Issued.
    pub approved_fen: Option<i64>,
    /// Left to spend.
    pub balance_fen: i64,
    /// Lapsed at the use-by day.
    pub lapsed_fen: i64,
    /// What it is for.
    pub purpose: String,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The last day it is spent.
    pub use_by: NaiveDate,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<NaiveDateTime>,
    /// When the balance lapsed.
    pub lapsed_at: Option<NaiveDateTime>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored order.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = voucher_orders, treat_none_as_null = true)]
pub struct OrderRow {
    /// Id.
    pub id: String,
    /// The voucher paying.
    pub voucher_id: String,
    /// Its programme.
    pub program_id: String,
    /// The enterprise.
    pub enterprise_org_id: String,
    /// The service organization's profile.
    pub provider_id: String,
    /// Its organization.
    pub provider_org_id: String,
    /// Its region when ordered.
    pub provider_region_code: String,
    /// The service.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub service_type: ServiceType,
    /// What is ordered.
    pub description: String,
    /// The whole fee.
    pub fee_fen: i64,
    /// The voucher's share.
    pub voucher_fen: i64,
    /// Where it stands.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: OrderStatus,
    /// The provider's reason for declining, or the enterprise's for cancelling.
    pub note: Option<String>,
    /// The claim it is in.
    pub claim_id: Option<String>,
    /// Who placed it.
    pub created_by: String,
    /// Accepted.
    pub accepted_at: Option<NaiveDateTime>,
    /// Delivered.
    pub delivered_at: Option<NaiveDateTime>,
    /// Confirmed.
    pub confirmed_at: Option<NaiveDateTime>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored claim.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = voucher_claims, treat_none_as_null = true)]
pub struct ClaimRow {
    /// Id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// The organization claiming.
    pub claimant_org_id: String,
    /// The invoice.
    pub invoice_number: String,
    /// Where it stands.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ClaimStatus,
    /// The voucher shares claimed.
    pub total_fen: i64,
    /// The administrator's note on returning it.
    pub note: Option<String>,
    /// The administrator's reason for refusing it.
    pub reason: Option<String>,
    /// The settlement batch that paid it.
    pub settlement_id: Option<String>,
    /// Approved.
    pub approved_at: Option<NaiveDateTime>,
    /// Paid.
    pub paid_at: Option<NaiveDateTime>,
    /// Who filed it.
    pub created_by: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A stored settlement batch.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = voucher_settlements)]
pub struct SettlementRow {
    /// Id.
    pub id: String,
    /// The programme.
    pub program_id: String,
    /// Claims approved up to this China day are paid.
    pub through: NaiveDate,
    /// The sum paid.
    pub total_fen: i64,
    /// Claims paid.
    pub claim_count: i64,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: NaiveDateTime,
}
