use std::path::PathBuf;

/// Why the configuration could not be used. Every variant names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("configuration is not valid: {0}")]
    Parse(String),
    #[error("config key `{key}` = {value}: {allowed}")]
    Invalid {
        key: String,
        value: String,
        allowed: String,
    },
}

impl ConfigError {
    /// A key whose value is outside what is allowed.
    pub fn invalid(key: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.to_owned(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

impl From<config::ConfigError> for ConfigError {
    fn from(e: config::ConfigError) -> Self {
        ConfigError::Parse(e.to_string())
    }
}
