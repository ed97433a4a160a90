//! `ioc`: the backend of a smart-city Intelligent Operations Center.
//!
//! # Layout
//!
//! The modules follow the data's path:
//!
//! - [`ingest`]: MQTT client (rumqttc) and embedded broker (rumqttd); one task polls the
//!   event loop, a worker decodes and aggregates.
//! - [`model`]: the city registry and the pure decoding/validation of payloads into
//!   [`model::Reading`]s and [`model::Rejection`]s.
//! - [`aggregate`]: latest value per sensor-metric, sensor status, rolling windows per domain
//!   and district. Pure; the clock is an argument.
//! - [`indicators`]: pure indicator maths (air-quality indices VN_AQI and US EPA AQI); no I/O.
//! - [`alerts`]: rules from `config/alerts.toml`, a pure alert state machine, its SQLite history.
//! - [`push`]: live streams over WebSocket (`/api/v1/stream`): hub, producer, connections.
//! - [`serve`]: actix-web REST API, health, readiness, `/metrics`.
//! - [`config`]: layered, validated settings and the city file.
//! - [`telemetry`]: logging and every Prometheus metric.
//! - [`app`]: wires the stages together and shuts them down in order.

pub mod aggregate;
pub mod alerts;
pub mod app;
pub mod auth;
pub mod config;
pub mod export;
pub mod indicators;
pub mod ingest;
pub mod model;
pub mod pipeline;
pub mod push;
pub mod serve;
pub mod setting;
pub mod shell;
pub mod store;
pub mod telemetry;

pub use app::{AppError, Application};
