use std::path::PathBuf;

use crate::setting::Invalid;

/// Why the configuration could not be used. Every variant names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// The file `city.path` names cannot be read: the message names the key to fix.
    #[error("cannot read the city file {path} (city.path): {cause}")]
    ReadCity {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("configuration is not valid: {0}")]
    Parse(String),
    /// A key whose value is outside what is allowed (found by its stage's `validate()`).
    #[error(transparent)]
    Invalid(#[from] Invalid),
}

impl ConfigError {
    /// A key whose value is outside what is allowed.
    pub fn invalid(key: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> Self {
        ConfigError::Invalid(Invalid::new(key, value, allowed))
    }
}

impl From<config::ConfigError> for ConfigError {
    fn from(e: config::ConfigError) -> Self {
        ConfigError::Parse(e.to_string())
    }
}
