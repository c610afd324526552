//! `techmarket import` and `techmarket reindex`.

use std::path::Path;

use anyhow::{Context, bail};
use diesel::prelude::*;

use crate::audit::Actor;
use crate::config::Config;
use crate::db::schema::users;
use crate::db::{Db, DbConnection, migrations, write_transaction};
use crate::listings::bulk::{self, Format, ImportContext, RecordLibrary};
use crate::listings::lifecycle::ListingStatus;
use crate::listings::registry::{ForKind, with_kind};
use crate::listings::{Library, reindex};
use crate::search::SearchIndex;

/// Opens the database (migrated) for a command-line tool.
pub fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = Db::connect(&config.database, 2).map_err(anyhow::Error::msg)?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    migrations::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    Ok(db)
}

/// Opens the search index, explaining the usual failure (a running server holds it).
pub fn open_index(config: &Config) -> anyhow::Result<SearchIndex> {
    let dir = config.data_dir.join("index");
    SearchIndex::open(&dir).with_context(|| {
        format!(
            "cannot open the search index at {} (is a server using this data folder running? stop it first)",
            dir.display()
        )
    })
}

/// The user an import run from the command line is attributed to: the organization's first
/// member, else the first administrator.
fn import_creator(conn: &mut DbConnection, org_id: &str) -> anyhow::Result<String> {
    let member: Option<String> = users::table
        .filter(users::organization_id.eq(org_id))
        .order(users::created_at.asc())
        .select(users::id)
        .first(conn)
        .optional()?;
    let admin: Option<String> = users::table
        .filter(users::role.eq("admin"))
        .order(users::created_at.asc())
        .select(users::id)
        .first(conn)
        .optional()?;
    member.or(admin).context(
        "the organization has no member and there is no administrator to attribute the import to",
    )
}

/// Imports a file into a library for an organization.
pub fn import_file(
    config: &Config,
    library: Library,
    file: &Path,
    org_id: &str,
    publish: bool,
    partial: bool,
) -> anyhow::Result<()> {
    with_kind(library, ImportFile { config, file, org_id, publish, partial })
}

/// One file to import into whichever kind of record.
struct ImportFile<'a> {
    config: &'a Config,
    file: &'a Path,
    org_id: &'a str,
    publish: bool,
    partial: bool,
}

impl ForKind for ImportFile<'_> {
    type Output = anyhow::Result<()>;

    fn run<L: RecordLibrary + 'static>(self) -> anyhow::Result<()> {
        import_with::<L>(self.config, self.file, self.org_id, self.publish, self.partial)
    }
}

fn import_with<L: RecordLibrary>(
    config: &Config,
    file: &Path,
    org_id: &str,
    publish: bool,
    partial: bool,
) -> anyhow::Result<()> {
    let body = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let format = match file.extension().and_then(|e| e.to_str()) {
        Some(ext) if ext.eq_ignore_ascii_case("csv") => Format::Csv,
        _ => Format::Ndjson,
    };
    let print_errors = |errors: &[crate::error::FieldError]| {
        for error in errors.iter().take(50) {
            eprintln!(
                "  line {}: {}: {} ({})",
                error.line.unwrap_or(0),
                error.field,
                error.message,
                error.code
            );
        }
        if errors.len() > 50 {
            eprintln!("  … and {} more", errors.len() - 50);
        }
    };
    let records = match bulk::read_records::<L>(format, &body, usize::MAX) {
        Ok(records) => records,
        Err(errors) => {
            print_errors(&errors);
            bail!("{} cannot be read", file.display());
        }
    };
    let total = records.len();
    let (valid, errors) = bulk::check_records::<L>(records);
    if !errors.is_empty() {
        print_errors(&errors);
        if !partial {
            bail!(
                "{} of {total} records are invalid; nothing was imported (use --partial to import the rest)",
                total - valid.len()
            );
        }
    }
    let db = open_database(config)?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let org =
        crate::organizations::queries::find(&mut conn, org_id).map_err(|error| match error {
            crate::error::ApiError::NotFound(_) => anyhow::anyhow!("no organization {org_id}"),
            other => anyhow::anyhow!("{other}"),
        })?;
    if !L::OWNER_KINDS.contains(&org.kind) {
        bail!("{} records belong to organizations of another kind than `{}`", L::LIBRARY, org.kind);
    }
    let ctx = ImportContext {
        actor: Actor::default(),
        created_by: import_creator(&mut conn, &org.id)?,
        org,
        status: if publish { ListingStatus::Published } else { ListingStatus::Draft },
    };
    let (docs, insert_errors) =
        write_transaction(&mut conn, |conn| bulk::insert_records::<L>(conn, &ctx, &valid, partial))
            .map_err(|e| anyhow::anyhow!("{}", e.problem().detail))?;
    print_errors(&insert_errors);
    if docs.len() >= bulk::ANALYZE_AFTER {
        crate::db::analyze(&mut conn).context("refreshing planner statistics")?;
    }
    match open_index(config) {
        Ok(index) => index.upsert_many(&docs).context("search index")?,
        Err(error) => eprintln!("warning: {error:#}; run `techmarket reindex` later"),
    }
    println!("imported {} of {total} records into {} for {}", docs.len(), L::LIBRARY, ctx.org.name);
    Ok(())
}

/// Rebuilds the search index from the database.
pub fn reindex(config: &Config) -> anyhow::Result<()> {
    let db = open_database(config)?;
    let index = open_index(config)?;
    let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let count = reindex::rebuild(&mut conn, &index)?;
    // The index is complete as of now: a restarted server's change feed starts afresh.
    let _ = std::fs::remove_file(config.data_dir.join(reindex::CHECKPOINT_FILE));
    println!("indexed {count} records in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
