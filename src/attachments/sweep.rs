//! The sweep of unattached uploads: an upload no record links to is removed a day after it was
//! made, with its blob when no other upload shares the bytes. Every instance runs the sweep;
//! each upload is claimed once — on PostgreSQL the due rows are taken `FOR UPDATE SKIP
//! LOCKED` (and [`attach`](super::links::attach) locks the rows it links, so a file being
//! attached is skipped), on SQLite write transactions run one at a time — and deleted in the
//! claiming transaction, so two instances never delete the same upload.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::ENTITY;
use super::model::AttachmentRow;
use super::storage::Storage;
use super::upload::release_if_unused;
use crate::audit::{self, Actor};
use crate::db::schema::{attachment_links, attachments};
use crate::db::{Db, DbConnection};
use crate::error::ApiResult;

/// How long an unattached upload is kept.
pub const UNATTACHED_TTL: chrono::Duration = chrono::Duration::hours(24);
/// How often the sweep runs.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// Uploads removed per transaction at most.
const BATCH: i64 = 100;

/// What one claim removed: how many uploads, and the distinct hashes of their bytes.
#[derive(Debug, Default)]
pub struct Claimed {
    /// Uploads deleted.
    pub count: usize,
    /// The hashes of their bytes, each once.
    pub hashes: Vec<String>,
}

/// Deletes (at most a batch of) uploads made before `cutoff` that no record links to, inside
/// the caller's write transaction, auditing each.
pub fn claim_expired(conn: &mut DbConnection, cutoff: NaiveDateTime) -> ApiResult<Claimed> {
    macro_rules! due {
        () => {
            attachments::table
                .filter(attachments::created_at.lt(cutoff))
                .filter(not(exists(
                    attachment_links::table
                        .filter(attachment_links::attachment_id.eq(attachments::id)),
                )))
                .order(attachments::created_at.asc())
                .limit(BATCH)
                .select(AttachmentRow::as_select())
        };
    }
    let rows: Vec<AttachmentRow> = match conn {
        DbConnection::Postgresql(pg) => due!().for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due!().load(sqlite)?,
    };
    let count = rows.len();
    let mut hashes = BTreeSet::new();
    for row in rows {
        diesel::delete(attachments::table.find(&row.id)).execute(conn)?;
        audit::record(
            conn,
            &Actor::default(),
            "attachment.expire",
            ENTITY,
            &row.id,
            serde_json::json!({ "reason": "never attached", "sha256": row.sha256,
                                "uploaded_by": row.uploaded_by }),
        )?;
        hashes.insert(row.sha256);
    }
    Ok(Claimed { count, hashes: hashes.into_iter().collect() })
}

/// One sweep as of `now`: removes unattached uploads older than a day, then the blobs no
/// remaining upload names, and staging objects of uploads that never finished (a crash or a
/// restart mid-upload) older than a day. Returns how many uploads were removed.
pub async fn sweep_once(db: &Db, storage: &Storage, now: NaiveDateTime) -> anyhow::Result<usize> {
    let cutoff = now - UNATTACHED_TTL;
    match storage.sweep_staging(crate::db::to_utc(cutoff)).await {
        Ok(0) => {}
        Ok(count) => tracing::info!(count, "unfinished uploads removed"),
        Err(error) => tracing::warn!(%error, "sweeping unfinished uploads"),
    }
    let mut removed = 0;
    loop {
        let claimed = db
            .write(move |conn| claim_expired(conn, cutoff))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
            .context("attachment sweep")?;
        if claimed.count == 0 {
            return Ok(removed);
        }
        removed += claimed.count;
        for sha256 in &claimed.hashes {
            release_if_unused(db, storage, sha256).await;
        }
    }
}

/// Runs the sweep now and every [`SWEEP_INTERVAL`].
pub fn spawn_sweeper(db: Db, storage: Storage) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SWEEP_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match sweep_once(&db, &storage, crate::db::now()).await {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "unattached uploads removed"),
                Err(error) => tracing::warn!(?error, "attachment sweep failed"),
            }
        }
    });
}
