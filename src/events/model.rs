//! Events as stored, as the API shows them, and their request bodies.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::events;
use crate::error::{ApiError, ApiResult};
use crate::validation::{self, Checker};

/// Longest event name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 10_000;

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start.
    pub starts_at: NaiveDateTime,
    /// End.
    pub ends_at: NaiveDateTime,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// Held online (在线对接会).
    pub online: bool,
    /// Anonymous online attendance counted so far.
    pub anonymous_attendance: i64,
    /// The admin or broker who created it.
    pub created_by: String,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: NaiveDateTime,
    /// Last changed.
    pub updated_at: NaiveDateTime,
}

/// A matchmaking event as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EventOut {
    /// Event id.
    pub id: String,
    /// The event's name as its organizer wrote it (e.g. 2026 年新材料专场对接会).
    pub name: String,
    /// What the event is about, free text; null when not given.
    pub description: Option<String>,
    /// Start (RFC 3339 UTC).
    pub starts_at: DateTime<Utc>,
    /// End (RFC 3339 UTC).
    pub ends_at: DateTime<Utc>,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// Whether it is held online (线上) rather than at a venue.
    pub online: bool,
    /// Anonymous online attendance counted so far.
    pub anonymous_attendance: i64,
    /// The admin or broker who created it.
    pub created_by: String,
    /// Version of the record, raised by every change; send it (or `If-Match`) with a change.
    pub version: i64,
    /// When it was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
}

crate::output_of_row! { row: EventRow => EventOut {
    same { id, name, description, region_code, online, anonymous_attendance, created_by, version }
    times { starts_at, ends_at, created_at, updated_at }
} }

/// `POST /events`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// Name (2–200 characters).
    pub name: String,
    /// Description (up to 10,000 characters).
    pub description: Option<String>,
    /// Start (RFC 3339); before `ends_at`.
    pub starts_at: DateTime<Utc>,
    /// End (RFC 3339).
    pub ends_at: DateTime<Utc>,
    /// GB/T 2260 region code of the organizing region.
    pub region_code: String,
    /// Whether it is held online (线上) rather than at a venue (default false).
    pub online: bool,
}

/// `PATCH /events/{id}`: the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    /// The event's new name (2–200 characters).
    pub name: Option<String>,
    /// New description (an empty string clears it).
    pub description: Option<String>,
    /// New start (RFC 3339); must stay before the end.
    pub starts_at: Option<DateTime<Utc>>,
    /// New end (RFC 3339); must stay after the start.
    pub ends_at: Option<DateTime<Utc>>,
    /// New region code.
    pub region_code: Option<String>,
    /// Whether it is held online.
    pub online: Option<bool>,
    /// The version the change is based on (or `If-Match`).
    pub version: Option<i64>,
}

/// Filters of the event list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilter {
    /// Region prefix: 1–6 digits of a GB/T 2260 code (`33`, `3301`).
    pub region: Option<String>,
    /// Only events still running at or after this time (`ends_at >= from`).
    pub from: Option<DateTime<Utc>>,
    /// Only events starting at or before this time (`starts_at <= to`).
    pub to: Option<DateTime<Utc>>,
}

/// A request time as stored: UTC, to the microsecond (what both backends keep).
pub fn naive(value: DateTime<Utc>) -> NaiveDateTime {
    use chrono::SubsecRound;
    value.trunc_subsecs(6).naive_utc()
}

fn check_times(checker: &mut Checker, starts_at: NaiveDateTime, ends_at: NaiveDateTime) {
    if starts_at >= ends_at {
        checker.fail("ends_at", "before_start", "must be after starts_at");
    }
}

fn name(value: &str) -> Result<String, validation::ParseFailure> {
    validation::text(value, 2, NAME_MAX)
}

fn description(value: Option<&str>) -> Result<Option<String>, validation::ParseFailure> {
    validation::optional_text(value, DESCRIPTION_MAX)
}

/// The checked fields of a new event.
#[derive(Debug, Clone)]
pub struct ValidEvent {
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Start.
    pub starts_at: NaiveDateTime,
    /// End.
    pub ends_at: NaiveDateTime,
    /// Region code.
    pub region_code: String,
    /// Online.
    pub online: bool,
}

impl EventInput {
    /// Checks every field (422 naming each bad one).
    pub fn check(self) -> ApiResult<ValidEvent> {
        let mut checker = Checker::new();
        let name = checker.check("name", name(&self.name));
        let description = checker.check("description", description(self.description.as_deref()));
        let region =
            checker.check("region_code", crate::organizations::dto::region_code(&self.region_code));
        let (starts_at, ends_at) = (naive(self.starts_at), naive(self.ends_at));
        check_times(&mut checker, starts_at, ends_at);
        checker.finish_with(|| {
            Some(ValidEvent {
                name: name?,
                description: description?,
                starts_at,
                ends_at,
                region_code: region?,
                online: self.online,
            })
        })
    }
}

impl EventPatch {
    /// Applies the changes to a copy of `current` after checking them.
    pub fn apply_to(&self, current: &EventRow) -> ApiResult<EventRow> {
        let mut checker = Checker::new();
        let mut next = current.clone();
        if let Some(value) = self.name.as_deref()
            && let Some(value) = checker.check("name", name(value))
        {
            next.name = value;
        }
        if let Some(value) = self.description.as_deref()
            && let Some(value) = checker.check("description", description(Some(value)))
        {
            next.description = value;
        }
        if let Some(value) = self.region_code.as_deref()
            && let Some(value) =
                checker.check("region_code", crate::organizations::dto::region_code(value))
        {
            next.region_code = value;
        }
        if let Some(value) = self.starts_at {
            next.starts_at = naive(value);
        }
        if let Some(value) = self.ends_at {
            next.ends_at = naive(value);
        }
        if let Some(value) = self.online {
            next.online = value;
        }
        check_times(&mut checker, next.starts_at, next.ends_at);
        checker.finish()?;
        Ok(next)
    }

    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.starts_at.is_none()
            && self.ends_at.is_none()
            && self.region_code.is_none()
            && self.online.is_none()
    }
}

/// 422 for an inverted window of the list filters.
pub fn check_filter(filter: &EventFilter) -> Result<(), ApiError> {
    validation::check_region_prefix(filter.region.as_deref())?;
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::field("to", "before_from", "must not be before from"));
    }
    Ok(())
}
