//! The HTTP API end to end, on SQLite (default) or PostgreSQL (`TEST_DATABASE_URL`).

mod helpers;

mod achievements;
mod auth;
mod conventions;
mod operations;
mod organizations;
mod taxonomies;
mod users;
