//! Recording a contract (a new row) and editing a draft (a merge patch over the input shape).

use serde_json::{Map, Value};

use super::input::{ContractInput, IntermediaryInput, MilestoneInput, PartyInput};
use super::model::{ContractRow, ContractStatus, EntityKind, MilestoneRow};
use super::resolve::Resolved;
use crate::db::now;
use crate::error::ApiResult;
use crate::organizations::model::OrgKind;
use crate::taxonomies::{IpType, TechnologyField};

/// A fresh draft row for `resolved`, recorded by `created_by`.
pub fn new_row(
    resolved: &Resolved,
    created_by: &str,
    idempotency: Option<(String, String)>,
) -> ApiResult<ContractRow> {
    let stamp = now();
    let (idempotency_key, request_hash) = idempotency.unzip();
    let c = &resolved.checked;
    let mut row = ContractRow {
        id: crate::db::new_id(),
        deal_id: None,
        name: String::new(),
        contract_type: c.contract_type,
        subtype: None,
        buyer_org_id: None,
        buyer_name: String::new(),
        buyer_credit_code: None,
        buyer_country: String::new(),
        buyer_region_code: None,
        buyer_entity_kind: EntityKind::from(OrgKind::Enterprise),
        seller_org_id: None,
        seller_name: String::new(),
        seller_credit_code: None,
        seller_country: String::new(),
        seller_region_code: None,
        seller_entity_kind: EntityKind::from(OrgKind::Enterprise),
        intermediary_kind: None,
        intermediary_user_id: None,
        intermediary_org_id: None,
        intermediary_name: None,
        commission_rate_bp: None,
        commission_fen: None,
        technology_field: TechnologyField::ElectronicInformation,
        ip_type: IpType::None,
        plan_category: c.plan_category,
        signed_on: c.signed_on,
        valid_from: c.valid_from,
        valid_to: c.valid_to,
        amount_fen: 0,
        non_technical_costs: "[]".into(),
        non_technical_fen: 0,
        technology_amount_fen: 0,
        expected_investment_fen: None,
        expected_output_fen: None,
        status: ContractStatus::Draft,
        owner_org_id: None,
        registry_region_code: None,
        registration_year: None,
        registration_serial: None,
        registration_number: None,
        registered_on: None,
        registered_by: None,
        submitted_at: None,
        return_note: None,
        refusal_reason: None,
        technology_income_fen: None,
        completed_at: None,
        terminated_reason: None,
        terminated_at: None,
        idempotency_key,
        request_hash,
        created_by: created_by.to_string(),
        version: 1,
        created_at: stamp,
        updated_at: stamp,
    };
    resolved.apply_to(&mut row)?;
    Ok(row)
}

fn party(
    org_id: &Option<String>,
    name: &str,
    credit_code: &Option<String>,
    country: &str,
    region_code: &Option<String>,
    entity_kind: EntityKind,
) -> PartyInput {
    match org_id {
        Some(org_id) => PartyInput { org_id: Some(org_id.clone()), ..PartyInput::default() },
        None => PartyInput {
            org_id: None,
            name: Some(name.to_string()),
            credit_code: credit_code.clone(),
            country: Some(country.to_string()),
            region_code: region_code.clone(),
            entity_kind: Some(entity_kind),
        },
    }
}

/// The stored contract in the input shape (what a PATCH merges into).
pub fn as_input(row: &ContractRow, milestones: &[MilestoneRow]) -> ContractInput {
    let intermediary = row.intermediary_kind.as_ref().map(|_| IntermediaryInput {
        broker_id: row.intermediary_user_id.clone(),
        org_id: row.intermediary_org_id.clone(),
        commission_rate_bp: row.commission_rate_bp,
        commission_fen: row.commission_fen,
    });
    ContractInput {
        deal_id: row.deal_id.clone(),
        name: row.name.clone(),
        contract_type: row.contract_type,
        subtype: row.subtype.as_deref().and_then(|s| s.parse().ok()),
        buyer: party(
            &row.buyer_org_id,
            &row.buyer_name,
            &row.buyer_credit_code,
            &row.buyer_country,
            &row.buyer_region_code,
            row.buyer_entity_kind,
        ),
        seller: party(
            &row.seller_org_id,
            &row.seller_name,
            &row.seller_credit_code,
            &row.seller_country,
            &row.seller_region_code,
            row.seller_entity_kind,
        ),
        intermediary,
        technology_field: row.technology_field,
        ip_type: row.ip_type,
        plan_category: row.plan_category,
        signed_on: row.signed_on,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        amount_fen: row.amount_fen,
        non_technical_costs: super::resolve::parse_costs(&row.non_technical_costs),
        expected_investment_fen: row.expected_investment_fen,
        expected_output_fen: row.expected_output_fen,
        milestones: milestones
            .iter()
            .map(|m| MilestoneInput {
                due_on: m.due_on,
                amount_fen: m.amount_fen,
                description: m.description.clone(),
            })
            .collect(),
    }
}

/// The top-level fields whose values differ, as `{field: {from, to}}` (for the audit log).
pub fn diff(before: &ContractInput, after: &ContractInput) -> ApiResult<Value> {
    let before = serde_json::to_value(before)?;
    let after = serde_json::to_value(after)?;
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut changes = Map::new();
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let from = b.get(key).cloned().unwrap_or(Value::Null);
        let to = a.get(key).cloned().unwrap_or(Value::Null);
        if from != to {
            changes.insert(key.clone(), serde_json::json!({"from": from, "to": to}));
        }
    }
    Ok(Value::Object(changes))
}
