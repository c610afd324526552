//! "This column is one of these ids" as a filter whose SQL does not depend on how many ids
//! there are.
//!
//! Diesel writes `eq_any` on SQLite as `IN (?, ?, …)`: a different statement for every count,
//! which it never keeps in its statement cache, so every call parsed and planned its statement
//! anew — for the hundred candidates of a match, about a tenth of the match. On SQLite the ids
//! travel here as one JSON array read by `json_each`, one statement whatever their number,
//! prepared once per connection. PostgreSQL keeps diesel's `= ANY($1)`, one statement already.

use diesel::backend::Backend;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::expression::{BoxableExpression, is_aggregate};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Text};

use super::{DbConnection, MultiBackend};

/// A boolean filter over the query source `QS`, as `.filter(..)` takes it.
pub type IdFilter<QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool>>;

/// `column` is one of `ids`, written so that the statement is the same for any number of ids
/// on either backend.
pub fn one_of<QS, C, I>(conn: &DbConnection, column: C, ids: I) -> IdFilter<QS>
where
    C: Expression<SqlType = Text>
        + ExpressionMethods
        + AppearsOnTable<QS>
        + SelectableExpression<QS>
        + ValidGrouping<(), IsAggregate = is_aggregate::No>
        + QueryFragment<MultiBackend>
        + Send
        + 'static,
    I: IntoIterator,
    I::Item: AsRef<str>,
    diesel::dsl::EqAny<C, Vec<String>>:
        BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'static,
{
    let ids: Vec<String> = ids.into_iter().map(|id| id.as_ref().to_owned()).collect();
    match conn {
        DbConnection::Sqlite(_) => Box::new(InJsonArray {
            column,
            // A list of strings always serializes.
            ids: serde_json::Value::from(ids).to_string(),
        }),
        DbConnection::Postgresql(_) => Box::new(column.eq_any(ids)),
    }
}

/// `column IN (SELECT value FROM json_each(?))`, SQLite's form of [`one_of`].
#[derive(Debug, Clone)]
struct InJsonArray<C> {
    column: C,
    /// The ids as a JSON array of strings.
    ids: String,
}

impl<C: Expression> Expression for InJsonArray<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InJsonArray<C> where C: AppearsOnTable<QS> {}

impl<C, QS> SelectableExpression<QS> for InJsonArray<C> where C: SelectableExpression<QS> {}

impl<C> ValidGrouping<()> for InJsonArray<C> {
    type IsAggregate = is_aggregate::No;
}

impl<C> QueryId for InJsonArray<C> {
    type QueryId = ();
    // Cached by its SQL, which does not change with the ids.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<C, DB> QueryFragment<DB> for InJsonArray<C>
where
    DB: Backend + diesel::sql_types::HasSqlType<Text>,
    C: QueryFragment<DB>,
    String: diesel::serialize::ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, String>(&self.ids)?;
        out.push_sql("))");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};

    use super::*;

    diesel::table! {
        things (id) {
            id -> Text,
        }
    }

    /// Counts the statements the connection prepares and keeps.
    #[derive(Default, Clone)]
    struct CachedStatements(Arc<Mutex<Vec<String>>>);

    impl Instrumentation for CachedStatements {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                self.0.lock().expect("not poisoned").push(sql.to_owned());
            }
        }
    }

    #[test]
    fn finds_exactly_the_ids_with_one_cached_statement_whatever_their_number() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("t.db");
        let mut conn = DbConnection::establish(&path.to_string_lossy()).expect("a connection");
        conn.batch_execute(
            "CREATE TABLE things (id TEXT PRIMARY KEY);
             INSERT INTO things VALUES ('a'), ('b'), ('c'), ('d''quote'), ('e\"');",
        )
        .expect("the table");
        let cached = CachedStatements::default();
        conn.set_instrumentation(cached.clone());
        let mut find = |wanted: &[&str]| -> Vec<String> {
            let filter = one_of(&conn, things::id, wanted);
            things::table
                .filter(filter)
                .select(things::id)
                .order(things::id)
                .load(&mut conn)
                .expect("the query")
        };
        assert_eq!(find(&[]), Vec::<String>::new());
        assert_eq!(find(&["b"]), ["b"]);
        assert_eq!(find(&["c", "a", "zz", "a"]), ["a", "c"]);
        assert_eq!(find(&["d'quote", "e\""]), ["d'quote", "e\""]);
        let statements = cached.0.lock().expect("not poisoned").clone();
        assert_eq!(statements.len(), 1, "one statement for every count of ids: {statements:?}");
        assert!(statements[0].contains("json_each"), "{}", statements[0]);
    }
}
