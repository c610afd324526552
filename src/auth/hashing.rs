//! A bound on concurrent argon2id work. Every hash or verification takes 19 MiB for tens of
//! milliseconds; without a bound, sixty simultaneous registrations grew the server to 2.5 GB.
//! Work waits a short, configured time for one of a few permits, runs on a blocking thread
//! (off the async executor), and beyond the wait the request answers 503 with `Retry-After`
//! and code `password_hashing_busy`, so memory stays flat under a flood.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, ApiResult};

/// The machine code of the 503 answered when every hashing permit stays taken.
pub const HASHING_BUSY: &str = "password_hashing_busy";

/// Seconds a client is asked to wait after a `password_hashing_busy` answer.
pub const RETRY_AFTER_SECS: u64 = 1;

/// Permits for password hashing and verification.
#[derive(Clone)]
pub struct HashingGate {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl HashingGate {
    /// At most `concurrency` (at least 1) hashes at once; a request waits up to `wait`.
    pub fn new(concurrency: usize, wait: Duration) -> HashingGate {
        HashingGate { permits: Arc::new(Semaphore::new(concurrency.max(1))), wait }
    }

    /// Takes a permit, waiting up to the configured time; 503 `password_hashing_busy` after.
    pub async fn acquire(&self) -> ApiResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ApiError::Internal(format!("hashing permits: {closed}"))),
            Err(_) => Err(ApiError::Busy {
                code: HASHING_BUSY,
                detail: "every password-hashing slot is busy; retry shortly".into(),
                retry_after_secs: RETRY_AFTER_SECS,
            }),
        }
    }

    /// Runs password work under a permit on a blocking thread.
    pub async fn run<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let permit = self.acquire().await?;
        let result = actix_web::web::block(move || {
            let _permit = permit;
            work()
        })
        .await?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_beyond_the_permits_waits_then_answers_503() {
        let gate = HashingGate::new(1, Duration::from_millis(20));
        let held = gate.acquire().await.unwrap();
        match gate.acquire().await {
            Err(ApiError::Busy { code, retry_after_secs, .. }) => {
                assert_eq!(code, HASHING_BUSY);
                assert!(retry_after_secs >= 1);
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        drop(held);
        assert!(gate.acquire().await.is_ok());
    }
}
