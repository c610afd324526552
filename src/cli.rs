//! The command line: `serve` (default), `migrate`, `create-admin`, `openapi`.

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
    Serve,
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
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", crate::openapi::spec_json());
            Ok(())
        }
        Command::Serve => {
            let config = load_config(cli.config.as_deref())?;
            serve(config)
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
                println!(
                    "applied {} migration(s): {}",
                    applied.len(),
                    applied.join(", ")
                );
            }
            Ok(())
        }
        Command::CreateAdmin { email, name } => {
            let config = load_config(cli.config.as_deref())?;
            create_admin(&config, &email, name.as_deref())
        }
    }
}

fn serve(config: Config) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    actix_web::rt::System::new().block_on(async move {
        let _ = &runtime;
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
