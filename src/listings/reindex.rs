//! Keeping the search index in step with the database.

use anyhow::Context;
use diesel::prelude::*;

use crate::db::DbConnection;
use std::sync::Arc;

use crate::db::schema::{audit_log, listings};
use crate::error::{ApiError, ApiResult};
use crate::listings::Library;
use crate::listings::record::RecordLibrary;
use crate::listings::registry::{ForKind, with_kind};
use crate::matching::engine::MatchingState;
use crate::search::SearchDoc;
use crate::search::SearchIndex;

/// Rebuilds the whole index from the database; returns the number of documents.
pub fn rebuild(conn: &mut DbConnection, search: &SearchIndex) -> anyhow::Result<usize> {
    let mut docs = Vec::new();
    for &library in Library::ALL {
        docs.extend(with_kind(library, AllDocs { conn })?);
    }
    search.clear().context("clearing the search index")?;
    for chunk in docs.chunks(5000) {
        search.upsert_many(chunk).context("writing the search index")?;
    }
    Ok(docs.len())
}

/// At start: rebuilds when the index is new, incompatible or holds another number of records
/// than the database.
pub fn catch_up(conn: &mut DbConnection, search: &SearchIndex) -> anyhow::Result<bool> {
    let in_db: i64 = listings::table.count().get_result(conn)?;
    let in_index = i64::try_from(search.doc_count()).unwrap_or(i64::MAX);
    if search.needs_rebuild() || in_db != in_index {
        let count = rebuild(conn, search)?;
        tracing::info!(documents = count, "search index rebuilt from the database");
        return Ok(true);
    }
    Ok(false)
}

/// The current search document of a record, or `None` when it no longer exists.
pub fn doc_for(
    conn: &mut DbConnection,
    library: Library,
    id: &str,
) -> ApiResult<Option<SearchDoc>> {
    let found = with_kind(library, DocOf { conn, id });
    match found {
        Ok(doc) => Ok(Some(doc)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The service provider profiles of an organization (their documents carry its verification).
pub fn provider_profiles(
    conn: &mut DbConnection,
    org_id: &str,
) -> ApiResult<Vec<(Library, String)>> {
    let ids: Vec<String> = listings::table
        .filter(listings::org_id.eq(org_id))
        .filter(listings::library.eq(Library::ServiceProviders.as_str()))
        .select(listings::id)
        .load(conn)?;
    Ok(ids.into_iter().map(|id| (Library::ServiceProviders, id)).collect())
}

/// The audit entity of organizations: their verification is part of their profiles' documents.
const ORGANIZATION_ENTITY: &str = "organization";

/// How far before its checkpoint a starting feed looks, for transactions that committed late.
pub const FEED_WINDOW_SECS: i64 = 120;
/// How often each instance reads the change feed.
pub const FEED_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Follows the audit log — every write of every instance lands there in its transaction — and
/// brings this instance's search index and vocabularies up to date with other instances'
/// writes. Idempotent: re-reading one's own writes only re-indexes them.
///
/// Entries become visible in the order of their `seq`: an append holds the chain's lock until
/// its transaction commits (see [`crate::audit::chain`]), so once an entry is seen every entry
/// before it is committed. The first poll therefore reads by time, from the checkpoint less
/// [`FEED_WINDOW_SECS`], and every later poll reads only the entries after the last one read
/// (a seek on `(entity_type, seq)`), however many the log holds. A feed resumed from a
/// [`Checkpoint`] that names the last entry read starts after it: a restart does not re-read
/// the window (after a bulk import, tens of thousands of records re-indexed on every start).
pub struct ChangeFeed {
    /// The newest entry time read: the checkpoint a restarted instance starts from.
    since: chrono::NaiveDateTime,
    /// The newest entry read (after the first poll).
    last_seq: Option<i64>,
}

impl ChangeFeed {
    /// A feed starting now (the start-up catch-up covers what came before).
    pub fn new() -> ChangeFeed {
        ChangeFeed::starting_at(crate::db::now())
    }

    /// A feed replaying the changes since a time (edits made while this instance was down), the
    /// window before it included.
    pub fn starting_at(since: chrono::NaiveDateTime) -> ChangeFeed {
        ChangeFeed { since, last_seq: None }
    }

    /// A feed resuming where a checkpoint says an earlier one stopped: after its last entry
    /// read, or from its time when the checkpoint names no entry.
    pub fn resuming(checkpoint: Checkpoint) -> ChangeFeed {
        ChangeFeed { since: checkpoint.since, last_seq: checkpoint.seq }
    }

    /// How far the feed has read.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint { since: self.since, seq: self.last_seq }
    }

    /// Applies the changes since the last poll; returns how many records were refreshed.
    pub fn poll(
        &mut self,
        conn: &mut DbConnection,
        search: &SearchIndex,
        matching: &MatchingState,
    ) -> anyhow::Result<usize> {
        let mut entities: Vec<&str> = Library::ALL.iter().map(|l| l.entity()).collect();
        entities.push(ORGANIZATION_ENTITY);
        let followed = audit_log::table
            .filter(audit_log::entity_type.eq_any(entities))
            .select((
                audit_log::seq,
                audit_log::entity_type,
                audit_log::entity_id,
                audit_log::created_at,
            ))
            .order(audit_log::seq.asc())
            .into_boxed();
        let rows: Vec<(i64, String, String, chrono::NaiveDateTime)> = match self.last_seq {
            Some(last) => followed.filter(audit_log::seq.gt(last)).load(conn)?,
            None => {
                // Everything up to the log's end as of now counts as read, whatever its kind.
                let end: Option<i64> =
                    audit_log::table.select(diesel::dsl::max(audit_log::seq)).first(conn)?;
                self.last_seq = Some(end.unwrap_or(0));
                let from = self.since - chrono::Duration::seconds(FEED_WINDOW_SECS);
                followed.filter(audit_log::created_at.ge(from)).load(conn)?
            }
        };
        let mut changed: Vec<(Library, String)> = Vec::new();
        let mut listed: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (seq, entity_type, entity_id, created_at) in rows {
            self.last_seq = self.last_seq.max(Some(seq));
            self.since = self.since.max(created_at);
            let records = match Library::ALL.iter().find(|l| l.entity() == entity_type) {
                Some(library) => vec![(*library, entity_id)],
                None => provider_profiles(conn, &entity_id)?,
            };
            for (library, id) in records {
                if listed.insert(id.clone()) {
                    changed.push((library, id));
                }
            }
        }
        let mut docs = Vec::new();
        for (library, id) in &changed {
            match doc_for(conn, *library, id)? {
                Some(doc) => docs.push(doc),
                None => {
                    matching.remove(id);
                    search.delete(id).context("removing from the search index")?;
                }
            }
        }
        if !docs.is_empty() {
            matching.upsert(&docs);
            search.upsert_many(&docs).context("writing the search index")?;
        }
        Ok(changed.len())
    }
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed::new()
    }
}

/// The file holding how far an instance's index has followed the change feed.
pub const CHECKPOINT_FILE: &str = "index-feed-checkpoint";

/// How far an instance's index has followed the change feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The newest entry time read.
    pub since: chrono::NaiveDateTime,
    /// The `seq` of the newest audit entry read (`None` in a checkpoint written before it was
    /// kept: the feed then reads from the time, less the window).
    pub seq: Option<i64>,
}

impl Checkpoint {
    /// The file's text: microseconds since the epoch, then the entry's `seq` when known.
    fn to_text(self) -> String {
        let micros = self.since.and_utc().timestamp_micros();
        match self.seq {
            Some(seq) => format!("{micros} {seq}"),
            None => micros.to_string(),
        }
    }

    /// A checkpoint read back from [`Checkpoint::to_text`].
    fn parse(text: &str) -> Option<Checkpoint> {
        let mut parts = text.split_whitespace();
        let micros: i64 = parts.next()?.parse().ok()?;
        let since = chrono::DateTime::from_timestamp_micros(micros)?.naive_utc();
        let seq = match parts.next() {
            Some(seq) => Some(seq.parse().ok()?),
            None => None,
        };
        Some(Checkpoint { since, seq })
    }
}

/// Reads a feed checkpoint.
pub fn read_checkpoint(path: &std::path::Path) -> Option<Checkpoint> {
    Checkpoint::parse(&std::fs::read_to_string(path).ok()?)
}

fn write_checkpoint(path: &std::path::Path, checkpoint: Checkpoint) {
    if let Err(error) = std::fs::write(path, checkpoint.to_text()) {
        tracing::warn!(%error, path = %path.display(), "cannot write the change-feed checkpoint");
    }
}

/// Runs the change feed every [`FEED_INTERVAL`] on a blocking thread, resuming from `start`
/// (the last checkpoint, so that edits made while the instance was down reach its index) and
/// recording its progress in `checkpoint`.
pub fn spawn_change_feed(
    db: crate::db::Db,
    search: SearchIndex,
    matching: Arc<MatchingState>,
    start: Checkpoint,
    checkpoint: std::path::PathBuf,
) {
    tokio::spawn(async move {
        let feed = Arc::new(std::sync::Mutex::new(ChangeFeed::resuming(start)));
        let mut interval = tokio::time::interval(FEED_INTERVAL);
        loop {
            interval.tick().await;
            let (db, search, matching, feed) =
                (db.clone(), search.clone(), matching.clone(), feed.clone());
            let checkpoint = checkpoint.clone();
            let polled = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut conn = db.get()?;
                let mut feed =
                    feed.lock().map_err(|_| anyhow::anyhow!("change feed lock poisoned"))?;
                let before = feed.checkpoint();
                let changed = feed.poll(&mut conn, &search, &matching)?;
                if feed.checkpoint() != before {
                    write_checkpoint(&checkpoint, feed.checkpoint());
                }
                Ok(changed)
            })
            .await;
            match polled {
                Ok(Ok(_)) => {}
                Ok(Err(error)) => tracing::warn!(?error, "change feed poll failed"),
                Err(error) => tracing::warn!(%error, "change feed task failed"),
            }
        }
    });
}

/// Every search document of a kind.
struct AllDocs<'a> {
    conn: &'a mut DbConnection,
}

impl ForKind for AllDocs<'_> {
    type Output = ApiResult<Vec<SearchDoc>>;

    fn run<L: RecordLibrary + 'static>(self) -> Self::Output {
        L::all_search_docs(self.conn)
    }
}

/// The search document of one record of a kind.
struct DocOf<'a> {
    conn: &'a mut DbConnection,
    id: &'a str,
}

impl ForKind for DocOf<'_> {
    type Output = ApiResult<SearchDoc>;

    fn run<L: RecordLibrary + 'static>(self) -> Self::Output {
        let (listing, row) = L::find(self.conn, self.id)?;
        Ok(L::search_doc(&listing, &row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_keeps_its_time_and_entry_and_reads_the_older_form() {
        let since = chrono::DateTime::from_timestamp_micros(1_765_000_000_123_456)
            .map(|t| t.naive_utc())
            .expect("a time");
        let full = Checkpoint { since, seq: Some(42) };
        assert_eq!(full.to_text(), "1765000000123456 42");
        assert_eq!(Checkpoint::parse(&full.to_text()), Some(full));
        let older = Checkpoint::parse("1765000000123456\n").expect("the time-only form");
        assert_eq!(older, Checkpoint { since, seq: None });
        assert_eq!(Checkpoint::parse("soon"), None);
        assert_eq!(Checkpoint::parse("1765000000123456 x"), None);
        assert_eq!(ChangeFeed::resuming(full).checkpoint(), full);
    }
}
