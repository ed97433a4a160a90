//! The whole settings: one section per stage, each section's type owned by its stage. Defaults
//! live in `config/default.toml`, not here, so the file that documents a key also sets it.

use std::path::PathBuf;

use serde::Deserialize;

use crate::aggregate::StatusThresholds;
use crate::alerts::AlertSettings;
use crate::auth::AuthSettings;
use crate::cluster::ClusterSettings;
use crate::events::EventSettings;
use crate::export::ExportSettings;
use crate::incidents::IncidentSettings;
use crate::indicators::IndicatorSettings;
use crate::ingest::{BrokerSettings, MqttSettings};
use crate::notify::NotifySettings;
use crate::pipeline::IngestSettings;
use crate::push::PushSettings;
use crate::report::ReportSettings;
use crate::serve::HttpSettings;
use crate::store::StoreSettings;
use crate::telemetry::LogSettings;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: HttpSettings,
    pub mqtt: MqttSettings,
    pub broker: BrokerSettings,
    pub ingest: IngestSettings,
    pub aggregate: StatusThresholds,
    pub store: StoreSettings,
    pub export: ExportSettings,
    pub indicators: IndicatorSettings,
    pub reports: ReportSettings,
    pub alerts: AlertSettings,
    pub notify: NotifySettings,
    pub incidents: IncidentSettings,
    pub events: EventSettings,
    pub push: PushSettings,
    pub auth: AuthSettings,
    pub city: CitySettings,
    pub cluster: ClusterSettings,
    pub log: LogSettings,
}

/// `[city]`: which city file to load.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitySettings {
    /// Empty: the built-in demo city.
    pub path: String,
}

impl Settings {
    /// True when `ioc` must start its own broker: no external broker URL is configured.
    pub fn uses_embedded_broker(&self) -> bool {
        self.mqtt.uses_embedded_broker()
    }

    /// The city file to load, or `None` for the built-in demo city.
    pub fn city_path(&self) -> Option<PathBuf> {
        let p = self.city.path.trim();
        (!p.is_empty()).then(|| PathBuf::from(p))
    }
}
