//! Typed settings. Defaults live in `config/default.toml`, not here, so the file that
//! documents a key is also the one that sets it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: HttpSettings,
    pub mqtt: MqttSettings,
    pub broker: BrokerSettings,
    pub ingest: IngestSettings,
    pub aggregate: AggregateSettings,
    pub store: StoreSettings,
    pub export: ExportSettings,
    pub indicators: IndicatorSettings,
    pub alerts: AlertSettings,
    pub push: PushSettings,
    pub auth: AuthSettings,
    pub city: CitySettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub listen: SocketAddr,
    pub workers: usize,
    pub shutdown_timeout_s: u64,
    pub max_body_bytes: usize,
    pub cors_allowed_origins: Vec<String>,
    pub rate_per_key_per_s: u32,
    pub rate_per_key_burst: u32,
    pub rate_per_ip_per_s: u32,
    pub rate_per_ip_burst: u32,
}

impl HttpSettings {
    pub fn rates(&self) -> crate::auth::RateConfig {
        crate::auth::RateConfig {
            per_key_per_s: self.rate_per_key_per_s,
            per_key_burst: self.rate_per_key_burst,
            per_ip_per_s: self.rate_per_ip_per_s,
            per_ip_burst: self.rate_per_ip_burst,
        }
    }
}

/// `[auth]`: optional JWT verification (API keys need no settings).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub jwt_algorithm: String,
    pub jwt_secret: String,
    pub jwt_public_key_path: String,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub jwt_role_claim: String,
    pub jwt_scope_claim: String,
}

impl AuthSettings {
    pub fn jwt_enabled(&self) -> bool {
        !self.jwt_algorithm.trim().is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttSettings {
    pub url: String,
    pub client_id: String,
    pub topic_prefix: String,
    pub username: String,
    pub password: String,
    pub ca_path: String,
    pub client_cert_path: String,
    pub client_key_path: String,
    pub keep_alive_s: u64,
    pub max_packet_bytes: usize,
    pub inflight: u16,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSettings {
    pub listen: SocketAddr,
    pub max_connections: usize,
    pub max_payload_bytes: usize,
    pub max_inflight: usize,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSettings {
    pub queue_capacity: usize,
    pub max_payload_bytes: usize,
    pub max_batch_readings: usize,
    pub max_future_skew_s: u64,
    pub rejection_log_size: usize,
    pub max_unregistered_sensors: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregateSettings {
    pub late_after_intervals: u32,
    pub offline_after_intervals: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    pub path: PathBuf,
    pub fsync: String,
    pub raw_retention_days: u64,
    pub rollup_1m_retention_days: u64,
    pub rollup_1h_retention_days: u64,
    pub retention_interval_s: u64,
    pub max_batch_readings: usize,
    pub writer_queue_messages: usize,
    pub max_points: i64,
}

impl StoreSettings {
    pub fn retention(&self) -> crate::store::RetentionPolicy {
        const DAY: i64 = 86_400_000;
        crate::store::RetentionPolicy {
            raw_ms: self.raw_retention_days as i64 * DAY,
            rollup_1m_ms: self.rollup_1m_retention_days as i64 * DAY,
            rollup_1h_ms: self.rollup_1h_retention_days as i64 * DAY,
        }
    }

    /// True for `fsync = "full"`: every commit survives power loss, not only a crash.
    pub fn durable_fsync(&self) -> bool {
        self.fsync == "full"
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    pub rules_path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSettings {
    pub congestion_moderate: f64,
    pub congestion_heavy: f64,
    pub congestion_jammed: f64,
    pub default_free_flow_kmh: f64,
    pub default_sla_target_s: f64,
    pub alert_eval_interval_s: u64,
}

impl IndicatorSettings {
    pub fn params(&self) -> crate::indicators::IndicatorParams {
        crate::indicators::IndicatorParams {
            congestion: crate::indicators::traffic::CongestionThresholds {
                moderate: self.congestion_moderate,
                heavy: self.congestion_heavy,
                jammed: self.congestion_jammed,
            },
            default_free_flow_kmh: self.default_free_flow_kmh,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    pub influxdb: InfluxSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfluxSettings {
    pub url: String,
    pub org: String,
    pub bucket: String,
    pub token: String,
    pub batch_lines: usize,
    pub max_outbox_lines: u64,
    pub warn_outbox_fill: f64,
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
}

impl InfluxSettings {
    /// True when readings are exported: `url` is set.
    pub fn enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }
}

/// WebSocket push (`/api/v1/stream`); each key is documented in `config/default.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSettings {
    pub max_connections: usize,
    pub max_subscriptions: usize,
    pub max_message_bytes: usize,
    pub subscribe_per_s: u32,
    pub subscribe_burst: u32,
    pub max_bad_messages: u32,
    pub queue_frames: usize,
    pub resume_buffer: usize,
    pub min_interval_ms: u64,
    pub refresh_ms: u64,
    pub ping_interval_ms: u64,
    pub client_timeout_ms: u64,
    pub send_timeout_ms: u64,
}

impl PushSettings {
    pub fn min_interval(&self) -> Duration {
        Duration::from_millis(self.min_interval_ms)
    }
    pub fn refresh(&self) -> Duration {
        Duration::from_millis(self.refresh_ms)
    }
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms)
    }
    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }
    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.send_timeout_ms)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitySettings {
    pub path: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    pub format: String,
}

impl Settings {
    /// True when `ioc` must start its own broker: no external broker URL is configured.
    pub fn uses_embedded_broker(&self) -> bool {
        self.mqtt.url.trim().is_empty()
    }

    /// The city file to load, or `None` for the built-in demo city.
    pub fn city_path(&self) -> Option<PathBuf> {
        let p = self.city.path.trim();
        (!p.is_empty()).then(|| PathBuf::from(p))
    }
}
