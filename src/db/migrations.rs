//! Embedded migrations, one folder per backend.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;

/// Migrations for PostgreSQL (`migrations/postgres`).
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
/// Migrations for SQLite (`migrations/sqlite`).
pub const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The migrations creating the statistics' sums (`contract_rollups`, then `stat_sums` and
/// `stat_facts`), which are filled from the records after them.
const SUMS_VERSIONS: [&str; 2] = ["20261206000002", "20261206000003"];

type MigrationResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Applies every pending migration, sums the records when the statistics' sums were just
/// created ([`crate::stats::rollups::rebuild`]), then chains any audit entries written
/// before the audit log was a hash chain ([`crate::audit::chain::backfill`]); returns the
/// versions applied.
pub fn run_pending(conn: &mut DbConnection) -> MigrationResult<Vec<String>> {
    let applied: Vec<String> = match conn {
        DbConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES)?,
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE)?,
    }
    .into_iter()
    .map(|v| v.to_string())
    .collect();
    if applied.iter().any(|version| SUMS_VERSIONS.contains(&version.replace('-', "").as_str())) {
        let rows = super::write_transaction(conn, crate::stats::rollups::rebuild)?;
        tracing::info!(rows, "summed the records for the statistics");
    }
    let chained = crate::audit::chain::backfill(conn)?;
    if chained > 0 {
        tracing::info!(chained, "chained audit entries written before the hash chain");
    }
    Ok(applied)
}

/// Whether any migration is still to be applied.
pub fn has_pending(conn: &mut DbConnection) -> MigrationResult<bool> {
    Ok(match conn {
        DbConnection::Postgresql(c) => c.has_pending_migration(POSTGRES)?,
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE)?,
    })
}

/// Reverts every applied migration, newest first (used by tests of the `down.sql` files).
pub fn revert_all(conn: &mut DbConnection) -> MigrationResult<Vec<String>> {
    let reverted = match conn {
        DbConnection::Postgresql(c) => c.revert_all_migrations(POSTGRES)?,
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE)?,
    };
    Ok(reverted.into_iter().map(|v| v.to_string()).collect())
}
