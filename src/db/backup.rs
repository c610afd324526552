//! `techmarket backup PATH`: a consistent copy of a live SQLite database.
//!
//! `VACUUM INTO` copies the database as one read transaction sees it: in WAL mode writers go
//! on meanwhile, and every write committed before the copy began is in it. PostgreSQL is
//! backed up with its own tools (`pg_dump` / `pg_restore`), which this refuses to imitate.

use std::path::Path;

use anyhow::{Context, bail};
use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::DbConnection;

/// What the command says for PostgreSQL.
pub const POSTGRES_HINT: &str = "backup copies SQLite databases only; back up PostgreSQL with pg_dump (e.g. `pg_dump --format=custom --file=techmarket.dump \"$DATABASE_URL\"`) and restore with pg_restore (`pg_restore --clean --dbname=\"$DATABASE_URL\" techmarket.dump`)";

/// Copies the SQLite database behind `conn` to `dest`, a file that must not exist yet.
/// Safe while the server writes: the copy is the state of one moment.
pub fn sqlite_backup(conn: &mut DbConnection, dest: &Path) -> anyhow::Result<()> {
    let DbConnection::Sqlite(sqlite) = conn else {
        bail!("{POSTGRES_HINT}");
    };
    if dest.exists() {
        bail!("{} already exists; back up to a new file", dest.display());
    }
    if let Some(parent) = dest.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let target = dest.to_str().with_context(|| format!("{} is not valid UTF-8", dest.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(target)
        .execute(sqlite)
        .with_context(|| format!("VACUUM INTO {}", dest.display()))?;
    Ok(())
}
