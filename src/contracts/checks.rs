//! Checks of a contract's fields that need no database, and the checked values they yield.
//! Each check records its failures, per field, in a [`Checker`].

use chrono::NaiveDate;

use super::input::{CostInput, IntermediaryInput, MilestoneInput, PartyInput};
use super::model::{ContractSubtype, ContractType, CostItem, EntityKind, PlanCategory};
use crate::organizations::dto::{credit_code, region_code};
use crate::taxonomies::{IpType, TechnologyField};
use crate::validation::{self, Checker};

/// The largest amount accepted, in fen (10 trillion yuan).
pub const MAX_FEN: i64 = 1_000_000_000_000_000;
/// Longest contract name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest milestone description, in characters.
pub const DESCRIPTION_MAX: usize = 500;
/// Most milestones in a schedule.
pub const MILESTONES_MAX: usize = 100;

/// An outside party's checked details (also what is copied from an organization).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyDetails {
    /// Name.
    pub name: String,
    /// Credit code.
    pub credit_code: Option<String>,
    /// Country.
    pub country: String,
    /// Region code.
    pub region_code: Option<String>,
    /// Entity kind.
    pub entity_kind: EntityKind,
}

/// A checked party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckedParty {
    /// An organization on the platform (resolved against the database later).
    Org(String),
    /// An outside party.
    Outside(PartyDetails),
}

impl CheckedParty {
    /// The organization id, for parties on the platform.
    pub fn org_id(&self) -> Option<&str> {
        match self {
            CheckedParty::Org(id) => Some(id),
            CheckedParty::Outside(_) => None,
        }
    }
}

/// Who the checked intermediary is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntermediaryRef {
    /// A broker (user id).
    Broker(String),
    /// A service organization (organization id).
    Org(String),
}

/// A checked intermediary.
#[derive(Debug, Clone)]
pub struct CheckedIntermediary {
    /// Who.
    pub who: IntermediaryRef,
    /// Commission in basis points.
    pub commission_rate_bp: Option<i64>,
    /// Commission in fen.
    pub commission_fen: Option<i64>,
}

/// A checked milestone.
#[derive(Debug, Clone)]
pub struct CheckedMilestone {
    /// Due date.
    pub due_on: NaiveDate,
    /// Amount.
    pub amount_fen: i64,
    /// Description.
    pub description: String,
}

/// A contract whose fields passed every check that needs no database.
#[derive(Debug, Clone)]
pub struct CheckedContract {
    /// Deal.
    pub deal_id: Option<String>,
    /// Name.
    pub name: String,
    /// Type.
    pub contract_type: ContractType,
    /// Subtype.
    pub subtype: Option<ContractSubtype>,
    /// Buyer.
    pub buyer: CheckedParty,
    /// Seller.
    pub seller: CheckedParty,
    /// Intermediary.
    pub intermediary: Option<CheckedIntermediary>,
    /// Field.
    pub technology_field: TechnologyField,
    /// IP type.
    pub ip_type: IpType,
    /// Plan category.
    pub plan_category: PlanCategory,
    /// Signed.
    pub signed_on: NaiveDate,
    /// Valid from.
    pub valid_from: NaiveDate,
    /// Valid to.
    pub valid_to: NaiveDate,
    /// Amount.
    pub amount_fen: i64,
    /// Costs.
    pub costs: Vec<(CostItem, i64)>,
    /// Σ costs.
    pub non_technical_fen: i64,
    /// Amount − Σ costs.
    pub technology_amount_fen: i64,
    /// Expected investment.
    pub expected_investment_fen: Option<i64>,
    /// Expected output.
    pub expected_output_fen: Option<i64>,
    /// Schedule.
    pub milestones: Vec<CheckedMilestone>,
}

/// Checks an amount in fen: a non-negative integer not above [`MAX_FEN`].
pub fn fen(value: i64) -> Result<i64, validation::ParseFailure> {
    if value < 0 {
        Err(("negative", "must not be negative".into()))
    } else if value > MAX_FEN {
        Err(("too_large", format!("must be at most {MAX_FEN} fen")))
    } else {
        Ok(value)
    }
}

fn country(value: &str) -> Result<String, validation::ParseFailure> {
    let code = value.trim().to_ascii_uppercase();
    if code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(code)
    } else {
        Err(("invalid_country", "must be an ISO 3166-1 alpha-2 code such as CN or DE".into()))
    }
}

/// Checks a party, recording failures under `prefix` (`buyer` or `seller`).
pub fn check_party(
    party: &PartyInput,
    prefix: &str,
    checker: &mut Checker,
) -> Option<CheckedParty> {
    if let Some(org_id) = &party.org_id {
        let details_given = party.name.is_some()
            || party.credit_code.is_some()
            || party.country.is_some()
            || party.region_code.is_some()
            || party.entity_kind.is_some();
        if details_given {
            checker.fail(
                &format!("{prefix}.org_id"),
                "ambiguous_party",
                "give either org_id (an organization on the platform) or an outside party's details, not both",
            );
            return None;
        }
        return Some(CheckedParty::Org(org_id.trim().to_string()));
    }
    let field = |name: &str| format!("{prefix}.{name}");
    let name = match &party.name {
        Some(name) => checker.check(&field("name"), validation::text(name, 2, NAME_MAX)),
        None => {
            checker.fail(
                &field("name"),
                "required",
                "an outside party needs a name (or give org_id)",
            );
            None
        }
    };
    let country = match &party.country {
        Some(c) => checker.check(&field("country"), country(c)),
        None => {
            checker.fail(&field("country"), "required", "an outside party needs a country");
            None
        }
    };
    let entity_kind = party.entity_kind;
    if entity_kind.is_none() {
        checker.fail(
            &field("entity_kind"),
            "required",
            format!("one of: {}", EntityKind::expected()),
        );
    }
    let domestic = country.as_deref() == Some("CN");
    let credit = match party.credit_code.as_deref().map(str::trim) {
        None | Some("") => {
            if domestic {
                checker.fail(
                    &field("credit_code"),
                    "required",
                    "a party in China needs its unified social credit code",
                );
            }
            Some(None)
        }
        Some(code) => {
            checker.check(&field("credit_code"), credit_code(code)).map(|c| Some(c.into_inner()))
        }
    };
    let region = match party.region_code.as_deref().map(str::trim) {
        None | Some("") => {
            if domestic {
                checker.fail(
                    &field("region_code"),
                    "required",
                    "a party in China needs its region code",
                );
            }
            Some(None)
        }
        Some(code) => checker.check(&field("region_code"), region_code(code)).map(Some),
    };
    Some(CheckedParty::Outside(PartyDetails {
        name: name?,
        credit_code: credit?,
        country: country?,
        region_code: region?,
        entity_kind: entity_kind?,
    }))
}

/// Checks an intermediary: exactly one of broker or organization, at most one commission.
pub fn check_intermediary(
    input: &IntermediaryInput,
    checker: &mut Checker,
) -> Option<CheckedIntermediary> {
    let who = match (&input.broker_id, &input.org_id) {
        (Some(broker), None) => Some(IntermediaryRef::Broker(broker.trim().to_string())),
        (None, Some(org)) => Some(IntermediaryRef::Org(org.trim().to_string())),
        _ => {
            checker.fail(
                "intermediary",
                "one_of",
                "give exactly one of broker_id (a technology broker) or org_id (a service organization)",
            );
            None
        }
    };
    if input.commission_rate_bp.is_some() && input.commission_fen.is_some() {
        checker.fail(
            "intermediary.commission_fen",
            "one_of",
            "give the commission either as commission_rate_bp or as commission_fen",
        );
    }
    if let Some(rate) = input.commission_rate_bp
        && !(0..=10_000).contains(&rate)
    {
        checker.fail(
            "intermediary.commission_rate_bp",
            "out_of_range",
            "must be between 0 and 10000 basis points",
        );
    }
    if let Some(amount) = input.commission_fen {
        checker.check("intermediary.commission_fen", fen(amount));
    }
    Some(CheckedIntermediary {
        who: who?,
        commission_rate_bp: input.commission_rate_bp,
        commission_fen: input.commission_fen,
    })
}

/// Checks non-technical costs; returns them with their sum.
pub fn check_costs(
    costs: &[CostInput],
    field: &str,
    checker: &mut Checker,
) -> Option<(Vec<(CostItem, i64)>, i64)> {
    let mut ok = true;
    let mut total: i64 = 0;
    for (i, cost) in costs.iter().enumerate() {
        match checker.check(&format!("{field}[{i}].amount_fen"), fen(cost.amount_fen)) {
            Some(amount) => total = total.saturating_add(amount),
            None => ok = false,
        }
    }
    ok.then(|| (costs.iter().map(|c| (c.item, c.amount_fen)).collect(), total))
}

/// Checks a schedule against the amount it must sum to.
pub fn check_milestones(
    milestones: &[MilestoneInput],
    amount: Option<i64>,
    checker: &mut Checker,
) -> Option<Vec<CheckedMilestone>> {
    if milestones.len() > MILESTONES_MAX {
        checker.fail("milestones", "too_many", format!("at most {MILESTONES_MAX} milestones"));
        return None;
    }
    let mut checked = Vec::with_capacity(milestones.len());
    let mut ok = true;
    for (i, m) in milestones.iter().enumerate() {
        let amount_fen = checker.check(&format!("milestones[{i}].amount_fen"), fen(m.amount_fen));
        let description = checker.check(
            &format!("milestones[{i}].description"),
            validation::text(&m.description, 1, DESCRIPTION_MAX),
        );
        match (amount_fen, description) {
            (Some(amount_fen), Some(description)) => {
                checked.push(CheckedMilestone { due_on: m.due_on, amount_fen, description })
            }
            _ => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let sum: i64 = checked.iter().map(|m| m.amount_fen).sum();
    if let Some(amount) = amount
        && !checked.is_empty()
        && sum != amount
    {
        checker.fail(
            "milestones",
            "sum_mismatch",
            format!("the milestones sum to {sum} fen; they must sum to the amount, {amount} fen"),
        );
        return None;
    }
    Some(checked)
}

/// Checks that validity dates are ordered.
pub fn check_dates(
    signed_on: NaiveDate,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    checker: &mut Checker,
) {
    if valid_from > valid_to {
        checker.fail("valid_to", "before_valid_from", "must not be before valid_from");
    }
    if signed_on > valid_to {
        checker.fail("signed_on", "after_valid_to", "must not be after valid_to");
    }
}

/// Checks the transfer-only figures.
pub fn check_transfer_figures(
    contract_type: ContractType,
    investment: Option<i64>,
    output: Option<i64>,
    checker: &mut Checker,
) {
    for (field, value) in [("expected_investment_fen", investment), ("expected_output_fen", output)]
    {
        match (contract_type, value) {
            (ContractType::Transfer, None) => checker.fail(
                field,
                "required",
                "transfers state the expected new investment and output",
            ),
            (ContractType::Transfer, Some(v)) => {
                checker.check(field, fen(v));
            }
            (_, Some(_)) => checker.fail(field, "not_applicable", "only transfers state this"),
            (_, None) => {}
        }
    }
}
