//! Records whose counted facts live in several tables or change with other records (listings,
//! deals): what each record last added to the sums is kept in `stat_facts`, so a change takes
//! that back and adds what the record is now, however the change came about.

use std::collections::HashMap;

use diesel::sql_types::Text;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::sql::{Bind, Sql};
use super::Deltas;
use crate::db::DbConnection;
use crate::error::ApiResult;

/// Which records to read the facts of.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    /// These records (their rows locked on PostgreSQL, so concurrent changes move the sums one
    /// after the other).
    Ids(&'a [String]),
    /// The next page of every record after this id, in id order.
    After(Option<&'a str>, i64),
}

impl Which<'_> {
    /// Appends the condition (` AND …`) and, for a page, the order and limit to a query whose
    /// record id column is `id_column`; `lock` names the table alias locked on PostgreSQL.
    pub fn restrict(&self, sql: &mut Sql, id_column: &str, lock: &str, postgres: bool) {
        match *self {
            Which::Ids(ids) => {
                sql.and_in(id_column, ids.iter().map(|id| Bind::Text(id.clone())).collect());
                if postgres {
                    sql.push(&format!(" FOR UPDATE OF {lock}"));
                }
            }
            Which::After(after, limit) => {
                if let Some(after) = after {
                    sql.and(&format!("{id_column} > ?"), vec![Bind::Text(after.into())]);
                }
                sql.push(&format!(" ORDER BY {id_column} LIMIT ")).bind(Bind::BigInt(limit));
            }
        }
    }
}

/// A kind of record counted from its facts.
pub trait Source {
    /// Its kind in `stat_facts`.
    const KIND: &'static str;
    /// What a record counts by.
    type Facts: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug;

    /// The facts of these records, leaving out records that count nowhere.
    fn load(conn: &mut DbConnection, which: Which<'_>) -> ApiResult<Vec<(String, Self::Facts)>>;

    /// What a record with these facts adds to the sums, times `sign`.
    fn contributions(facts: &Self::Facts, sign: i64, into: &mut Deltas);
}

#[derive(Debug, diesel::QueryableByName)]
struct StoredRow {
    #[diesel(sql_type = Text)]
    record_id: String,
    #[diesel(sql_type = Text)]
    facts: String,
}

fn parse<S: Source>(row: StoredRow) -> Option<(String, S::Facts)> {
    match serde_json::from_str(&row.facts) {
        Ok(facts) => Some((row.record_id, facts)),
        Err(error) => {
            tracing::warn!(%error, kind = S::KIND, id = %row.record_id, "unreadable stat facts");
            None
        }
    }
}

/// The facts stored for these records (or for every record of the kind).
fn stored<S: Source>(
    conn: &mut DbConnection,
    ids: Option<&[String]>,
) -> ApiResult<HashMap<String, S::Facts>> {
    let mut sql = Sql::new("SELECT record_id, facts FROM stat_facts WHERE kind = ");
    sql.bind(Bind::Text(S::KIND.into()));
    if let Some(ids) = ids {
        sql.and_in("record_id", ids.iter().map(|id| Bind::Text(id.clone())).collect());
    }
    Ok(sql.load::<StoredRow>(conn)?.into_iter().filter_map(parse::<S>).collect())
}

fn store<S: Source>(conn: &mut DbConnection, rows: &[(String, S::Facts)]) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO stat_facts (kind, record_id, facts) VALUES ");
    for (i, (id, facts)) in rows.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(Bind::Text(S::KIND.into()))
            .push(", ")
            .bind(Bind::Text(id.clone()))
            .push(", ")
            .bind(Bind::Text(serde_json::to_string(facts)?))
            .push(")");
    }
    sql.push(" ON CONFLICT (kind, record_id) DO UPDATE SET facts = excluded.facts");
    sql.execute(conn)?;
    Ok(())
}

/// Moves the sums of these records from what they last added to what they are now, inside the
/// caller's transaction, after the records' rows are written.
pub fn sync<S: Source>(conn: &mut DbConnection, ids: &[String]) -> ApiResult<()> {
    for chunk in ids.chunks(300) {
        let now: HashMap<String, S::Facts> =
            S::load(conn, Which::Ids(chunk))?.into_iter().collect();
        let before = stored::<S>(conn, Some(chunk))?;
        let mut deltas = Deltas::default();
        let (mut changed, mut gone) = (Vec::new(), Vec::new());
        for id in chunk {
            let (had, has) = (before.get(id), now.get(id));
            if had == has {
                continue;
            }
            if let Some(had) = had {
                S::contributions(had, -1, &mut deltas);
            }
            match has {
                Some(has) => {
                    S::contributions(has, 1, &mut deltas);
                    changed.push(id.clone());
                }
                None => gone.push(Bind::Text(id.clone())),
            }
        }
        if !gone.is_empty() {
            let mut delete = Sql::new("DELETE FROM stat_facts WHERE kind = ");
            delete.bind(Bind::Text(S::KIND.into())).and_in("record_id", gone).execute(conn)?;
        }
        let mut now = now;
        let rows: Vec<(String, S::Facts)> =
            changed.into_iter().filter_map(|id| now.remove(&id).map(|f| (id, f))).collect();
        store::<S>(conn, &rows)?;
        deltas.write(conn)?;
    }
    Ok(())
}

/// Page size of a full pass over a kind's records.
const PAGE: i64 = 2_000;

/// Calls `each` with every page of the kind's records and their facts.
fn every_page<S: Source>(
    conn: &mut DbConnection,
    mut each: impl FnMut(&mut DbConnection, Vec<(String, S::Facts)>) -> ApiResult<()>,
) -> ApiResult<()> {
    let mut after: Option<String> = None;
    loop {
        let page = S::load(conn, Which::After(after.as_deref(), PAGE))?;
        let Some((last, _)) = page.last() else {
            return Ok(());
        };
        after = Some(last.clone());
        each(conn, page)?;
    }
}

/// Stores the facts of every record of the kind and adds them to the sums (both emptied by the
/// caller); returns the sums written.
pub fn rebuild<S: Source>(conn: &mut DbConnection) -> ApiResult<usize> {
    let mut deltas = Deltas::default();
    every_page::<S>(conn, |conn, page| {
        for (_, facts) in &page {
            S::contributions(facts, 1, &mut deltas);
        }
        page.chunks(200).try_for_each(|rows| store::<S>(conn, rows))
    })?;
    deltas.write(conn)
}

/// Adds every record's facts to `into` and notes each stored fact that differs from the
/// record as it is now.
pub fn recount<S: Source>(
    conn: &mut DbConnection,
    into: &mut Deltas,
    differences: &mut Vec<String>,
) -> ApiResult<()> {
    let mut kept = stored::<S>(conn, None)?;
    every_page::<S>(conn, |_, page| {
        for (id, facts) in page {
            S::contributions(&facts, 1, into);
            match kept.remove(&id) {
                Some(had) if had == facts => {}
                had => differences
                    .push(format!("{} {id}: stored facts {had:?}, now {facts:?}", S::KIND)),
            }
        }
        Ok(())
    })?;
    for (id, had) in kept {
        differences.push(format!("{} {id}: stored facts {had:?}, counts nowhere now", S::KIND));
    }
    Ok(())
}
