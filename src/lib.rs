//! `ioc`: the backend of a smart-city Intelligent Operations Center.
//!
//! # Layout
//!
//! The modules follow the data's path, and each imports only the layers below it
//! (ARCHITECTURE.md declares the order; `tests/api/layering.rs` checks it). Bottom to top:
//!
//! - [`model`]: the contract types: the city registry and its file format, readings,
//!   rejections, and the pure decoding of MQTT payloads. No I/O, no clock.
//! - [`setting`]: what every stage's settings type shares: [`setting::Invalid`], range checks.
//! - [`shell`]: what the imperative shells share: the wall clock, one `Backoff` that ends on
//!   shutdown, lock-poison recovery.
//! - [`telemetry`]: logging and every Prometheus metric.
//! - [`aggregate`]: latest value per sensor-metric, sensor status, rolling windows per domain
//!   and district. Pure; the clock is an argument.
//! - [`indicators`]: pure indicator maths (congestion, VN_AQI and US EPA AQI, queues, health).
//! - [`snapshot`]: one immutable indicator snapshot per tick, built incrementally (only the
//!   sensors changed by readings or by time), shared by push, alerts and the REST routes.
//! - [`alerts`]: rules, the pure alert state machine, and the service around it.
//! - [`incidents`]: incidents worked through their category's procedure, with service levels.
//! - [`events`]: point events from citizens and cameras, validated, and the rules that turn
//!   them into incidents.
//! - [`notify`]: notifications of alert and incident changes from a durable outbox.
//! - [`cap`]: the alerts of public rules as CAP 1.2 warnings (Vietnamese and English) and their
//!   Atom index, for the province's public-warning channels. Pure.
//! - [`auth`]: API keys, JWT, roles, scopes, rate limits.
//! - [`store`]: the embedded SQLite store, the durable point; the only persistence layer.
//! - [`export`]: the InfluxDB 2 sink fed from the store's outbox, and Flux history.
//! - [`ingest`]: the MQTT adapter (rumqttc, and the embedded rumqttd): raw messages in, acks out.
//! - [`cluster`]: several nodes of one deployment: partitions publish summaries of their
//!   districts through the broker, and every node merges them into the city view.
//! - [`pipeline`]: decode → store writer → sync → commit (live state, alerts) → ack, where
//!   "acknowledged means stored" lives.
//! - [`push`]: live streams over WebSocket (`/api/v1/stream`): hub, producer, connections.
//! - [`serve`]: actix-web REST API, health, readiness, `/metrics`, the dashboard.
//! - [`config`]: loads, layers and validates the settings, composed of each stage's own type.
//! - [`app`]: wires the stages together and shuts them down in order.

pub mod aggregate;
pub mod alerts;
pub mod app;
pub mod auth;
pub mod cap;
pub mod cluster;
pub mod config;
pub mod events;
pub mod export;
pub mod import;
pub mod incidents;
pub mod indicators;
pub mod ingest;
pub mod model;
pub mod ngsi;
pub mod notify;
pub mod pipeline;
pub mod push;
pub mod report;
pub mod serve;
pub mod setting;
pub mod shell;
pub mod snapshot;
pub mod store;
pub mod telemetry;

pub use app::{AppError, Application};
