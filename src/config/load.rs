//! Layering: built-in defaults → optional file → environment, then validation.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};

use super::city::DEMO_CITY;
use super::{CityConfig, ConfigError, Settings};

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
            .source(Some(env)),
    );
    let config = builder.build()?;
    // Socket addresses fail inside serde without naming their key; check them here first.
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
    let settings: Settings = config.try_deserialize()?;
    settings.validate()?;
    Ok(settings)
}

/// Reads the city file named by the settings, or the built-in demo city.
pub fn load_city(settings: &Settings) -> Result<CityConfig, ConfigError> {
    match settings.city_path() {
        Some(path) => {
            let text = read(&path)?;
            toml::from_str(&text)
                .map_err(|e| ConfigError::Parse(format!("city file {}: {e}", path.display())))
        }
        None => toml::from_str(DEMO_CITY)
            .map_err(|e| ConfigError::Parse(format!("built-in demo city: {e}"))),
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
        path: path.to_owned(),
        cause,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Overrides {
        Overrides {
            file: None,
            env: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn built_in_defaults_are_valid_and_use_the_embedded_broker() {
        let s = load(&Overrides::default()).expect("defaults load");
        assert!(s.uses_embedded_broker());
        assert_eq!(s.mqtt.topic_prefix, "city");
        assert_eq!(s.broker.listen.to_string(), "127.0.0.1:1883");
    }

    #[test]
    fn environment_overrides_a_nested_key() {
        let s = load(&env(&[
            ("IOC__MQTT__TOPIC_PREFIX", "hue"),
            ("IOC__HTTP__WORKERS", "3"),
        ]))
        .expect("loads");
        assert_eq!(s.mqtt.topic_prefix, "hue");
        assert_eq!(s.http.workers, 3);
    }

    #[test]
    fn a_bad_value_names_the_key_the_value_and_what_is_allowed() {
        let err = load(&env(&[("IOC__MQTT__RECONNECT_INITIAL_MS", "1")])).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("mqtt.reconnect_initial_ms"), "{msg}");
        assert!(msg.contains("= 1"), "{msg}");
        assert!(msg.contains("10 to 60000"), "{msg}");
    }

    #[test]
    fn an_unknown_key_is_rejected_with_its_name() {
        let err = load(&env(&[("IOC__HTTP__LISTN", "0.0.0.0:80")])).unwrap_err();
        assert!(err.to_string().contains("listn"), "{err}");
    }

    #[test]
    fn a_malformed_address_is_rejected() {
        let err = load(&env(&[("IOC__HTTP__LISTEN", "localhost")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("http.listen")
                && err.contains("localhost")
                && err.contains("127.0.0.1:8080"),
            "{err}"
        );
        let err = load(&env(&[("IOC__HTTP__WORKERS", "many")]))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("http.workers") && err.contains("many"),
            "{err}"
        );
    }

    #[test]
    fn a_config_file_overrides_defaults_and_env_overrides_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ioc.toml");
        std::fs::write(
            &path,
            "[mqtt]\nurl = \"mqtt://10.0.0.5:1883\"\nclient_id = \"from-file\"\n",
        )
        .expect("write");
        let s = load(&Overrides {
            file: Some(path),
            env: vec![("IOC__MQTT__CLIENT_ID".into(), "from-env".into())],
        })
        .expect("loads");
        assert!(!s.uses_embedded_broker());
        assert_eq!(s.mqtt.client_id, "from-env");
    }

    #[test]
    fn a_missing_config_file_says_which() {
        let err = load(&Overrides {
            file: Some("/nonexistent/ioc.toml".into()),
            env: vec![],
        })
        .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/ioc.toml"), "{err}");
    }

    #[test]
    fn the_demo_city_parses() {
        let s = load(&Overrides::default()).expect("defaults");
        let city = load_city(&s).expect("demo city");
        assert_eq!(city.districts.len(), 12);
        assert!(city.sensors.len() >= 250);
    }
}
