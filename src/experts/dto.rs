//! Request and response bodies of the expert endpoints, and their validation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries::ExpertRow;
use crate::listings::codec::{encode_codes, to_json};
use crate::listings::edit::ListingEdit;
use crate::listings::fields::{self, Contact};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::SortOrder;
use crate::listings::model::Listing;
use crate::listings::output::ListingOut;
use crate::listings::own_table::Checked;
use crate::listings::queries::check_valid_until;
use crate::organizations::dto::region_code;
use crate::taxonomies::{ExpertService, ExpertTitle, TechnologyField};
use crate::validation::{self, Checker};

pub use crate::listings::access::Viewer;

/// Filters of `GET /api/v1/experts`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpertFilter {
    /// Chinese-aware full-text query over name, expertise keywords, biography and affiliation.
    pub q: Option<String>,
    /// Profiles covering this technology field.
    pub technology_field: Option<TechnologyField>,
    /// Profiles offering this service.
    pub service: Option<ExpertService>,
    /// Profiles with this professional title.
    pub title: Option<ExpertTitle>,
    /// Region code prefix (`33`, `3301`, `330106`).
    pub region: Option<String>,
    /// Profiles with this availability.
    pub availability: Option<ExpertAvailability>,
    /// Managers and administrators: profiles in this status (the caller's own, or any for
    /// administrators).
    pub status: Option<ListingStatus>,
    /// Every profile the caller manages, in any status: an expert's own profile, or the
    /// unclaimed profiles a broker or administrator created.
    pub mine: Option<bool>,
    /// `relevance` (default with `q`) or `newest` (default).
    pub sort: Option<SortOrder>,
}

/// Longest name, in characters.
pub const NAME_MAX: usize = 100;
/// Shortest biography, in characters.
pub const BIO_MIN: usize = 10;
/// Longest biography, in characters.
pub const BIO_MAX: usize = 5000;
/// Longest free-text affiliation, in characters.
pub const AFFILIATION_MAX: usize = 200;
/// Most technology fields a profile covers.
pub const MAX_FIELDS: usize = 5;

text_enum! {
    /// Whether an expert takes on work now.
    pub enum ExpertAvailability {
        /// Takes on new work.
        Available => "available",
        /// Takes on little new work.
        Limited => "limited",
        /// Takes on no new work for now.
        Unavailable => "unavailable",
    }
}

crate::input_and_patch! {
    /// An expert profile as written by the expert, a broker or an administrator: the body of
    /// `POST /api/v1/experts` and (merged with a JSON merge patch) the result of `PATCH`.
    input ExpertInput;
    /// The documented shape of `PATCH /api/v1/experts/{id}`: a JSON merge patch (RFC 7396) over
    /// [`ExpertInput`] — absent fields stay, `null` clears — plus the version.
    patch ExpertPatch;
    {
        /// The expert's name (2–100 characters).
        #[schema(example = "张明")]
        name: String,
        /// The professional title (职称), e.g. `professor`.
        title: ExpertTitle,
        /// The organization the expert works for, if it is registered here.
        #[serde(default)]
        affiliation_org_id: ?String,
        /// The organization the expert works for, as free text (required without
        /// `affiliation_org_id`).
        #[serde(default)]
        #[schema(example = "浙江大学材料科学与工程学院")]
        affiliation_name: ?String,
        /// 1–5 technology fields, the main one first.
        #[serde(default)]
        technology_fields: Vec<TechnologyField>,
        /// 1–10 expertise keywords.
        #[serde(default)]
        expertise_keywords: Vec<String>,
        /// Biography and expertise (10–5,000 characters).
        bio: String,
        /// GB/T 2260 region code.
        #[schema(example = "330106")]
        region_code: String,
        /// The services offered (at least one).
        #[serde(default)]
        services: Vec<ExpertService>,
        /// Whether the expert takes on work (default `available`).
        #[serde(default)]
        availability: ?ExpertAvailability,
        /// Contact (shown to signed-in users only); its e-mail lets the expert claim a profile a
        /// broker or administrator created.
        #[serde(default)]
        contact: ?Contact,
        /// The creator's own reference.
        #[serde(default)]
        external_ref: ?String,
        /// Last day of validity (default: a year from today).
        #[serde(default)]
        valid_until: ?NaiveDate,
    }
    input only {
        /// Administrators: the organization the profile belongs to (experts: their own, if any).
        #[serde(default)]
        pub org_id: Option<String>,
    }
}

fn dedup_in_order<T: PartialEq + Copy>(values: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(value) {
            out.push(*value);
        }
    }
    out
}

impl ExpertInput {
    /// The named affiliated organization, trimmed (blank counts as none).
    pub fn affiliation_org(&self) -> Option<String> {
        self.affiliation_org_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
    }

    /// Checks every field, collecting failures (all but the existence of
    /// `affiliation_org_id`, which needs the database).
    pub fn check(&self, checker: &mut Checker) -> Option<Checked<ExpertRow>> {
        let name = checker.check("name", validation::text(&self.name, 2, NAME_MAX));
        let affiliation_org_id = self.affiliation_org();
        let affiliation_name = checker.check(
            "affiliation_name",
            validation::optional_text(self.affiliation_name.as_deref(), AFFILIATION_MAX),
        );
        if affiliation_org_id.is_none() && matches!(affiliation_name, Some(None)) {
            checker.fail(
                "affiliation_name",
                "required",
                "give the expert's affiliation: `affiliation_org_id` of a registered organization or `affiliation_name`",
            );
        }
        let technology_fields = dedup_in_order(&self.technology_fields);
        if technology_fields.is_empty() {
            checker.fail("technology_fields", "too_few", "at least one technology field");
        } else if technology_fields.len() > MAX_FIELDS {
            checker.fail(
                "technology_fields",
                "too_many",
                format!("at most {MAX_FIELDS} technology fields"),
            );
        }
        let keywords = fields::keywords("expertise_keywords", &self.expertise_keywords, 1, checker);
        let bio = checker.check("bio", validation::text(&self.bio, BIO_MIN, BIO_MAX));
        let region = checker.check("region_code", region_code(&self.region_code));
        let services = dedup_in_order(&self.services);
        if services.is_empty() {
            checker.fail("services", "too_few", "at least one service");
        }
        let contact = Contact::check_given(self.contact.as_ref(), checker);
        let external_ref = checker
            .check("external_ref", validation::optional_text(self.external_ref.as_deref(), 100));
        let valid_until =
            checker.check_optional("valid_until", self.valid_until, check_valid_until);
        let listing = ListingEdit {
            title: name?,
            region_code: Some(region?),
            valid_until: valid_until?,
            external_ref: external_ref?,
        };
        let row = ExpertRow {
            id: String::new(),
            professional_title: self.title.as_str().into(),
            affiliation_org_id,
            affiliation_name: affiliation_name?,
            technology_fields: encode_codes(
                &technology_fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            ),
            expertise_keywords: to_json(&keywords?),
            bio: bio?,
            services: encode_codes(&services.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
            availability: self
                .availability
                .unwrap_or(ExpertAvailability::Available)
                .as_str()
                .into(),
            contact: contact?.as_ref().map(to_json),
        };
        Some(Checked { listing, row })
    }
}

/// An expert profile as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExpertOut {
    /// What every record carries: id, status, region, contact, validity, version, times.
    #[serde(flatten)]
    pub listing: ListingOut,
    /// The expert's own account; null while the profile is unclaimed (created by a broker or
    /// administrator and not yet claimed).
    pub user_id: Option<String>,
    /// The expert's name.
    pub name: String,
    /// The professional title (职称).
    pub title: ExpertTitle,
    /// The affiliated registered organization.
    pub affiliation_org_id: Option<String>,
    /// The affiliation as free text.
    pub affiliation_name: Option<String>,
    /// Technology fields, the main one first.
    pub technology_fields: Vec<TechnologyField>,
    /// Expertise keywords.
    pub expertise_keywords: Vec<String>,
    /// Biography.
    pub bio: String,
    /// Services offered.
    pub services: Vec<ExpertService>,
    /// Availability.
    pub availability: ExpertAvailability,
}

impl ExpertOut {
    /// Builds the view of a stored profile.
    pub fn build(listing: Listing, detail: super::queries::ExpertRow, viewer: Viewer) -> ExpertOut {
        use crate::listings::codec::{decode_codes, from_json};
        ExpertOut {
            listing: ListingOut::build(&listing, detail.contact.as_deref(), viewer),
            user_id: listing.owner_user_id,
            name: listing.title,
            title: detail.professional_title.parse().unwrap_or(ExpertTitle::Other),
            affiliation_org_id: detail.affiliation_org_id,
            affiliation_name: detail.affiliation_name,
            technology_fields: decode_codes(&detail.technology_fields),
            expertise_keywords: from_json(&detail.expertise_keywords),
            bio: detail.bio,
            services: decode_codes(&detail.services),
            availability: detail.availability.parse().unwrap_or(ExpertAvailability::Available),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ExpertInput {
        ExpertInput {
            name: "张明".into(),
            title: ExpertTitle::Professor,
            affiliation_org_id: None,
            affiliation_name: Some("浙江大学".into()),
            technology_fields: vec![TechnologyField::NewEnergy, TechnologyField::NewEnergy],
            expertise_keywords: vec!["锂电池".into()],
            bio: "长期从事锂离子电池正极材料研究。".into(),
            region_code: "330106".into(),
            services: vec![ExpertService::Consulting],
            availability: None,
            contact: None,
            external_ref: None,
            valid_until: None,
            org_id: None,
        }
    }

    #[test]
    fn a_good_profile_passes_with_defaults_and_deduplicated_codes() {
        let mut checker = Checker::new();
        let valid = input().check(&mut checker);
        assert!(checker.is_ok());
        let valid = valid.expect("valid");
        let fields: Vec<TechnologyField> =
            crate::listings::codec::decode_codes(&valid.row.technology_fields);
        assert_eq!(fields, vec![TechnologyField::NewEnergy]);
        assert_eq!(valid.row.availability, ExpertAvailability::Available.as_str());
    }

    #[test]
    fn an_affiliation_is_required_and_fields_are_bounded() {
        let mut body = input();
        body.affiliation_name = Some("  ".into());
        body.technology_fields = TechnologyField::ALL[..6].to_vec();
        body.services.clear();
        let mut checker = Checker::new();
        body.check(&mut checker);
        let Err(crate::error::ApiError::Validation(errors)) = checker.finish() else {
            panic!("expected a validation error");
        };
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(fields, ["affiliation_name", "services", "technology_fields"]);
        let mut by_org = input();
        by_org.affiliation_name = None;
        by_org.affiliation_org_id = Some("org-1".into());
        let mut checker = Checker::new();
        by_org.check(&mut checker);
        assert!(checker.is_ok());
    }

    #[test]
    fn availability_texts() {
        crate::macros::assert_text_enum(ExpertAvailability::ALL, |a| a.as_str());
    }
}
