//! Matchmaking events (对接会): the achievements and demands they collect, their participants
//! and the funnel of the deals they produce (deals name their event in `event_id`).
//!
//! Administrators and technology brokers create events; the public reads them and the records
//! they collected; the report (creator, administrators, brokers) gives the figures a bureau
//! publishes, e.g. 23,983 participants, 1,300 achievements and 754 demands collected, 963
//! connections, 442 intentions, 206 agreements.

/// Inserts many rows in one statement. `MultiBackend` has no batch insert, so this runs the
/// insert on the backend's own connection (inside the same transaction).
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)
            }
        }
    };
}

pub mod collect;
pub mod model;
pub mod participants;
pub mod report;
pub mod routes;
