//! The HTTP API end to end, on SQLite (default) or PostgreSQL (`TEST_DATABASE_URL`).

mod helpers;

mod achievements;
mod auth;
mod bulk;
mod conventions;
mod demands;
mod experts;
mod matching;
mod notifications;
mod operations;
mod organizations;
mod service_providers;
mod taxonomies;
mod users;
