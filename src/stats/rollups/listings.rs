//! Listings in the sums (families `achievements`, `demands`, `experts`, `service_providers`):
//! every listing once published counts on its first publication day in its region — `n` all of
//! them, `a` those published now, `b` those published now and international — in total
//! ([`ALL`](super::ALL)) and per technology field (experts and service organizations once in
//! each of theirs; `''` without one).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use serde::{Deserialize, Serialize};

use super::super::sql::{Backend, Sql};
use super::facts::{Source, Which};
use super::{ALL, Counted, Deltas};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::listings::Library;
use crate::listings::codec::decode_codes;

/// The dimension of listings per technology field.
pub const TECHNOLOGY_FIELD: &str = "technology_field";

/// The family names of the four libraries.
pub fn families() -> Vec<&'static str> {
    Library::ALL.iter().map(|library| library.as_str()).collect()
}

/// What a published listing counts by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingFacts {
    library: Library,
    /// First publication day (China Standard Time).
    day: NaiveDate,
    region: Option<String>,
    published: bool,
    international: bool,
    fields: Vec<String>,
}

#[derive(Debug, diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    library: String,
    #[diesel(sql_type = Timestamp)]
    published_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    region_code: Option<String>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Text>)]
    fields: Option<String>,
    #[diesel(sql_type = BigInt)]
    international: i64,
}

impl Row {
    fn facts(self) -> Option<(String, ListingFacts)> {
        let library: Library = self.library.parse().ok()?;
        let stored = self.fields.unwrap_or_default();
        let fields = match library {
            Library::Experts | Library::ServiceProviders => decode_codes(&stored),
            Library::Achievements | Library::Demands => {
                if stored.is_empty() {
                    Vec::new()
                } else {
                    vec![stored]
                }
            }
        };
        let facts = ListingFacts {
            library,
            day: crate::clock::china_time(self.published_at).date_naive(),
            region: self.region_code.filter(|code| !code.is_empty()),
            published: self.status == "published",
            international: self.international != 0,
            fields,
        };
        Some((self.id, facts))
    }
}

/// Listings as a source of the sums.
#[derive(Debug)]
pub struct Listings;

impl Source for Listings {
    const KIND: &'static str = "listings";
    type Facts = ListingFacts;

    fn load(conn: &mut DbConnection, which: Which<'_>) -> ApiResult<Vec<(String, ListingFacts)>> {
        let mut sql = Sql::new(
            "SELECT l.id, l.library, l.published_at, l.region_code, l.status, \
             COALESCE(a.technology_field, dm.technology_field, e.technology_fields, \
             sp.technology_fields) AS fields, \
             CAST(CASE WHEN a.international = TRUE THEN 1 ELSE 0 END AS BIGINT) AS international \
             FROM listings l \
             LEFT JOIN achievements a ON a.id = l.id AND l.library = 'achievements' \
             LEFT JOIN demands dm ON dm.id = l.id AND l.library = 'demands' \
             LEFT JOIN experts e ON e.id = l.id AND l.library = 'experts' \
             LEFT JOIN service_providers sp ON sp.id = l.id AND l.library = 'service_providers' \
             WHERE l.published_at IS NOT NULL",
        );
        which.restrict(&mut sql, "l.id", "l", Backend::of(conn) == Backend::Postgres);
        Ok(sql.load::<Row>(conn)?.into_iter().filter_map(Row::facts).collect())
    }

    fn contributions(facts: &ListingFacts, sign: i64, into: &mut Deltas) {
        let published = i64::from(facts.published);
        let international = i64::from(facts.published && facts.international);
        let figures = [sign, sign * published, sign * international, 0];
        let counted = Counted {
            family: facts.library.as_str(),
            day: facts.day,
            region: facts.region.as_deref(),
        };
        into.add(counted, ALL, "", figures);
        if facts.fields.is_empty() {
            into.add(counted, TECHNOLOGY_FIELD, "", figures);
        }
        for field in &facts.fields {
            into.add(counted, TECHNOLOGY_FIELD, field, figures);
        }
    }
}
