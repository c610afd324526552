//! Request and response bodies of the organization endpoints, and their validation.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{OrgKind, Organization};
use crate::db::to_utc;
use crate::domain::credit_code::CreditCode;
use crate::domain::regions;
use crate::validation::{self, Checker, ParseFailure};

/// Longest organization name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest address, in characters.
pub const ADDRESS_MAX: usize = 300;

/// A new organization, given at registration.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Registered name.
    #[schema(example = "杭州某某新材料有限公司")]
    pub name: String,
    /// Kind; must suit the registering user's role.
    pub kind: OrgKind,
    /// Unified social credit code (18 characters, GB 32100 check character).
    #[schema(example = "91330100MA2B0XXXXX")]
    pub credit_code: String,
    /// GB/T 2260 region code.
    #[schema(example = "330106")]
    pub region_code: String,
    /// Postal address, free text; null when not given.
    pub address: Option<String>,
    /// Website (http or https).
    pub website: Option<String>,
}

/// A checked new organization.
#[derive(Debug, Clone)]
pub struct ValidNewOrganization {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: OrgKind,
    /// Credit code.
    pub credit_code: CreditCode,
    /// Region code.
    pub region_code: String,
    /// Address.
    pub address: Option<String>,
    /// Website.
    pub website: Option<String>,
}

/// Checks a region code against the GB/T 2260 table.
pub fn region_code(value: &str) -> Result<String, ParseFailure> {
    let code = value.trim();
    if regions::is_valid(code) {
        Ok(code.to_string())
    } else {
        Err(("unknown_region", format!("`{code}` is not a GB/T 2260 division code")))
    }
}

/// Checks a unified social credit code.
pub fn credit_code(value: &str) -> Result<CreditCode, ParseFailure> {
    CreditCode::parse(value).map_err(|e| {
        let code = match e {
            crate::domain::credit_code::CreditCodeError::CheckCharacter { .. } => {
                "invalid_check_character"
            }
            _ => "invalid_credit_code",
        };
        (code, e.to_string())
    })
}

impl NewOrganization {
    /// Checks every field, recording failures under `prefix` (e.g. `organization.`).
    pub fn check(&self, prefix: &str, checker: &mut Checker) -> Option<ValidNewOrganization> {
        let name =
            checker.check(&format!("{prefix}name"), validation::text(&self.name, 2, NAME_MAX));
        let credit_code =
            checker.check(&format!("{prefix}credit_code"), credit_code(&self.credit_code));
        let region_code =
            checker.check(&format!("{prefix}region_code"), region_code(&self.region_code));
        let address = checker.check(
            &format!("{prefix}address"),
            validation::optional_text(self.address.as_deref(), ADDRESS_MAX),
        );
        let website = checker.check(
            &format!("{prefix}website"),
            match self.website.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(url) => validation::website(url).map(Some),
            },
        );
        Some(ValidNewOrganization {
            name: name?,
            kind: self.kind,
            credit_code: credit_code?,
            region_code: region_code?,
            address: address?,
            website: website?,
        })
    }
}

/// An organization as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrganizationOut {
    /// Organization id.
    pub id: String,
    /// The registered legal name (as on the business licence).
    pub name: String,
    /// What kind of organization it is: `enterprise`, `university`, `research_institute`,
    /// `service_provider` or `government`.
    pub kind: OrgKind,
    /// Unified social credit code.
    pub credit_code: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// The region's name, e.g. 西湖区.
    pub region_name: Option<String>,
    /// Postal address, free text; null when not given.
    pub address: Option<String>,
    /// Its website (an http(s) URL); null when not given.
    pub website: Option<String>,
    /// Verified by the platform's administrators.
    pub verified: bool,
    /// Version for optimistic concurrency.
    pub version: i64,
    /// When it was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<Organization> for OrganizationOut {
    fn from(org: Organization) -> Self {
        OrganizationOut {
            region_name: regions::lookup(&org.region_code).map(|r| r.name.to_string()),
            id: org.id,
            name: org.name,
            kind: org.kind,
            credit_code: org.credit_code,
            region_code: org.region_code,
            address: org.address,
            website: org.website,
            verified: org.verified,
            version: org.version,
            created_at: to_utc(org.created_at),
            updated_at: to_utc(org.updated_at),
        }
    }
}

/// `PATCH /api/v1/organizations/{id}`: absent fields stay; an empty address or website clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationRequest {
    /// The new legal name (2–200 characters).
    pub name: Option<String>,
    /// New region code.
    pub region_code: Option<String>,
    /// New address (empty clears).
    pub address: Option<String>,
    /// New website (empty clears).
    pub website: Option<String>,
    /// The version this change is based on (or send `If-Match`).
    pub version: Option<i64>,
}

/// `POST /api/v1/organizations/{id}/invites`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInviteRequest {
    /// How many users may join with the code (1–100, default 10).
    #[schema(minimum = 1, maximum = 100)]
    pub max_uses: Option<i32>,
    /// Days until the code expires (1–30, default 7).
    #[schema(minimum = 1, maximum = 30)]
    pub expires_in_days: Option<i32>,
}

/// A new invite; the code is shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InviteOut {
    /// Invite id.
    pub id: String,
    /// The code to give to the person joining (shown only now).
    pub code: String,
    /// The organization joined with it.
    pub organization_id: String,
    /// Unusable after this time.
    pub expires_at: DateTime<Utc>,
    /// How many accounts may join with the code.
    pub max_uses: i32,
}

/// `POST /api/v1/admin/organizations/{id}/verify`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// `true` to verify, `false` to withdraw verification.
    pub verified: bool,
}

/// Filters of `GET /api/v1/organizations`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationFilter {
    /// Name contains this text.
    pub name: Option<String>,
    /// Only this kind.
    pub kind: Option<OrgKind>,
    /// Region code prefix: `33` a province, `3301` a city, `330106` a district.
    pub region: Option<String>,
    /// Only verified (or unverified) organizations.
    pub verified: Option<bool>,
}
