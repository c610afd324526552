//! Passwords: argon2id at OWASP's minimum parameters or above, and a strength check that
//! refuses short and common passwords.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::ApiError;
use crate::validation::ParseFailure;

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted password, in characters (hashing cost is bounded).
pub const MAX_LENGTH: usize = 128;
/// argon2 memory cost in KiB (OWASP: at least 19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// argon2 iterations (OWASP: at least 2 at 19 MiB).
pub const ITERATIONS: u32 = 2;
/// argon2 parallelism.
pub const PARALLELISM: u32 = 1;

fn hasher() -> Result<Argon2<'static>, ApiError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| ApiError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks length and guessability. `context` holds words the password must not lean on
/// (the e-mail address, the display name). Uses zxcvbn's dictionaries of common passwords.
pub fn check_strength(password: &str, context: &[&str]) -> Result<(), ParseFailure> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(("too_short", format!("must be at least {MIN_LENGTH} characters")));
    }
    if length > MAX_LENGTH {
        return Err(("too_long", format!("must be at most {MAX_LENGTH} characters")));
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if u8::from(estimate.score()) < 3 {
        return Err((
            "too_common",
            "is too common or too easy to guess; use a longer passphrase".into(),
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2 hashing: {e}")))
}

/// Verifies a password against a stored PHC hash; any malformed hash is a mismatch.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let Ok(argon) = hasher() else {
        return false;
    };
    argon.verify_password(password.as_bytes(), &parsed).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id_at_owasp_minimum() {
        let stored = hash("a sturdy passphrase 42").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("a sturdy passphrase 42", &stored));
        assert!(!verify("a sturdy passphrase 43", &stored));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn common_and_short_passwords_are_refused() {
        assert_eq!(check_strength("short", &[]).unwrap_err().0, "too_short");
        for common in ["password123", "qwertyuiop", "1234567890", "iloveyou12"] {
            assert_eq!(check_strength(common, &[]).unwrap_err().0, "too_common", "{common}");
        }
        assert_eq!(
            check_strength("zhangsan@example.com", &["zhangsan@example.com"]).unwrap_err().0,
            "too_common"
        );
        assert!(check_strength("Tea-kettle-Orbit-19", &[]).is_ok());
    }
}
