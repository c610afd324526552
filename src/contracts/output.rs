//! Contracts as the API shows them: the full record (parties, schedule with what is paid
//! and overdue, payments, amendments, the chain to the deal and its event) and list items.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::CostInput;
use super::model::{
    AmendmentRow, AmendmentStatus, ContractRow, ContractStatus, ContractSubtype, ContractType,
    EntityKind, IntermediaryKind, MilestoneRow, PaymentRow, PlanCategory, RefusalReason,
};
use super::{queries, schedule};
use crate::db::schema::deals;
use crate::db::{DbConnection, to_utc};
use crate::error::ApiResult;
use crate::taxonomies::{IpType, TechnologyField};

/// A party as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartyOut {
    /// The organization on the platform, if any.
    pub org_id: Option<String>,
    /// The party's legal name as written in the contract.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// GB/T 2260 region code.
    pub region_code: Option<String>,
    /// Legal-entity kind (企业, 高等院校, 科研院所, 自然人, …), the registry's party category.
    pub entity_kind: EntityKind,
}

/// The intermediary (中介方) and its commission.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IntermediaryOut {
    /// `broker` (a technology broker, a user) or `service_provider` (a service organization).
    pub kind: IntermediaryKind,
    /// The broker (user id).
    pub broker_id: Option<String>,
    /// The service organization.
    pub org_id: Option<String>,
    /// The intermediary's name as written in the contract (the broker's or the organization's).
    pub name: String,
    /// Commission in basis points of the technology amount.
    pub commission_rate_bp: Option<i64>,
    /// Commission as a fixed amount.
    pub commission_fen: Option<i64>,
    /// The commission due: `commission_fen`, or rate × technology amount / 10,000 rounded down.
    pub commission_due_fen: i64,
}

/// A milestone with what has been received against it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MilestoneOut {
    /// Id (name it in a payment's `milestone_id`).
    pub id: String,
    /// Its place in the payment schedule, counted from 1.
    pub position: i32,
    /// The market day (China Standard Time) by which it is due.
    pub due_on: NaiveDate,
    /// Amount due in fen (1 yuan = 100 fen).
    pub amount_fen: i64,
    /// What is paid for.
    pub description: String,
    /// Received and allocated to it.
    pub paid_fen: i64,
    /// Still to be paid.
    pub outstanding_fen: i64,
    /// Due before today and not fully paid.
    pub overdue: bool,
}

/// Money received.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentOut {
    /// Payment id.
    pub id: String,
    /// The milestone it was recorded against, if any.
    pub milestone_id: Option<String>,
    /// The market day the money was received.
    pub paid_on: NaiveDate,
    /// Amount received in fen.
    pub amount_fen: i64,
    /// Free text from whoever recorded it (bank reference, …); null when none.
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When it was recorded (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: PaymentRow => PaymentOut {
    same { id, milestone_id, paid_on, amount_fen, note, recorded_by }
    times { created_at }
} }

/// A change of a registered contract.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AmendmentOut {
    /// Amendment id (name it in `…/amendments/{amendment_id}/register` or `…/reject`).
    pub id: String,
    /// What the amendment changes, in the requester's words.
    pub what: String,
    /// Why it is needed, in the requester's words.
    pub why: String,
    /// The new values.
    pub new_values: serde_json::Value,
    /// The values they replaced (once registered).
    pub previous_values: Option<serde_json::Value>,
    /// pending, registered or rejected.
    pub status: AmendmentStatus,
    /// The user who asked for it.
    pub requested_by: String,
    /// The administrator who registered or rejected it; null while pending.
    pub decided_by: Option<String>,
    /// When it was registered or rejected (RFC 3339, UTC); null while pending.
    pub decided_at: Option<DateTime<Utc>>,
    /// The registry's note.
    pub decision_note: Option<String>,
    /// When it was requested (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
}

crate::output_of_row! { row: AmendmentRow => AmendmentOut {
    computed {
        new_values: serde_json::from_str(&row.new_values).unwrap_or_default(),
        previous_values: row.previous_values.as_deref().and_then(|v| serde_json::from_str(v).ok()),
    }
    same { id, what, why, status, requested_by, decided_by, decision_note }
    times { created_at }
    optional_times { decided_at }
} }

/// The registration (认定登记).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationOut {
    /// YY + the registry's six-digit region code + a six-digit serial.
    #[schema(example = "26330100000001")]
    pub number: String,
    /// The registry's region code.
    pub registry_region_code: String,
    /// The registration year (China Standard Time), whose serials run from 1.
    pub year: i32,
    /// Serial within registry and year.
    pub serial: i64,
    /// The market day it was registered.
    pub registered_on: NaiveDate,
    /// The administrator who registered it.
    pub registered_by: Option<String>,
}

/// A refusal (不予登记).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefusalOut {
    /// The coded reason.
    pub reason: RefusalReason,
    /// The registry's explanation.
    pub note: Option<String>,
}

/// A technology contract.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractOut {
    /// Contract id.
    pub id: String,
    /// The deal it closes.
    pub deal_id: Option<String>,
    /// The matchmaking event the deal came from.
    pub event_id: Option<String>,
    /// The contract's name as written (合同名称).
    pub name: String,
    /// The technology contract type: `development` (技术开发), `transfer` (技术转让), `license`
    /// (技术许可), `consulting` (技术咨询) or `service` (技术服务).
    pub contract_type: ContractType,
    /// The subtype within the type (e.g. 专利实施许可), or null.
    pub subtype: Option<ContractSubtype>,
    /// Type and subtype in Chinese, e.g. 技术许可（专利实施许可）.
    pub type_label_zh: String,
    /// The buyer (买方, 委托方 / 受让方 / 被许可方 by type).
    pub buyer: PartyOut,
    /// The seller (卖方, 受托方 / 让与方 / 许可方 by type), whose region is the 技术输出地 statistics use.
    pub seller: PartyOut,
    /// The intermediary (中介方) and its commission, or null.
    pub intermediary: Option<IntermediaryOut>,
    /// One of the 11 technology fields of the registry.
    pub technology_field: TechnologyField,
    /// The kind of intellectual property the contract concerns (`none` when none).
    pub ip_type: IpType,
    /// The national or local programme the work belongs to (计划类别), `none` when none.
    pub plan_category: PlanCategory,
    /// The day the parties signed.
    pub signed_on: NaiveDate,
    /// First day of the contract's validity.
    pub valid_from: NaiveDate,
    /// Last day of the contract's validity; registration is possible only within it.
    pub valid_to: NaiveDate,
    /// 成交额: the contract amount in fen (1 yuan = 100 fen).
    pub amount_fen: i64,
    /// Non-technical costs within the amount (equipment, materials, …), each with its amount.
    pub non_technical_costs: Vec<CostInput>,
    /// The sum of `non_technical_costs` in fen.
    pub non_technical_fen: i64,
    /// 技术交易额 = amount − non-technical costs (computed).
    pub technology_amount_fen: i64,
    /// Transfers and licences: the new investment the buyer expects, in fen; null when not given.
    pub expected_investment_fen: Option<i64>,
    /// Transfers and licences: the new output value the buyer expects, in fen; null when not given.
    pub expected_output_fen: Option<i64>,
    /// Where the contract stands: `draft`, `submitted`, `returned`, `registered`, `refused`,
    /// `performing`, `completed` or `terminated`.
    pub status: ContractStatus,
    /// The organization managing the record (the seller on the platform).
    pub owner_org_id: Option<String>,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// The registry's last note (what is missing when returned; the explanation of a refusal).
    pub registry_note: Option<String>,
    /// The refusal, if refused.
    pub refusal: Option<RefusalOut>,
    /// The registration, once registered.
    pub registration: Option<RegistrationOut>,
    /// The registration number (`registration.number`), top-level like in lists and deals.
    pub registration_number: Option<String>,
    /// 技术性收入 confirmed on completion, in fen; null before.
    pub technology_income_fen: Option<i64>,
    /// When it was completed (RFC 3339, UTC); null before.
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it was terminated.
    pub terminated_reason: Option<String>,
    /// When it was terminated (RFC 3339, UTC); null unless terminated.
    pub terminated_at: Option<DateTime<Utc>>,
    /// Payment schedule with what is paid and overdue.
    pub milestones: Vec<MilestoneOut>,
    /// Money received.
    pub payments: Vec<PaymentOut>,
    /// Total received so far, in fen.
    pub paid_fen: i64,
    /// The amount still to be received: `amount_fen` − `paid_fen`.
    pub outstanding_fen: i64,
    /// Ids of milestones due before today and not fully paid.
    pub overdue_milestone_ids: Vec<String>,
    /// What is outstanding on the overdue milestones, in fen.
    pub overdue_fen: i64,
    /// Changes after registration, oldest first.
    pub amendments: Vec<AmendmentOut>,
    /// The user who recorded the contract.
    pub created_by: String,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

/// A contract in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractSummary {
    /// Contract id.
    pub id: String,
    /// The deal it closes, if any.
    pub deal_id: Option<String>,
    /// The contract's name as written (合同名称).
    pub name: String,
    /// The technology contract type (`development`, `transfer`, `license`, `consulting`,
    /// `service`).
    pub contract_type: ContractType,
    /// The subtype within the type, or null.
    pub subtype: Option<ContractSubtype>,
    /// The buyer's name as written.
    pub buyer_name: String,
    /// The seller's name as written.
    pub seller_name: String,
    /// Where the contract stands (see `ContractOut.status`).
    pub status: ContractStatus,
    /// 成交额 in fen (1 yuan = 100 fen).
    pub amount_fen: i64,
    /// 技术交易额 in fen: the amount less non-technical costs.
    pub technology_amount_fen: i64,
    /// The day the parties signed.
    pub signed_on: NaiveDate,
    /// The registration number once registered (YY + registry region code + serial), else null.
    pub registration_number: Option<String>,
    /// The market day it was registered, else null.
    pub registered_on: Option<NaiveDate>,
    /// Version of the record, raised by every change.
    pub version: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

fn subtype(row: &ContractRow) -> Option<ContractSubtype> {
    row.subtype.as_deref().and_then(|s| s.parse().ok())
}

crate::output_of_row! { row: ContractRow => ContractSummary {
    computed {
        subtype: subtype(&row),
    }
    same {
        id, deal_id, name, contract_type, buyer_name, seller_name, status, amount_fen,
        technology_amount_fen, signed_on, registration_number, registered_on, version
    }
    times { created_at, updated_at }
} }

/// The commission due on a contract: the fixed amount, or rate × technology amount / 10,000
/// rounded down.
pub fn commission_due(row: &ContractRow) -> i64 {
    match (row.commission_fen, row.commission_rate_bp) {
        (Some(fen), _) => fen,
        (None, Some(rate)) => {
            let due = i128::from(rate) * i128::from(row.technology_amount_fen) / 10_000;
            i64::try_from(due).unwrap_or(i64::MAX)
        }
        (None, None) => 0,
    }
}

fn intermediary(row: &ContractRow) -> Option<IntermediaryOut> {
    let kind: IntermediaryKind = row.intermediary_kind.as_deref()?.parse().ok()?;
    Some(IntermediaryOut {
        kind,
        broker_id: row.intermediary_user_id.clone(),
        org_id: row.intermediary_org_id.clone(),
        name: row.intermediary_name.clone().unwrap_or_default(),
        commission_rate_bp: row.commission_rate_bp,
        commission_fen: row.commission_fen,
        commission_due_fen: commission_due(row),
    })
}

fn registration(row: &ContractRow) -> Option<RegistrationOut> {
    Some(RegistrationOut {
        number: row.registration_number.clone()?,
        registry_region_code: row.registry_region_code.clone()?,
        year: row.registration_year?,
        serial: row.registration_serial?,
        registered_on: row.registered_on?,
        registered_by: row.registered_by.clone(),
    })
}

/// Builds the full record with its schedule, payments, amendments and the deal's event.
pub fn detail(conn: &mut DbConnection, row: ContractRow) -> ApiResult<ContractOut> {
    let milestones = queries::milestones(conn, &row.id)?;
    let payments = queries::payments(conn, &row.id)?;
    let amendments = queries::amendments(conn, &row.id)?;
    let event_id: Option<String> = match &row.deal_id {
        Some(deal) => deals::table
            .find(deal)
            .select(deals::event_id)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten(),
        None => None,
    };
    Ok(assemble(row, event_id, milestones, payments, amendments))
}

fn assemble(
    row: ContractRow,
    event_id: Option<String>,
    milestones: Vec<MilestoneRow>,
    payments: Vec<PaymentRow>,
    amendments: Vec<AmendmentRow>,
) -> ContractOut {
    let states = schedule::allocate(&milestones, &payments, crate::clock::today());
    let paid_fen: i64 = payments.iter().map(|p| p.amount_fen).sum();
    let milestones: Vec<MilestoneOut> = milestones
        .into_iter()
        .zip(states)
        .map(|(m, s)| MilestoneOut {
            id: m.id,
            position: m.position,
            due_on: m.due_on,
            amount_fen: m.amount_fen,
            description: m.description,
            paid_fen: s.paid_fen,
            outstanding_fen: s.outstanding_fen,
            overdue: s.overdue,
        })
        .collect();
    let overdue: Vec<&MilestoneOut> = milestones.iter().filter(|m| m.overdue).collect();
    let overdue_milestone_ids = overdue.iter().map(|m| m.id.clone()).collect();
    let overdue_fen = overdue.iter().map(|m| m.outstanding_fen).sum();
    let refusal = row
        .refusal_reason
        .as_deref()
        .and_then(|r| r.parse().ok())
        .map(|reason| RefusalOut { reason, note: row.return_note.clone() });
    ContractOut {
        subtype: subtype(&row),
        type_label_zh: super::model::type_label_zh(row.contract_type, subtype(&row)),
        intermediary: intermediary(&row),
        registration: registration(&row),
        registration_number: row.registration_number.clone(),
        non_technical_costs: super::resolve::parse_costs(&row.non_technical_costs),
        outstanding_fen: (row.amount_fen - paid_fen).max(0),
        buyer: PartyOut {
            org_id: row.buyer_org_id,
            name: row.buyer_name,
            credit_code: row.buyer_credit_code,
            country: row.buyer_country,
            region_code: row.buyer_region_code,
            entity_kind: row.buyer_entity_kind,
        },
        seller: PartyOut {
            org_id: row.seller_org_id,
            name: row.seller_name,
            credit_code: row.seller_credit_code,
            country: row.seller_country,
            region_code: row.seller_region_code,
            entity_kind: row.seller_entity_kind,
        },
        id: row.id,
        deal_id: row.deal_id,
        event_id,
        name: row.name,
        contract_type: row.contract_type,
        technology_field: row.technology_field,
        ip_type: row.ip_type,
        plan_category: row.plan_category,
        signed_on: row.signed_on,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        amount_fen: row.amount_fen,
        non_technical_fen: row.non_technical_fen,
        technology_amount_fen: row.technology_amount_fen,
        expected_investment_fen: row.expected_investment_fen,
        expected_output_fen: row.expected_output_fen,
        status: row.status,
        owner_org_id: row.owner_org_id,
        submitted_at: row.submitted_at.map(to_utc),
        registry_note: row.return_note,
        refusal,
        technology_income_fen: row.technology_income_fen,
        completed_at: row.completed_at.map(to_utc),
        terminated_reason: row.terminated_reason,
        terminated_at: row.terminated_at.map(to_utc),
        milestones,
        payments: payments.into_iter().map(PaymentOut::from).collect(),
        paid_fen,
        overdue_milestone_ids,
        overdue_fen,
        amendments: amendments.into_iter().map(AmendmentOut::from).collect(),
        created_by: row.created_by,
        version: row.version,
        created_at: to_utc(row.created_at),
        updated_at: to_utc(row.updated_at),
    }
}
