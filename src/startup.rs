//! Building and running the application (zero2prod's `Application::build` shape, so that
//! tests start the real thing on port 0).

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::hashing::HashingGate;
use crate::auth::rate_limit::{ClientLimiter, LoginLimiter};
use crate::auth::shared_limit::SharedLimits;
use crate::auth::tokens::TokenService;
use crate::config::Config;
use crate::db::{ConnectionManager, Db, migrations};
use crate::error::ApiError;
use crate::http::json::BodyLimit;
use crate::http::middleware::{Metrics, observe};
use crate::matching::engine::MatchingState;
use crate::openapi::{self, ApiDoc};
use crate::search::SearchIndex;
use crate::state::AppState;

async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!("route {} {}", req.method(), req.path())))
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "x-request-id",
            "idempotency-key",
        ])
        .expose_headers(["etag", "x-request-id", "retry-after", "location"])
        .max_age(3600);
    for origin in origins {
        cors = if origin == "*" { cors.allow_any_origin() } else { cors.allowed_origin(origin) };
    }
    cors
}

/// Where an instance records how far its index followed the change feed (beside the index).
fn checkpoint_path(index_dir: &std::path::Path) -> std::path::PathBuf {
    index_dir.with_file_name(crate::listings::reindex::CHECKPOINT_FILE)
}

/// What `build` loads before binding: the database, the search index, the vocabularies.
type Loaded = (Db, SearchIndex, Arc<MatchingState>);

/// A built server, bound and ready to run.
pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    /// Connects to the database, applies pending migrations, binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let url = config.database.clone();
        let pool_size = config.db_pool_size;
        let mmap_bytes = config.sqlite_mmap_mib * 1024 * 1024;
        let index_dir = config.data_dir.join("index");
        let (db, search, matching) =
            tokio::task::spawn_blocking(move || -> anyhow::Result<Loaded> {
                let manager = ConnectionManager::new(url).with_sqlite_mmap(mmap_bytes);
                let db = Db::connect_with(manager, pool_size).map_err(anyhow::Error::msg)?;
                let mut conn = db.get().map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let applied = migrations::run_pending(&mut conn)
                    .map_err(|e| anyhow::anyhow!("migrations failed: {e}"))?;
                if !applied.is_empty() {
                    tracing::info!(?applied, "applied migrations");
                }
                // The sentence encoder is read now: a missing model file stops the start.
                crate::meaning::Meaning::shared()?;
                let search = SearchIndex::open(&index_dir)
                    .map_err(|e| anyhow::anyhow!("search index at {}: {e}", index_dir.display()))?;
                let rebuilt = crate::listings::reindex::catch_up(&mut conn, &search)?;
                if rebuilt {
                    // Everything is indexed as of now: the change feed starts here.
                    let _ = std::fs::remove_file(checkpoint_path(&index_dir));
                }
                let matching =
                    MatchingState::load(&mut conn).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                Ok((db, search, matching))
            })
            .await??;
        Application::build_with_db(config, db, search, matching)
    }

    /// Binds the listener over an existing database handle (no migrations run).
    pub fn build_with_db(
        config: Config,
        db: Db,
        search: SearchIndex,
        matching: Arc<MatchingState>,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        let port = listener.local_addr()?.port();
        let dummy_hash = crate::auth::password::hash(&uuid::Uuid::new_v4().to_string())
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let mut login_limiter =
            LoginLimiter::new(config.login_rate_per_minute, config.login_account_rate_per_minute);
        let mut register_limiter = ClientLimiter::new("register", config.register_rate_per_minute);
        if config.shared_rate_limits {
            // Several instances may serve one database: the limits are counted there.
            let counters = std::sync::Arc::new(SharedLimits::new(db.clone()));
            login_limiter = login_limiter.shared(counters.clone());
            register_limiter = register_limiter.shared(counters);
        }
        let storage = crate::attachments::storage::Storage::open(&config.storage)?;
        tracing::info!(storage = %config.storage.describe(), "attachment storage");
        let db_for_feed = db.clone();
        let state = web::Data::new(AppState {
            tokens: TokenService::new(&config.jwt_secret, config.access_token_ttl_secs),
            login_limiter,
            register_limiter,
            password_hashing: HashingGate::new(
                config.password_hash_concurrency,
                std::time::Duration::from_millis(config.password_hash_wait_ms),
            ),
            db,
            dummy_hash,
            search,
            matching,
            auction_feed: crate::auctions::feed::AuctionFeed::start(db_for_feed),
            bid_queues: crate::auctions::queue::BidQueues::default(),
            storage,
            config: Arc::new(config),
        });
        crate::listings::expiry::spawn_expiry_sweeper(state.db.clone());
        crate::vouchers::lapse::spawn_lapse_sweeper(state.db.clone());
        crate::mail::spawn_sender(state.db.clone(), state.config.mail.clone());
        crate::attachments::sweep::spawn_sweeper(state.db.clone(), state.storage.clone());
        crate::auctions::closing::spawn_auction_clock(
            state.db.clone(),
            state.config.trading.starting_soon_secs,
        );
        if state.config.deliver_webhooks {
            crate::notifications::webhooks::spawn_delivery_worker(
                state.db.clone(),
                std::time::Duration::from_millis(state.config.webhook_retry_base_ms),
                state.config.webhook_allow_private,
            );
        }
        // The change feed only reads the database and refreshes this instance's own index:
        // it runs on every instance by design and needs no claiming.
        let checkpoint = checkpoint_path(&state.config.data_dir.join("index"));
        let start = crate::listings::reindex::read_checkpoint(&checkpoint).unwrap_or_else(|| {
            crate::listings::reindex::Checkpoint { since: crate::db::now(), seq: None }
        });
        crate::listings::reindex::spawn_change_feed(
            state.db.clone(),
            state.search.clone(),
            state.matching.clone(),
            start,
            checkpoint,
        );
        let metrics = web::Data::new(Metrics::new()?);
        let spec = openapi::spec();
        let config = state.config.clone();
        let app_state = state.clone();
        let server = actix_web::HttpServer::new(move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .openapi(ApiDoc::openapi())
                .configure(crate::routes::configure_routes)
                .split_for_parts();
            app.app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(BodyLimit(config.body_limit_bytes))
                .app_data(web::QueryConfig::default().error_handler(|error, _| {
                    ApiError::field("query", "invalid_query", error.to_string()).into()
                }))
                .app_data(
                    web::PathConfig::default().error_handler(|error, _| {
                        ApiError::NotFound(format!("path: {error}")).into()
                    }),
                )
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-spec/openapi.json", spec.clone()))
                .route("/docs", web::get().to(docs_redirect))
                .default_service(web::to(not_found))
                .wrap(from_fn(crate::http::input_guard::reject_control_characters))
                .wrap(cors(&config.cors_origins))
                .wrap(from_fn(crate::http::problems::ensure_problem_json))
                .wrap(from_fn(crate::i18n::middleware::in_language))
                .wrap(from_fn(observe))
        })
        .workers(state.config.workers)
        .shutdown_timeout(state.config.shutdown_timeout_secs)
        .listen(listener)?
        .run();
        Ok(Application { port, server, state })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use the token service and the database).
    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
