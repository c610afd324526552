//! How storage failures become API errors: constraint violations are 409s, a database that is
//! busy behind another writer (or a pool with no free connection) is a 503 with `Retry-After`
//! and code `database_busy` — never a 500 —, a connection the database dropped (it is shutting
//! down, restarting or gone) is a 503 `unavailable`, and text the database refuses (a NUL byte)
//! is a 422.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::ApiError;

/// Seconds a client is asked to wait after a `database_busy` answer.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// Messages of lock contention that diesel reports as `Unknown`: SQLite's `SQLITE_BUSY` and
/// `SQLITE_LOCKED`, PostgreSQL's `deadlock_detected` (40P01), `lock_not_available` (55P03) and
/// a lock or statement timeout (57014).
const BUSY_MESSAGES: &[&str] = &[
    "database is locked",
    "database table is locked",
    "database schema is locked",
    "deadlock detected",
    "could not obtain lock",
    "canceling statement due to lock timeout",
    "canceling statement due to statement timeout",
];

/// What libpq and PostgreSQL say when the connection went away under a statement: the server
/// is shutting down (57P01 `admin_shutdown`, 57P02 `crash_shutdown`), starting up or in
/// recovery (57P03 `cannot_connect_now`), or the socket closed before the error's SQLSTATE
/// could be read (diesel then reports `Unknown` with libpq's own message).
const CONNECTION_LOST_MESSAGES: &[&str] = &[
    "terminating connection due to administrator command",
    "terminating connection because of crash of another server process",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "server closed the connection unexpectedly",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "connection to server was lost",
    "ssl syscall error",
    "ssl connection has been closed unexpectedly",
];

/// The `database_busy` 503.
pub fn database_busy(cause: impl std::fmt::Display) -> ApiError {
    ApiError::Busy {
        code: "database_busy",
        detail: format!("the database is busy ({cause}); retry shortly"),
        retry_after_secs: BUSY_RETRY_AFTER_SECS,
    }
}

fn is_busy(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    BUSY_MESSAGES.iter().any(|busy| message.contains(busy))
}

fn is_connection_lost(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    CONNECTION_LOST_MESSAGES.iter().any(|lost| message.contains(lost))
}

/// PostgreSQL refuses NUL in text (`invalid byte sequence for encoding "UTF8": 0x00`); input
/// checks reject it first, this is the backstop.
fn is_refused_text(message: &str) -> bool {
    message.contains("invalid byte sequence for encoding")
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => ApiError::NotFound("record".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                ApiError::conflict(format!(
                    "a record with the same unique value already exists ({})",
                    info.constraint_name().unwrap_or("unique constraint")
                ))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                ApiError::conflict("the record refers to, or is referred to by, another record")
            }
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                info,
            ) => ApiError::Unavailable(format!("database connection closed: {}", info.message())),
            DieselError::DatabaseError(_, info) if is_connection_lost(info.message()) => {
                ApiError::Unavailable(format!("database connection lost: {}", info.message()))
            }
            // A commit that failed and whose rollback failed too: the commit's error says why.
            DieselError::RollbackErrorOnCommit { commit_error, .. } => {
                ApiError::from(*commit_error)
            }
            // The connection's transaction state is unknown after a failure it cannot recover
            // from (the pool then discards the connection); the request may be retried.
            DieselError::BrokenTransactionManager => {
                ApiError::Unavailable("database connection broken mid-transaction".into())
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                database_busy(format!("serialization failure: {}", info.message()))
            }
            DieselError::DatabaseError(_, info) if is_busy(info.message()) => {
                database_busy(info.message())
            }
            DieselError::DatabaseError(_, info) if is_refused_text(info.message()) => {
                ApiError::field(
                    "request",
                    "control_character",
                    "text must not contain NUL or other control characters",
                )
            }
            other => ApiError::Internal(format!("database error: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for ApiError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        tracing::warn!(%error, "no free database connection");
        database_busy("no free database connection")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;
    use diesel::result::DatabaseErrorInformation;

    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn mapped(kind: DatabaseErrorKind, message: &'static str) -> ApiError {
        ApiError::from(DieselError::DatabaseError(kind, Box::new(Info(message))))
    }

    #[test]
    fn busy_and_lock_timeouts_are_503_database_busy_with_retry_after() {
        for (kind, message) in [
            (DatabaseErrorKind::Unknown, "database is locked"),
            (DatabaseErrorKind::Unknown, "database table is locked"),
            (DatabaseErrorKind::SerializationFailure, "could not serialize access"),
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (DatabaseErrorKind::Unknown, "could not obtain lock on row in relation \"deals\""),
            (DatabaseErrorKind::Unknown, "canceling statement due to lock timeout"),
        ] {
            let error = mapped(kind, message);
            assert_eq!(error.status_code().as_u16(), 503, "{message}");
            assert_eq!(error.code(), "database_busy", "{message}");
            let response = error.error_response();
            assert_eq!(
                response.headers().get("retry-after").map(|v| v.as_bytes()),
                Some(&b"1"[..]),
                "{message}"
            );
            assert_eq!(error.problem().code, "database_busy");
        }
    }

    #[test]
    fn a_connection_lost_under_a_statement_is_503_unavailable() {
        for (kind, message) in [
            (DatabaseErrorKind::ClosedConnection, "server closed the connection"),
            (DatabaseErrorKind::UnableToSendCommand, "no connection to the server"),
            (DatabaseErrorKind::Unknown, "terminating connection due to administrator command"),
            (DatabaseErrorKind::Unknown, "FATAL:  the database system is shutting down"),
            (
                DatabaseErrorKind::Unknown,
                "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
            ),
            (DatabaseErrorKind::Unknown, "no connection to the server\n"),
        ] {
            let error = mapped(kind, message);
            assert_eq!(error.status_code().as_u16(), 503, "{message}");
            assert_eq!(error.code(), "unavailable", "{message}");
        }
        assert_eq!(ApiError::from(DieselError::BrokenTransactionManager).code(), "unavailable");
        let commit_failed = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(DieselError::BrokenTransactionManager),
            commit_error: Box::new(DieselError::DatabaseError(
                DatabaseErrorKind::Unknown,
                Box::new(Info("terminating connection due to administrator command")),
            )),
        };
        assert_eq!(ApiError::from(commit_failed).code(), "unavailable");
    }

    #[test]
    fn other_database_errors_keep_their_mapping() {
        assert_eq!(mapped(DatabaseErrorKind::UniqueViolation, "duplicate key").code(), "conflict");
        assert_eq!(mapped(DatabaseErrorKind::Unknown, "syntax error").code(), "internal");
        let nul =
            mapped(DatabaseErrorKind::Unknown, "invalid byte sequence for encoding \"UTF8\": 0x00");
        assert_eq!(nul.status_code().as_u16(), 422);
    }

    #[test]
    fn a_pool_timeout_is_database_busy() {
        let pool = diesel::r2d2::Pool::builder()
            .connection_timeout(std::time::Duration::from_millis(10))
            .build_unchecked(crate::db::ConnectionManager::new(crate::db::DatabaseUrl::Postgres(
                "postgres://127.0.0.1:1/none".into(),
            )));
        let error = ApiError::from(pool.get().err().expect("no connection"));
        assert_eq!(error.code(), "database_busy");
        assert_eq!(error.status_code().as_u16(), 503);
    }
}
