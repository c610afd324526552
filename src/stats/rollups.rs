//! Registered contracts summed ahead of time (`contract_rollups`): per registration day and
//! per month, per seller region at every level, per grouping dimension. Each contract change
//! moves the sums in its own transaction ([`record_change`]); the statistics of the whole market
//! read a few hundred sums instead of every contract ([`load`]); [`rebuild`] refills them from
//! the contracts and [`recount_differences`] proves them equal to a full recount.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use diesel::sql_types::{BigInt, Text};

use super::contracts::ContractFigures;
use super::params::Period;
use super::sql::{Backend, Bind, Group, Sql, prefix_condition, sum};
use crate::contracts::model::ContractRow;
use crate::contracts::output::commission_due;
use crate::db::DbConnection;
use crate::error::ApiResult;

/// What a set of sums is grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dimension {
    /// No grouping: the totals.
    All,
    /// Contract type.
    Type,
    /// Technology field.
    TechnologyField,
    /// The buyer's legal-entity kind.
    BuyerKind,
    /// The seller's legal-entity kind.
    SellerKind,
    /// The technology broker named as the contract's intermediary (`''`: none).
    Broker,
}

impl Dimension {
    const EVERY: [Dimension; 6] = [
        Dimension::All,
        Dimension::Type,
        Dimension::TechnologyField,
        Dimension::BuyerKind,
        Dimension::SellerKind,
        Dimension::Broker,
    ];

    fn code(self) -> &'static str {
        match self {
            Dimension::All => "all",
            Dimension::Type => "type",
            Dimension::TechnologyField => "technology_field",
            Dimension::BuyerKind => "buyer_kind",
            Dimension::SellerKind => "seller_kind",
            Dimension::Broker => "broker",
        }
    }

    /// The contract column holding the dimension's value (`''` for the totals).
    fn column(self) -> &'static str {
        match self {
            Dimension::All => "''",
            Dimension::Type => "c.contract_type",
            Dimension::TechnologyField => "c.technology_field",
            Dimension::BuyerKind => "c.buyer_entity_kind",
            Dimension::SellerKind => "c.seller_entity_kind",
            Dimension::Broker => "COALESCE(c.intermediary_user_id, '')",
        }
    }

    fn value(self, row: &ContractRow) -> String {
        match self {
            Dimension::All => String::new(),
            Dimension::Type => row.contract_type.as_str().into(),
            Dimension::TechnologyField => row.technology_field.as_str().into(),
            Dimension::BuyerKind => row.buyer_entity_kind.as_str().into(),
            Dimension::SellerKind => row.seller_entity_kind.as_str().into(),
            Dimension::Broker => row.intermediary_user_id.clone().unwrap_or_default(),
        }
    }
}

/// The region levels summed: a name and the digits of the seller's code kept (0: all regions).
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
    dimension: &'static str,
    region_level: &'static str,
    region_code: String,
    grain: &'static str,
    period_start: NaiveDate,
    group_key: String,
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The intermediary's commission of a contract `c` in SQL (as [`commission_due`] computes it).
pub const COMMISSION: &str =
    "COALESCE(c.commission_fen, c.commission_rate_bp * c.technology_amount_fen / 10000, 0)";

/// The sums a registered contract adds to (count, 成交额, 技术交易额, commission), times `sign`.
fn contributions(row: &ContractRow, sign: i64, into: &mut BTreeMap<Key, [i64; 4]>) {
    let (Some(_), Some(day)) = (&row.registration_number, row.registered_on) else {
        return;
    };
    let figures =
        [sign, sign * row.amount_fen, sign * row.technology_amount_fen, sign * commission_due(row)];
    for (grain, period_start) in [("day", day), ("month", first_of_month(day))] {
        for (region_level, digits) in LEVELS {
            let region_code = match (&row.seller_region_code, digits) {
                (Some(code), 1..) => code.chars().take(digits).collect(),
                _ => String::new(),
            };
            for dimension in Dimension::EVERY {
                let key = Key {
                    dimension: dimension.code(),
                    region_level,
                    region_code: region_code.clone(),
                    grain,
                    period_start,
                    group_key: dimension.value(row),
                };
                let sums = into.entry(key).or_default();
                for (sum, delta) in sums.iter_mut().zip(figures) {
                    *sum += delta;
                }
            }
        }
    }
}

const COLUMNS: &str = "dimension, region_level, region_code, grain, period_start, group_key, \
                       contract_count, amount_fen, technology_amount_fen, commission_fen";

/// Moves the sums from a contract's previous state (`None` for a new contract) to its next,
/// inside the caller's transaction. Rows are written in key order, so concurrent writers on
/// PostgreSQL lock them in the same order.
pub fn record_change(
    conn: &mut DbConnection,
    before: Option<&ContractRow>,
    after: &ContractRow,
) -> ApiResult<()> {
    let mut deltas = BTreeMap::new();
    if let Some(before) = before {
        contributions(before, -1, &mut deltas);
    }
    contributions(after, 1, &mut deltas);
    deltas.retain(|_, sums| sums.iter().any(|s| *s != 0));
    if deltas.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new(&format!("INSERT INTO contract_rollups ({COLUMNS}) VALUES "));
    for (i, (key, [count, amount, technology, commission])) in deltas.into_iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        for (j, value) in [
            Bind::Text(key.dimension.into()),
            Bind::Text(key.region_level.into()),
            Bind::Text(key.region_code),
            Bind::Text(key.grain.into()),
            Bind::Date(key.period_start),
            Bind::Text(key.group_key),
            Bind::BigInt(count),
            Bind::BigInt(amount),
            Bind::BigInt(technology),
            Bind::BigInt(commission),
        ]
        .into_iter()
        .enumerate()
        {
            sql.push(if j == 0 { "" } else { ", " }).bind(value);
        }
        sql.push(")");
    }
    sql.push(
        " ON CONFLICT (dimension, region_level, region_code, grain, period_start, group_key) \
         DO UPDATE SET contract_count = contract_rollups.contract_count + excluded.contract_count, \
         amount_fen = contract_rollups.amount_fen + excluded.amount_fen, \
         technology_amount_fen = contract_rollups.technology_amount_fen + \
         excluded.technology_amount_fen, \
         commission_fen = contract_rollups.commission_fen + excluded.commission_fen",
    );
    sql.execute(conn)?;
    Ok(())
}

/// The SELECT that sums every registered contract into rollup rows (no zero rows).
fn recount_select(backend: Backend) -> String {
    let month = match backend {
        Backend::Sqlite => "date(c.registered_on, 'start of month')",
        Backend::Postgres => "CAST(date_trunc('month', c.registered_on) AS DATE)",
    };
    let levels = LEVELS
        .iter()
        .map(|(name, digits)| format!("SELECT '{name}' AS region_level, {digits} AS digits"))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let dimensions = Dimension::EVERY
        .iter()
        .map(|d| format!("SELECT '{}' AS dimension", d.code()))
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let dimension_value = Dimension::EVERY
        .iter()
        .map(|d| format!("WHEN '{}' THEN {}", d.code(), d.column()))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "SELECT d.dimension, l.region_level, \
         CASE WHEN l.digits = 0 THEN '' \
         ELSE COALESCE(substr(c.seller_region_code, 1, l.digits), '') END AS region_code, \
         g.grain, \
         CASE g.grain WHEN 'day' THEN c.registered_on ELSE {month} END AS period_start, \
         CASE d.dimension {dimension_value} END AS group_key, \
         COUNT(*) AS contract_count, {} AS amount_fen, {} AS technology_amount_fen, \
         {} AS commission_fen \
         FROM contracts c \
         CROSS JOIN (SELECT 'day' AS grain UNION ALL SELECT 'month') g \
         CROSS JOIN ({levels}) l CROSS JOIN ({dimensions}) d \
         WHERE c.registration_number IS NOT NULL AND c.registered_on IS NOT NULL \
         GROUP BY 1, 2, 3, 4, 5, 6",
        sum("c.amount_fen"),
        sum("c.technology_amount_fen"),
        sum(COMMISSION),
    )
}

/// Refills the sums from the contracts (inside the caller's transaction; on PostgreSQL the
/// table is locked first, so registrations committing meanwhile wait and then add on top).
/// Returns the rows written.
pub fn rebuild(conn: &mut DbConnection) -> ApiResult<usize> {
    let backend = Backend::of(conn);
    if backend == Backend::Postgres {
        Sql::new("LOCK TABLE contract_rollups IN EXCLUSIVE MODE").execute(conn)?;
    }
    Sql::new("DELETE FROM contract_rollups").execute(conn)?;
    let insert = format!("INSERT INTO contract_rollups ({COLUMNS}) {}", recount_select(backend));
    Ok(Sql::new(&insert).execute(conn)?)
}

/// One rollup row as stored or as recounted.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
struct RollupRow {
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
    contract_count: i64,
    #[diesel(sql_type = BigInt)]
    amount_fen: i64,
    #[diesel(sql_type = BigInt)]
    technology_amount_fen: i64,
    #[diesel(sql_type = BigInt)]
    commission_fen: i64,
}

type Sums = BTreeMap<(String, String, String, String, String, String), [i64; 4]>;

fn sums_of(conn: &mut DbConnection, from: &str) -> ApiResult<Sums> {
    let sql = Sql::new(&format!(
        "SELECT dimension, region_level, region_code, grain, \
         CAST(period_start AS TEXT) AS period, group_key, contract_count, amount_fen, \
         technology_amount_fen, commission_fen FROM ({from}) r"
    ));
    let rows: Vec<RollupRow> = sql.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let key = (r.dimension, r.region_level, r.region_code, r.grain, r.period, r.group_key);
            (key, [r.contract_count, r.amount_fen, r.technology_amount_fen, r.commission_fen])
        })
        .filter(|(_, sums)| sums.iter().any(|s| *s != 0))
        .collect())
}

/// Where the stored sums differ from a full recount of the contracts, one line per differing
/// row (empty when they agree).
pub fn recount_differences(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    let stored = sums_of(conn, "SELECT * FROM contract_rollups")?;
    let recounted = sums_of(conn, &recount_select(Backend::of(conn)))?;
    let mut differences = Vec::new();
    for key in stored.keys().chain(recounted.keys().filter(|k| !stored.contains_key(*k))) {
        let (had, should) = (stored.get(key), recounted.get(key));
        if had != should {
            differences.push(format!("{key:?}: stored {had:?}, recounted {should:?}"));
        }
    }
    Ok(differences)
}

/// What the sums are read for: a dimension, or the seller's region at a level, or months.
#[derive(Debug, Clone, Copy)]
pub enum Reading {
    /// Grouped by a dimension (with [`Dimension::All`]: one group, the totals).
    By(Dimension),
    /// Grouped by the seller's region cut to this many digits (2, 4 or 6).
    Region(usize),
    /// Grouped by registration month (`YYYY-MM`).
    Month,
}

/// The first day of the month after `date`'s.
fn next_month(date: NaiveDate) -> NaiveDate {
    first_of_month(date).checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX)
}

/// A period cut into whole months (read from the month sums) and the days left at either end
/// (read from the day sums): `(grain, from, to)` ranges, open where `None`.
fn ranges(period: &Period) -> Vec<(&'static str, Option<NaiveDate>, Option<NaiveDate>)> {
    // The whole months inside the period: from the first month starting on or after `from`
    // to the last month ending on or before `to`.
    let first_month = period.from.map(|from| if from.day() == 1 { from } else { next_month(from) });
    let last_month = period.to.map(|to| {
        let start = first_of_month(to);
        if next_month(to).pred_opt() == Some(to) {
            start
        } else {
            start.checked_sub_months(Months::new(1)).unwrap_or(NaiveDate::MIN)
        }
    });
    match (first_month, last_month) {
        (Some(first), Some(last)) if first > last => vec![("day", period.from, period.to)],
        _ => {
            let mut out = vec![("month", first_month, last_month)];
            if let (Some(from), Some(first)) = (period.from, first_month)
                && from < first
            {
                out.push(("day", Some(from), first.pred_opt()));
            }
            if let (Some(to), Some(last)) = (period.to, last_month) {
                let after = next_month(last);
                if after <= to {
                    out.push(("day", Some(after), Some(to)));
                }
            }
            out
        }
    }
}

/// A group's sums: the contract figures and the intermediaries' commission.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summed {
    /// Count, 成交额, 技术交易额.
    pub figures: ContractFigures,
    /// The intermediaries' commission, in fen.
    pub commission_fen: i64,
}

/// Registered contracts of the whole market (optionally one region: a 2-, 4- or 6-digit
/// prefix of the seller's region) in a period, per group, from the sums. Groups without
/// contracts are left out; the group without a value (a seller without a region, a contract
/// without a broker) has key `None`.
pub fn load(
    conn: &mut DbConnection,
    region: Option<&str>,
    period: &Period,
    reading: Reading,
) -> ApiResult<HashMap<Option<String>, Summed>> {
    let backend = Backend::of(conn);
    let (dimension, key) = match reading {
        Reading::By(dimension) => (dimension, "r.group_key".to_string()),
        Reading::Region(_) => (Dimension::All, "r.region_code".to_string()),
        Reading::Month => (Dimension::All, backend.month_of_date("r.period_start")),
    };
    let mut sql = Sql::new(&format!(
        "SELECT {key} AS key, {} AS n, {} AS a, {} AS b, {} AS c \
         FROM contract_rollups r WHERE r.dimension = ",
        sum("r.contract_count"),
        sum("r.amount_fen"),
        sum("r.technology_amount_fen"),
        sum("r.commission_fen"),
    ));
    sql.bind(Bind::Text(dimension.code().into()));
    match reading {
        Reading::Region(digits) => {
            let level = level_of_digits(digits);
            sql.and("r.region_level = ?", vec![Bind::Text(level.into())]);
            if let Some(prefix) = region {
                let (condition, binds) = prefix_condition("r.region_code", prefix);
                sql.and(&condition, binds);
            }
        }
        _ => {
            sql.and(
                "r.region_level = ? AND r.region_code = ?",
                vec![
                    Bind::Text(level_of_prefix(region).into()),
                    Bind::Text(region.unwrap_or_default().into()),
                ],
            );
        }
    }
    let mut any_range = String::new();
    let mut binds = Vec::new();
    for (grain, from, to) in ranges(period) {
        if !any_range.is_empty() {
            any_range.push_str(" OR ");
        }
        any_range.push_str("(r.grain = ?");
        binds.push(Bind::Text(grain.into()));
        for (bound, op) in [(from, ">="), (to, "<=")] {
            if let Some(date) = bound {
                any_range.push_str(&format!(" AND r.period_start {op} ?"));
                binds.push(Bind::Date(date));
            }
        }
        any_range.push(')');
    }
    sql.and(&any_range, binds);
    sql.push(" GROUP BY 1");
    let mut out = HashMap::new();
    for row in sql.load::<Group>(conn)? {
        if row.n == 0 {
            continue;
        }
        let key = row.key.filter(|k| !k.is_empty());
        let figures =
            ContractFigures { count: row.n, amount_fen: row.a, technology_amount_fen: row.b };
        out.insert(key, Summed { figures, commission_fen: row.c });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn period(from: Option<&str>, to: Option<&str>) -> Period {
        Period { from: from.map(date), to: to.map(date) }
    }

    #[test]
    fn a_period_is_cut_into_whole_months_and_the_days_at_its_ends() {
        assert_eq!(
            ranges(&period(Some("2026-01-15"), Some("2026-04-10"))),
            [
                ("month", Some(date("2026-02-01")), Some(date("2026-03-01"))),
                ("day", Some(date("2026-01-15")), Some(date("2026-01-31"))),
                ("day", Some(date("2026-04-01")), Some(date("2026-04-10"))),
            ]
        );
        assert_eq!(
            ranges(&period(Some("2026-01-01"), Some("2026-12-31"))),
            [("month", Some(date("2026-01-01")), Some(date("2026-12-01")))]
        );
        assert_eq!(
            ranges(&period(Some("2026-03-05"), Some("2026-03-20"))),
            [("day", Some(date("2026-03-05")), Some(date("2026-03-20")))]
        );
        assert_eq!(
            ranges(&period(Some("2026-03-05"), Some("2026-04-03"))),
            [("day", Some(date("2026-03-05")), Some(date("2026-04-03")))],
            "no whole month inside"
        );
        assert_eq!(
            ranges(&period(None, Some("2026-02-28"))),
            [("month", None, Some(date("2026-02-01")))]
        );
        assert_eq!(
            ranges(&period(None, Some("2024-02-28"))),
            [
                ("month", None, Some(date("2024-01-01"))),
                ("day", Some(date("2024-02-01")), Some(date("2024-02-28"))),
            ],
            "a leap year's February ends on the 29th"
        );
        assert_eq!(ranges(&period(None, None)), [("month", None, None)]);
        assert_eq!(
            ranges(&period(Some("2026-03-02"), None)),
            [
                ("month", Some(date("2026-04-01")), None),
                ("day", Some(date("2026-03-02")), Some(date("2026-03-31"))),
            ]
        );
    }

    #[test]
    fn region_filters_read_the_sums_of_their_level() {
        assert_eq!(level_of_prefix(None), "all");
        assert_eq!(level_of_prefix(Some("33")), "province");
        assert_eq!(level_of_prefix(Some("3301")), "city");
        assert_eq!(level_of_prefix(Some("330106")), "district");
    }
}
