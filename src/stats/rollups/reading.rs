//! Reading the sums: a period cut into whole months and the days at its ends, each family's
//! groups by dimension, region level or month.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::Text;

use super::{first_of_month, level_of_digits, level_of_prefix};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::stats::params::{Filter, Period};
use crate::stats::sql::{Backend, Bind, Group, Sql, prefix_condition, sum};

/// What the sums are read for: a dimension's groups, or regions at a level, or months.
#[derive(Debug, Clone, Copy)]
pub enum Reading {
    /// Grouped by a dimension (with [`ALL`]: one group, the totals).
    By(&'static str),
    /// Grouped by the region cut to this many digits (2, 4 or 6).
    Region(usize),
    /// Grouped by month (`YYYY-MM`).
    Month,
}

/// The dimension without grouping: the totals.
pub const ALL: &str = "all";

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

/// One group of a family's sums, as [`load`] reads it.
#[derive(Debug, Clone, QueryableByName)]
struct FamilyGroup {
    #[diesel(sql_type = Text)]
    family: String,
    #[diesel(embed)]
    group: Group,
}

/// Groups read from the sums: `(family, group key)` → `[n, a, b, c]`; the group without a
/// value (a record without a region or a dimension's value) has key `None`.
pub type Loaded = HashMap<(String, Option<String>), [i64; 4]>;

/// The sums of these families for the whole market (optionally one region: a 2-, 4- or 6-digit
/// prefix) in a period, per family and group. Groups that count nothing are left out.
pub fn load(
    conn: &mut DbConnection,
    families: &[&str],
    region: Option<&str>,
    period: &Period,
    reading: Reading,
) -> ApiResult<Loaded> {
    let backend = Backend::of(conn);
    let (dimension, key) = match reading {
        Reading::By(dimension) => (dimension, "r.group_key".to_string()),
        Reading::Region(_) => (ALL, "r.region_code".to_string()),
        Reading::Month => (ALL, backend.month_of_date("r.period_start")),
    };
    let mut sql = Sql::new(&format!(
        "SELECT r.family, {key} AS key, {} AS n, {} AS a, {} AS b, {} AS c \
         FROM stat_sums r WHERE r.dimension = ",
        sum("r.n"),
        sum("r.a"),
        sum("r.b"),
        sum("r.c"),
    ));
    sql.bind(Bind::Text(dimension.into()));
    sql.and_in("r.family", families.iter().map(|f| Bind::Text((*f).into())).collect());
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
    sql.push(" GROUP BY 1, 2");
    let mut out = HashMap::new();
    for FamilyGroup { family, group } in sql.load::<FamilyGroup>(conn)? {
        if group.n == 0 {
            continue;
        }
        let key = group.key.filter(|k| !k.is_empty());
        out.insert((family, key), [group.n, group.a, group.b, group.c]);
    }
    Ok(out)
}

/// [`load`] for a statistics filter (its period and region), as `(family, group)` pairs.
pub fn groups(
    conn: &mut DbConnection,
    families: &[&str],
    filter: &Filter,
    reading: Reading,
) -> ApiResult<Vec<(String, Group)>> {
    Ok(load(conn, families, filter.region.as_deref(), &filter.period, reading)?
        .into_iter()
        .map(|((family, key), [n, a, b, c])| (family, Group { key, n, a, b, c }))
        .collect())
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
}
