//! The audit log as a hash chain.
//!
//! Every entry carries a gap-free `seq`, the `hash` of the entry before it (`prev_hash`, the
//! [`GENESIS`] hash for the first) and its own `hash`: SHA-256, hex, over the canonical
//! serialization of its fields and `prev_hash` ([`entry_hash`]). Editing an entry breaks its
//! hash; recomputing the hash breaks the next entry's `prev_hash`; deleting one leaves a gap
//! in `seq`. [`verify`] walks the chain and names the first entry that does not hold.
//!
//! Appends are serialized so that "the previous entry" is well defined: SQLite's write
//! transactions (`BEGIN IMMEDIATE`) already run one at a time; on PostgreSQL the writing
//! transaction takes a transaction-scoped advisory lock ([`LOCK_KEY`]) before it reads the
//! last entry, which also orders several instances sharing one database. The unique index on
//! `seq` turns any append that slipped past the lock into an error, never a fork.

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::AuditRow;
use crate::db::schema::audit_log;
use crate::db::{DbConnection, write_transaction};

/// `prev_hash` of the first entry: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The PostgreSQL advisory-lock key that serializes appends (`"tmaudit"` in ASCII).
pub const LOCK_KEY: i64 = 0x0074_6d61_7564_6974;

/// How many entries [`verify`] and [`backfill`] read at a time.
const BATCH: i64 = 1000;

/// The hash of an entry: SHA-256 (lower-case hex) of the JSON array
/// `[seq, id, actor_id, action, entity_type, entity_id, changes, request_id, created_at,
/// prev_hash]`, `created_at` as `YYYY-MM-DDTHH:MM:SS.ffffff` (UTC, microseconds). The
/// entry's own `hash` field is not part of it.
pub fn entry_hash(row: &AuditRow, prev_hash: &str) -> String {
    let canonical = serde_json::json!([
        row.seq,
        row.id,
        row.actor_id,
        row.action,
        row.entity_type,
        row.entity_id,
        row.changes,
        row.request_id,
        row.created_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        prev_hash,
    ]);
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Takes the append lock for the rest of the current transaction (PostgreSQL; SQLite's
/// write transaction holds the database's write lock already).
fn lock(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Postgresql(_) => {
            conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// The last entry's `seq` and `hash`: one lookup on the unique index of `seq`.
fn last(conn: &mut DbConnection) -> QueryResult<Option<(i64, String)>> {
    audit_log::table
        .select((audit_log::seq, audit_log::hash))
        .order(audit_log::seq.desc())
        .first(conn)
        .optional()
}

fn in_transaction(conn: &mut DbConnection) -> QueryResult<bool> {
    let status =
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn);
    Ok(status.transaction_depth()?.is_some())
}

/// Appends `row` to the chain (its `seq`, `prev_hash` and `hash` are filled in here). Meant
/// to run inside the transaction that makes the change; outside one it opens its own write
/// transaction, so the lock is never released between reading the last entry and inserting.
pub fn append(conn: &mut DbConnection, mut row: AuditRow) -> QueryResult<()> {
    let in_transaction = in_transaction(conn)?;
    let mut work = move |conn: &mut DbConnection| -> QueryResult<()> {
        let known =
            if in_transaction { HEAD.with(|head| head.borrow().clone().flatten()) } else { None };
        let (seq, prev_hash) = match known {
            Some(head) => head,
            None => {
                lock(conn)?;
                last(conn)?.unwrap_or((0, GENESIS.to_string()))
            }
        };
        row.seq = seq + 1;
        row.hash = entry_hash(&row, &prev_hash);
        row.prev_hash = prev_hash;
        diesel::insert_into(audit_log::table).values(&row).execute(conn)?;
        if in_transaction {
            HEAD.with(|head| {
                if let Some(known) = head.borrow_mut().as_mut() {
                    *known = Some((row.seq, row.hash.clone()));
                }
            });
        }
        Ok(())
    };
    if in_transaction { work(conn) } else { write_transaction(conn, work) }
}

thread_local! {
    /// Inside [`batched`]: the chain's last entry as this thread's transaction left it, once
    /// an append has read it (`Some(None)` until then; `None` outside).
    static HEAD: std::cell::RefCell<Option<Option<(i64, String)>>> =
        const { std::cell::RefCell::new(None) };
}

/// Ends a [`batched`] scope on every way out (a panic included).
struct HeadScope;

impl Drop for HeadScope {
    fn drop(&mut self) {
        HEAD.with(|head| head.borrow_mut().take());
    }
}

/// Runs `work` — many appends inside one transaction on this thread — with the chain's head
/// remembered between appends: the first append takes the lock and reads the last entry, the
/// ones after it only insert (the transaction holds the lock, so nobody else appends
/// meanwhile). Whoever rolls back part of that transaction (a savepoint) must call
/// [`forget_head`], since the entries appended in it are gone.
pub fn batched<T>(work: impl FnOnce() -> T) -> T {
    if HEAD.with(|head| head.borrow().is_some()) {
        return work();
    }
    HEAD.with(|head| *head.borrow_mut() = Some(None));
    let _scope = HeadScope;
    work()
}

/// Inside [`batched`]: forgets the remembered head, so that the next append reads it again.
pub fn forget_head() {
    HEAD.with(|head| {
        if let Some(known) = head.borrow_mut().as_mut() {
            *known = None;
        }
    });
}

fn batch_from(conn: &mut DbConnection, from_seq: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .filter(audit_log::seq.ge(from_seq))
        .order(audit_log::seq.asc())
        .limit(BATCH)
        .select(AuditRow::as_select())
        .load(conn)
}

/// Chains the entries written before the chain existed (an empty `hash`, as the migration
/// leaves them), from the first such entry on; returns how many were hashed. Runs after the
/// migrations, so a database upgraded from before the chain is whole on first start.
pub fn backfill(conn: &mut DbConnection) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        lock(conn)?;
        let first: Option<i64> = audit_log::table
            .filter(audit_log::hash.eq(""))
            .select(diesel::dsl::min(audit_log::seq))
            .first(conn)?;
        let Some(start) = first else {
            return Ok(0);
        };
        let mut prev_hash: String = audit_log::table
            .filter(audit_log::seq.eq(start - 1))
            .select(audit_log::hash)
            .first(conn)
            .optional()?
            .unwrap_or_else(|| GENESIS.to_string());
        let mut next = start;
        let mut hashed = 0;
        loop {
            let rows = batch_from(conn, next)?;
            let Some(last_row) = rows.last() else {
                break;
            };
            next = last_row.seq + 1;
            for row in rows {
                let hash = entry_hash(&row, &prev_hash);
                diesel::update(audit_log::table.filter(audit_log::id.eq(&row.id)))
                    .set((audit_log::prev_hash.eq(&prev_hash), audit_log::hash.eq(&hash)))
                    .execute(conn)?;
                prev_hash = hash;
                hashed += 1;
            }
        }
        Ok(hashed)
    })
}

/// Why the chain does not hold at an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// The entry's fields no longer give its hash: it was edited.
    Altered {
        /// Its position.
        seq: i64,
        /// Its id.
        id: String,
    },
    /// The entry's `prev_hash` is not the previous entry's hash: the previous one was
    /// edited and re-hashed, or replaced.
    Relinked {
        /// Its position.
        seq: i64,
        /// Its id.
        id: String,
    },
    /// No entry has this position: it was deleted (`next` is the position found instead, if
    /// any entry follows).
    Missing {
        /// The missing position.
        seq: i64,
        /// The next position present.
        next: i64,
    },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Altered { seq, id } => {
                write!(f, "entry {seq} ({id}) was altered: its fields no longer give its hash")
            }
            Break::Relinked { seq, id } => write!(
                f,
                "entry {seq} ({id}) does not follow entry {}: its prev_hash is not that entry's hash (entry {} was altered or replaced)",
                seq - 1,
                seq - 1
            ),
            Break::Missing { seq, next } => {
                write!(f, "entry {seq} is missing (deleted): the chain jumps to entry {next}")
            }
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked before the first break (all of them when the chain holds).
    pub entries: u64,
    /// The first break, if any.
    pub first_break: Option<Break>,
}

/// Walks the chain from the first entry and stops at the first one that does not hold.
/// Deleting the newest entries cannot be told from never having written them: the chain
/// proves what it holds, and an outside copy of the last hash anchors its end.
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verification> {
    let mut expected = 1;
    let mut prev_hash = GENESIS.to_string();
    let mut entries = 0;
    loop {
        let rows = batch_from(conn, expected)?;
        if rows.is_empty() {
            return Ok(Verification { entries, first_break: None });
        }
        for row in rows {
            let first_break = if row.seq != expected {
                Some(Break::Missing { seq: expected, next: row.seq })
            } else if row.prev_hash != prev_hash {
                Some(Break::Relinked { seq: row.seq, id: row.id.clone() })
            } else if entry_hash(&row, &prev_hash) != row.hash {
                Some(Break::Altered { seq: row.seq, id: row.id.clone() })
            } else {
                None
            };
            if first_break.is_some() {
                return Ok(Verification { entries, first_break });
            }
            entries += 1;
            expected += 1;
            prev_hash = row.hash;
        }
    }
}
