//! The command line: `serve` (default), `migrate`, `create-admin`, `openapi`, `import`,
//! `reindex`, `verify-audit`, `backup`.

pub mod import;

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::model::Role;
use crate::accounts::queries::{self, UserDraft};
use crate::audit::Actor;
use crate::auth::password;
use crate::config::{Config, Settings};
use crate::db::{Db, migrations, write_transaction};
use crate::error::ApiError;
use crate::startup::Application;
use crate::validation;

/// techmarket: the backend of a technology market (科技大市场).
#[derive(Debug, Parser)]
#[command(name = "techmarket", version, about)]
pub struct Cli {
    /// A TOML configuration file (else `TECHMARKET_CONFIG`, else `./techmarket.toml` if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve {
        /// Fill an empty database with a demo market first (credentials are printed once).
        #[arg(long)]
        demo: bool,
    },
    /// Fill an empty database with a demo market and exit (credentials are printed once).
    Demo,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator; the password is read from standard input.
    CreateAdmin {
        /// The administrator's e-mail address.
        #[arg(long)]
        email: String,
        /// The display name (defaults to the e-mail's local part).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Import records into a library from NDJSON (one create body per line) or CSV (by extension).
    Import {
        /// achievements, demands, experts or service-providers.
        library: LibraryArg,
        /// The file.
        file: PathBuf,
        /// The organization receiving the records.
        #[arg(long)]
        org: String,
        /// Publish at once instead of importing drafts.
        #[arg(long)]
        publish: bool,
        /// Import the valid records even when others fail.
        #[arg(long)]
        partial: bool,
    },
    /// Rebuild the search index from the database (stop the server first).
    Reindex,
    /// Walk the audit log's hash chain; name the first altered or missing entry (exit 1 then).
    VerifyAudit,
    /// Refill the statistics' sums (registered contracts, published listings, deals) from the
    /// records (safe while the server runs); with `--check`, only compare them with a full recount (exit 1 on a
    /// difference).
    RebuildStats {
        /// Compare instead of refilling.
        #[arg(long)]
        check: bool,
    },
    /// Copy the live SQLite database to PATH (consistent while the server writes); for
    /// PostgreSQL use pg_dump.
    Backup {
        /// The new file (must not exist).
        path: PathBuf,
    },
    /// Evaluate matching: MRR@10, Hit@10 and nDCG@10 per query type, matcher vs plain BM25.
    EvalMatching {
        /// Achievements (NDJSON with external_ref, title, summary, keywords).
        #[arg(long)]
        achievements: PathBuf,
        /// Queries (NDJSON with qid, type, text, relevant: {external_ref: grade}); repeat the
        /// flag to pool several files (e.g. the dev queries and the lay problems).
        #[arg(long, required = true)]
        queries: Vec<PathBuf>,
        /// Text weights to try instead of the defaults: `bm25,keywords,feedback` or
        /// `bm25,keywords,feedback,meaning`.
        #[arg(long)]
        weights: Option<String>,
    },
}

/// A library named on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LibraryArg {
    /// 成果库
    Achievements,
    /// 需求库
    Demands,
    /// 专家库
    Experts,
    /// 服务机构库
    ServiceProviders,
}

impl From<LibraryArg> for crate::listings::Library {
    fn from(arg: LibraryArg) -> Self {
        match arg {
            LibraryArg::Achievements => crate::listings::Library::Achievements,
            LibraryArg::Demands => crate::listings::Library::Demands,
            LibraryArg::Experts => crate::listings::Library::Experts,
            LibraryArg::ServiceProviders => crate::listings::Library::ServiceProviders,
        }
    }
}

/// Runs the command line; errors are printed as one line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("techmarket: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}

fn load_config(file: Option<&std::path::Path>) -> anyhow::Result<Config> {
    let settings = Settings::load(file)?;
    crate::telemetry::init(settings.log_format);
    Ok(Config::resolve(settings)?)
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Openapi => {
            print!("{}", crate::openapi::spec_json());
            Ok(())
        }
        Command::Serve { demo } => {
            let config = load_config(cli.config.as_deref())?;
            if demo {
                run_demo(&config)?;
            }
            serve(config)
        }
        Command::Demo => {
            let config = load_config(cli.config.as_deref())?;
            run_demo(&config)
        }
        Command::Migrate => {
            let config = load_config(cli.config.as_deref())?;
            let db = Db::connect(&config.database, 1).map_err(anyhow::Error::msg)?;
            let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
            let applied = migrations::run_pending(&mut conn)
                .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
            if applied.is_empty() {
                println!("the database is up to date");
            } else {
                println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            }
            Ok(())
        }
        Command::Import { library, file, org, publish, partial } => {
            let config = load_config(cli.config.as_deref())?;
            import::import_file(&config, library.into(), &file, &org, publish, partial)
        }
        Command::EvalMatching { achievements, queries, weights } => {
            let started = std::time::Instant::now();
            let mut config = crate::matching::text::TextMatcherConfig::default();
            if let Some(weights) = weights {
                let parts: Vec<f64> =
                    weights.split(',').filter_map(|x| x.trim().parse().ok()).collect();
                let (&[bm25, keywords, feedback], meaning) = match parts[..] {
                    [a, b, c] => (&[a, b, c], None),
                    [a, b, c, d] => (&[a, b, c], Some(d)),
                    _ => anyhow::bail!(
                        "--weights takes three or four numbers: bm25,keywords,feedback[,meaning]"
                    ),
                };
                config.bm25_weight = bm25;
                config.keyword_weight = keywords;
                config.feedback_weight = feedback;
                config.meaning_weight = meaning.unwrap_or(config.meaning_weight);
            }
            let evaluation = crate::matching::eval::evaluate(&achievements, &queries, &config)?;
            crate::matching::eval::print(&evaluation.ranking);
            crate::matching::eval::calibrate::print(&evaluation.calibration);
            crate::matching::eval::fields::print(&evaluation.fields);
            println!("({:.1} s)", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::Reindex => {
            let config = load_config(cli.config.as_deref())?;
            import::reindex(&config)
        }
        Command::VerifyAudit => {
            let config = load_config(cli.config.as_deref())?;
            verify_audit(&config)
        }
        Command::RebuildStats { check } => {
            let config = load_config(cli.config.as_deref())?;
            rebuild_stats(&config, check)
        }
        Command::Backup { path } => {
            let config = load_config(cli.config.as_deref())?;
            let db = Db::connect(&config.database, 1).map_err(anyhow::Error::msg)?;
            let mut conn = db.get().map_err(api_error)?;
            crate::db::backup::sqlite_backup(&mut conn, &path)?;
            println!("backed up the database to {}", path.display());
            Ok(())
        }
        Command::CreateAdmin { email, name } => {
            let config = load_config(cli.config.as_deref())?;
            create_admin(&config, &email, name.as_deref())
        }
    }
}

fn verify_audit(config: &Config) -> anyhow::Result<()> {
    let db = import::open_database(config)?;
    let mut conn = db.get().map_err(api_error)?;
    let report = crate::audit::chain::verify(&mut conn)?;
    match report.first_break {
        None => {
            println!("the audit chain holds: {} entries, none altered or missing", report.entries);
            Ok(())
        }
        Some(first_break) => anyhow::bail!(
            "the audit chain is broken after {} sound entries: {first_break}",
            report.entries
        ),
    }
}

fn rebuild_stats(config: &Config, check: bool) -> anyhow::Result<()> {
    let db = import::open_database(config)?;
    let mut conn = db.get().map_err(api_error)?;
    if check {
        let differences = crate::stats::rollups::recount_differences(&mut conn)?;
        if differences.is_empty() {
            println!("the statistics' sums equal a full recount of the records");
            return Ok(());
        }
        for line in &differences {
            println!("{line}");
        }
        anyhow::bail!("{} sums differ from a full recount", differences.len());
    }
    let rows = write_transaction(&mut conn, crate::stats::rollups::rebuild)?;
    println!("summed the records into {rows} rows");
    Ok(())
}

fn run_demo(config: &Config) -> anyhow::Result<()> {
    let filled = {
        let db = import::open_database(config)?;
        let index = import::open_index(config)?;
        let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e}"))?;
        crate::demo::fill(&mut conn, &index)?
    };
    match filled {
        Some(mut report) => {
            let played = play_demo_story(config, &report)?;
            report.counts.extend(played);
            crate::demo::print(&report);
        }
        None => println!("the database already has users; the demo only fills an empty one"),
    }
    Ok(())
}

/// Plays the demo's working month through the API of a server of its own on a loopback port,
/// stopped afterwards.
fn play_demo_story(
    config: &Config,
    report: &crate::demo::DemoReport,
) -> anyhow::Result<crate::demo::story::Played> {
    let mut config = config.clone();
    config.bind = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    config.login_rate_per_minute = 1000;
    config.login_account_rate_per_minute = 1000;
    let credentials: Vec<(String, String)> = report
        .credentials
        .iter()
        .map(|(email, password, _)| (email.clone(), password.clone()))
        .collect();
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await?;
        let base = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        let server = actix_web::rt::spawn(app.run_until_stopped());
        let played = crate::demo::story::play(&base, &credentials).await;
        handle.stop(true).await;
        let _ = server.await;
        played
    })
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let bind = config.bind;
        let backend = config.database.redacted();
        let app = Application::build(config).await?;
        tracing::info!(%bind, port = app.port(), database = %backend, "techmarket is serving; API docs at /docs/");
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn create_admin(config: &Config, email: &str, name: Option<&str>) -> anyhow::Result<()> {
    let email = validation::email(email).map_err(|(_, m)| anyhow::anyhow!("--email {m}"))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password_text = line.trim_end_matches(['\r', '\n']);
    let display_name = name
        .map(str::to_owned)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("admin").to_string());
    password::check_strength(password_text, &[&email, &display_name])
        .map_err(|(_, m)| anyhow::anyhow!("password {m}"))?;
    let password_hash = password::hash(password_text).map_err(api_error)?;
    let db = Db::connect(&config.database, 1).map_err(anyhow::Error::msg)?;
    let mut conn = db.get().map_err(api_error)?;
    migrations::run_pending(&mut conn).map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
    let draft = UserDraft {
        email: email.clone(),
        password_hash,
        display_name,
        role: Role::Admin,
        organization_id: None,
        verified: true,
        language: crate::i18n::Lang::Zh,
    };
    let user = write_transaction(&mut conn, |conn| {
        queries::insert(conn, &Actor::default(), draft, "user.create_admin")
    })
    .map_err(api_error)?;
    println!("created administrator {} ({})", user.email, user.id);
    Ok(())
}

fn api_error(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Internal(cause) | ApiError::Unavailable(cause) => anyhow::anyhow!(cause),
        other => anyhow::anyhow!(other.problem().detail),
    }
}
