//! Request and response bodies of the achievement endpoints, and their validation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries::AchievementRow;
use crate::listings::codec::{encode_codes, to_json};
use crate::listings::edit::ListingEdit;
use crate::listings::fields::{self, Contact, Patent};
use crate::listings::lifecycle::ListingStatus as Status;
use crate::listings::listing_search::SortOrder;
use crate::listings::model::Listing;
use crate::listings::output::ListingOut;
use crate::listings::own_table::Checked;
use crate::listings::queries::check_valid_until;
use crate::organizations::dto::region_code;
use crate::taxonomies::{CooperationMode, Industry, IpType, Maturity, TechnologyField};
use crate::validation::{self, Checker};

pub use crate::listings::access::Viewer;

/// Filters of `GET /api/v1/achievements`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AchievementFilter {
    /// Chinese-aware full-text query over title, keywords and summary.
    pub q: Option<String>,
    /// Technology field.
    pub technology_field: Option<TechnologyField>,
    /// Industry.
    pub industry: Option<Industry>,
    /// Maturity.
    pub maturity: Option<Maturity>,
    /// Region code prefix (`33`, `3301`, `330106`).
    pub region: Option<String>,
    /// Records offering this cooperation mode.
    pub cooperation_mode: Option<CooperationMode>,
    /// Lowest asking price in fen (negotiable records are left out).
    pub price_min: Option<i64>,
    /// Highest asking price in fen (negotiable records are left out).
    pub price_max: Option<i64>,
    /// Only this organization's records.
    pub org_id: Option<String>,
    /// Owners and administrators: records in this status (the caller's organization's, or any for administrators).
    pub status: Option<Status>,
    /// Owners: every record the caller's organization has, in any status.
    pub mine: Option<bool>,
    /// `relevance` (default with `q`), `newest` (default), `price_asc`, `price_desc`.
    pub sort: Option<SortOrder>,
}

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest summary, in characters.
pub const SUMMARY_MAX: usize = 10_000;

crate::input_and_patch! {
    /// An achievement as written by its owner: the body of `POST /api/v1/achievements`, one line of
    /// an import, and (merged with a JSON merge patch) the result of `PATCH`.
    input AchievementInput;
    /// The documented shape of `PATCH /api/v1/achievements/{id}`: a JSON merge patch (RFC 7396)
    /// over [`AchievementInput`] — absent fields stay, `null` clears — plus the version.
    patch AchievementPatch;
    {
        /// Title (2–200 characters).
        #[schema(example = "一种高能量密度锂离子电池正极材料的制备方法")]
        title: String,
        /// Public summary (10–10,000 characters).
        summary: String,
        /// 1–10 keywords.
        keywords: Vec<String>,
        /// One of the 11 technology fields.
        technology_field: TechnologyField,
        /// One of the 9 strategic emerging industries.
        #[serde(default)]
        industry: ?Industry,
        /// Maturity: lab, small_scale, pilot or industrialization (default `lab`, 实验室).
        #[serde(default)]
        maturity: ?Maturity,
        /// Technology readiness level 1–9, consistent with `maturity`.
        #[serde(default)]
        #[schema(minimum = 1, maximum = 9)]
        trl: ?i32,
        /// Main kind of intellectual property (default `none`).
        #[serde(default)]
        ip_type: ?IpType,
        /// Patents, with checked application numbers.
        #[serde(default)]
        patents: Vec<Patent>,
        /// How the owner is willing to cooperate.
        #[serde(default)]
        cooperation_modes: Vec<CooperationMode>,
        /// Asking price in fen; null means negotiable (面议).
        #[serde(default)]
        asking_price_fen: ?i64,
        /// GB/T 2260 region code (default: the organization's region).
        #[serde(default)]
        region_code: ?String,
        /// The team behind the result.
        #[serde(default)]
        team: ?String,
        /// Contact (shown to signed-in users only).
        #[serde(default)]
        contact: ?Contact,
        /// Whether it is an international result (国际成果).
        #[serde(default)]
        international: bool,
        /// The owner's own reference, unique within the organization.
        #[serde(default)]
        external_ref: ?String,
        /// Last day of validity (default: a year from today).
        #[serde(default)]
        valid_until: ?NaiveDate,
        /// Details shown only to the owner, administrators and users granted access.
        #[serde(default)]
        confidential_details: ?String,
    }
    input only {
        /// Administrators: the organization the record belongs to.
        #[serde(default)]
        pub org_id: Option<String>,
    }
}

impl AchievementInput {
    /// Checks every field, collecting failures.
    pub fn check(&self, checker: &mut Checker) -> Option<Checked<AchievementRow>> {
        let title = checker.check("title", validation::text(&self.title, 2, TITLE_MAX));
        let summary = checker.check("summary", validation::text(&self.summary, 10, SUMMARY_MAX));
        let keywords = fields::keywords("keywords", &self.keywords, 1, checker);
        let maturity = self.maturity.unwrap_or(Maturity::Lab);
        if let Some(trl) = self.trl {
            match u8::try_from(trl).ok().and_then(Maturity::from_trl) {
                None => checker.fail("trl", "out_of_range", "must be between 1 and 9"),
                Some(level) if level != maturity => {
                    let (low, high) = maturity.trl_range();
                    checker.fail(
                        "trl",
                        "inconsistent_with_maturity",
                        format!("maturity `{maturity}` means TRL {low}–{high}"),
                    );
                }
                Some(_) => {}
            }
        }
        let ip_type = self.ip_type.unwrap_or(IpType::None);
        let patents = fields::patents(&self.patents, checker);
        let mut modes = self.cooperation_modes.clone();
        modes.sort();
        modes.dedup();
        let asking_price_fen =
            fields::optional_money("asking_price_fen", self.asking_price_fen, checker);
        let region =
            checker.check_optional("region_code", self.region_code.as_deref(), region_code);
        let team = checker.check("team", validation::optional_text(self.team.as_deref(), 2000));
        let contact = Contact::check_given(self.contact.as_ref(), checker);
        let external_ref = checker
            .check("external_ref", validation::optional_text(self.external_ref.as_deref(), 100));
        let valid_until =
            checker.check_optional("valid_until", self.valid_until, check_valid_until);
        let confidential = checker.check(
            "confidential_details",
            validation::optional_text(self.confidential_details.as_deref(), 20_000),
        );
        let listing = ListingEdit {
            title: title?,
            region_code: region?,
            valid_until: valid_until?,
            external_ref: external_ref?,
        };
        let row = AchievementRow {
            id: String::new(),
            summary: summary?,
            keywords: to_json(&keywords?),
            technology_field: self.technology_field.as_str().into(),
            industry: self.industry.map(|i| i.as_str().into()),
            maturity: maturity.as_str().into(),
            trl: self.trl,
            ip_type: ip_type.as_str().into(),
            patents: to_json(&patents?),
            cooperation_modes: encode_codes(&modes.iter().map(|m| m.as_str()).collect::<Vec<_>>()),
            asking_price_fen: asking_price_fen?,
            team: team?,
            contact: contact?.as_ref().map(to_json),
            international: self.international,
            confidential_details: confidential?,
        };
        Some(Checked { listing, row })
    }
}

/// An achievement as the API shows it (never its confidential details).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AchievementOut {
    /// What every record carries: id, status, region, contact, validity, version, times.
    #[serde(flatten)]
    pub listing: ListingOut,
    /// The result's title, as its owner wrote it (2–200 characters).
    pub title: String,
    /// The public summary of what the result is and does (10–10,000 characters).
    pub summary: String,
    /// The owner's keywords (1–10), also used by search and matching.
    pub keywords: Vec<String>,
    /// One of the 11 technology fields (see `GET /api/v1/taxonomies/technology_fields`).
    pub technology_field: TechnologyField,
    /// One of the 9 strategic emerging industries, or null when none applies.
    pub industry: Option<Industry>,
    /// How far the result has come: `lab`, `small_scale`, `pilot` or `industrialization`.
    pub maturity: Maturity,
    /// Technology readiness level 1–9 (consistent with `maturity`), or null when not given.
    pub trl: Option<i32>,
    /// The main kind of intellectual property protecting it (`none` when unprotected).
    pub ip_type: IpType,
    /// Its patents, with normalized CNIPA application numbers and legal status.
    pub patents: Vec<Patent>,
    /// How the owner is willing to cooperate (transfer, license, equity, …).
    pub cooperation_modes: Vec<CooperationMode>,
    /// Asking price in fen (1 yuan = 100 fen); null means negotiable (面议).
    pub asking_price_fen: Option<i64>,
    /// The team behind the result, free text; null when not given.
    pub team: Option<String>,
    /// Whether it is an international result (国际成果).
    pub international: bool,
    /// Whether confidential details exist (they are read through `/confidential`).
    pub has_confidential_details: bool,
}

impl AchievementOut {
    /// Builds the public view of a stored record.
    pub fn build(
        listing: Listing,
        detail: super::queries::AchievementRow,
        viewer: Viewer,
    ) -> AchievementOut {
        use crate::listings::codec::{decode_codes, from_json};
        AchievementOut {
            listing: ListingOut::build(&listing, detail.contact.as_deref(), viewer),
            title: listing.title,
            summary: detail.summary,
            keywords: from_json(&detail.keywords),
            technology_field: detail
                .technology_field
                .parse()
                .unwrap_or(TechnologyField::UrbanSocial),
            industry: detail.industry.and_then(|i| i.parse().ok()),
            maturity: detail.maturity.parse().unwrap_or(Maturity::Lab),
            trl: detail.trl,
            ip_type: detail.ip_type.parse().unwrap_or(IpType::None),
            patents: from_json(&detail.patents),
            cooperation_modes: decode_codes(&detail.cooperation_modes),
            asking_price_fen: detail.asking_price_fen,
            team: detail.team,
            international: detail.international,
            has_confidential_details: detail
                .confidential_details
                .as_deref()
                .is_some_and(|d| !d.is_empty()),
        }
    }
}

/// The confidential details of a record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConfidentialOut {
    /// The record.
    pub id: String,
    /// The details (null when the owner wrote none).
    pub confidential_details: Option<String>,
}
