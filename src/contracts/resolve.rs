//! The checks that need the database: the deal, the parties on the platform, the
//! intermediary, and who may record such a contract; then the row's fields.

use diesel::prelude::*;

use super::checks::{CheckedContract, CheckedParty, IntermediaryRef, PartyDetails};
use super::model::{ContractRow, IntermediaryKind};
use crate::accounts::model::Role;
use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::deals::model::{DealRow, DealStage};
use crate::error::{ApiError, ApiResult, FieldError, MissingAs};
use crate::organizations::model::OrgKind;

/// A resolved party: its organization (if on the platform) and the details stored.
#[derive(Debug, Clone)]
pub struct ResolvedParty {
    /// Organization on the platform.
    pub org_id: Option<String>,
    /// Stored details.
    pub details: PartyDetails,
}

/// A resolved intermediary.
#[derive(Debug, Clone)]
pub struct ResolvedIntermediary {
    /// Broker or service provider.
    pub kind: IntermediaryKind,
    /// The broker.
    pub user_id: Option<String>,
    /// The service organization.
    pub org_id: Option<String>,
    /// Name.
    pub name: String,
    /// Commission in basis points.
    pub commission_rate_bp: Option<i64>,
    /// Commission in fen.
    pub commission_fen: Option<i64>,
}

/// A contract ready to be stored.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The checked fields.
    pub checked: CheckedContract,
    /// Buyer.
    pub buyer: ResolvedParty,
    /// Seller.
    pub seller: ResolvedParty,
    /// Intermediary.
    pub intermediary: Option<ResolvedIntermediary>,
}

fn keep(result: ApiResult<()>, errors: &mut Vec<FieldError>) -> ApiResult<()> {
    match result {
        Ok(()) => Ok(()),
        Err(ApiError::Validation(mut more)) => {
            errors.append(&mut more);
            Ok(())
        }
        Err(other) => Err(other),
    }
}

fn deal_for(conn: &mut DbConnection, user: &AuthUser, deal_id: &str) -> ApiResult<DealRow> {
    let missing = || ApiError::field("deal_id", "not_found", "no such deal");
    let deal = crate::deals::queries::find(conn, deal_id).missing_as(missing)?;
    if crate::deals::access::is_participant(user, &deal) { Ok(deal) } else { Err(missing()) }
}

fn check_deal_parties(checked: &CheckedContract, deal: &DealRow) -> ApiResult<()> {
    let mut errors = Vec::new();
    for (side, party, expected) in [
        ("buyer", &checked.buyer, &deal.buyer_org_id),
        ("seller", &checked.seller, &deal.seller_org_id),
    ] {
        if party.org_id() != Some(expected.as_str()) {
            errors.push(FieldError::new(
                format!("{side}.org_id"),
                "not_deal_party",
                format!("must be the deal's {side} organization, {expected}"),
            ));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Who may record (or edit) a contract without a deal: administrators; a member of the seller
/// organization; a member of the intermediary service organization; a broker for a contract
/// they broker (they become the intermediary by default).
fn authorize_without_deal(user: &AuthUser, checked: &mut CheckedContract) -> ApiResult<()> {
    if user.is_admin() {
        return Ok(());
    }
    if let Some(org) = user.user.organization_id.as_deref() {
        let intermediary_org = checked
            .intermediary
            .as_ref()
            .is_some_and(|i| i.who == IntermediaryRef::Org(org.to_string()));
        if checked.seller.org_id() == Some(org) || intermediary_org {
            return Ok(());
        }
    }
    if user.role() == Role::Broker {
        match &checked.intermediary {
            None => {
                checked.intermediary = Some(super::checks::CheckedIntermediary {
                    who: IntermediaryRef::Broker(user.id().to_string()),
                    commission_rate_bp: None,
                    commission_fen: None,
                });
                return Ok(());
            }
            Some(i) if i.who == IntermediaryRef::Broker(user.id().to_string()) => return Ok(()),
            Some(_) => {
                return Err(ApiError::field(
                    "intermediary",
                    "not_you",
                    "a broker records the contracts they broker: the intermediary must be you",
                ));
            }
        }
    }
    Err(ApiError::Forbidden(
        "contracts are recorded by the seller organization, a broker or an administrator, \
         or by a party of a deal at agreement (with deal_id)"
            .into(),
    ))
}

fn resolve_party(
    conn: &mut DbConnection,
    side: &str,
    party: &CheckedParty,
) -> ApiResult<ResolvedParty> {
    match party {
        CheckedParty::Outside(details) => {
            Ok(ResolvedParty { org_id: None, details: details.clone() })
        }
        CheckedParty::Org(id) => {
            let org = crate::organizations::queries::find(conn, id).missing_as(|| {
                ApiError::field(&format!("{side}.org_id"), "not_found", "no such organization")
            })?;
            Ok(ResolvedParty {
                org_id: Some(org.id),
                details: PartyDetails {
                    name: org.name,
                    credit_code: Some(org.credit_code),
                    country: "CN".into(),
                    region_code: Some(org.region_code),
                    entity_kind: org.kind.into(),
                },
            })
        }
    }
}

fn resolve_intermediary(
    conn: &mut DbConnection,
    checked: &super::checks::CheckedIntermediary,
) -> ApiResult<ResolvedIntermediary> {
    let (kind, user_id, org_id, name) = match &checked.who {
        IntermediaryRef::Broker(id) => {
            crate::deals::queries::check_broker(conn, "intermediary.broker_id", id)?;
            let name: String = users::table.find(id).select(users::display_name).first(conn)?;
            (IntermediaryKind::Broker, Some(id.clone()), None, name)
        }
        IntermediaryRef::Org(id) => {
            let org = crate::organizations::queries::find(conn, id).missing_as(|| {
                ApiError::field("intermediary.org_id", "not_found", "no such organization")
            })?;
            if org.kind != OrgKind::ServiceProvider {
                return Err(ApiError::field(
                    "intermediary.org_id",
                    "not_a_service_provider",
                    "the intermediary organization must be a service organization",
                ));
            }
            (IntermediaryKind::ServiceProvider, None, Some(org.id), org.name)
        }
    };
    Ok(ResolvedIntermediary {
        kind,
        user_id,
        org_id,
        name,
        commission_rate_bp: checked.commission_rate_bp,
        commission_fen: checked.commission_fen,
    })
}

/// Checks a contract against the database and decides whether `user` may record it.
/// `creating` adds the rule that the deal must be at `agreement`.
pub fn resolve(
    conn: &mut DbConnection,
    user: &AuthUser,
    mut checked: CheckedContract,
    creating: bool,
) -> ApiResult<Resolved> {
    let mut errors = Vec::new();
    match checked.deal_id.clone() {
        Some(deal_id) => {
            let deal = deal_for(conn, user, &deal_id)?;
            if creating && deal.stage != DealStage::Agreement {
                return Err(ApiError::conflict(format!(
                    "the deal is at `{}`; contracts are recorded for deals at `agreement`",
                    deal.stage
                )));
            }
            keep(check_deal_parties(&checked, &deal), &mut errors)?;
            if checked.intermediary.is_none()
                && let Some(broker) = &deal.broker_id
            {
                checked.intermediary = Some(super::checks::CheckedIntermediary {
                    who: IntermediaryRef::Broker(broker.clone()),
                    commission_rate_bp: deal.commission_rate_bp,
                    commission_fen: deal.commission_fen,
                });
            }
        }
        None => keep(authorize_without_deal(user, &mut checked), &mut errors)?,
    }
    let buyer = resolve_party(conn, "buyer", &checked.buyer);
    let seller = resolve_party(conn, "seller", &checked.seller);
    let intermediary = match &checked.intermediary {
        Some(i) => resolve_intermediary(conn, i).map(Some),
        None => Ok(None),
    };
    let (buyer, seller, intermediary) = match (buyer, seller, intermediary) {
        (Ok(b), Ok(s), Ok(i)) => (Some(b), Some(s), Some(i)),
        (b, s, i) => {
            for result in [b.map(|_| ()), s.map(|_| ()), i.map(|_| ())] {
                keep(result, &mut errors)?;
            }
            (None, None, None)
        }
    };
    if let (Some(b), Some(s)) = (&buyer, &seller)
        && b.details.credit_code.is_some()
        && b.details.credit_code == s.details.credit_code
    {
        errors.push(FieldError::new(
            "seller",
            "same_as_buyer",
            "buyer and seller must be different parties (same credit code)",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    match (buyer, seller, intermediary) {
        (Some(buyer), Some(seller), Some(intermediary)) => {
            Ok(Resolved { checked, buyer, seller, intermediary })
        }
        _ => Err(ApiError::Internal("resolved parties missing".into())),
    }
}

impl Resolved {
    /// Writes the resolved fields into a row (creation and edits alike).
    pub fn apply_to(&self, row: &mut ContractRow) -> ApiResult<()> {
        let c = &self.checked;
        row.deal_id = c.deal_id.clone();
        row.name = c.name.clone();
        row.contract_type = c.contract_type;
        row.subtype = c.subtype.map(|s| s.as_str().to_string());
        row.buyer_org_id = self.buyer.org_id.clone();
        row.buyer_name = self.buyer.details.name.clone();
        row.buyer_credit_code = self.buyer.details.credit_code.clone();
        row.buyer_country = self.buyer.details.country.clone();
        row.buyer_region_code = self.buyer.details.region_code.clone();
        row.buyer_entity_kind = self.buyer.details.entity_kind;
        row.seller_org_id = self.seller.org_id.clone();
        row.seller_name = self.seller.details.name.clone();
        row.seller_credit_code = self.seller.details.credit_code.clone();
        row.seller_country = self.seller.details.country.clone();
        row.seller_region_code = self.seller.details.region_code.clone();
        row.seller_entity_kind = self.seller.details.entity_kind;
        let i = self.intermediary.as_ref();
        row.intermediary_kind = i.map(|i| i.kind.as_str().to_string());
        row.intermediary_user_id = i.and_then(|i| i.user_id.clone());
        row.intermediary_org_id = i.and_then(|i| i.org_id.clone());
        row.intermediary_name = i.map(|i| i.name.clone());
        row.commission_rate_bp = i.and_then(|i| i.commission_rate_bp);
        row.commission_fen = i.and_then(|i| i.commission_fen);
        row.technology_field = c.technology_field;
        row.ip_type = c.ip_type;
        row.plan_category = c.plan_category;
        row.signed_on = c.signed_on;
        row.valid_from = c.valid_from;
        row.valid_to = c.valid_to;
        row.amount_fen = c.amount_fen;
        row.non_technical_costs = costs_json(&c.costs)?;
        row.non_technical_fen = c.non_technical_fen;
        row.technology_amount_fen = c.technology_amount_fen;
        row.expected_investment_fen = c.expected_investment_fen;
        row.expected_output_fen = c.expected_output_fen;
        row.owner_org_id = self.seller.org_id.clone();
        Ok(())
    }
}

/// Non-technical costs as stored: JSON `[{item, amount_fen}]`.
pub fn costs_json(costs: &[(super::model::CostItem, i64)]) -> ApiResult<String> {
    let list: Vec<super::input::CostInput> = costs
        .iter()
        .map(|(item, amount_fen)| super::input::CostInput { item: *item, amount_fen: *amount_fen })
        .collect();
    Ok(serde_json::to_string(&list)?)
}

/// Stored non-technical costs, read back.
pub fn parse_costs(json: &str) -> Vec<super::input::CostInput> {
    serde_json::from_str(json).unwrap_or_default()
}
