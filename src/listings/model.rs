//! The shared listing row.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::Library;
use super::lifecycle::{ListingStatus, effective_status};
use crate::db::schema::listings;

/// A listing row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = listings)]
pub struct Listing {
    /// Id (shared with the library's own row).
    pub id: String,
    /// Which library.
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub library: Library,
    /// The owning organization.
    pub org_id: Option<String>,
    /// The owning user (an expert's claimed profile).
    pub owner_user_id: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// Stored status (see [`Listing::status_on`] for expiry).
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub status: ListingStatus,
    /// Title or name.
    pub title: String,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// The owner's own reference (unique per organization and library).
    pub external_ref: Option<String>,
    /// Why the last review rejected it.
    pub rejection_reason: Option<String>,
    /// Last submission for review.
    pub submitted_at: Option<NaiveDateTime>,
    /// Last review.
    pub reviewed_at: Option<NaiveDateTime>,
    /// The reviewing administrator.
    pub reviewed_by: Option<String>,
    /// First publication.
    pub published_at: Option<NaiveDateTime>,
    /// Why it was closed.
    pub closed_reason: Option<String>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

impl Listing {
    /// The status on a given day (published records past their validity are expired).
    pub fn status_on(&self, today: NaiveDate) -> ListingStatus {
        effective_status(self.status, self.valid_until, today)
    }

    /// The status today (the market day, China Standard Time).
    pub fn current_status(&self) -> ListingStatus {
        self.status_on(crate::listings::queries::today())
    }

    /// Whether the public may see it now.
    pub fn is_public(&self) -> bool {
        self.current_status() == ListingStatus::Published
    }
}
