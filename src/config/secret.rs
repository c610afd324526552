//! The JWT signing secret: configured, or generated and kept for development.

use std::path::Path;

use base64::Engine;
use rand::RngCore;

use super::{ConfigError, JWT_SECRET_FILE_NAME, MIN_SECRET_BYTES, RunEnvironment, Settings};

/// The JWT secret: the configured one (long enough in production), else in development one
/// generated once and kept in the data folder.
pub(super) fn resolve_secret(settings: &Settings) -> Result<Vec<u8>, ConfigError> {
    match settings.jwt_secret.as_deref() {
        Some(secret) if !secret.is_empty() => {
            if settings.env == RunEnvironment::Production && secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError(format!(
                    "TECHMARKET_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes in production"
                )));
            }
            Ok(secret.as_bytes().to_vec())
        }
        _ if settings.env == RunEnvironment::Production => Err(ConfigError(format!(
            "TECHMARKET_JWT_SECRET is required in production (at least {MIN_SECRET_BYTES} bytes)"
        ))),
        _ => development_secret(&settings.data_dir),
    }
}

/// Reads the generated development secret, or generates and persists one (mode 0600).
fn development_secret(data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join(JWT_SECRET_FILE_NAME);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(existing.as_bytes().to_vec());
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|e| {
        ConfigError(format!("cannot create data folder {}: {e}", data_dir.display()))
    })?;
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    write_private(&path, &secret)
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))?;
    tracing::warn!(
        path = %path.display(),
        "TECHMARKET_JWT_SECRET is not set: generated a development secret; set it in production"
    );
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())
}
