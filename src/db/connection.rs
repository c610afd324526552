//! The connection type over both backends. `diesel::MultiConnection` generates the backend,
//! query builder and value types beside it; their items carry no docs of their own.
#![allow(missing_docs)]

/// A connection to either backend. Queries are written once against its `MultiBackend`.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// Production backend.
    Postgresql(diesel::PgConnection),
    /// Embedded default backend.
    Sqlite(diesel::SqliteConnection),
}
