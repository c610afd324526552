//! The test harness: the real application on port 0 over a fresh database per test.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use techmarket::Application;
use techmarket::accounts::model::Role;
use techmarket::accounts::queries::{self, UserDraft};
use techmarket::audit::Actor;
use techmarket::auth::password;
use techmarket::config::{Config, Settings};
use techmarket::db::schema::users;
use techmarket::db::{DbConnection, write_transaction};
use techmarket::domain::credit_code::compute_check_character;
use techmarket::state::AppState;

/// A password that passes the strength check.
pub(crate) const PASSWORD: &str = "Tea-kettle-Orbit-19";
/// The JWT secret of test servers.
pub(crate) const SECRET: &str = "test-secret-test-secret-test-secret-0001";

/// The database behind one test.
pub(crate) enum TestDatabase {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A fresh PostgreSQL database, dropped at the end.
    Postgres { admin_url: String, name: String },
    /// Another instance's database (not dropped by this one).
    Shared,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self
            && let Ok(mut conn) = diesel::PgConnection::establish(admin_url)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        }
    }
}

/// The PostgreSQL URL of the suite, if the PostgreSQL run was asked for.
pub(crate) fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.trim().is_empty())
}

/// Creates a fresh database for one test; returns its URL (None → SQLite in `data_dir`).
pub(crate) fn fresh_database() -> (Option<String>, TestDatabase) {
    match postgres_admin_url() {
        None => (None, TestDatabase::Sqlite),
        Some(admin_url) => {
            let name = format!("tm_test_{}", uuid::Uuid::new_v4().simple());
            techmarket::db::init_postgres_tls();
            let mut conn = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL unreachable: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create test database");
            let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
            let base = base.to_string();
            let url = format!("{base}/{name}");
            (Some(url), TestDatabase::Postgres { admin_url, name })
        }
    }
}

/// The S3 storage of the suite (`TEST_STORAGE_URL=s3://bucket/prefix`), if asked for: each
/// test application stores its attachments under a fresh prefix below it. Unset → the
/// attachments go to the test's data folder.
pub(crate) fn test_storage_url() -> Option<String> {
    std::env::var("TEST_STORAGE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .map(|u| format!("{}/t-{}", u.trim().trim_end_matches('/'), uuid::Uuid::new_v4().simple()))
}

/// A running application.
pub(crate) struct TestApp {
    /// The database URL both this and further instances use.
    pub database_url: String,
    pub address: String,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<AppState>,
    _data_dir: tempfile::TempDir,
    _database: TestDatabase,
}

/// Test settings: port 0, a temporary data folder, a fresh database.
pub(crate) fn test_settings(data_dir: &std::path::Path, database_url: Option<String>) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url,
        data_dir: data_dir.to_path_buf(),
        jwt_secret: Some(SECRET.into()),
        workers: Some(2),
        db_pool_size: 4,
        login_rate_per_minute: 1000,
        login_account_rate_per_minute: 1000,
        register_rate_per_minute: 1000,
        shutdown_timeout_secs: 1,
        // Test webhook receivers listen on 127.0.0.1; tests of the refusals turn this off.
        webhook_allow_private: true,
        // Auctions in tests open seconds after their announcement; the notice rule's own
        // test sets it.
        auction_notice_secs: 0,
        storage_url: test_storage_url(),
        ..Settings::default()
    }
}

/// Starts the application with default test settings.
pub(crate) async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the application with adjusted settings.
pub(crate) async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (url, database) = fresh_database();
    let mut settings = test_settings(data_dir.path(), url.clone());
    adjust(&mut settings);
    let database_url =
        url.unwrap_or_else(|| data_dir.path().join("techmarket.db").to_string_lossy().into_owned());
    settings.database_url = Some(database_url.clone());
    start(settings, data_dir, database, database_url).await
}

async fn start(
    settings: Settings,
    data_dir: tempfile::TempDir,
    database: TestDatabase,
    database_url: String,
) -> TestApp {
    let config = Config::resolve(settings).expect("config");
    let app = Application::build(config).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        database_url,
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        state,
        _data_dir: data_dir,
        _database: database,
    }
}

/// A valid unified social credit code, different for each `n`.
pub(crate) fn credit_code(n: u32) -> String {
    let first17 = format!("9133010600{n:07}");
    let check = compute_check_character(&first17).expect("check character");
    format!("{first17}{check}")
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub user_id: String,
    pub email: String,
    pub organization_id: Option<String>,
    pub access_token: String,
    pub refresh_token: String,
}

impl TestApp {
    /// Another instance of the application on the same database, with its own data folder
    /// (and so its own search index).
    pub(crate) async fn second_instance(&self) -> TestApp {
        self.second_instance_with(|_| {}).await
    }

    /// Another instance on the same database, with adjusted settings.
    pub(crate) async fn second_instance_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut settings = test_settings(data_dir.path(), Some(self.database_url.clone()));
        adjust(&mut settings);
        settings.database_url = Some(self.database_url.clone());
        start(settings, data_dir, TestDatabase::Shared, self.database_url.clone()).await
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a request with an optional JSON body and bearer token.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    pub(crate) async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.send(Method::GET, path, token, None).await
    }

    pub(crate) async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::POST, path, token, Some(body)).await
    }

    pub(crate) async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Response {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// Registers a user with a new organization of a kind that suits the role.
    pub(crate) async fn register_with_org(
        &self,
        email: &str,
        role: &str,
        org_kind: &str,
        code_n: u32,
    ) -> Value {
        let response = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({
                    "email": email, "password": PASSWORD, "display_name": format!("用户{code_n}"), "role": role,
                    "organization": {
                        "name": format!("测试机构{code_n}"), "kind": org_kind,
                        "credit_code": credit_code(code_n), "region_code": "330106"
                    }
                }),
            )
            .await;
        assert_status(response, StatusCode::CREATED).await
    }

    /// Signs in.
    pub(crate) async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/api/v1/auth/login", None, json!({"email": email, "password": password})).await
    }

    /// Signs in and returns the session, asserting success.
    pub(crate) async fn session(&self, email: &str) -> Session {
        let tokens = assert_status(self.login(email, PASSWORD).await, StatusCode::OK).await;
        let me = assert_status(
            self.get("/api/v1/me", tokens["access_token"].as_str()).await,
            StatusCode::OK,
        )
        .await;
        Session {
            user_id: me["user"]["id"].as_str().unwrap().to_string(),
            email: email.to_string(),
            organization_id: me["user"]["organization_id"].as_str().map(str::to_owned),
            access_token: tokens["access_token"].as_str().unwrap().to_string(),
            refresh_token: tokens["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// An enterprise user with a new enterprise, signed in.
    pub(crate) async fn enterprise(&self, n: u32) -> Session {
        let email = format!("ent{n}@example.com");
        self.register_with_org(&email, "enterprise", "enterprise", n).await;
        self.session(&email).await
    }

    /// A university user with a new university, signed in.
    pub(crate) async fn university(&self, n: u32) -> Session {
        let email = format!("uni{n}@example.edu.cn");
        self.register_with_org(&email, "university", "university", n).await;
        self.session(&email).await
    }

    /// A user without an organization (`broker` or `expert`), signed in.
    pub(crate) async fn person(&self, email: &str, role: &str) -> Session {
        let response = self
            .post(
                "/api/v1/auth/register",
                None,
                json!({"email": email, "password": PASSWORD, "display_name": "个人用户", "role": role}),
            )
            .await;
        assert_status(response, StatusCode::CREATED).await;
        self.session(email).await
    }

    /// A technology broker without an organization, signed in, whom an administrator has
    /// verified (as the operator does before a broker carries deals).
    pub(crate) async fn broker(&self, n: u32) -> Session {
        let broker = self.unverified_broker(n).await;
        let db = self.state.db.clone();
        let user_id = broker.user_id.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get().expect("conn");
            diesel::update(users::table.find(&user_id))
                .set(users::verified_at.eq(Some(chrono::Utc::now().naive_utc())))
                .execute(&mut conn)
                .expect("verify broker");
        })
        .await
        .expect("join");
        broker
    }

    /// A self-registered technology broker no administrator has verified yet, signed in.
    pub(crate) async fn unverified_broker(&self, n: u32) -> Session {
        self.person(&format!("broker{n}@example.com"), "broker").await
    }

    /// Has `admin` verify the organizations of these users (deals are opened by members of
    /// verified organizations only).
    pub(crate) async fn verify_orgs(&self, admin: &Session, members: &[&Session]) {
        for member in members {
            let org = member.organization_id.as_deref().expect("an organization");
            assert_status(
                self.post(
                    &format!("/api/v1/admin/organizations/{org}/verify"),
                    Some(&admin.access_token),
                    json!({"verified": true}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
    }

    /// Has `admin` verify a user (technology brokers carry deals only once verified).
    pub(crate) async fn verify_user(&self, admin: &Session, user: &Session) {
        assert_status(
            self.post(
                &format!("/api/v1/admin/users/{}/verify", user.user_id),
                Some(&admin.access_token),
                json!({"verified": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    /// A research-institute user with a new institute, signed in.
    pub(crate) async fn institute(&self, n: u32) -> Session {
        let email = format!("inst{n}@example.ac.cn");
        self.register_with_org(&email, "university", "research_institute", n).await;
        self.session(&email).await
    }

    /// Creates a record in a library (`achievements`, `demands`, …) as `owner`, submits it
    /// and has `admin` approve it; returns the published record.
    pub(crate) async fn publish(
        &self,
        library: &str,
        owner: &Session,
        admin: &Session,
        body: Value,
    ) -> Value {
        let created = assert_status(
            self.post(&format!("/api/v1/{library}"), Some(&owner.access_token), body).await,
            StatusCode::CREATED,
        )
        .await;
        let id = created["id"].as_str().expect("id").to_string();
        assert_status(
            self.post(
                &format!("/api/v1/{library}/{id}/submit"),
                Some(&owner.access_token),
                json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_status(
            self.post(
                &format!("/api/v1/{library}/{id}/approve"),
                Some(&admin.access_token),
                json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_status(
            self.get(&format!("/api/v1/{library}/{id}"), Some(&owner.access_token)).await,
            StatusCode::OK,
        )
        .await
    }

    /// An administrator (created as `create-admin` does), signed in.
    pub(crate) async fn admin(&self, n: u32) -> Session {
        let email = format!("admin{n}@bureau.gov.cn");
        let db = self.state.db.clone();
        let draft_email = email.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get().expect("conn");
            let draft = UserDraft {
                email: draft_email,
                password_hash: password::hash(PASSWORD).expect("hash"),
                display_name: "管理员".into(),
                role: Role::Admin,
                organization_id: None,
                verified: true,
                language: techmarket::i18n::Lang::Zh,
            };
            write_transaction(&mut conn, |conn: &mut DbConnection| {
                queries::insert(conn, &Actor::default(), draft, "user.create_admin")
            })
            .expect("insert admin");
        })
        .await
        .expect("join");
        self.session(&email).await
    }
}

impl TestApp {
    /// The audit entries that `admin` reads with `query` (e.g. `action=auction.close`), newest
    /// first.
    pub(crate) async fn audit_entries(
        &self,
        admin: &Session,
        query: impl AsRef<str>,
    ) -> Vec<Value> {
        let page = self
            .as_user(admin)
            .get(format!("/api/v1/admin/audit?{}", query.as_ref()))
            .expect(200)
            .await;
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

/// Asserts a status and returns the JSON body (Null when empty).
pub(crate) async fn assert_status(response: Response, expected: StatusCode) -> Value {
    let status = response.status();
    let chinese_problem = header_text(&response, "content-type") == "application/problem+json"
        && header_text(&response, "content-language") == "zh-CN";
    let text = response.text().await.unwrap_or_default();
    assert_eq!(status, expected, "unexpected status; body: {text}");
    if text.is_empty() {
        return Value::Null;
    }
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if chinese_problem {
        assert_catalogued(&body);
    }
    body
}

/// Asserts that a Chinese problem says everything in Chinese: its title, detail and field
/// messages hold no English phrase outside backticks (machine values). Every problem the suite
/// meets passes here, so a text missing from the catalogue fails the test that provokes it.
fn assert_catalogued(problem: &Value) {
    static ENGLISH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b[A-Za-z]+(?:\s+[A-Za-z]{2,})+\b").expect("a pattern")
    });
    static VERBATIM: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"`[^`]*`").expect("a pattern"));
    let mut texts = vec![&problem["title"], &problem["detail"]];
    if let Some(errors) = problem["errors"].as_array() {
        texts.extend(errors.iter().map(|error| &error["message"]));
    }
    for text in texts.into_iter().filter_map(Value::as_str) {
        let outside = VERBATIM.replace_all(text, "");
        if let Some(phrase) = ENGLISH.find(&outside) {
            panic!("untranslated “{}” in a Chinese problem: {problem}", phrase.as_str());
        }
    }
}

/// Asserts a problem+json answer with this status and returns it.
pub(crate) async fn assert_problem(response: Response, expected: StatusCode) -> Value {
    let content_type = header_text(&response, "content-type");
    let body = assert_status(response, expected).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["status"], expected.as_u16(), "body: {body}");
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string());
    body
}

/// One string field of every item of a list answer, in order (`items_field(&page, "id")`).
pub(crate) fn items_field(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("a list answer's items")
        .iter()
        .map(|item| item[field].as_str().unwrap_or_else(|| panic!("{field} of {item}")).to_string())
        .collect()
}

/// The ids of a list answer's items, in order.
pub(crate) fn ids(page: &Value) -> Vec<String> {
    items_field(page, "id")
}

/// Serves `routes` on 127.0.0.1 with `workers` workers (a test's own webhook receiver);
/// returns the port.
pub(crate) fn serve_locally<F>(workers: usize, routes: F) -> u16
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("the listener's address").port();
    let server =
        actix_web::HttpServer::new(move || actix_web::App::new().configure(routes.clone()))
            .workers(workers)
            .listen(listener)
            .expect("listen")
            .run();
    tokio::spawn(server);
    port
}

/// A response's `Retry-After` in seconds (asserted present and whole).
pub(crate) fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After")
}

/// A response header's text (empty when absent or not text).
pub(crate) fn header_text(response: &Response, name: &str) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// One part (`field`, `code`, `message`) of each error of a 422's `errors`, in order.
fn error_parts(problem: &Value, part: &str) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors.iter().map(|e| e[part].as_str().unwrap_or_default().to_string()).collect()
        })
        .unwrap_or_default()
}

/// The fields named in a 422's `errors`.
pub(crate) fn error_fields(problem: &Value) -> Vec<String> {
    error_parts(problem, "field")
}

/// The machine codes of a 422's `errors`.
pub(crate) fn error_codes(problem: &Value) -> Vec<String> {
    error_parts(problem, "code")
}

/// Asserts that each field of `expected` (a JSON object) has its value in `value`.
pub(crate) fn assert_fields(value: &Value, expected: Value) {
    for (field, wanted) in expected.as_object().expect("expected fields as an object") {
        assert_eq!(&value[field], wanted, "field `{field}` of {value}");
    }
}

/// `base` with each field of `extra` set over it (both JSON objects).
pub(crate) fn merged(mut base: Value, extra: Value) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// A valid achievement body (title made unique by `n`), with confidential details.
pub(crate) fn sample_achievement(n: u32) -> Value {
    json!({
        "title": format!("一种高能量密度锂离子电池正极材料的制备方法{n}"),
        "summary": "本成果提出一种富锂锰基正极材料的共沉淀制备工艺，通过表面包覆提高循环稳定性，适用于动力电池和储能系统。",
        "keywords": ["锂离子电池", "正极材料", "共沉淀"],
        "technology_field": "new_energy",
        "maturity": "pilot",
        "ip_type": "invention_patent",
        "cooperation_modes": ["license", "transfer"],
        "asking_price_fen": 50_000_000,
        "confidential_details": "烧结温度 850℃，包覆层厚度 5nm"
    })
}

/// A valid demand body (title made unique by `n`), with confidential details; `reward_fen`
/// makes it an open call (揭榜挂帅).
pub(crate) fn sample_demand(n: u32, reward_fen: Option<i64>) -> Value {
    json!({
        "title": format!("动力电池低温快充热管理方案征集{n}"),
        "description": "我公司生产的电动叉车在北方冬季零下二十度环境中充电缓慢，需要一种电池预热与快充控制方案。",
        "keywords": ["动力电池", "热管理", "快充"],
        "technology_field": "new_energy",
        "cooperation_modes": ["commissioned_development", "transfer"],
        "budget_max_fen": 20_000_000,
        "reward_fen": reward_fen,
        "confidential_details": "现有电池包型号 LFP-280Ah"
    })
}

/// Whoever makes a request: anonymous, or signed in with a bearer token.
pub(crate) struct Caller<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl TestApp {
    /// Requests without credentials.
    pub(crate) fn anon(&self) -> Caller<'_> {
        self.caller(None)
    }

    /// Requests as a signed-in user.
    pub(crate) fn as_user(&self, session: &Session) -> Caller<'_> {
        self.caller(Some(&session.access_token))
    }

    /// Requests with this bearer token.
    pub(crate) fn with_token(&self, token: &str) -> Caller<'_> {
        self.caller(Some(token))
    }

    /// Requests with this bearer token, if any.
    pub(crate) fn caller(&self, token: Option<&str>) -> Caller<'_> {
        Caller { app: self, token: token.map(str::to_owned) }
    }
}

impl Caller<'_> {
    /// A request of any method.
    pub(crate) fn request(&self, method: Method, path: impl AsRef<str>) -> Call {
        let mut builder = self.app.client.request(method, self.app.url(path.as_ref()));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        Call { builder }
    }

    /// A POST of an action that takes no fields (an empty JSON object).
    pub(crate) fn act(&self, path: impl AsRef<str>) -> Call {
        self.post(path).json(json!({}))
    }

    pub(crate) fn get(&self, path: impl AsRef<str>) -> Call {
        self.request(Method::GET, path)
    }

    pub(crate) fn post(&self, path: impl AsRef<str>) -> Call {
        self.request(Method::POST, path)
    }

    pub(crate) fn patch(&self, path: impl AsRef<str>) -> Call {
        self.request(Method::PATCH, path)
    }

    pub(crate) fn put(&self, path: impl AsRef<str>) -> Call {
        self.request(Method::PUT, path)
    }

    pub(crate) fn delete(&self, path: impl AsRef<str>) -> Call {
        self.request(Method::DELETE, path)
    }
}

/// One request being built.
pub(crate) struct Call {
    builder: reqwest::RequestBuilder,
}

impl Call {
    /// A JSON body.
    pub(crate) fn json(self, body: Value) -> Self {
        Call { builder: self.builder.json(&body) }
    }

    /// A raw body of this content type.
    pub(crate) fn body(self, content_type: &str, body: impl Into<reqwest::Body>) -> Self {
        Call { builder: self.builder.header("content-type", content_type).body(body) }
    }

    /// A request header.
    pub(crate) fn header(self, name: &str, value: impl AsRef<str>) -> Self {
        Call { builder: self.builder.header(name, value.as_ref()) }
    }

    /// An `If-Match` precondition.
    pub(crate) fn if_match(self, etag: impl AsRef<str>) -> Self {
        self.header("if-match", etag)
    }

    /// Sends the request; the raw response.
    pub(crate) async fn send(self) -> Response {
        self.builder.send().await.expect("request")
    }

    /// Sends the request, asserts the status and returns the JSON body (Null when empty).
    pub(crate) async fn expect(self, status: u16) -> Value {
        assert_status(self.send().await, code(status)).await
    }

    /// Asks for CSV, asserts a 200 `text/csv; charset=utf-8` answer and returns its text.
    pub(crate) async fn csv(self) -> String {
        let response = self.header("accept", "text/csv").send().await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        let text = response.text().await.expect("CSV body");
        text.strip_prefix('\u{feff}').expect("CSV starts with a UTF-8 byte-order mark").to_string()
    }

    /// Sends the request, asserts a problem+json answer with this status and returns it.
    pub(crate) async fn problem(self, status: u16) -> Value {
        assert_problem(self.send().await, code(status)).await
    }
}

fn code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).expect("a status code")
}

/// One step of setting up a market, taken in the order given.
enum Step {
    Admin(u32),
    Enterprise(u32),
    University(u32),
    Institute(u32),
    Broker(u32),
    VerifiedOrgs,
    Demand(Value),
    Achievement(Value),
}

/// Sets up the market a story plays in: who takes part (signed in) and what is published.
/// `MarketBuilder::new(&app).enterprise(1).university(2).admin(1).verified_orgs()
///     .demand(sample_demand(1, None)).build().await`
pub(crate) struct MarketBuilder<'a> {
    app: &'a TestApp,
    steps: Vec<Step>,
}

/// The participants and published records of a market, in the order they were set up.
pub(crate) struct Market {
    pub admins: Vec<Session>,
    pub enterprises: Vec<Session>,
    pub universities: Vec<Session>,
    pub institutes: Vec<Session>,
    pub brokers: Vec<Session>,
    pub demands: Vec<Value>,
    pub achievements: Vec<Value>,
}

impl<'a> MarketBuilder<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        MarketBuilder { app, steps: Vec::new() }
    }

    fn then(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// An administrator.
    pub(crate) fn admin(self, n: u32) -> Self {
        self.then(Step::Admin(n))
    }

    /// An enterprise user with a new enterprise.
    pub(crate) fn enterprise(self, n: u32) -> Self {
        self.then(Step::Enterprise(n))
    }

    /// A university user with a new university.
    pub(crate) fn university(self, n: u32) -> Self {
        self.then(Step::University(n))
    }

    /// A research-institute user with a new institute.
    pub(crate) fn institute(self, n: u32) -> Self {
        self.then(Step::Institute(n))
    }

    /// A verified technology broker.
    pub(crate) fn broker(self, n: u32) -> Self {
        self.then(Step::Broker(n))
    }

    /// The first administrator verifies the organizations of the enterprises and
    /// universities so far.
    pub(crate) fn verified_orgs(self) -> Self {
        self.then(Step::VerifiedOrgs)
    }

    /// A demand of the first enterprise, published by the first administrator.
    pub(crate) fn demand(self, body: Value) -> Self {
        self.then(Step::Demand(body))
    }

    /// An achievement of the first university, published by the first administrator.
    pub(crate) fn achievement(self, body: Value) -> Self {
        self.then(Step::Achievement(body))
    }

    pub(crate) async fn build(self) -> Market {
        let app = self.app;
        let mut m = Market {
            admins: Vec::new(),
            enterprises: Vec::new(),
            universities: Vec::new(),
            institutes: Vec::new(),
            brokers: Vec::new(),
            demands: Vec::new(),
            achievements: Vec::new(),
        };
        for step in self.steps {
            match step {
                Step::Admin(n) => m.admins.push(app.admin(n).await),
                Step::Enterprise(n) => m.enterprises.push(app.enterprise(n).await),
                Step::University(n) => m.universities.push(app.university(n).await),
                Step::Institute(n) => m.institutes.push(app.institute(n).await),
                Step::Broker(n) => m.brokers.push(app.broker(n).await),
                Step::VerifiedOrgs => {
                    let members: Vec<&Session> =
                        m.enterprises.iter().chain(&m.universities).collect();
                    app.verify_orgs(m.admin(), &members).await;
                }
                Step::Demand(body) => {
                    let demand = app.publish("demands", m.enterprise(), m.admin(), body).await;
                    m.demands.push(demand);
                }
                Step::Achievement(body) => {
                    let achievement =
                        app.publish("achievements", m.university(), m.admin(), body).await;
                    m.achievements.push(achievement);
                }
            }
        }
        m
    }
}

impl Market {
    pub(crate) fn admin(&self) -> &Session {
        self.admins.first().expect("an administrator")
    }

    pub(crate) fn enterprise(&self) -> &Session {
        self.enterprises.first().expect("an enterprise")
    }

    pub(crate) fn university(&self) -> &Session {
        self.universities.first().expect("a university")
    }

    pub(crate) fn institute(&self) -> &Session {
        self.institutes.first().expect("an institute")
    }

    pub(crate) fn broker(&self) -> &Session {
        self.brokers.first().expect("a broker")
    }

    /// The id of the first published demand.
    pub(crate) fn demand_id(&self) -> String {
        self.demands[0]["id"].as_str().expect("id").to_string()
    }

    /// The id of the first published achievement.
    pub(crate) fn achievement_id(&self) -> String {
        self.achievements[0]["id"].as_str().expect("id").to_string()
    }
}
