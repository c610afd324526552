//! `GET /api/v1/taxonomies/{name}`: the codes of a taxonomy with their labels (public).

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    CooperationMode, ExpertService, ExpertTitle, Industry, IpType, Maturity, PatentStatus,
    ServiceType, TechnologyField,
};
use crate::contracts::model::{ContractType, PlanCategory, RefusalReason, type_label_zh};
use crate::deals::model::{DeclineReason, LossReason};
use crate::domain::regions::{self, Region};
use crate::error::{ApiError, ApiResult};

/// How long clients and proxies may cache a taxonomy (they change only with a release).
const CACHE_CONTROL: &str = "public, max-age=3600";

/// The taxonomies `GET /api/v1/taxonomies/{name}` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TaxonomyName {
    /// The 11 technology fields of contract registration.
    TechnologyFields,
    /// The 9 strategic emerging industries.
    Industries,
    /// Maturity stages with their TRL ranges.
    Maturity,
    /// Kinds of intellectual property.
    IpTypes,
    /// Patent statuses.
    PatentStatuses,
    /// Cooperation modes.
    CooperationModes,
    /// Experts' professional titles.
    ExpertTitles,
    /// Services experts offer.
    ExpertServices,
    /// Service types of service organizations.
    ServiceTypes,
    /// GB/T 2260 administrative divisions, one level at a time.
    Regions,
    /// Technology contract types (技术开发, 转让, 许可, 咨询, 服务).
    ContractTypes,
    /// Contract subtypes, each under the type it belongs to (`parent`).
    ContractSubtypes,
    /// Plan categories of contract registration (计划类别).
    PlanCategories,
    /// The registry's coded reasons for refusing a registration (不予登记).
    RefusalReasons,
    /// Why a deal was lost.
    LossReasons,
    /// Why an answer was declined or a client loses a deal.
    DeclineReasons,
    /// The deal funnel's stages.
    DealStages,
    /// Where a deal came from.
    DealSources,
    /// How an auction sells (增价, 密封, 减价, 挂牌).
    AuctionTypes,
    /// An auction's lifecycle.
    AuctionStatuses,
    /// A library record's lifecycle.
    ListingStatuses,
    /// A technology contract's lifecycle.
    ContractStatuses,
    /// How a programme's vouchers pay (通用, 通兑).
    VoucherModes,
    /// A voucher's lifecycle.
    VoucherStatuses,
    /// A voucher service order's lifecycle.
    VoucherOrderStatuses,
    /// A voucher claim's lifecycle.
    VoucherClaimStatuses,
    /// The kinds of organization.
    OrganizationKinds,
    /// The users' roles.
    Roles,
}

impl TaxonomyName {
    /// Every taxonomy, in the order of the documentation.
    pub const ALL: &'static [TaxonomyName] = &[
        TaxonomyName::TechnologyFields,
        TaxonomyName::Industries,
        TaxonomyName::Maturity,
        TaxonomyName::IpTypes,
        TaxonomyName::PatentStatuses,
        TaxonomyName::CooperationModes,
        TaxonomyName::ExpertTitles,
        TaxonomyName::ExpertServices,
        TaxonomyName::ServiceTypes,
        TaxonomyName::Regions,
        TaxonomyName::ContractTypes,
        TaxonomyName::ContractSubtypes,
        TaxonomyName::PlanCategories,
        TaxonomyName::RefusalReasons,
        TaxonomyName::LossReasons,
        TaxonomyName::DeclineReasons,
        TaxonomyName::DealStages,
        TaxonomyName::DealSources,
        TaxonomyName::AuctionTypes,
        TaxonomyName::AuctionStatuses,
        TaxonomyName::ListingStatuses,
        TaxonomyName::ContractStatuses,
        TaxonomyName::VoucherModes,
        TaxonomyName::VoucherStatuses,
        TaxonomyName::VoucherOrderStatuses,
        TaxonomyName::VoucherClaimStatuses,
        TaxonomyName::OrganizationKinds,
        TaxonomyName::Roles,
    ];

    /// The name in the path.
    pub fn as_str(self) -> &'static str {
        match self {
            TaxonomyName::TechnologyFields => "technology-fields",
            TaxonomyName::Industries => "industries",
            TaxonomyName::Maturity => "maturity",
            TaxonomyName::IpTypes => "ip-types",
            TaxonomyName::PatentStatuses => "patent-statuses",
            TaxonomyName::CooperationModes => "cooperation-modes",
            TaxonomyName::ExpertTitles => "expert-titles",
            TaxonomyName::ExpertServices => "expert-services",
            TaxonomyName::ServiceTypes => "service-types",
            TaxonomyName::Regions => "regions",
            TaxonomyName::ContractTypes => "contract-types",
            TaxonomyName::ContractSubtypes => "contract-subtypes",
            TaxonomyName::PlanCategories => "plan-categories",
            TaxonomyName::RefusalReasons => "refusal-reasons",
            TaxonomyName::LossReasons => "loss-reasons",
            TaxonomyName::DeclineReasons => "decline-reasons",
            TaxonomyName::DealStages => "deal-stages",
            TaxonomyName::DealSources => "deal-sources",
            TaxonomyName::AuctionTypes => "auction-types",
            TaxonomyName::AuctionStatuses => "auction-statuses",
            TaxonomyName::ListingStatuses => "listing-statuses",
            TaxonomyName::ContractStatuses => "contract-statuses",
            TaxonomyName::VoucherModes => "voucher-modes",
            TaxonomyName::VoucherStatuses => "voucher-statuses",
            TaxonomyName::VoucherOrderStatuses => "voucher-order-statuses",
            TaxonomyName::VoucherClaimStatuses => "voucher-claim-statuses",
            TaxonomyName::OrganizationKinds => "organization-kinds",
            TaxonomyName::Roles => "roles",
        }
    }

    /// The taxonomy with this path name.
    pub fn parse(name: &str) -> Option<TaxonomyName> {
        TaxonomyName::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// The known names, comma-separated (for error messages).
    pub fn expected() -> String {
        TaxonomyName::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// One code of a taxonomy. Every field is always present; those that do not apply are `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TaxonomyItem {
    /// The canonical code the API exchanges, e.g. `biomedicine`, or a six-digit GB/T 2260
    /// region code such as `330100`.
    #[schema(example = "biomedicine")]
    pub code: String,
    /// The Chinese label (for regions, the official name).
    #[schema(example = "生物医药和医疗器械")]
    pub zh: String,
    /// A short English label; `null` for regions.
    #[schema(required = true, example = "Biomedicine and medical devices")]
    pub en: Option<String>,
    /// For maturity stages: the lowest technology readiness level of the stage; otherwise `null`.
    #[schema(required = true, minimum = 1, maximum = 9)]
    pub trl_min: Option<u8>,
    /// For maturity stages: the highest technology readiness level of the stage; otherwise
    /// `null`.
    #[schema(required = true, minimum = 1, maximum = 9)]
    pub trl_max: Option<u8>,
    /// For regions: `province`, `city` or `district`; otherwise `null`.
    #[schema(required = true)]
    pub level: Option<String>,
    /// For regions: the parent division's code (`null` for provinces); for contract subtypes:
    /// the contract type they belong to; otherwise `null`.
    #[schema(required = true)]
    pub parent: Option<String>,
}

impl TaxonomyItem {
    fn code(code: &str, zh: &str, en: &str) -> TaxonomyItem {
        TaxonomyItem {
            code: code.to_string(),
            zh: zh.to_string(),
            en: Some(en.to_string()),
            trl_min: None,
            trl_max: None,
            level: None,
            parent: None,
        }
    }

    /// A code whose English label is its own words (`patent_right` → `Patent right`).
    pub(super) fn worded(code: &str, zh: &str) -> TaxonomyItem {
        let mut en = code.replace('_', " ");
        if let Some(first) = en.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        TaxonomyItem::code(code, zh, &en)
    }

    fn region(region: &Region) -> TaxonomyItem {
        TaxonomyItem {
            code: region.code.to_string(),
            zh: region.name.to_string(),
            en: None,
            trl_min: None,
            trl_max: None,
            level: Some(region.level.as_str().to_string()),
            parent: region.parent.map(str::to_string),
        }
    }
}

/// A taxonomy: its name and its codes, in their canonical order (regions: by code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Taxonomy {
    /// The taxonomy's name, as in the path.
    #[schema(example = "technology-fields")]
    pub name: String,
    /// Its codes.
    pub items: Vec<TaxonomyItem>,
}

/// Query of `GET /api/v1/taxonomies/{name}`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaxonomyQuery {
    /// Only for `regions`: list the direct subdivisions of this six-digit GB/T 2260 code
    /// (a province's cities, a city's districts); without it, the 34 provinces. Ignored by
    /// the other taxonomies.
    #[param(example = "330000", pattern = "^[0-9]{6}$")]
    pub parent: Option<String>,
}

/// The items of a taxonomy enum: code and both labels.
fn items<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
    en: fn(T) -> &'static str,
) -> Vec<TaxonomyItem> {
    all.iter().map(|&v| TaxonomyItem::code(code(v), zh(v), en(v))).collect()
}

/// The items of a code list labelled in Chinese (in English by the code's own words).
fn zh_items<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    zh: fn(T) -> &'static str,
) -> Vec<TaxonomyItem> {
    all.iter().map(|&v| TaxonomyItem::worded(code(v), zh(v))).collect()
}

/// Every contract subtype under each type that admits it, labelled as the certificate writes it.
fn contract_subtypes() -> Vec<TaxonomyItem> {
    ContractType::ALL
        .iter()
        .flat_map(|&contract_type| {
            contract_type.subtypes().iter().map(move |&subtype| TaxonomyItem {
                parent: Some(contract_type.as_str().to_string()),
                ..TaxonomyItem::worded(
                    subtype.as_str(),
                    &type_label_zh(contract_type, Some(subtype)),
                )
            })
        })
        .collect()
}

/// Checks `parent` against the documented pattern `^[0-9]{6}$`, whichever the taxonomy: an
/// empty, padded or malformed value is a 422 naming the field, never silently ignored.
fn check_parent(parent: Option<&str>) -> ApiResult<()> {
    match parent {
        Some(code) if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) => {
            Err(ApiError::field(
                "parent",
                "invalid_region",
                "must be a six-digit GB/T 2260 code, e.g. 330000",
            ))
        }
        _ => Ok(()),
    }
}

/// The direct subdivisions of `parent`, or the provinces.
fn region_items(parent: Option<&str>) -> ApiResult<Vec<TaxonomyItem>> {
    check_parent(parent)?;
    if let Some(code) = parent
        && regions::lookup(code).is_none()
    {
        return Err(ApiError::NotFound(format!("region `{code}`")));
    }
    Ok(regions::children(parent).into_iter().map(TaxonomyItem::region).collect())
}

/// Builds the taxonomy `name` (`parent` applies to regions only).
pub fn taxonomy(name: TaxonomyName, parent: Option<&str>) -> ApiResult<Taxonomy> {
    let items = match name {
        TaxonomyName::TechnologyFields => items(
            TechnologyField::ALL,
            TechnologyField::as_str,
            TechnologyField::zh,
            TechnologyField::en,
        ),
        TaxonomyName::Industries => {
            items(Industry::ALL, Industry::as_str, Industry::zh, Industry::en)
        }
        TaxonomyName::Maturity => Maturity::ALL
            .iter()
            .map(|&m| {
                let (min, max) = m.trl_range();
                TaxonomyItem {
                    trl_min: Some(min),
                    trl_max: Some(max),
                    ..TaxonomyItem::code(m.as_str(), m.zh(), m.en())
                }
            })
            .collect(),
        TaxonomyName::IpTypes => items(IpType::ALL, IpType::as_str, IpType::zh, IpType::en),
        TaxonomyName::PatentStatuses => {
            items(PatentStatus::ALL, PatentStatus::as_str, PatentStatus::zh, PatentStatus::en)
        }
        TaxonomyName::CooperationModes => items(
            CooperationMode::ALL,
            CooperationMode::as_str,
            CooperationMode::zh,
            CooperationMode::en,
        ),
        TaxonomyName::ExpertTitles => {
            items(ExpertTitle::ALL, ExpertTitle::as_str, ExpertTitle::zh, ExpertTitle::en)
        }
        TaxonomyName::ExpertServices => {
            items(ExpertService::ALL, ExpertService::as_str, ExpertService::zh, ExpertService::en)
        }
        TaxonomyName::ServiceTypes => {
            items(ServiceType::ALL, ServiceType::as_str, ServiceType::zh, ServiceType::en)
        }
        TaxonomyName::Regions => region_items(parent)?,
        TaxonomyName::ContractTypes => {
            zh_items(ContractType::ALL, ContractType::as_str, ContractType::zh)
        }
        TaxonomyName::ContractSubtypes => contract_subtypes(),
        TaxonomyName::PlanCategories => {
            zh_items(PlanCategory::ALL, PlanCategory::as_str, PlanCategory::zh)
        }
        TaxonomyName::RefusalReasons => {
            zh_items(RefusalReason::ALL, RefusalReason::as_str, RefusalReason::zh)
        }
        TaxonomyName::LossReasons => zh_items(LossReason::ALL, LossReason::as_str, LossReason::zh),
        TaxonomyName::DeclineReasons => DeclineReason::ALL
            .iter()
            .map(|&d| TaxonomyItem::worded(d.as_str(), LossReason::from(d).zh()))
            .collect(),
        TaxonomyName::DealStages => super::states::deal_stages(),
        TaxonomyName::DealSources => super::states::deal_sources(),
        TaxonomyName::AuctionTypes => super::states::auction_types(),
        TaxonomyName::AuctionStatuses => super::states::auction_statuses(),
        TaxonomyName::ListingStatuses => super::states::listing_statuses(),
        TaxonomyName::ContractStatuses => super::states::contract_statuses(),
        TaxonomyName::VoucherModes => super::states::voucher_modes(),
        TaxonomyName::VoucherStatuses => super::states::voucher_statuses(),
        TaxonomyName::VoucherOrderStatuses => super::states::voucher_order_statuses(),
        TaxonomyName::VoucherClaimStatuses => super::states::voucher_claim_statuses(),
        TaxonomyName::OrganizationKinds => super::states::organization_kinds(),
        TaxonomyName::Roles => super::states::roles(),
    };
    Ok(Taxonomy { name: name.as_str().to_string(), items })
}

crate::endpoint! {
    /// The codes of a taxonomy with their Chinese and English labels (public).
    ///
    /// `maturity` items carry their TRL range; `regions` lists one level of the GB/T 2260
    /// divisions at a time (the provinces, or the subdivisions of `parent`) with each item's level
    /// and parent.
    get "/taxonomies/{name}" => get_taxonomy, tag "taxonomies",
    public,
    params { ("name" = inline(TaxonomyName), Path, description = "The taxonomy"), TaxonomyQuery },
    ok 200 "The taxonomy's codes" => Taxonomy,
    problems { 404: "No such taxonomy, or (regions) no such `parent`", 422: "`parent` is not a six-digit code (empty included), whichever the taxonomy" },
    |path: web::Path<String>, query: web::Query<TaxonomyQuery>| -> ApiResult<HttpResponse> {
        let name = path.into_inner();
        let name = TaxonomyName::parse(&name).ok_or_else(|| {
            ApiError::NotFound(format!("taxonomy `{name}` (known: {})", TaxonomyName::expected()))
        })?;
        check_parent(query.parent.as_deref())?;
        let taxonomy = taxonomy(name, query.parent.as_deref())?;
        Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, CACHE_CONTROL)).json(taxonomy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for &name in TaxonomyName::ALL {
            assert_eq!(TaxonomyName::parse(name.as_str()), Some(name));
            let parsed: TaxonomyName =
                serde_json::from_value(serde_json::json!(name.as_str())).unwrap();
            assert_eq!(parsed, name);
        }
        assert_eq!(TaxonomyName::ALL.len(), 28);
        assert_eq!(TaxonomyName::parse("technology_fields"), None);
        assert!(TaxonomyName::expected().starts_with("technology-fields, industries"));
    }

    #[test]
    fn every_enum_taxonomy_has_labels() {
        for &name in TaxonomyName::ALL {
            let taxonomy = taxonomy(name, None).unwrap();
            assert_eq!(taxonomy.name, name.as_str());
            assert!(!taxonomy.items.is_empty());
            for item in &taxonomy.items {
                assert!(!item.zh.is_empty());
                assert_eq!(item.en.is_some(), name != TaxonomyName::Regions);
                assert_eq!(item.level.is_some(), name == TaxonomyName::Regions);
                assert_eq!(item.trl_min.is_some(), name == TaxonomyName::Maturity);
            }
        }
    }

    #[test]
    fn maturity_carries_trl_ranges() {
        let maturity = taxonomy(TaxonomyName::Maturity, None).unwrap();
        let ranges: Vec<_> =
            maturity.items.iter().map(|i| (i.code.as_str(), i.trl_min, i.trl_max)).collect();
        assert_eq!(
            ranges,
            [
                ("lab", Some(1), Some(3)),
                ("small_scale", Some(4), Some(5)),
                ("pilot", Some(6), Some(7)),
                ("industrialization", Some(8), Some(9)),
            ]
        );
    }

    #[test]
    fn regions_by_parent() {
        let provinces = taxonomy(TaxonomyName::Regions, None).unwrap().items;
        assert_eq!(provinces.len(), 34);
        assert!(provinces.iter().all(|p| p.parent.is_none()));
        let zhejiang = taxonomy(TaxonomyName::Regions, Some("330000")).unwrap().items;
        let hangzhou = zhejiang.iter().find(|c| c.code == "330100").unwrap();
        assert_eq!(hangzhou.zh, "杭州市");
        assert_eq!(hangzhou.level.as_deref(), Some("city"));
        assert_eq!(hangzhou.parent.as_deref(), Some("330000"));
        assert!(taxonomy(TaxonomyName::Regions, Some("440106")).unwrap().items.is_empty());
        assert!(matches!(
            taxonomy(TaxonomyName::Regions, Some("999999")),
            Err(ApiError::NotFound(_))
        ));
        for bad in ["33", "33000x", "3300000", ""] {
            assert!(
                matches!(taxonomy(TaxonomyName::Regions, Some(bad)), Err(ApiError::Validation(_))),
                "{bad:?}"
            );
        }
    }
}
