//! Access tokens (JWT, HS256 pinned) and opaque refresh tokens (stored as SHA-256 hashes).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The user's role when the token was issued (the current role is read on every request).
    pub role: String,
    /// The session (refresh-token family) the token belongs to; it dies with it.
    pub sid: String,
    /// A unique token id.
    pub jti: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires at.
    pub exp: i64,
}

/// Issues and checks tokens.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl_secs: i64,
}

impl TokenService {
    /// A token service with this HMAC secret and access-token lifetime.
    pub fn new(secret: &[u8], access_ttl_secs: u64) -> TokenService {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub"]);
        TokenService {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs: i64::try_from(access_ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    /// The access-token lifetime in seconds.
    pub fn access_ttl_secs(&self) -> i64 {
        self.access_ttl_secs
    }

    /// Issues an access token for a user in a session.
    pub fn issue(&self, user_id: &str, role: &str, session_id: &str) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            sid: session_id.to_string(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: now,
            nbf: now,
            exp: now + self.access_ttl_secs,
        })
    }

    /// Signs arbitrary claims (tests use it to craft expired tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("token signing: {e}")))
    }

    /// Checks signature, algorithm and times.
    pub fn decode(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                let reason = match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired",
                    ErrorKind::ImmatureSignature => "the access token is not valid yet",
                    ErrorKind::InvalidAlgorithm => "the access token uses another algorithm",
                    _ => "the access token is invalid",
                };
                ApiError::Unauthorized(reason.into())
            })
    }
}

/// A new opaque refresh token and its hash.
pub fn new_refresh_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&token);
    (token, hash)
}

/// The stored form of an opaque secret (refresh token, invite code).
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_expire() {
        let service = TokenService::new(b"0123456789abcdef0123456789abcdef", 900);
        let token = service.issue("u1", "enterprise", "s1").unwrap();
        let claims = service.decode(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.sid.as_str()), ("u1", "s1"));
        let now = chrono::Utc::now().timestamp();
        let expired = service
            .sign(&Claims { exp: now - 1, iat: now - 100, nbf: now - 100, ..claims.clone() })
            .unwrap();
        assert!(service.decode(&expired).is_err());
        let other = TokenService::new(b"another secret another secret 00", 900);
        assert!(other.decode(&token).is_err());
    }

    #[test]
    fn other_algorithms_are_refused() {
        let service = TokenService::new(b"0123456789abcdef0123456789abcdef", 900);
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: "u".into(),
            role: "admin".into(),
            sid: "s".into(),
            jti: "j".into(),
            iat: now,
            nbf: now,
            exp: now + 60,
        };
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(service.decode(&hs512).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
    }
}
