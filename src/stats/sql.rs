//! The few lines of raw SQL the figures need: aggregate queries written once, rendered for
//! either backend (placeholders and the date expressions differ), with their parameters bound
//! at run time.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{BigInt, Date, Text, Timestamp};
use diesel::sqlite::Sqlite;

use crate::db::DbConnection;

/// The database a query is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend behind a connection.
    pub fn of(conn: &DbConnection) -> Backend {
        match conn {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Postgresql(_) => Backend::Postgres,
        }
    }

    /// `YYYY-MM` of a DATE column.
    pub fn month_of_date(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("substr({column}, 1, 7)"),
            Backend::Postgres => format!("to_char({column}, 'YYYY-MM')"),
        }
    }

    /// ` INDEXED BY <index>` on SQLite, whose planner (without statistics, on purpose: see
    /// [`crate::db::analyze`]) would otherwise read the wide rows through a narrower index;
    /// nothing on PostgreSQL, whose planner has statistics.
    pub fn indexed_by(self, index: &str) -> String {
        match self {
            Backend::Sqlite => format!(" INDEXED BY {index}"),
            Backend::Postgres => String::new(),
        }
    }

    /// `FROM listings l` through the covering index of published listings.
    pub fn listings(self) -> String {
        format!("listings l{}", self.indexed_by("listings_published_idx"))
    }

    /// `YYYY-MM` of a TIMESTAMP column (stored in UTC) on China's calendar (UTC+8).
    pub fn month_of_timestamp(self, column: &str) -> String {
        match self {
            Backend::Sqlite => format!("strftime('%Y-%m', {column}, '+8 hours')"),
            Backend::Postgres => format!("to_char({column} + INTERVAL '8 hours', 'YYYY-MM')"),
        }
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
pub enum Bind {
    /// TEXT.
    Text(String),
    /// BIGINT.
    BigInt(i64),
    /// DATE.
    Date(NaiveDate),
    /// TIMESTAMP.
    Timestamp(NaiveDateTime),
}

/// A query under construction: text with `?` placeholders and their values, in order.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    /// A query starting with this text.
    pub fn new(text: &str) -> Sql {
        Sql { text: text.to_string(), binds: Vec::new() }
    }

    /// Appends text (which must not contain `?`: values are always bound).
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Sql {
        self.text.push('?');
        self.binds.push(value);
        self
    }

    /// Appends `AND (<condition>)` where every `?` in `condition` takes the next of `values`.
    pub fn and(&mut self, condition: &str, values: Vec<Bind>) -> &mut Sql {
        debug_assert_eq!(condition.matches('?').count(), values.len());
        self.text.push_str(" AND (");
        self.text.push_str(condition);
        self.text.push(')');
        self.binds.extend(values);
        self
    }

    /// Appends `AND <column> IN (?, …)` with one placeholder per value.
    pub fn and_in(&mut self, column: &str, values: Vec<Bind>) -> &mut Sql {
        let placeholders = vec!["?"; values.len()].join(", ");
        self.and(&format!("{column} IN ({placeholders})"), values)
    }

    /// The text as the backend wants it: PostgreSQL numbers its placeholders.
    fn render(&self, backend: Backend) -> String {
        match backend {
            Backend::Sqlite => self.text.clone(),
            Backend::Postgres => {
                let mut out = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for c in self.text.chars() {
                    if c == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub fn execute(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let text = self.render(Backend::of(conn));
        match conn {
            DbConnection::Sqlite(inner) => {
                let query = diesel::sql_query(text).into_boxed::<Sqlite>();
                bind_all(query, &self.binds).execute(inner)
            }
            DbConnection::Postgresql(inner) => {
                let query = diesel::sql_query(text).into_boxed::<Pg>();
                bind_all(query, &self.binds).execute(inner)
            }
        }
    }

    /// Runs the query and reads its rows.
    pub fn load<R>(&self, conn: &mut DbConnection) -> QueryResult<Vec<R>>
    where
        R: QueryableByName<Sqlite> + QueryableByName<Pg> + 'static,
    {
        let backend = Backend::of(conn);
        let text = self.render(backend);
        match conn {
            DbConnection::Sqlite(inner) => {
                let query = diesel::sql_query(text).into_boxed::<Sqlite>();
                bind_all(query, &self.binds).load(inner)
            }
            DbConnection::Postgresql(inner) => {
                let query = diesel::sql_query(text).into_boxed::<Pg>();
                bind_all(query, &self.binds).load(inner)
            }
        }
    }
}

fn bind_all<'f, DB>(
    mut query: BoxedSqlQuery<'f, DB, diesel::query_builder::SqlQuery>,
    binds: &[Bind],
) -> BoxedSqlQuery<'f, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<Text>,
    DB: diesel::sql_types::HasSqlType<BigInt>
        + diesel::sql_types::HasSqlType<Date>
        + diesel::sql_types::HasSqlType<Timestamp>,
    String: diesel::serialize::ToSql<Text, DB>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    NaiveDate: diesel::serialize::ToSql<Date, DB>,
    NaiveDateTime: diesel::serialize::ToSql<Timestamp, DB>,
{
    for bind in binds {
        query = match bind.clone() {
            Bind::Text(value) => query.bind::<Text, _>(value),
            Bind::BigInt(value) => query.bind::<BigInt, _>(value),
            Bind::Date(value) => query.bind::<Date, _>(value),
            Bind::Timestamp(value) => query.bind::<Timestamp, _>(value),
        };
    }
    query
}

/// One aggregated group: a key, a count and two sums (zero when not asked for).
#[derive(Debug, Clone, QueryableByName)]
pub struct Group {
    /// The group's key (`NULL` for rows without one).
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub key: Option<String>,
    /// Rows in the group.
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// First sum.
    #[diesel(sql_type = BigInt)]
    pub a: i64,
    /// Second sum.
    #[diesel(sql_type = BigInt)]
    pub b: i64,
    /// Third sum.
    #[diesel(sql_type = BigInt)]
    pub c: i64,
}

/// `COALESCE(CAST(SUM(expr) AS BIGINT), 0)`: PostgreSQL sums BIGINT as NUMERIC.
pub fn sum(expr: &str) -> String {
    format!("COALESCE(CAST(SUM({expr}) AS BIGINT), 0)")
}

/// The condition that `column` starts with the bound prefix (GB/T 2260 roll-up).
pub fn prefix_condition(column: &str, prefix: &str) -> (String, Vec<Bind>) {
    (format!("substr({column}, 1, {}) = ?", prefix.len()), vec![Bind::Text(prefix.to_string())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_placeholders_are_numbered() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(Bind::BigInt(1)).and("b = ? OR c = ?", vec![Bind::BigInt(2), Bind::BigInt(3)]);
        assert_eq!(sql.render(Backend::Postgres), "SELECT 1 WHERE a = $1 AND (b = $2 OR c = $3)");
        assert_eq!(sql.render(Backend::Sqlite), "SELECT 1 WHERE a = ? AND (b = ? OR c = ?)");
    }
}
