//! Login rate limits, per client address and per account, and the registration rate limit
//! per client address. In process by default (the embedded SQLite serves one instance); on
//! PostgreSQL the counts live in the database ([`SharedLimits`]), so a limit holds across
//! every instance serving it.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use std::sync::Arc;

use super::shared_limit::SharedLimits;
use crate::error::ApiError;

/// Keyed limiters for login attempts.
pub struct LoginLimiter {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    per_account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
    rates: (u32, u32),
    shared: Option<Arc<SharedLimits>>,
}

fn quota(per_minute: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN))
}

impl LoginLimiter {
    /// Limiters allowing this many attempts a minute (as a burst, refilled evenly).
    pub fn new(per_client_per_minute: u32, per_account_per_minute: u32) -> LoginLimiter {
        LoginLimiter {
            per_client: RateLimiter::keyed(quota(per_client_per_minute)),
            per_account: RateLimiter::keyed(quota(per_account_per_minute)),
            clock: DefaultClock::default(),
            rates: (per_client_per_minute, per_account_per_minute),
            shared: None,
        }
    }

    /// The same limits, counted in the database shared by every instance.
    pub fn shared(mut self, counters: Arc<SharedLimits>) -> LoginLimiter {
        self.shared = Some(counters);
        self
    }

    /// Counts one attempt; 429 with the wait when either limit is exhausted.
    pub async fn check(&self, client: IpAddr, account: &str) -> Result<(), ApiError> {
        if let Some(shared) = &self.shared {
            shared.check(format!("login:client:{client}"), self.rates.0).await?;
            return shared.check(format!("login:account:{account}"), self.rates.1).await;
        }
        if self.per_client.len() > 100_000 {
            self.per_client.retain_recent();
        }
        if self.per_account.len() > 100_000 {
            self.per_account.retain_recent();
        }
        let now = self.clock.now();
        if let Err(not_until) = self.per_client.check_key(&client) {
            return Err(too_many(not_until.wait_time_from(now)));
        }
        if let Err(not_until) = self.per_account.check_key(&account.to_string()) {
            return Err(too_many(not_until.wait_time_from(now)));
        }
        Ok(())
    }
}

/// A keyed limiter per client address (registrations).
pub struct ClientLimiter {
    per_client: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
    name: &'static str,
    rate: u32,
    shared: Option<Arc<SharedLimits>>,
}

impl ClientLimiter {
    /// A limiter allowing this many attempts a minute per client (a burst, refilled evenly).
    /// `name` tells the limit's counters apart where they are shared (e.g. `register`).
    pub fn new(name: &'static str, per_minute: u32) -> ClientLimiter {
        ClientLimiter {
            per_client: RateLimiter::keyed(quota(per_minute)),
            clock: DefaultClock::default(),
            name,
            rate: per_minute,
            shared: None,
        }
    }

    /// The same limit, counted in the database shared by every instance.
    pub fn shared(mut self, counters: Arc<SharedLimits>) -> ClientLimiter {
        self.shared = Some(counters);
        self
    }

    /// Counts one attempt; 429 with the wait when the client's limit is exhausted.
    pub async fn check(&self, client: IpAddr) -> Result<(), ApiError> {
        if let Some(shared) = &self.shared {
            return shared.check(format!("{}:client:{client}", self.name), self.rate).await;
        }
        if self.per_client.len() > 100_000 {
            self.per_client.retain_recent();
        }
        self.per_client
            .check_key(&client)
            .map_err(|not_until| too_many(not_until.wait_time_from(self.clock.now())))
    }
}

fn too_many(wait: std::time::Duration) -> ApiError {
    let mut seconds = wait.as_secs();
    if wait.subsec_nanos() > 0 || seconds == 0 {
        seconds += 1;
    }
    ApiError::TooManyRequests { retry_after_secs: seconds }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_account_limit_applies_across_clients() {
        let limiter = LoginLimiter::new(100, 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.check(a, "x@example.com").await.is_ok());
        assert!(limiter.check(b, "x@example.com").await.is_ok());
        match limiter.check(a, "x@example.com").await {
            Err(ApiError::TooManyRequests { retry_after_secs }) => assert!(retry_after_secs >= 1),
            other => panic!("{other:?}"),
        }
        assert!(limiter.check(a, "y@example.com").await.is_ok());
    }

    #[tokio::test]
    async fn the_client_limit_counts_per_address() {
        let limiter = ClientLimiter::new("register", 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        assert!(limiter.check(a).await.is_ok());
        assert!(limiter.check(a).await.is_ok());
        assert!(matches!(
            limiter.check(a).await,
            Err(ApiError::TooManyRequests { retry_after_secs }) if retry_after_secs >= 1
        ));
        assert!(limiter.check(b).await.is_ok());
    }
}
