//! The ceiling for `GET /api/v1/achievements/{id}` (`benches/overhead.sh`): a bare actix-web +
//! diesel server that reads the same achievement row from the same SQLite file (listing and
//! achievement columns, one query on an r2d2 pool, off the executor) and answers it as JSON; a
//! bearer token is checked as the real server's access token is (HS256 signature and expiry),
//! without any database read.
//!
//! usage: bare_server DATABASE_PATH 127.0.0.1:PORT (the JWT secret in TECHMARKET_JWT_SECRET)

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use serde::{Deserialize, Serialize};

/// One achievement as the bare server answers it: the columns the real answer is made of.
#[derive(Debug, QueryableByName, Serialize)]
struct Achievement {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Nullable<Text>)]
    org_id: Option<String>,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Text)]
    valid_until: String,
    #[diesel(sql_type = Nullable<Text>)]
    published_at: Option<String>,
    #[diesel(sql_type = Text)]
    created_at: String,
    #[diesel(sql_type = Text)]
    updated_at: String,
    #[diesel(sql_type = Text)]
    summary: String,
    #[diesel(sql_type = Text)]
    keywords: String,
    #[diesel(sql_type = Text)]
    technology_field: String,
    #[diesel(sql_type = Nullable<Text>)]
    industry: Option<String>,
    #[diesel(sql_type = Text)]
    maturity: String,
    #[diesel(sql_type = Text)]
    ip_type: String,
    #[diesel(sql_type = Text)]
    patents: String,
    #[diesel(sql_type = Text)]
    cooperation_modes: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    asking_price_fen: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    team: Option<String>,
    #[diesel(sql_type = Bool)]
    international: bool,
}

/// The claims the access token carries (only the expiry is checked here).
#[derive(Debug, Deserialize)]
struct Claims {
    #[allow(dead_code)]
    exp: i64,
}

type SqlitePool = Pool<ConnectionManager<SqliteConnection>>;

struct Shared {
    pool: SqlitePool,
    key: jsonwebtoken::DecodingKey,
}

const QUERY: &str = "SELECT l.id, l.org_id, l.title, l.status, l.region_code, l.version, \
     l.valid_until, l.published_at, l.created_at, l.updated_at, \
     a.summary, a.keywords, a.technology_field, a.industry, a.maturity, a.ip_type, a.patents, \
     a.cooperation_modes, a.asking_price_fen, a.team, a.international \
     FROM listings l JOIN achievements a ON a.id = l.id WHERE l.id = ? AND l.status = 'published'";

async fn achievement(
    request: HttpRequest,
    shared: web::Data<Shared>,
    id: web::Path<String>,
) -> HttpResponse {
    if let Some(header) = request.headers().get("authorization") {
        let token = header.to_str().unwrap_or_default().trim_start_matches("Bearer ");
        let validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        if jsonwebtoken::decode::<Claims>(token, &shared.key, &validation).is_err() {
            return HttpResponse::Unauthorized().finish();
        }
    }
    let pool = shared.pool.clone();
    let found = web::block(move || {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        diesel::sql_query(QUERY)
            .bind::<Text, _>(id.into_inner())
            .get_result::<Achievement>(&mut conn)
            .optional()
            .map_err(|e| e.to_string())
    })
    .await;
    match found {
        Ok(Ok(Some(row))) => HttpResponse::Ok().json(row),
        Ok(Ok(None)) => HttpResponse::NotFound().finish(),
        _ => HttpResponse::InternalServerError().finish(),
    }
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (Some(database), Some(bind)) = (args.next(), args.next()) else {
        eprintln!("usage: bare_server DATABASE_PATH 127.0.0.1:PORT");
        std::process::exit(2);
    };
    let secret = std::env::var("TECHMARKET_JWT_SECRET").unwrap_or_default();
    let pool = Pool::builder()
        .max_size(8)
        .build(ConnectionManager::<SqliteConnection>::new(database))
        .map_err(std::io::Error::other)?;
    let shared = web::Data::new(Shared {
        pool,
        key: jsonwebtoken::DecodingKey::from_secret(secret.as_bytes()),
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/api/v1/achievements/{id}", web::get().to(achievement))
        })
        .bind(bind)?
        .run()
        .await
    })
}
