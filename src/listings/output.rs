//! The fields every library's record shows, defined once and flattened into each output
//! (`AchievementOut`, `DemandOut`, `ExpertOut`, `ServiceProviderOut`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::Viewer;
use super::fields::Contact;
use super::lifecycle::ListingStatus;
use super::listing_search::PossibleDuplicate;
use super::model::Listing;
use crate::db::to_utc;

/// What every record of the four libraries carries besides its own fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ListingOut {
    /// The record's id (a UUID, also its search document's id).
    #[schema(example = "0192f1c4-5c2e-7d3a-9b1e-2f4a6c8d0e11")]
    pub id: String,
    /// The owning organization's id; null for an expert profile that belongs to none.
    pub org_id: Option<String>,
    /// Lifecycle status today: `draft`, `submitted`, `published`, `rejected`, `closed`, or
    /// `expired` for a published record past `valid_until`.
    pub status: ListingStatus,
    /// Where the record is, as a six-digit GB/T 2260 region code (defaults to the owning
    /// organization's region).
    #[schema(example = "330106")]
    pub region_code: String,
    /// How to reach the people behind the record; null unless the caller is signed in.
    pub contact: Option<Contact>,
    /// The owner's own reference for the record, unique within its organization and library.
    pub external_ref: Option<String>,
    /// The last market day (China Standard Time) the record is valid; published records show
    /// as `expired` after it.
    pub valid_until: NaiveDate,
    /// Why the last review rejected it (owners and administrators only; null otherwise).
    pub rejection_reason: Option<String>,
    /// When it was first published (RFC 3339, UTC); null while never published.
    pub published_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version, starting at 1 and raised by every change; send it back
    /// as `If-Match` (or `version`) when editing.
    pub version: i64,
    /// When it was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
    /// On creation only: records of the same library whose title and text look the same, to
    /// check before submitting a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possible_duplicates: Option<Vec<PossibleDuplicate>>,
    /// In a search (`q`): the passage of the record's public text around the first word
    /// found, every word of the search wrapped in `<mark>`…`</mark>` and the rest HTML-escaped;
    /// absent when no word occurs literally in the text (a match by the title, keywords or
    /// word parts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
}

impl ListingOut {
    /// The shared fields of a stored record as `viewer` may see them (`contact` is the row's
    /// stored JSON).
    pub fn build(listing: &Listing, contact: Option<&str>, viewer: Viewer) -> ListingOut {
        ListingOut {
            id: listing.id.clone(),
            org_id: listing.org_id.clone(),
            status: listing.current_status(),
            region_code: listing.region_code.clone(),
            contact: contact
                .filter(|_| viewer.signed_in)
                .and_then(|c| serde_json::from_str(c).ok()),
            external_ref: listing.external_ref.clone(),
            valid_until: listing.valid_until,
            rejection_reason: listing.rejection_reason.clone().filter(|_| viewer.manages),
            published_at: listing.published_at.map(to_utc),
            version: listing.version,
            created_at: to_utc(listing.created_at),
            updated_at: to_utc(listing.updated_at),
            possible_duplicates: None,
            snippet: None,
        }
    }
}
