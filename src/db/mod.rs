//! Storage: one connection type over SQLite and PostgreSQL, a pool, and the helpers every
//! feature uses to run its queries off the async executor.

pub mod backup;
pub mod migrations;
pub mod schema;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};

use crate::error::ApiError;

/// A connection to either backend. Queries are written once against its `MultiBackend`.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// Production backend.
    Postgresql(diesel::PgConnection),
    /// Embedded default backend.
    Sqlite(diesel::SqliteConnection),
}

/// Which database to connect to, decided by the URL's scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
    /// A SQLite file.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    /// Classifies a `DATABASE_URL`: `postgres://`/`postgresql://` → PostgreSQL; `sqlite:` URL or a
    /// plain path → SQLite. Any other scheme is an error, never silently a SQLite file.
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err("DATABASE_URL `sqlite:` names no file".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(format!(
                "DATABASE_URL scheme `{scheme}` is not supported (use postgres:// or sqlite:)"
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(url)))
    }

    /// The backend's name, for logs and metrics.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }

    /// The URL with any password masked, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            DatabaseUrl::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(start), Some(at)) if at > start => {
                    let credentials = &url[start + 3..at];
                    match credentials.split_once(':') {
                        Some((user, _)) => format!("{}{user}:***{}", &url[..start + 3], &url[at..]),
                        None => url.clone(),
                    }
                }
                _ => url.clone(),
            },
        }
    }
}

/// Failure to open or check a connection.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The backend refused the connection.
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    /// A setup statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// An r2d2 manager that dispatches on the URL's scheme (the derived `establish` would try
/// each backend in turn, and SQLite accepts any string as a file name).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    reachability: Arc<Reachability>,
}

impl ConnectionManager {
    /// A manager for this database.
    pub fn new(url: DatabaseUrl) -> Self {
        ConnectionManager { url, reachability: Arc::default() }
    }
}

/// Whether the last attempt to open a connection failed: the database is down (or
/// unreachable) until an attempt succeeds again.
#[derive(Debug, Default)]
pub struct Reachability {
    down: AtomicBool,
}

impl Reachability {
    /// Whether the last connection attempt failed.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    fn record<T, E>(&self, attempt: Result<T, E>) -> Result<T, E> {
        self.down.store(attempt.is_err(), Ordering::Relaxed);
        attempt
    }
}

/// SQLite settings applied to every connection: WAL so readers never block the writer,
/// enforced foreign keys, a busy timeout (30 s) so writers outside this process and the
/// background tasks queue instead of failing (the request writers of this process queue on
/// [`Db`]'s write lock first), and
/// the database memory-mapped (256 MiB) with a 16 MiB page cache, so that concurrent
/// aggregates (statistics) read shared mapped pages instead of copying page by page into
/// small per-connection caches (4.5× the throughput with 8 clients, see BENCHMARKS.md).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
     PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384;";

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.reachability.record(self.open())
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

impl ConnectionManager {
    fn open(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                // libpq negotiates TLS with the system OpenSSL. Initialised here first, OpenSSL
                // registers no exit handler: its default one frees the library's global state
                // while pool threads may still hold TLS sessions, and the process then aborts
                // with a double free on exit.
                openssl_sys::init();
                let mut conn = diesel::PgConnection::establish(url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// The pool type.
pub type DbPool = Pool<ConnectionManager>;
/// A connection borrowed from the pool.
pub type PooledConn = PooledConnection<ConnectionManager>;

/// How long a request's write waits for its turn on SQLite before answering 503
/// `database_busy` (a request never fails with 500 because another write is slow).
pub const SQLITE_WRITE_WAIT: Duration = Duration::from_secs(30);

/// The database handle every feature uses: a pool plus the rules for running work on it.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    url: DatabaseUrl,
    reachability: Arc<Reachability>,
    /// On SQLite (one writer at a time), request writers of this process take turns here,
    /// first come first served, instead of racing in SQLite's busy handler.
    write_lock: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

fn write_lock_for(url: &DatabaseUrl) -> Option<std::sync::Arc<tokio::sync::Mutex<()>>> {
    matches!(url, DatabaseUrl::Sqlite(_)).then(|| std::sync::Arc::new(tokio::sync::Mutex::new(())))
}

impl Db {
    /// Opens a pool (creating the SQLite file's folder if needed) and checks one connection.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, String> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let manager = ConnectionManager::new(url.clone());
        let reachability = manager.reachability.clone();
        let pool = Pool::builder()
            .max_size(pool_size)
            // Also the cap of r2d2's reconnect backoff: a restarted database is found again
            // within about this long. Waiting for a busy pool is longer (`checkout`).
            .connection_timeout(RECONNECT_BACKOFF_CAP)
            .test_on_check_out(true)
            .build(manager)
            .map_err(|e| format!("cannot connect to {}: {e}", url.redacted()))?;
        Ok(Db { pool, write_lock: write_lock_for(url), url: url.clone(), reachability })
    }

    /// Wraps an existing pool (used by tests to simulate a dead database).
    pub fn from_pool(pool: DbPool, url: DatabaseUrl) -> Db {
        Db { pool, write_lock: write_lock_for(&url), url, reachability: Arc::default() }
    }

    /// The pool, for metrics.
    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// The database's URL.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Borrows a connection, blocking; for use inside blocking contexts (CLI, `web::block`).
    pub fn get(&self) -> Result<PooledConn, ApiError> {
        checkout(&self.pool, &self.reachability)
    }

    /// Runs read-only work on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, reachability) = (self.pool.clone(), self.reachability.clone());
        actix_web::web::block(move || {
            let mut conn = checkout(&pool, &reachability)?;
            work(&mut conn)
        })
        .await?
    }

    /// Runs work in one write transaction on a blocking thread: everything or nothing.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let turn = match &self.write_lock {
            Some(lock) => Some(
                tokio::time::timeout(SQLITE_WRITE_WAIT, lock.clone().lock_owned())
                    .await
                    .map_err(|_| crate::error::database_busy("another write is still running"))?,
            ),
            None => None,
        };
        let (pool, reachability) = (self.pool.clone(), self.reachability.clone());
        actix_web::web::block(move || {
            let _turn = turn;
            let mut conn = checkout(&pool, &reachability)?;
            write_transaction(&mut conn, work)
        })
        .await?
    }
}

/// The longest r2d2 waits between attempts to reconnect to a database that went away.
const RECONNECT_BACKOFF_CAP: Duration = Duration::from_secs(2);
/// How long a request first waits for a pooled connection before asking whether the
/// database is reachable at all.
const FIRST_WAIT: Duration = Duration::from_millis(500);
/// How long a request waits in all for a connection of a busy (but live) pool.
const BUSY_POOL_WAIT: Duration = Duration::from_secs(10);

/// Borrows a connection. A busy pool is waited for (up to [`BUSY_POOL_WAIT`]), but when the
/// database is down — the last attempt to open a connection failed — the request fails
/// fast with 503 instead of hanging, and the pool reconnects by itself once it is back.
fn checkout(pool: &DbPool, reachability: &Reachability) -> Result<PooledConn, ApiError> {
    match pool.get_timeout(FIRST_WAIT) {
        Ok(conn) => Ok(conn),
        Err(error) if reachability.is_down() => {
            Err(ApiError::Unavailable(format!("database unreachable: {error}")))
        }
        Err(_) => {
            pool.get_timeout(BUSY_POOL_WAIT.saturating_sub(FIRST_WAIT)).map_err(ApiError::from)
        }
    }
}

/// Runs `work` in a write transaction. On SQLite it begins with `BEGIN IMMEDIATE`, so the
/// write lock is taken (waiting out `busy_timeout`) before anything is read, and a concurrent
/// writer cannot make the transaction fail half-way with `SQLITE_BUSY`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Sqlite(inner) => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(
                inner,
                "BEGIN IMMEDIATE",
            )?;
        }
        DbConnection::Postgresql(_) => {
            <DbConnection as Connection>::TransactionManager::begin_transaction(conn)?;
        }
    }
    match work(conn) {
        Ok(value) => {
            if let Err(commit_error) =
                <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
            {
                let _ =
                    <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
                return Err(commit_error.into());
            }
            Ok(value)
        }
        Err(error) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// Takes a periodic job's lock for the rest of the current transaction without waiting: on
/// PostgreSQL `pg_try_advisory_xact_lock(key)` (false when another instance's transaction
/// holds it, released at commit or rollback); on SQLite always true, since the write
/// transaction (`BEGIN IMMEDIATE`) already runs one writer at a time.
pub fn try_transaction_lock(conn: &mut DbConnection, key: i64) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        locked: bool,
    }
    match conn {
        DbConnection::Postgresql(pg) => {
            let row: Locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .get_result(pg)?;
            Ok(row.locked)
        }
        DbConnection::Sqlite(_) => Ok(true),
    }
}

/// Refreshes PostgreSQL's planner statistics after a bulk load (autovacuum would get there
/// eventually; until then freshly loaded tables get poor plans — a search over 100,000 fresh
/// records took a second instead of 20 ms). SQLite is left alone: with statistics its planner
/// trades the id-ordered scan that serves filtered list pages for a slower index walk.
pub fn analyze(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgresql(_) => conn.batch_execute("ANALYZE"),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// The current time as stored: UTC, truncated to microseconds (both backends' precision).
pub fn now() -> NaiveDateTime {
    crate::clock::now().naive_utc().trunc_subsecs(6)
}

/// A stored timestamp as the API shows it.
pub fn to_utc(value: NaiveDateTime) -> DateTime<Utc> {
    value.and_utc()
}

/// A fresh, time-ordered identifier (UUID v7): sorting ids as text sorts them by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_dispatch_on_scheme() {
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("postgresql://h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("data/x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("x.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("/tmp/x.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/tmp/x.db")))
        );
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
    }

    #[test]
    fn passwords_are_masked() {
        let url = DatabaseUrl::parse("postgres://app:secret@db:5432/tm").unwrap();
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/tm");
    }
}
