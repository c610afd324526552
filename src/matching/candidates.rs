//! What the matcher reads of its candidates from the database: the public card of each one that
//! is open now and the market facts it is scored on — not its text, which the search index
//! answers for (a record the index does not hold yet is read again with its text).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::id_set::one_of;
use crate::db::schema::{achievements, demands, listings};
use crate::error::ApiResult;
use crate::listings::codec::from_json;
use crate::listings::lifecycle::ListingStatus;
use crate::listings::queries::today;

/// The listing side of a candidate: its public face, and whether it is open.
#[derive(Debug, Queryable)]
pub(crate) struct CandidateListing {
    /// Stored status.
    pub status: String,
    /// Last day of validity.
    pub valid_until: NaiveDate,
    /// Id (shared with the library's row).
    pub id: String,
    /// Title or name.
    pub title: String,
    /// The owner's own reference.
    pub external_ref: Option<String>,
    /// GB/T 2260 region code.
    pub region_code: String,
    /// The owning organization.
    pub org_id: Option<String>,
    /// Last changed (freshness).
    pub updated_at: NaiveDateTime,
}

impl CandidateListing {
    /// Whether it is published and still valid on `day`. (Judged here, not in the query: with
    /// the status in the query SQLite's planner walked the status index instead of looking the
    /// hundred ids up, and a match took 40 ms instead of 4.)
    fn is_open_on(&self, day: NaiveDate) -> bool {
        self.status == ListingStatus::Published.as_str() && self.valid_until >= day
    }
}

/// What an achievement offers, as a candidate is scored on it.
#[derive(Debug, Queryable)]
pub(crate) struct AchievementFacts {
    /// Scored against the field the problem names (or the field its best matches share).
    pub technology_field: String,
    /// Scored against the lowest maturity the problem accepts.
    pub maturity: String,
    /// Scored against the modes the problem wants (`,license,transfer,`).
    pub cooperation_modes: String,
    /// Scored against the problem's highest budget (fen; none: negotiable).
    pub asking_price_fen: Option<i64>,
}

/// What a demand asks, as a candidate is scored on it and shown.
#[derive(Debug, Queryable)]
pub(crate) struct DemandFacts {
    /// The budget's high end, scored against the asking price (fen).
    pub budget_max_fen: Option<i64>,
    /// Scored against the offer's field.
    pub technology_field: String,
    /// The modes it wants, scored against the offer's (`,license,transfer,`).
    pub cooperation_modes: String,
    /// The least maturity it accepts, scored against the offer's (none: any).
    pub required_maturity: Option<String>,
    /// Past it, the demand is no longer a candidate.
    pub deadline: Option<NaiveDate>,
    /// The budget's low end, shown on the card (fen).
    pub budget_min_fen: Option<i64>,
    /// An open call's reward, shown on the card (fen).
    pub reward_fen: Option<i64>,
}

/// Loads, for the listings among `$ids` that are published and unexpired today, the columns of
/// [`CandidateListing`] and the named columns of the library's `$table`.
macro_rules! open_today {
    ($conn:expr, $ids:expr, $table:ident ($($column:ident),+)) => {{
        let day = today();
        let wanted = one_of($conn, listings::id, $ids);
        Ok(listings::table
            .inner_join($table::table)
            .filter(wanted)
            .select((
                (
                    listings::status,
                    listings::valid_until,
                    listings::id,
                    listings::title,
                    listings::external_ref,
                    listings::region_code,
                    listings::org_id,
                    listings::updated_at,
                ),
                ($($table::$column),+),
            ))
            .load::<(CandidateListing, _)>($conn)?
            .into_iter()
            .filter(|(listing, _)| listing.is_open_on(day))
            .collect())
    }};
}

/// Loads the texts (title, keywords, `$body`) of the listings among `$ids` of `$table`, by id.
macro_rules! texts {
    ($conn:expr, $ids:expr, $table:ident . $body:ident) => {{
        let wanted = one_of($conn, listings::id, $ids);
        let rows: Vec<(String, String, String, String)> = listings::table
            .inner_join($table::table)
            .filter(wanted)
            .select((listings::id, listings::title, $table::keywords, $table::$body))
            .load($conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, title, keywords, body)| (id, text(&title, &keywords, &body)))
            .collect())
    }};
}

/// The achievements among `ids` that are published and unexpired today.
pub(crate) fn open_achievements(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ApiResult<Vec<(CandidateListing, AchievementFacts)>> {
    open_today!(
        conn,
        ids,
        achievements(technology_field, maturity, cooperation_modes, asking_price_fen)
    )
}

/// The demands among `ids` that are published and unexpired today (their deadline is the
/// caller's to judge).
pub(crate) fn open_demands(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ApiResult<Vec<(CandidateListing, DemandFacts)>> {
    open_today!(
        conn,
        ids,
        demands(
            budget_max_fen,
            technology_field,
            cooperation_modes,
            required_maturity,
            deadline,
            budget_min_fen,
            reward_fen
        )
    )
}

/// The texts (title, keywords, summary) of achievements, by id, as the matcher reads them.
pub(crate) fn achievement_texts(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ApiResult<HashMap<String, String>> {
    texts!(conn, ids, achievements.summary)
}

/// The texts (title, keywords, description) of demands, by id, as the matcher reads them.
pub(crate) fn demand_texts(
    conn: &mut DbConnection,
    ids: &[&str],
) -> ApiResult<HashMap<String, String>> {
    texts!(conn, ids, demands.description)
}

/// A record's text as the matcher reads it: title, keywords (a JSON list) and body.
pub(crate) fn text(title: &str, keywords_json: &str, body: &str) -> String {
    let keywords: Vec<String> = from_json(keywords_json);
    format!("{title} {} {body}", keywords.join(" "))
}
