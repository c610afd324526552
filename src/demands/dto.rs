//! Request and response bodies of the demand endpoints, and their validation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::queries::DemandRow;
use crate::listings::codec::{encode_codes, to_json};
use crate::listings::edit::ListingEdit;
use crate::listings::fields::{self, Contact};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::listing_search::SortOrder;
use crate::listings::model::Listing;
use crate::listings::output::ListingOut;
use crate::listings::own_table::Checked;
use crate::listings::queries::{check_valid_until, default_valid_until, today};
use crate::organizations::dto::region_code;
use crate::taxonomies::{CooperationMode, Industry, Maturity, TechnologyField};
use crate::validation::{self, Checker, ParseFailure};

pub use crate::listings::access::Viewer;

/// Filters of `GET /api/v1/demands`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandFilter {
    /// Chinese-aware full-text query over title, keywords and description.
    pub q: Option<String>,
    /// Technology field.
    pub technology_field: Option<TechnologyField>,
    /// Industry.
    pub industry: Option<Industry>,
    /// Demands requiring exactly this minimum maturity.
    pub required_maturity: Option<Maturity>,
    /// Region code prefix (`33`, `3301`, `330106`).
    pub region: Option<String>,
    /// Demands wanting this cooperation mode.
    pub cooperation_mode: Option<CooperationMode>,
    /// Budget overlap, in fen: demands whose highest budget is at least this (demands without
    /// a highest budget are left out).
    pub budget_min: Option<i64>,
    /// Budget overlap, in fen: demands whose lowest budget is at most this, or that have no
    /// lowest budget.
    pub budget_max: Option<i64>,
    /// `true`: open calls with a reward (揭榜挂帅) only; `false`: demands without a reward.
    pub open_call: Option<bool>,
    /// Only this organization's records.
    pub org_id: Option<String>,
    /// Owners and administrators: records in this status (the caller's organization's, or any for administrators).
    pub status: Option<ListingStatus>,
    /// Owners: every record the caller's organization has, in any status.
    pub mine: Option<bool>,
    /// `relevance` (default with `q`), `newest` (default), `price_asc`, `price_desc` (prices
    /// are the highest budget; negotiable last).
    pub sort: Option<SortOrder>,
}

/// Longest title, in characters.
pub const TITLE_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;

crate::input_and_patch! {
    /// A demand as written by its owner: the body of `POST /api/v1/demands`, and (merged with a
    /// JSON merge patch) the result of `PATCH`.
    input DemandInput;
    /// The documented shape of `PATCH /api/v1/demands/{id}`: a JSON merge patch (RFC 7396) over
    /// [`DemandInput`] — absent fields stay, `null` clears — plus the version.
    patch DemandPatch;
    {
        /// Title (2–200 characters).
        #[schema(example = "寻求动力电池低温快充热管理解决方案")]
        title: String,
        /// Public description of the problem (10–10,000 characters).
        description: String,
        /// 1–10 keywords.
        keywords: Vec<String>,
        /// One of the 11 technology fields.
        technology_field: TechnologyField,
        /// One of the 9 strategic emerging industries.
        #[serde(default)]
        industry: ?Industry,
        /// The lowest maturity a solution must have (a minimum; null: any).
        #[serde(default)]
        required_maturity: ?Maturity,
        /// Lowest budget in fen; null means negotiable (面议).
        #[serde(default)]
        budget_min_fen: ?i64,
        /// Highest budget in fen (at least `budget_min_fen`); null means negotiable (面议).
        #[serde(default)]
        budget_max_fen: ?i64,
        /// The cooperation modes wanted.
        #[serde(default)]
        cooperation_modes: Vec<CooperationMode>,
        /// GB/T 2260 region code (default: the organization's region).
        #[serde(default)]
        region_code: ?String,
        /// Last day to answer: after today and not after `valid_until`.
        #[serde(default)]
        deadline: ?NaiveDate,
        /// Reward in fen for the solver, which makes the demand an open call (揭榜挂帅).
        #[serde(default)]
        reward_fen: ?i64,
        /// Contact (shown to signed-in users only).
        #[serde(default)]
        contact: ?Contact,
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

/// Checks a deadline: after today and not after the last day of validity.
pub fn check_deadline(
    deadline: NaiveDate,
    valid_until: NaiveDate,
) -> Result<NaiveDate, ParseFailure> {
    if deadline <= today() {
        return Err(("not_in_future", "must be a date after today".into()));
    }
    if deadline > valid_until {
        return Err((
            "after_valid_until",
            format!("must not be after the last day of validity ({valid_until})"),
        ));
    }
    Ok(deadline)
}

/// Checks a reward: a positive amount of money.
pub fn check_reward(reward: i64) -> Result<i64, ParseFailure> {
    let amount = fields::money(reward)?;
    if amount == 0 {
        return Err((
            "not_positive",
            "must be positive; leave it out when there is no reward".into(),
        ));
    }
    Ok(amount)
}

impl DemandInput {
    /// Checks every field, collecting failures.
    pub fn check(&self, checker: &mut Checker) -> Option<Checked<DemandRow>> {
        let title = checker.check("title", validation::text(&self.title, 2, TITLE_MAX));
        let description =
            checker.check("description", validation::text(&self.description, 10, DESCRIPTION_MAX));
        let keywords = fields::keywords("keywords", &self.keywords, 1, checker);
        let budget_min = fields::optional_money("budget_min_fen", self.budget_min_fen, checker);
        let budget_max = fields::optional_money("budget_max_fen", self.budget_max_fen, checker);
        if let (Some(Some(min)), Some(Some(max))) = (budget_min, budget_max)
            && min > max
        {
            checker.fail(
                "budget_max_fen",
                "less_than_minimum",
                format!("must be at least budget_min_fen ({min})"),
            );
        }
        let mut modes = self.cooperation_modes.clone();
        modes.sort();
        modes.dedup();
        let region =
            checker.check_optional("region_code", self.region_code.as_deref(), region_code);
        let valid_until =
            checker.check_optional("valid_until", self.valid_until, check_valid_until);
        let deadline = match self.deadline {
            None => Some(None),
            Some(date) => {
                let last_day = self.valid_until.unwrap_or_else(default_valid_until);
                checker.check("deadline", check_deadline(date, last_day)).map(Some)
            }
        };
        let reward = checker.check_optional("reward_fen", self.reward_fen, check_reward);
        let contact = Contact::check_given(self.contact.as_ref(), checker);
        let external_ref = checker
            .check("external_ref", validation::optional_text(self.external_ref.as_deref(), 100));
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
        let row = DemandRow {
            id: String::new(),
            description: description?,
            keywords: to_json(&keywords?),
            technology_field: self.technology_field.as_str().into(),
            industry: self.industry.map(|i| i.as_str().into()),
            required_maturity: self.required_maturity.map(|m| m.as_str().into()),
            budget_min_fen: budget_min?,
            budget_max_fen: budget_max?,
            cooperation_modes: encode_codes(&modes.iter().map(|m| m.as_str()).collect::<Vec<_>>()),
            deadline: deadline?,
            reward_fen: reward?,
            contact: contact?.as_ref().map(to_json),
            confidential_details: confidential?,
        };
        Some(Checked { listing, row })
    }
}

/// A demand as the API shows it (never its confidential details).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DemandOut {
    /// What every record carries: id, status, region, contact, validity, version, times.
    #[serde(flatten)]
    pub listing: ListingOut,
    /// The problem in one line, as the enterprise wrote it (2–200 characters).
    pub title: String,
    /// The public description of the problem: symptoms, goals, constraints.
    pub description: String,
    /// The enterprise's keywords, also used by search and matching.
    pub keywords: Vec<String>,
    /// One of the 11 technology fields (see `GET /api/v1/taxonomies/technology_fields`).
    pub technology_field: TechnologyField,
    /// One of the 9 strategic emerging industries, or null when none applies.
    pub industry: Option<Industry>,
    /// The lowest maturity a solution must have (null: any).
    pub required_maturity: Option<Maturity>,
    /// Lowest budget in fen (1 yuan = 100 fen); null means negotiable.
    pub budget_min_fen: Option<i64>,
    /// Highest budget in fen; null means negotiable.
    pub budget_max_fen: Option<i64>,
    /// The ways of cooperating the enterprise would accept (transfer, license, …).
    pub cooperation_modes: Vec<CooperationMode>,
    /// The last market day (China Standard Time) answers are taken; null when open-ended.
    pub deadline: Option<NaiveDate>,
    /// Reward for the solver in fen (open calls only).
    pub reward_fen: Option<i64>,
    /// Whether it is an open call with a reward (揭榜挂帅).
    pub is_open_call: bool,
    /// Whether confidential details exist (they are read through `/confidential`).
    pub has_confidential_details: bool,
}

/// The confidential details of a demand.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DemandConfidentialOut {
    /// The demand.
    pub id: String,
    /// The details (null when the owner wrote none).
    pub confidential_details: Option<String>,
}

impl DemandOut {
    /// Builds the public view of a stored record.
    pub fn build(listing: Listing, detail: super::queries::DemandRow, viewer: Viewer) -> DemandOut {
        use crate::listings::codec::{decode_codes, from_json};
        DemandOut {
            listing: ListingOut::build(&listing, detail.contact.as_deref(), viewer),
            title: listing.title,
            description: detail.description,
            keywords: from_json(&detail.keywords),
            technology_field: detail
                .technology_field
                .parse()
                .unwrap_or(TechnologyField::UrbanSocial),
            industry: detail.industry.and_then(|i| i.parse().ok()),
            required_maturity: detail.required_maturity.and_then(|m| m.parse().ok()),
            budget_min_fen: detail.budget_min_fen,
            budget_max_fen: detail.budget_max_fen,
            cooperation_modes: decode_codes(&detail.cooperation_modes),
            deadline: detail.deadline,
            reward_fen: detail.reward_fen,
            is_open_call: detail.reward_fen.is_some(),
            has_confidential_details: detail
                .confidential_details
                .as_deref()
                .is_some_and(|d| !d.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn deadlines_lie_between_tomorrow_and_the_validity_date() {
        let valid_until = today() + Duration::days(100);
        assert!(check_deadline(today(), valid_until).is_err());
        assert!(check_deadline(today() + Duration::days(1), valid_until).is_ok());
        assert!(check_deadline(valid_until, valid_until).is_ok());
        assert_eq!(
            check_deadline(valid_until + Duration::days(1), valid_until).err().map(|e| e.0),
            Some("after_valid_until")
        );
    }

    #[test]
    fn rewards_are_positive_money() {
        assert!(check_reward(1).is_ok());
        assert!(check_reward(0).is_err());
        assert!(check_reward(-1).is_err());
    }
}
