//! The body of `POST /contracts` (and the shape `PATCH` merges into), and its validation
//! without the database: every failure is collected, per field, before answering 422
//! (the individual checks are in [`super::checks`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::checks::{
    CheckedContract, CheckedParty, NAME_MAX, check_costs, check_dates, check_intermediary,
    check_milestones, check_party, check_transfer_figures, fen,
};
use super::model::{ContractSubtype, ContractType, CostItem, EntityKind, PlanCategory};
use crate::taxonomies::{IpType, TechnologyField};
use crate::validation::{self, Checker};

/// A party: `{org_id}` for an organization on the platform, or an outside party's details.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyInput {
    /// An organization on the platform (its name, credit code, region and kind are copied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Outside party: name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Outside party: unified social credit code (required for `CN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_code: Option<String>,
    /// Outside party: ISO 3166-1 alpha-2 country code, e.g. `CN`, `DE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Outside party: GB/T 2260 region code (required for `CN`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_code: Option<String>,
    /// Outside party: legal-entity kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_kind: Option<EntityKind>,
}

/// The intermediary (中介方): a broker or a service organization, with its commission.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntermediaryInput {
    /// A technology broker (user id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_id: Option<String>,
    /// A service organization (organization id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// Commission in basis points (0–10,000) of the technology transaction amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_rate_bp: Option<i64>,
    /// Commission as a fixed amount in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commission_fen: Option<i64>,
}

/// A non-technical cost.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CostInput {
    /// equipment, instruments, parts or raw_materials.
    pub item: CostItem,
    /// Amount in fen.
    pub amount_fen: i64,
}

/// A milestone of the payment schedule.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MilestoneInput {
    /// The market day (China Standard Time) by which it is due.
    pub due_on: NaiveDate,
    /// Amount due in fen.
    pub amount_fen: i64,
    /// What is paid for.
    pub description: String,
}

/// A technology contract as entered. `technology_amount_fen` (技术交易额) is computed as
/// `amount_fen` − Σ `non_technical_costs` and is never accepted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractInput {
    /// The deal at `agreement` the contract closes (its parties must be the deal's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal_id: Option<String>,
    /// Contract name.
    #[schema(example = "富锂锰基正极材料制备技术专利实施许可合同")]
    pub name: String,
    /// The technology contract type: `development`, `transfer`, `license`, `consulting` or
    /// `service`.
    pub contract_type: ContractType,
    /// Subtype (required except for consulting, which has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype: Option<ContractSubtype>,
    /// The buyer (买方).
    pub buyer: PartyInput,
    /// The seller (卖方).
    pub seller: PartyInput,
    /// The intermediary (中介方); with `deal_id`, defaults to the deal's broker and commission.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intermediary: Option<IntermediaryInput>,
    /// One of the 11 technology fields of the registry.
    pub technology_field: TechnologyField,
    /// The kind of intellectual property the contract concerns (`none` when none).
    pub ip_type: IpType,
    /// Plan category (计划类别).
    pub plan_category: PlanCategory,
    /// The day the parties signed.
    pub signed_on: NaiveDate,
    /// Start of validity.
    pub valid_from: NaiveDate,
    /// End of validity.
    pub valid_to: NaiveDate,
    /// Contract amount (成交额) in fen.
    pub amount_fen: i64,
    /// Non-technical costs (equipment, instruments, parts, raw materials).
    #[serde(default)]
    pub non_technical_costs: Vec<CostInput>,
    /// Transfers only (required there): expected new investment in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_investment_fen: Option<i64>,
    /// Transfers only (required there): expected new output in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_output_fen: Option<i64>,
    /// Payment schedule; when given, the amounts sum to `amount_fen`.
    #[serde(default)]
    pub milestones: Vec<MilestoneInput>,
}

impl ContractInput {
    /// Checks every field that needs no database; all failures at once.
    pub fn check(&self) -> Result<CheckedContract, crate::error::ApiError> {
        let mut checker = Checker::new();
        let name = checker.check("name", validation::text(&self.name, 2, NAME_MAX));
        let allowed = self.contract_type.subtypes();
        let subtype_ok = match self.subtype {
            None if allowed.is_empty() => true,
            None => {
                checker.fail(
                    "subtype",
                    "required",
                    format!(
                        "{} contracts need a subtype: {}",
                        self.contract_type,
                        allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
                false
            }
            Some(_) if allowed.is_empty() => {
                checker.fail("subtype", "not_applicable", "consulting contracts have no subtype");
                false
            }
            Some(subtype) if !allowed.contains(&subtype) => {
                checker.fail(
                    "subtype",
                    "invalid_subtype",
                    format!(
                        "`{subtype}` is not a subtype of {}; allowed: {}",
                        self.contract_type,
                        allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
                false
            }
            Some(_) => true,
        };
        let buyer = check_party(&self.buyer, "buyer", &mut checker);
        let seller = check_party(&self.seller, "seller", &mut checker);
        if let (Some(b), Some(s)) = (&buyer, &seller) {
            let same = match (b, s) {
                (CheckedParty::Org(a), CheckedParty::Org(b)) => a == b,
                (CheckedParty::Outside(a), CheckedParty::Outside(b)) => {
                    a.name == b.name || (a.credit_code.is_some() && a.credit_code == b.credit_code)
                }
                _ => false,
            };
            if same {
                checker.fail(
                    "seller",
                    "same_as_buyer",
                    "buyer and seller must be different parties",
                );
            }
        }
        let intermediary = match &self.intermediary {
            None => Some(None),
            Some(i) => check_intermediary(i, &mut checker).map(Some),
        };
        check_dates(self.signed_on, self.valid_from, self.valid_to, &mut checker);
        let amount = checker.check("amount_fen", fen(self.amount_fen));
        let costs = check_costs(&self.non_technical_costs, "non_technical_costs", &mut checker);
        if let (Some(amount), Some((_, total))) = (amount, &costs)
            && *total > amount
        {
            checker.fail(
                "non_technical_costs",
                "exceeds_amount",
                format!("the non-technical costs ({total} fen) exceed the amount ({amount} fen)"),
            );
        }
        check_transfer_figures(
            self.contract_type,
            self.expected_investment_fen,
            self.expected_output_fen,
            &mut checker,
        );
        let milestones = check_milestones(&self.milestones, amount, &mut checker);
        checker.finish_with(|| {
            let amount_fen = amount?;
            let (costs, non_technical_fen) = costs?;
            subtype_ok.then_some(())?;
            Some(CheckedContract {
                deal_id: self.deal_id.as_deref().map(str::trim).map(str::to_owned),
                name: name?,
                contract_type: self.contract_type,
                subtype: self.subtype,
                buyer: buyer?,
                seller: seller?,
                intermediary: intermediary?,
                technology_field: self.technology_field,
                ip_type: self.ip_type,
                plan_category: self.plan_category,
                signed_on: self.signed_on,
                valid_from: self.valid_from,
                valid_to: self.valid_to,
                amount_fen,
                costs,
                non_technical_fen,
                technology_amount_fen: amount_fen - non_technical_fen,
                expected_investment_fen: self.expected_investment_fen,
                expected_output_fen: self.expected_output_fen,
                milestones: milestones?,
            })
        })
    }
}
