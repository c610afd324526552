//! Request and response bodies of the service-provider endpoints, and their validation.

use super::queries::ServiceProviderRow;
use crate::listings::codec::{encode_codes, to_json};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries::Profile;
use crate::listings::fields::{self, Contact};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::SortOrder;
use crate::listings::output::ListingOut;
use crate::listings::queries::check_valid_until;
use crate::organizations::dto::region_code;
use crate::taxonomies::{ServiceType, TechnologyField};
use crate::validation::{self, Checker};

pub use crate::listings::access::Viewer;

/// Filters of `GET /api/v1/service-providers`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceProviderFilter {
    /// Chinese-aware full-text query over name, service types, qualifications, description
    /// and services.
    pub q: Option<String>,
    /// Profiles offering this service type.
    pub service_type: Option<ServiceType>,
    /// Profiles serving this technology field.
    pub technology_field: Option<TechnologyField>,
    /// Region code prefix (`33`, `3301`, `330106`).
    pub region: Option<String>,
    /// Only profiles that accept (`true`) or do not accept (`false`) innovation vouchers.
    pub accepts_vouchers: Option<bool>,
    /// Only profiles of verified (`true`) or unverified (`false`) organizations.
    pub verified: Option<bool>,
    /// Only this organization's profile.
    pub org_id: Option<String>,
    /// Owners and administrators: profiles in this status (the caller's organization's, or any for administrators).
    pub status: Option<ListingStatus>,
    /// Owners: the caller's organization's profiles, in any status.
    pub mine: Option<bool>,
    /// `relevance` (default with `q`) or `newest` (default).
    pub sort: Option<SortOrder>,
}

/// Shortest name, in characters.
pub const NAME_MIN: usize = 2;
/// Longest name, in characters.
pub const NAME_MAX: usize = 200;
/// Shortest description, in characters.
pub const DESCRIPTION_MIN: usize = 10;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 5000;
/// Most qualifications a profile may list.
pub const MAX_QUALIFICATIONS: usize = 20;
/// Shortest qualification, in characters.
pub const QUALIFICATION_MIN: usize = 2;
/// Longest qualification, in characters.
pub const QUALIFICATION_MAX: usize = 100;
/// Most services a profile may offer.
pub const MAX_SERVICES: usize = 50;
/// Shortest service name, in characters.
pub const SERVICE_NAME_MIN: usize = 2;
/// Longest service name, in characters.
pub const SERVICE_NAME_MAX: usize = 100;
/// Longest service description, in characters.
pub const SERVICE_DESCRIPTION_MAX: usize = 2000;

/// One service an organization offers, with an optional price range in fen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOffer {
    /// Name of the service (2–100 characters).
    #[schema(example = "专利申请代理")]
    pub name: String,
    /// What the service comprises (up to 2,000 characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Lowest price in fen (non-negative); null: on request.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub price_min_fen: Option<i64>,
    /// Highest price in fen (non-negative, not below `price_min_fen`); null: on request.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub price_max_fen: Option<i64>,
}

crate::input_and_patch! {
    /// A service organization's profile as written by its staff: the body of
    /// `POST /api/v1/service-providers` and (merged with a JSON merge patch) the result of `PATCH`.
    input ServiceProviderInput;
    /// The documented shape of `PATCH /api/v1/service-providers/{id}`: a JSON merge patch
    /// (RFC 7396) over [`ServiceProviderInput`] — absent fields stay, `null` clears (a cleared
    /// name falls back to the organization's) — plus the version.
    patch ServiceProviderPatch;
    {
        /// Name shown (2–200 characters; default: the organization's name).
        #[serde(default)]
        #[schema(example = "浙江省技术转移服务中心")]
        name: ?String,
        /// At least one service type.
        service_types: Vec<ServiceType>,
        /// Technology fields served (0–11).
        #[serde(default)]
        technology_fields: Vec<TechnologyField>,
        /// GB/T 2260 region code (default: the organization's region).
        #[serde(default)]
        region_code: ?String,
        /// Qualifications (0–20, each 2–100 characters), e.g. 国家技术转移示范机构.
        #[serde(default)]
        qualifications: Vec<String>,
        /// What the organization does (10–5,000 characters).
        description: String,
        /// Whether innovation vouchers (创新券) are accepted.
        #[serde(default)]
        accepts_vouchers: bool,
        /// Services offered (0–50).
        #[serde(default)]
        services: Vec<ServiceOffer>,
        /// Contact (shown to signed-in users only).
        #[serde(default)]
        contact: ?Contact,
        /// Last day of validity (default: a year from today).
        #[serde(default)]
        valid_until: ?NaiveDate,
        /// The owner's own reference, unique within the organization.
        #[serde(default)]
        external_ref: ?String,
    }
    input only {
        /// Administrators: the organization the profile belongs to (of kind `service_provider`).
        #[serde(default)]
        pub org_id: Option<String>,
    }
}

/// A checked profile: the listing's own fields (a missing name or region is the
/// organization's) and the library's row as stored (its `id` set when written).
#[derive(Debug, Clone)]
pub struct ValidServiceProvider {
    /// Name (None: use the organization's).
    pub name: Option<String>,
    /// Region (None: use the organization's).
    pub region_code: Option<String>,
    /// Validity.
    pub valid_until: Option<NaiveDate>,
    /// Reference.
    pub external_ref: Option<String>,
    /// The row: service types, fields, qualifications, description, vouchers, services, contact.
    pub row: ServiceProviderRow,
}

/// Checks the services: at most [`MAX_SERVICES`], named, distinct, prices non-negative and
/// `price_min_fen ≤ price_max_fen`.
fn services(values: &[ServiceOffer], checker: &mut Checker) -> Option<Vec<ServiceOffer>> {
    if values.len() > MAX_SERVICES {
        checker.fail("services", "too_many", format!("at most {MAX_SERVICES} services"));
    }
    let mut out: Vec<ServiceOffer> = Vec::new();
    let mut complete = true;
    for (i, offer) in values.iter().enumerate() {
        let name = checker.check(
            &format!("services[{i}].name"),
            validation::text(&offer.name, SERVICE_NAME_MIN, SERVICE_NAME_MAX),
        );
        let description = checker.check(
            &format!("services[{i}].description"),
            validation::optional_text(offer.description.as_deref(), SERVICE_DESCRIPTION_MAX),
        );
        let min = fields::optional_money(
            &format!("services[{i}].price_min_fen"),
            offer.price_min_fen,
            checker,
        );
        let max = fields::optional_money(
            &format!("services[{i}].price_max_fen"),
            offer.price_max_fen,
            checker,
        );
        if let (Some(Some(low)), Some(Some(high))) = (min, max)
            && low > high
        {
            checker.fail(
                &format!("services[{i}].price_max_fen"),
                "less_than_minimum",
                "must not be below price_min_fen",
            );
        }
        if let Some(name) = &name
            && out.iter().any(|o| &o.name == name)
        {
            checker.fail(&format!("services[{i}].name"), "duplicate", "is listed twice");
        }
        match (name, description, min, max) {
            (Some(name), Some(description), Some(price_min_fen), Some(price_max_fen)) => {
                out.push(ServiceOffer { name, description, price_min_fen, price_max_fen });
            }
            _ => complete = false,
        }
    }
    complete.then_some(out)
}

/// Checks the qualifications: at most [`MAX_QUALIFICATIONS`], each 2–100 characters,
/// duplicates removed.
fn qualifications(values: &[String], checker: &mut Checker) -> Option<Vec<String>> {
    if values.len() > MAX_QUALIFICATIONS {
        checker.fail(
            "qualifications",
            "too_many",
            format!("at most {MAX_QUALIFICATIONS} qualifications"),
        );
    }
    let mut out: Vec<String> = Vec::new();
    let mut complete = true;
    for (i, value) in values.iter().enumerate() {
        match checker.check(
            &format!("qualifications[{i}]"),
            validation::text(value, QUALIFICATION_MIN, QUALIFICATION_MAX),
        ) {
            Some(text) if !out.contains(&text) => out.push(text),
            Some(_) => {}
            None => complete = false,
        }
    }
    complete.then_some(out)
}

impl ServiceProviderInput {
    /// Checks every field, collecting failures.
    pub fn check(&self, checker: &mut Checker) -> Option<ValidServiceProvider> {
        let name = checker.check(
            "name",
            match self.name.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(name) => validation::text(name, NAME_MIN, NAME_MAX).map(Some),
            },
        );
        let mut service_types = self.service_types.clone();
        service_types.sort();
        service_types.dedup();
        if service_types.is_empty() {
            checker.fail("service_types", "too_few", "name at least one service type");
        }
        let mut technology_fields = self.technology_fields.clone();
        technology_fields.sort();
        technology_fields.dedup();
        if self.technology_fields.len() > TechnologyField::ALL.len() {
            checker.fail(
                "technology_fields",
                "too_many",
                format!("at most {} technology fields", TechnologyField::ALL.len()),
            );
        }
        let region =
            checker.check_optional("region_code", self.region_code.as_deref(), region_code);
        let qualifications = qualifications(&self.qualifications, checker);
        let description = checker.check(
            "description",
            validation::text(&self.description, DESCRIPTION_MIN, DESCRIPTION_MAX),
        );
        let services = services(&self.services, checker);
        let contact = Contact::check_given(self.contact.as_ref(), checker);
        let valid_until =
            checker.check_optional("valid_until", self.valid_until, check_valid_until);
        let external_ref = checker
            .check("external_ref", validation::optional_text(self.external_ref.as_deref(), 100));
        let row = ServiceProviderRow {
            id: String::new(),
            service_types: encode_codes(
                &service_types.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            ),
            technology_fields: encode_codes(
                &technology_fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            ),
            qualifications: to_json(&qualifications?),
            description: description?,
            accepts_vouchers: self.accepts_vouchers,
            services: to_json(&services?),
            contact: contact?.as_ref().map(to_json),
        };
        Some(ValidServiceProvider {
            name: name?,
            region_code: region?,
            valid_until: valid_until?,
            external_ref: external_ref?,
            row,
        })
    }
}

/// A service organization's profile as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceProviderOut {
    /// What every record carries: id, status, region, contact, validity, version, times.
    #[serde(flatten)]
    pub listing: ListingOut,
    /// The organization's registered name.
    pub organization_name: String,
    /// Whether an administrator has verified the organization.
    pub organization_verified: bool,
    /// Name shown.
    pub name: String,
    /// Service types.
    pub service_types: Vec<ServiceType>,
    /// Technology fields served.
    pub technology_fields: Vec<TechnologyField>,
    /// Qualifications.
    pub qualifications: Vec<String>,
    /// Description.
    pub description: String,
    /// Accepts innovation vouchers (创新券).
    pub accepts_vouchers: bool,
    /// Services offered.
    pub services: Vec<ServiceOffer>,
}

impl ServiceProviderOut {
    /// Builds the view of a stored profile.
    pub fn build(profile: Profile, viewer: Viewer) -> ServiceProviderOut {
        use crate::listings::codec::{decode_codes, from_json};
        let Profile { listing, row, org } = profile;
        ServiceProviderOut {
            listing: ListingOut::build(&listing, row.contact.as_deref(), viewer),
            organization_name: org.name,
            organization_verified: org.verified,
            name: listing.title,
            service_types: decode_codes(&row.service_types),
            technology_fields: decode_codes(&row.technology_fields),
            qualifications: from_json(&row.qualifications),
            description: row.description,
            accepts_vouchers: row.accepts_vouchers,
            services: from_json(&row.services),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ServiceProviderInput {
        ServiceProviderInput {
            name: None,
            service_types: vec![ServiceType::IpAgency, ServiceType::IpAgency],
            technology_fields: vec![TechnologyField::NewEnergy],
            region_code: None,
            qualifications: vec!["国家技术转移示范机构".into(), "国家技术转移示范机构".into()],
            description: "专业从事专利申请、商标注册与知识产权运营的服务机构。".into(),
            accepts_vouchers: true,
            services: vec![ServiceOffer {
                name: "专利申请代理".into(),
                description: Some("发明专利撰写与申请".into()),
                price_min_fen: Some(300_000),
                price_max_fen: Some(800_000),
            }],
            contact: None,
            valid_until: None,
            external_ref: None,
            org_id: None,
        }
    }

    fn failures(input: &ServiceProviderInput) -> Vec<String> {
        let mut checker = Checker::new();
        input.check(&mut checker);
        match checker.finish() {
            Ok(()) => Vec::new(),
            Err(crate::error::ApiError::Validation(errors)) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            Err(other) => vec![other.to_string()],
        }
    }

    #[test]
    fn a_good_profile_is_normalized() {
        let mut checker = Checker::new();
        let valid = input().check(&mut checker).expect("valid");
        assert!(checker.is_ok());
        let types: Vec<ServiceType> =
            crate::listings::codec::decode_codes(&valid.row.service_types);
        assert_eq!(types, vec![ServiceType::IpAgency]);
        let qualifications: Vec<String> =
            crate::listings::codec::from_json(&valid.row.qualifications);
        assert_eq!(qualifications, vec!["国家技术转移示范机构"]);
        assert_eq!(valid.name, None);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut bad = input();
        bad.service_types.clear();
        bad.qualifications = vec!["资质".to_string(); MAX_QUALIFICATIONS + 1];
        bad.description = "太短".into();
        bad.name = Some("x".into());
        bad.services = vec![
            ServiceOffer {
                name: "评估".into(),
                description: None,
                price_min_fen: Some(10),
                price_max_fen: Some(5),
            },
            ServiceOffer {
                name: "咨询".into(),
                description: None,
                price_min_fen: Some(-1),
                price_max_fen: None,
            },
        ];
        let mut fields = failures(&bad);
        fields.sort();
        assert_eq!(
            fields,
            [
                "description",
                "name",
                "qualifications",
                "service_types",
                "services[0].price_max_fen",
                "services[1].price_min_fen"
            ]
        );
    }
}
