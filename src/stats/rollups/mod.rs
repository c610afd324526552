//! The whole market's figures summed ahead of time (`stat_sums`): per day and per month, per
//! region at every level, per grouping dimension, for each family of records — registered
//! contracts ([`contracts`]), listings first published ([`listings`]) and deals connected
//! ([`deals`]). Every change of a counted record moves the sums in its own transaction; the
//! statistics of the whole market read a few hundred sums instead of every record ([`load`]);
//! [`rebuild`] refills them from the records and [`recount_differences`] proves them equal to a
//! full recount.

pub mod contracts;
pub mod deals;
pub mod facts;
pub mod listings;
mod reading;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};

use super::sql::{Backend, Bind, Sql};
use crate::db::DbConnection;
use crate::error::ApiResult;

pub use contracts::{COMMISSION, Dimension, Summed};
pub use reading::{ALL, Loaded, Reading, groups, load};

/// The region levels summed: a name and the digits of a code kept (0: all regions).
const LEVELS: [(&str, usize); 4] = [("all", 0), ("province", 2), ("city", 4), ("district", 6)];

/// The region level keeping this many digits of a code.
fn level_of_digits(digits: usize) -> &'static str {
    LEVELS.iter().find(|(_, d)| *d == digits).map_or("district", |(name, _)| name)
}

/// The region level whose sums answer a region filter (its prefix length).
fn level_of_prefix(prefix: Option<&str>) -> &'static str {
    level_of_digits(prefix.map_or(0, str::len))
}

/// One sum's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    family: &'static str,
    dimension: &'static str,
    region_level: &'static str,
    region_code: String,
    grain: &'static str,
    period_start: NaiveDate,
    group_key: String,
}

/// Changes to the sums, by key: `[n, a, b, c]` (what each figure means is the family's).
#[derive(Debug, Default)]
pub struct Deltas(BTreeMap<Key, [i64; 4]>);

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// Where one record counts: its family, its day and its region code (if any).
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    /// The family summed.
    pub family: &'static str,
    /// The day it counts on (China Standard Time).
    pub day: NaiveDate,
    /// Its region code, cut at every level.
    pub region: Option<&'a str>,
}

impl Deltas {
    /// Adds `figures` to the group `group_key` of `dimension`, on the record's day and month and
    /// at every region level.
    pub fn add(
        &mut self,
        counted: Counted<'_>,
        dimension: &'static str,
        group_key: &str,
        figures: [i64; 4],
    ) {
        for (grain, period_start) in [("day", counted.day), ("month", first_of_month(counted.day))]
        {
            for (region_level, digits) in LEVELS {
                let region_code = match (counted.region, digits) {
                    (Some(code), 1..) => code.chars().take(digits).collect(),
                    _ => String::new(),
                };
                let key = Key {
                    family: counted.family,
                    dimension,
                    region_level,
                    region_code,
                    grain,
                    period_start,
                    group_key: group_key.to_string(),
                };
                let sums = self.0.entry(key).or_default();
                for (sum, delta) in sums.iter_mut().zip(figures) {
                    *sum += delta;
                }
            }
        }
    }

    /// Writes the changes into `stat_sums` inside the caller's transaction, in key order (so
    /// concurrent writers on PostgreSQL lock rows in the same order), a few hundred rows per
    /// statement. Returns the rows written.
    pub fn write(mut self, conn: &mut DbConnection) -> ApiResult<usize> {
        self.0.retain(|_, sums| sums.iter().any(|s| *s != 0));
        let rows: Vec<(Key, [i64; 4])> = self.0.into_iter().collect();
        for chunk in rows.chunks(500) {
            upsert(conn, chunk)?;
        }
        Ok(rows.len())
    }
}

const COLUMNS: &str =
    "family, dimension, region_level, region_code, grain, period_start, group_key, n, a, b, c";

fn upsert(conn: &mut DbConnection, rows: &[(Key, [i64; 4])]) -> ApiResult<()> {
    let mut sql = Sql::new(&format!("INSERT INTO stat_sums ({COLUMNS}) VALUES "));
    for (i, (key, figures)) in rows.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        let texts = [key.family, key.dimension, key.region_level, &key.region_code, key.grain];
        for text in texts {
            sql.bind(Bind::Text(text.into())).push(", ");
        }
        sql.bind(Bind::Date(key.period_start)).push(", ").bind(Bind::Text(key.group_key.clone()));
        for figure in figures {
            sql.push(", ").bind(Bind::BigInt(*figure));
        }
        sql.push(")");
    }
    sql.push(
        " ON CONFLICT (family, dimension, region_level, region_code, grain, period_start, \
         group_key) DO UPDATE SET n = stat_sums.n + excluded.n, a = stat_sums.a + excluded.a, \
         b = stat_sums.b + excluded.b, c = stat_sums.c + excluded.c",
    );
    sql.execute(conn)?;
    Ok(())
}

/// Audited actions that read or ask about a record without changing what it counts by: they
/// move no sums (and take no row lock).
fn changes_nothing_counted(action: &str) -> bool {
    action.ends_with(".confidential_read")
        || action.contains(".access_")
        || action == "deal.message"
}

thread_local! {
    /// The listings changed while [`batched`] runs on this thread: their sums move once, at
    /// its end, instead of once per listing.
    static BATCHED_LISTINGS: std::cell::RefCell<Option<Vec<String>>> =
        const { std::cell::RefCell::new(None) };
}

/// Ends a [`batched`] scope on every way out (an error or a panic included).
struct BatchScope;

impl Drop for BatchScope {
    fn drop(&mut self) {
        BATCHED_LISTINGS.with(|batched| batched.borrow_mut().take());
    }
}

/// Runs `work` (inside the caller's transaction) with the sums of the listings it changes
/// moved once at its end, for all of them together: an import of thousands of records moves
/// each sum once instead of once per record (on PostgreSQL every update of a row within one
/// transaction leaves a row version that later updates of it walk past).
pub fn batched<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> ApiResult<T>,
) -> ApiResult<T> {
    let outer = BATCHED_LISTINGS.with(|batched| batched.borrow().is_some());
    if outer {
        return work(conn);
    }
    BATCHED_LISTINGS.with(|batched| *batched.borrow_mut() = Some(Vec::new()));
    let scope = BatchScope;
    let value = work(conn)?;
    let mut ids = BATCHED_LISTINGS.with(|batched| batched.borrow_mut().take()).unwrap_or_default();
    drop(scope);
    ids.sort_unstable();
    ids.dedup();
    facts::sync::<listings::Listings>(conn, &ids)?;
    Ok(value)
}

/// Moves the sums after an audited change of a record (called by [`crate::audit::record`],
/// inside the change's transaction, after the record's rows are written): a listing's or a
/// deal's, and an organization's new region (its deals count in the buyer's region).
pub fn follow(
    conn: &mut DbConnection,
    action: &str,
    (entity_type, entity_id): (&str, &str),
    changes: &serde_json::Value,
) -> ApiResult<()> {
    if changes_nothing_counted(action) {
        return Ok(());
    }
    let ids = [entity_id.to_string()];
    if crate::listings::Library::ALL.iter().any(|library| library.entity() == entity_type) {
        let deferred = BATCHED_LISTINGS.with(|batched| match batched.borrow_mut().as_mut() {
            Some(pending) => {
                pending.push(entity_id.to_string());
                true
            }
            None => false,
        });
        if deferred {
            return Ok(());
        }
        return facts::sync::<listings::Listings>(conn, &ids);
    }
    match entity_type {
        deals::ENTITY => facts::sync::<deals::Deals>(conn, &ids),
        "organization" if changes.get("region_code").is_some() => {
            deals::follow_buyer_region(conn, entity_id)
        }
        _ => Ok(()),
    }
}

/// Refills every sum from the records (inside the caller's transaction; on PostgreSQL the table
/// is locked first, so changes committing meanwhile wait and then add on top). Returns the rows
/// written.
pub fn rebuild(conn: &mut DbConnection) -> ApiResult<usize> {
    if Backend::of(conn) == Backend::Postgres {
        Sql::new("LOCK TABLE stat_sums, stat_facts IN EXCLUSIVE MODE").execute(conn)?;
    }
    Sql::new("DELETE FROM stat_sums").execute(conn)?;
    Sql::new("DELETE FROM stat_facts").execute(conn)?;
    let mut rows = contracts::rebuild(conn)?;
    rows += facts::rebuild::<listings::Listings>(conn)?;
    rows += facts::rebuild::<deals::Deals>(conn)?;
    Ok(rows)
}

/// One stored or recounted sum, its key as text.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
struct SumRow {
    #[diesel(sql_type = Text)]
    family: String,
    #[diesel(sql_type = Text)]
    dimension: String,
    #[diesel(sql_type = Text)]
    region_level: String,
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = Text)]
    grain: String,
    #[diesel(sql_type = Text)]
    period: String,
    #[diesel(sql_type = Text)]
    group_key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    a: i64,
    #[diesel(sql_type = BigInt)]
    b: i64,
    #[diesel(sql_type = BigInt)]
    c: i64,
}

type TextKey = (String, String, String, String, String, String, String);
type Sums = BTreeMap<TextKey, [i64; 4]>;

impl Key {
    /// The key as the database returns it.
    fn text(&self) -> TextKey {
        (
            self.family.into(),
            self.dimension.into(),
            self.region_level.into(),
            self.region_code.clone(),
            self.grain.into(),
            self.period_start.format("%Y-%m-%d").to_string(),
            self.group_key.clone(),
        )
    }
}

/// The sums a query's rows hold (columns as in `stat_sums`), without zero rows.
fn sums_of(conn: &mut DbConnection, from: &str) -> ApiResult<Sums> {
    let sql = Sql::new(&format!(
        "SELECT family, dimension, region_level, region_code, grain, \
         CAST(period_start AS TEXT) AS period, group_key, n, a, b, c FROM ({from}) r"
    ));
    let rows: Vec<SumRow> = sql.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let key = (
                r.family,
                r.dimension,
                r.region_level,
                r.region_code,
                r.grain,
                r.period,
                r.group_key,
            );
            (key, [r.n, r.a, r.b, r.c])
        })
        .filter(|(_, sums)| sums.iter().any(|s| *s != 0))
        .collect())
}

/// Where the stored sums (and the facts they were taken from) differ from a full recount of
/// the records, one line per difference (empty when they agree).
pub fn recount_differences(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    let stored = sums_of(conn, "SELECT * FROM stat_sums")?;
    let mut recounted = sums_of(conn, &contracts::recount_select(Backend::of(conn)))?;
    let mut differences = Vec::new();
    let mut deltas = Deltas::default();
    facts::recount::<listings::Listings>(conn, &mut deltas, &mut differences)?;
    facts::recount::<deals::Deals>(conn, &mut deltas, &mut differences)?;
    for (key, sums) in deltas.0 {
        if sums.iter().any(|s| *s != 0) {
            recounted.insert(key.text(), sums);
        }
    }
    for key in stored.keys().chain(recounted.keys().filter(|k| !stored.contains_key(*k))) {
        let (had, should) = (stored.get(key), recounted.get(key));
        if had != should {
            differences.push(format!("{key:?}: stored {had:?}, recounted {should:?}"));
        }
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_filters_read_the_sums_of_their_level() {
        assert_eq!(level_of_prefix(None), "all");
        assert_eq!(level_of_prefix(Some("33")), "province");
        assert_eq!(level_of_prefix(Some("3301")), "city");
        assert_eq!(level_of_prefix(Some("330106")), "district");
    }
}
