//! Configuration: defaults, an optional TOML file, then `TECHMARKET_*` and `DATABASE_URL`.
//!
//! [`Settings`] is what the operator writes; [`Config`] is what the application runs with,
//! after the database URL has been classified and the JWT secret resolved (generated and
//! persisted in development, required in production).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;
use secret::resolve_secret;

mod secret;

/// The name of the SQLite file inside the data folder when `DATABASE_URL` is unset.
pub const SQLITE_FILE_NAME: &str = "techmarket.db";
/// The file inside the data folder that holds a generated development JWT secret.
pub const JWT_SECRET_FILE_NAME: &str = "jwt-secret";
/// Minimum length of a production JWT secret, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;

/// Where the server runs: development tolerates missing secrets, production does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RunEnvironment {
    /// Local work: a JWT secret is generated when none is set.
    #[default]
    Development,
    /// A real deployment: every secret must be configured.
    Production,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// A list given either as a TOML array or as a comma-separated environment string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringList {
    /// `"a, b"`
    Joined(String),
    /// `["a", "b"]`
    List(Vec<String>),
}

impl StringList {
    /// The entries, trimmed, empty ones dropped.
    pub fn entries(&self) -> Vec<String> {
        let raw: Vec<&str> = match self {
            StringList::Joined(s) => s.split(',').collect(),
            StringList::List(v) => v.iter().map(String::as_str).collect(),
        };
        raw.into_iter().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

/// The settings an operator writes (file or environment). Every field has a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// `TECHMARKET_BIND`: the address the HTTP server listens on.
    pub bind: String,
    /// `DATABASE_URL`: `postgres://…`, `sqlite:…` or a file path; unset → SQLite in the data folder.
    pub database_url: Option<String>,
    /// `TECHMARKET_DATA_DIR`: SQLite file, search index and generated secrets.
    pub data_dir: PathBuf,
    /// `TECHMARKET_JWT_SECRET`: HMAC key for access tokens.
    pub jwt_secret: Option<String>,
    /// `TECHMARKET_ENV`: development or production.
    pub env: RunEnvironment,
    /// `TECHMARKET_ACCESS_TOKEN_TTL_SECS`: access-token lifetime.
    pub access_token_ttl_secs: u64,
    /// `TECHMARKET_REFRESH_TOKEN_TTL_SECS`: refresh-token lifetime.
    pub refresh_token_ttl_secs: u64,
    /// `TECHMARKET_CORS_ORIGINS`: allowed browser origins (comma-separated); empty → none.
    pub cors_origins: StringList,
    /// `TECHMARKET_BODY_LIMIT_BYTES`: largest accepted JSON request body.
    pub body_limit_bytes: usize,
    /// `TECHMARKET_LOG_FORMAT`: text or json.
    pub log_format: LogFormat,
    /// `TECHMARKET_LOGIN_RATE_PER_MINUTE`: login attempts per client address per minute.
    pub login_rate_per_minute: u32,
    /// `TECHMARKET_LOGIN_ACCOUNT_RATE_PER_MINUTE`: login attempts per account per minute.
    pub login_account_rate_per_minute: u32,
    /// `TECHMARKET_REGISTER_RATE_PER_MINUTE`: registrations per client address per minute.
    pub register_rate_per_minute: u32,
    /// `TECHMARKET_PASSWORD_HASH_CONCURRENCY`: password hashes and verifications running at
    /// once (each takes 19 MiB); unset → two per core.
    pub password_hash_concurrency: Option<usize>,
    /// `TECHMARKET_PASSWORD_HASH_WAIT_MS`: how long a request waits for a hashing slot before
    /// answering 503 with `Retry-After`.
    pub password_hash_wait_ms: u64,
    /// `TECHMARKET_TRUST_FORWARDED_FOR`: take the client address from `X-Forwarded-For`
    /// (only behind a reverse proxy that sets it).
    pub trust_forwarded_for: bool,
    /// `TECHMARKET_WORKERS`: HTTP worker threads; unset → one per core.
    pub workers: Option<usize>,
    /// `TECHMARKET_DB_POOL_SIZE`: database connections kept by the pool.
    pub db_pool_size: u32,
    /// `TECHMARKET_SQLITE_MMAP_MIB`: how much of the SQLite database each connection
    /// memory-maps, in MiB (0, the default: none; 256 speeds up concurrent statistics).
    pub sqlite_mmap_mib: u64,
    /// `TECHMARKET_SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests may finish after SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// `TECHMARKET_WEBHOOK_RETRY_BASE_MS`: first webhook retry delay (doubling per attempt).
    pub webhook_retry_base_ms: u64,
    /// `TECHMARKET_DELIVER_WEBHOOKS`: send webhook deliveries (false keeps them queued, e.g. in
    /// sandboxes and API fuzzing, where no outbound traffic is wanted).
    pub deliver_webhooks: bool,
    /// `TECHMARKET_WEBHOOK_ALLOW_PRIVATE`: let webhooks point at loopback, private and other
    /// non-public addresses (development and local test receivers; refused in production).
    pub webhook_allow_private: bool,
    /// `TECHMARKET_SHARED_RATE_LIMITS`: count sign-in and registration limits in the database,
    /// shared by every instance on it; unset → on PostgreSQL yes, on SQLite in process.
    pub shared_rate_limits: Option<bool>,
    /// `TECHMARKET_REGISTRY_REGION_CODE`: the six-digit GB/T 2260 code of the technology-contract
    /// registry this instance runs (it appears in every registration number).
    pub registry_region_code: String,
    /// `TECHMARKET_REGISTRY_OWN_REGION_ONLY`: the registry registers only contracts whose seller
    /// is in its region (the 技术输出地 rule; on by default).
    pub registry_own_region_only: bool,
    /// `TECHMARKET_REGISTRY_NAME`: the registry's name as certificates print it (default: its
    /// region's full name with 技术合同登记机构).
    pub registry_name: Option<String>,
    /// `TECHMARKET_AUCTION_NOTICE_SECS`: how long before its start an auction must be
    /// announced (the auction law's 7 days by default; tests and demos lower it).
    pub auction_notice_secs: u64,
    /// `TECHMARKET_AUCTION_STARTING_SOON_SECS`: how long before a lot opens its registered
    /// bidders are told it starts soon (1 hour by default; 0: never).
    pub auction_starting_soon_secs: u64,
    /// `TECHMARKET_AUCTION_DEPOSIT_MIN_BP` / `…_MAX_BP`: the deposit's bounds in basis points
    /// of the starting price (5 % to 20 % by default).
    pub auction_deposit_min_bp: u32,
    /// See `auction_deposit_min_bp`.
    pub auction_deposit_max_bp: u32,
    /// `TECHMARKET_NOTICE_MIN_DAYS`: the shortest public pricing notice, in China days (15).
    pub notice_min_days: u32,
    /// `TECHMARKET_PRICING_NOTICE_REQUIRED`: a transfer or licence contract whose seller is a
    /// university or research institute registers only after a completed notice or a sold
    /// auction for its deal.
    pub pricing_notice_required: bool,
    /// `TECHMARKET_STORAGE_URL`: where attachments are stored; unset → the `attachments`
    /// folder inside the data folder; `s3://bucket/prefix` → S3-compatible object storage
    /// (endpoint and credentials from the usual `AWS_*` variables).
    pub storage_url: Option<String>,
    /// `TECHMARKET_ATTACHMENT_MAX_BYTES`: the largest attachment accepted (20 MiB).
    pub attachment_max_bytes: u64,
    /// `TECHMARKET_SMTP_URL`: where e-mail is sent, `smtp://[user:password@]host[:port]`
    /// (plain, for a local relay) or `smtps://…` (TLS); unset → e-mail stays in the database's
    /// outbox and is written to the log.
    pub smtp_url: Option<String>,
    /// `TECHMARKET_MAIL_FROM`: the sender of the market's e-mail.
    pub mail_from: String,
    /// `TECHMARKET_PUBLIC_URL`: the address users reach the market at, for links in e-mail.
    pub public_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("data"),
            jwt_secret: None,
            env: RunEnvironment::Development,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            cors_origins: StringList::List(Vec::new()),
            body_limit_bytes: 1024 * 1024,
            log_format: LogFormat::Text,
            login_rate_per_minute: 30,
            login_account_rate_per_minute: 10,
            register_rate_per_minute: 10,
            password_hash_concurrency: None,
            password_hash_wait_ms: 2000,
            trust_forwarded_for: false,
            workers: None,
            db_pool_size: 10,
            sqlite_mmap_mib: 0,
            shutdown_timeout_secs: 30,
            webhook_retry_base_ms: 2000,
            deliver_webhooks: true,
            webhook_allow_private: false,
            shared_rate_limits: None,
            registry_region_code: "330100".into(),
            registry_own_region_only: true,
            registry_name: None,
            auction_notice_secs: 7 * 24 * 3600,
            auction_starting_soon_secs: 3600,
            auction_deposit_min_bp: 500,
            auction_deposit_max_bp: 2000,
            notice_min_days: 15,
            pricing_notice_required: false,
            storage_url: None,
            attachment_max_bytes: 20 * 1024 * 1024,
            smtp_url: None,
            mail_from: "科技大市场 <noreply@techmarket.localhost>".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

/// A configuration problem, reported as one line.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Reads defaults, then the TOML file (`file`, else `TECHMARKET_CONFIG`, else
    /// `techmarket.toml` if present), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("TECHMARKET_CONFIG").map(PathBuf::from));
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(ConfigError(format!(
                        "config file {} does not exist",
                        path.display()
                    )));
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("techmarket.toml")),
        }
        figment = figment
            .merge(Env::prefixed("TECHMARKET_").ignore(&["config"]))
            .merge(Env::raw().only(&["DATABASE_URL"]));
        figment.extract().map_err(|e| ConfigError(e.to_string().replace('\n', " ")))
    }
}

/// The resolved configuration the application runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listening address.
    pub bind: SocketAddr,
    /// Which database, where.
    pub database: DatabaseUrl,
    /// The data folder (created if missing).
    pub data_dir: PathBuf,
    /// HMAC key for access tokens.
    pub jwt_secret: Vec<u8>,
    /// Development or production.
    pub env: RunEnvironment,
    /// Access-token lifetime in seconds.
    pub access_token_ttl_secs: u64,
    /// Refresh-token lifetime in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Allowed CORS origins.
    pub cors_origins: Vec<String>,
    /// Largest JSON body.
    pub body_limit_bytes: usize,
    /// Log format.
    pub log_format: LogFormat,
    /// Login attempts per client per minute.
    pub login_rate_per_minute: u32,
    /// Login attempts per account per minute.
    pub login_account_rate_per_minute: u32,
    /// Registrations per client per minute.
    pub register_rate_per_minute: u32,
    /// Password hashes and verifications at once.
    pub password_hash_concurrency: usize,
    /// Longest wait for a hashing slot, in milliseconds.
    pub password_hash_wait_ms: u64,
    /// Whether `X-Forwarded-For` names the client.
    pub trust_forwarded_for: bool,
    /// HTTP worker threads.
    pub workers: usize,
    /// Pool size.
    pub db_pool_size: u32,
    /// SQLite memory map per connection, in MiB.
    pub sqlite_mmap_mib: u64,
    /// Graceful shutdown timeout.
    pub shutdown_timeout_secs: u64,
    /// First webhook retry delay in milliseconds.
    pub webhook_retry_base_ms: u64,
    /// Whether webhook deliveries are sent.
    pub deliver_webhooks: bool,
    /// Whether webhooks may point at non-public addresses.
    pub webhook_allow_private: bool,
    /// Whether rate limits are counted in the database (shared by every instance).
    pub shared_rate_limits: bool,
    /// The contract registry's six-digit region code.
    pub registry_region_code: String,
    /// Whether the registry registers only contracts whose seller is in its region.
    pub registry_own_region_only: bool,
    /// The registry's name as certificates print it, when configured.
    pub registry_name: Option<String>,
    /// The trading rules the operator set (auctions and pricing notices).
    pub trading: crate::auctions::rules::TradingRules,
    /// Where attachments are stored.
    pub storage: crate::attachments::storage::StorageUrl,
    /// The largest attachment accepted, in bytes.
    pub attachment_max_bytes: u64,
    /// How e-mail is sent.
    pub mail: crate::mail::MailConfig,
}

impl Config {
    /// Validates the settings and resolves the database and the secret. May create the data
    /// folder and, in development, a generated secret file inside it.
    pub fn resolve(settings: Settings) -> Result<Config, ConfigError> {
        let bind: SocketAddr = settings.bind.parse().map_err(|_| {
            ConfigError(format!(
                "TECHMARKET_BIND `{}` is not an address like 127.0.0.1:8080",
                settings.bind
            ))
        })?;
        if settings.body_limit_bytes < 1024 {
            return Err(ConfigError("TECHMARKET_BODY_LIMIT_BYTES must be at least 1024".into()));
        }
        if settings.access_token_ttl_secs == 0 || settings.refresh_token_ttl_secs == 0 {
            return Err(ConfigError("token lifetimes must be positive".into()));
        }
        if settings.login_rate_per_minute == 0
            || settings.login_account_rate_per_minute == 0
            || settings.register_rate_per_minute == 0
        {
            return Err(ConfigError("login and registration rate limits must be positive".into()));
        }
        if settings.password_hash_concurrency == Some(0) {
            return Err(ConfigError(
                "TECHMARKET_PASSWORD_HASH_CONCURRENCY must be positive".into(),
            ));
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        if settings.db_pool_size == 0 {
            return Err(ConfigError("TECHMARKET_DB_POOL_SIZE must be positive".into()));
        }
        if settings.webhook_allow_private && settings.env == RunEnvironment::Production {
            return Err(ConfigError(
                "TECHMARKET_WEBHOOK_ALLOW_PRIVATE must not be set in production \
                 (webhooks would reach internal addresses)"
                    .into(),
            ));
        }
        let registry = settings.registry_region_code.trim();
        if registry.len() != 6 || !crate::domain::regions::is_valid(registry) {
            return Err(ConfigError(format!(
                "TECHMARKET_REGISTRY_REGION_CODE `{registry}` is not a six-digit GB/T 2260 region code"
            )));
        }
        let registry_region_code = registry.to_string();
        if settings.auction_deposit_min_bp > settings.auction_deposit_max_bp {
            return Err(ConfigError(
                "TECHMARKET_AUCTION_DEPOSIT_MIN_BP must not exceed TECHMARKET_AUCTION_DEPOSIT_MAX_BP"
                    .into(),
            ));
        }
        let trading = crate::auctions::rules::TradingRules {
            notice_secs: settings.auction_notice_secs,
            starting_soon_secs: i64::try_from(settings.auction_starting_soon_secs)
                .unwrap_or(i64::MAX),
            deposit_min_bp: i64::from(settings.auction_deposit_min_bp),
            deposit_max_bp: i64::from(settings.auction_deposit_max_bp),
            notice_min_days: i64::from(settings.notice_min_days),
            pricing_notice_required: settings.pricing_notice_required,
        };
        let database = match settings.database_url.as_deref().map(str::trim) {
            None | Some("") => DatabaseUrl::Sqlite(settings.data_dir.join(SQLITE_FILE_NAME)),
            Some(url) => DatabaseUrl::parse(url).map_err(ConfigError)?,
        };
        let storage = crate::attachments::storage::StorageUrl::parse(
            settings.storage_url.as_deref(),
            &settings.data_dir,
        )
        .map_err(ConfigError)?;
        if settings.attachment_max_bytes == 0 {
            return Err(ConfigError("TECHMARKET_ATTACHMENT_MAX_BYTES must be positive".into()));
        }
        let shared_rate_limits =
            settings.shared_rate_limits.unwrap_or(matches!(database, DatabaseUrl::Postgres(_)));
        let jwt_secret = resolve_secret(&settings)?;
        let workers = settings.workers.unwrap_or(cores).max(1);
        Ok(Config {
            bind,
            database,
            data_dir: settings.data_dir,
            jwt_secret,
            env: settings.env,
            access_token_ttl_secs: settings.access_token_ttl_secs,
            refresh_token_ttl_secs: settings.refresh_token_ttl_secs,
            cors_origins: settings.cors_origins.entries(),
            body_limit_bytes: settings.body_limit_bytes,
            log_format: settings.log_format,
            login_rate_per_minute: settings.login_rate_per_minute,
            login_account_rate_per_minute: settings.login_account_rate_per_minute,
            register_rate_per_minute: settings.register_rate_per_minute,
            password_hash_concurrency: settings.password_hash_concurrency.unwrap_or(2 * cores),
            password_hash_wait_ms: settings.password_hash_wait_ms,
            trust_forwarded_for: settings.trust_forwarded_for,
            workers,
            db_pool_size: settings.db_pool_size,
            sqlite_mmap_mib: settings.sqlite_mmap_mib,
            shutdown_timeout_secs: settings.shutdown_timeout_secs,
            webhook_retry_base_ms: settings.webhook_retry_base_ms.max(1),
            deliver_webhooks: settings.deliver_webhooks,
            webhook_allow_private: settings.webhook_allow_private,
            shared_rate_limits,
            registry_region_code,
            registry_own_region_only: settings.registry_own_region_only,
            registry_name: settings.registry_name.clone().filter(|n| !n.trim().is_empty()),
            trading,
            storage,
            mail: crate::mail::MailConfig::parse(
                settings.smtp_url.as_deref(),
                &settings.mail_from,
                &settings.public_url,
            )
            .map_err(ConfigError)?,
            attachment_max_bytes: settings.attachment_max_bytes,
        })
    }

    /// Loads and resolves in one step.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Config::resolve(Settings::load(file)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_requires_a_long_secret() {
        let settings = Settings {
            env: RunEnvironment::Production,
            jwt_secret: Some("short".into()),
            ..Settings::default()
        };
        let err = Config::resolve(settings).unwrap_err();
        assert!(err.to_string().contains("at least 32 bytes"));
        let settings = Settings { env: RunEnvironment::Production, ..Settings::default() };
        assert!(Config::resolve(settings).is_err());
    }

    #[test]
    fn production_refuses_private_webhook_targets() {
        let settings = Settings {
            env: RunEnvironment::Production,
            jwt_secret: Some("x".repeat(MIN_SECRET_BYTES)),
            webhook_allow_private: true,
            ..Settings::default()
        };
        let err = Config::resolve(settings.clone()).unwrap_err().to_string();
        assert!(err.contains("TECHMARKET_WEBHOOK_ALLOW_PRIVATE"), "{err}");
        let allowed =
            Config::resolve(Settings { webhook_allow_private: false, ..settings }).unwrap();
        assert!(!allowed.webhook_allow_private);
    }

    #[test]
    fn development_generates_and_reuses_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings { data_dir: dir.path().to_path_buf(), ..Settings::default() };
        let first = Config::resolve(settings.clone()).unwrap();
        let second = Config::resolve(settings).unwrap();
        assert_eq!(first.jwt_secret, second.jwt_secret);
        assert!(first.jwt_secret.len() >= MIN_SECRET_BYTES);
    }

    #[test]
    fn bad_bind_is_one_clear_line() {
        let settings = Settings { bind: "nowhere".into(), ..Settings::default() };
        let err = Config::resolve(settings).unwrap_err().to_string();
        assert!(err.contains("TECHMARKET_BIND"));
        assert!(!err.contains('\n'));
    }

    #[test]
    fn the_registry_region_must_exist() {
        for bad in ["", "33", "999999", "33010A"] {
            let settings = Settings { registry_region_code: bad.into(), ..Settings::default() };
            let err = Config::resolve(settings).unwrap_err().to_string();
            assert!(err.contains("TECHMARKET_REGISTRY_REGION_CODE"), "{bad}: {err}");
        }
    }

    #[test]
    fn cors_origins_accept_a_joined_string() {
        let list = StringList::Joined("https://a.example, https://b.example,".into());
        assert_eq!(list.entries(), vec!["https://a.example", "https://b.example"]);
    }
}
