use std::sync::Arc;

use tokio::sync::watch;

use crate::aggregate::SharedLive;
use crate::alerts::AlertService;
use crate::export::{ExportStatus, FluxClient};
use crate::indicators::IndicatorParams;
use crate::ingest::BrokerStatus;
use crate::pipeline::RejectionLog;
use crate::store::{ReadSide, RetentionPolicy};
use crate::telemetry::Metrics;

/// What handlers read. Cloned into every worker thread by actix (`web::Data` is an `Arc`).
pub struct AppState {
    pub live: SharedLive,
    pub store: Arc<dyn ReadSide>,
    pub retention: RetentionPolicy,
    /// Most points one history answer may carry (`store.max_points`).
    pub max_points: i64,
    pub metrics: Arc<Metrics>,
    pub rejections: Arc<RejectionLog>,
    pub broker: watch::Receiver<BrokerStatus>,
    /// Present when export to InfluxDB is configured.
    pub export: Option<watch::Receiver<ExportStatus>>,
    /// `/readyz` warns above this outbox fill (`export.influxdb.warn_outbox_fill`).
    pub warn_outbox_fill: f64,
    /// Answers history beyond local retention, when export is configured.
    pub flux: Option<Arc<FluxClient>>,
    pub indicator_params: IndicatorParams,
    pub alerts: Arc<AlertService>,
    /// WebSocket push: the hub and connection limits behind `/api/v1/stream`.
    pub push: Arc<crate::push::Push>,
    /// Keys, tokens and the audit log.
    pub auth: Arc<crate::auth::Auth>,
    pub limits: Arc<crate::auth::RateLimits>,
    /// Largest request body (`http.max_body_bytes`).
    pub max_body_bytes: usize,
    /// Where an admin's reload reads the alert rules from (`alerts.rules_path`, empty: built-in).
    pub alert_rules_path: String,
}

impl AppState {
    /// A read guard on the live state. A poisoned lock still holds consistent data: every
    /// writer section is a sequence of plain field updates.
    pub fn live(&self) -> std::sync::RwLockReadGuard<'_, crate::aggregate::LiveState> {
        crate::shell::lock::read(&self.live)
    }
}
