//! Authentication: password hashing, tokens, sessions, login rate limits and the extractors
//! that put the caller into every handler.

pub mod extractors;
pub mod hashing;
pub mod password;
pub mod presented;
pub mod rate_limit;
pub mod sessions;
pub mod shared_limit;
pub mod tokens;

pub use extractors::{AdminUser, AuthUser, MaybeUser};
pub use presented::PresentedToken;
