//! Rate-limit counters kept in the database, so that a limit holds across every instance
//! serving one PostgreSQL: hits are counted per bucket in one-minute windows with one upsert
//! (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`), and the rate is the sliding-window
//! estimate — this window's hits plus the previous window's weighted by how much of it still
//! lies within the last minute — so a burst straddling a window boundary is still caught. Old
//! windows are swept now and then. The embedded SQLite default counts in process.

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::{Db, DbConnection};
use crate::error::ApiError;

/// The length of a counting window, in seconds.
pub const WINDOW_SECS: i64 = 60;
/// One call in this many also deletes windows that ended over a window ago.
const SWEEP_EVERY: u64 = 512;

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

const UPSERT_PG: &str = "INSERT INTO rate_limit_windows (bucket, window_start, hits) VALUES ($1, $2, 1) \
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 RETURNING hits";
const UPSERT_SQLITE: &str = "INSERT INTO rate_limit_windows (bucket, window_start, hits) VALUES (?, ?, 1) \
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_windows.hits + 1 RETURNING hits";

/// Counts one hit in the bucket's window starting at `window_start`; returns the window's hits.
pub fn count_hit(conn: &mut DbConnection, bucket: &str, window_start: i64) -> QueryResult<i64> {
    let row: Hits = match conn {
        DbConnection::Postgresql(pg) => diesel::sql_query(UPSERT_PG)
            .bind::<Text, _>(bucket)
            .bind::<BigInt, _>(window_start)
            .get_result(pg)?,
        DbConnection::Sqlite(lite) => diesel::sql_query(UPSERT_SQLITE)
            .bind::<Text, _>(bucket)
            .bind::<BigInt, _>(window_start)
            .get_result(lite)?,
    };
    Ok(row.hits)
}

/// The hits of a bucket's window, 0 if none.
pub fn hits_in(conn: &mut DbConnection, bucket: &str, window_start: i64) -> QueryResult<i64> {
    use crate::db::schema::rate_limit_windows::dsl;
    Ok(dsl::rate_limit_windows
        .filter(dsl::bucket.eq(bucket))
        .filter(dsl::window_start.eq(window_start))
        .select(dsl::hits)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// The sliding-window estimate of the hits in the last minute: the current window's hits
/// plus the previous window's, weighted by the share of it still within the last minute.
pub fn estimate(previous: i64, current: i64, elapsed_ms: i64) -> f64 {
    let window_ms = (WINDOW_SECS * 1000) as f64;
    let weight = ((window_ms - elapsed_ms as f64) / window_ms).clamp(0.0, 1.0);
    previous as f64 * weight + current as f64
}

/// Deletes the windows that started before `before`.
pub fn forget_before(conn: &mut DbConnection, before: i64) -> QueryResult<usize> {
    use crate::db::schema::rate_limit_windows::dsl;
    diesel::delete(dsl::rate_limit_windows.filter(dsl::window_start.lt(before))).execute(conn)
}

/// Limits kept in the database, shared by every instance on it.
pub struct SharedLimits {
    db: Db,
    calls: AtomicU64,
}

impl SharedLimits {
    /// Counters in this database.
    pub fn new(db: Db) -> SharedLimits {
        SharedLimits { db, calls: AtomicU64::new(0) }
    }

    /// Counts one hit in `bucket`; 429 with the seconds to the next window once the window
    /// holds more than `per_minute` hits.
    pub async fn check(&self, bucket: String, per_minute: u32) -> Result<(), ApiError> {
        let now_ms = crate::clock::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let window_start = now - now.rem_euclid(WINDOW_SECS);
        let elapsed_ms = now_ms - window_start * 1000;
        let sweep = self.calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(SWEEP_EVERY);
        let (previous, current) = self
            .db
            .write(move |conn| {
                if sweep {
                    forget_before(conn, window_start - WINDOW_SECS)?;
                }
                let current = count_hit(conn, &bucket, window_start)?;
                let previous = hits_in(conn, &bucket, window_start - WINDOW_SECS)?;
                Ok((previous, current))
            })
            .await?;
        if estimate(previous, current, elapsed_ms) > f64::from(per_minute.max(1)) {
            let wait = (window_start + WINDOW_SECS - now).max(1);
            return Err(ApiError::TooManyRequests {
                retry_after_secs: u64::try_from(wait).unwrap_or(1),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_window_counts_for_the_part_still_within_the_last_minute() {
        assert_eq!(estimate(0, 3, 0), 3.0);
        assert_eq!(estimate(4, 1, 0), 5.0);
        assert_eq!(estimate(4, 1, 30_000), 3.0);
        assert_eq!(estimate(4, 1, 60_000), 1.0);
    }
}
