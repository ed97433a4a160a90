//! Why the application could not start or stopped: each variant names what to fix.

use std::net::SocketAddr;

use crate::alerts::RulesError;
use crate::config::ConfigError;
use crate::ingest::OptionsError;
use crate::model::CityError;
use crate::pipeline::SeedError;
use crate::shell::RepoError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    City(#[from] CityError),
    #[cfg(feature = "embedded-broker")]
    #[error(transparent)]
    Broker(#[from] crate::ingest::EmbeddedBrokerError),
    #[error("mqtt.url is empty but this build has no embedded broker (cargo feature `embedded-broker`); set mqtt.url")]
    NoEmbeddedBroker,
    #[error(transparent)]
    Mqtt(#[from] OptionsError),
    #[error("cannot listen on {addr} (http.listen): {cause}")]
    HttpBind {
        addr: SocketAddr,
        cause: std::io::Error,
    },
    #[error("HTTP server failed: {0}")]
    Http(std::io::Error),
    #[error("a startup task failed: {0}")]
    Startup(String),
    #[error("metrics registry: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("{0} (store.path)")]
    Store(#[from] StoreError),
    #[error("{0} (alerts.rules_path)")]
    AlertRules(#[from] RulesError),
    /// The alerts' or the keys' tables (their message names which, and `store.path`).
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error(transparent)]
    Auth(#[from] crate::auth::SetupError),
    #[error("{0} (store.path)")]
    Seed(#[from] SeedError),
}
