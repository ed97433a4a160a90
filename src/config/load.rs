//! Layering: built-in defaults → optional file → environment, then validation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};

use super::{ConfigError, Settings};
use crate::model::CityConfig;
use crate::store::Fsync;
use crate::telemetry::LogFormat;

/// The documented defaults, compiled in so the binary runs from any directory.
pub const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Where the settings come from besides the built-in defaults.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// A TOML file given with `--config`.
    pub file: Option<PathBuf>,
    /// `IOC__SECTION__KEY` variables; pass `std::env::vars()` in production, a fixed list in tests.
    pub env: Vec<(String, String)>,
}

/// Builds and validates the settings.
pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
    let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
    if let Some(path) = &overrides.file {
        let text = read(path)?;
        builder = builder.add_source(File::from_str(&text, FileFormat::Toml));
    }
    let env: HashMap<String, String> = overrides
        .env
        .iter()
        .filter(|(k, _)| k.starts_with("IOC__"))
        .cloned()
        .collect();
    builder = builder.add_source(
        Environment::with_prefix("IOC")
            .prefix_separator("__")
            .separator("__")
            .try_parsing(true)
            // IOC__HTTP__CORS_ALLOWED_ORIGINS="https://a.example,https://b.example"
            .list_separator(",")
            .with_list_parse_key("http.cors_allowed_origins")
            // IOC__CLUSTER__DISTRICTS="hai-chau,son-tra"
            .with_list_parse_key("cluster.districts")
            // IOC__NOTIFY__EMAIL_TO="truc.ban@example.vn,so.tnmt@example.vn"
            .with_list_parse_key("notify.email_to")
            .source(Some(env)),
    );
    let config = builder.build()?;
    check_what_serde_cannot_name(&config)?;
    let settings: Settings = config.try_deserialize()?;
    settings.validate()?;
    Ok(settings)
}

/// Values that fail inside serde without naming their key (socket addresses, closed sets),
/// checked first so the error names the key, the value and what is allowed.
fn check_what_serde_cannot_name(config: &Config) -> Result<(), ConfigError> {
    for key in ["http.listen", "broker.listen"] {
        let value: String = config.get(key)?;
        if value.parse::<SocketAddr>().is_err() {
            return Err(ConfigError::invalid(
                key,
                format!("{value:?}"),
                "an IP address and port such as \"127.0.0.1:8080\" or \"0.0.0.0:1883\"",
            ));
        }
    }
    for (key, choices) in [
        ("store.fsync", Fsync::CHOICES),
        ("log.format", LogFormat::CHOICES),
    ] {
        let value: String = config.get(key)?;
        if !choices.contains(&value.as_str()) {
            let quoted: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
            return Err(ConfigError::invalid(
                key,
                format!("{value:?}"),
                format!("one of {}", quoted.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Reads the city file named by the settings, or the built-in demo city.
pub fn load_city(settings: &Settings) -> Result<CityConfig, ConfigError> {
    match settings.city_path() {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|cause| ConfigError::ReadCity {
                path: path.clone(),
                cause,
            })?;
            CityConfig::parse(&text).map_err(|e| {
                ConfigError::Parse(format!("city file {} (city.path): {e}", path.display()))
            })
        }
        None => {
            CityConfig::demo().map_err(|e| ConfigError::Parse(format!("built-in demo city: {e}")))
        }
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
        path: path.to_owned(),
        cause,
    })
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
