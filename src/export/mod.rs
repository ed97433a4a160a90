//! Export: readings leave for InfluxDB 2 from a durable outbox in the embedded store.
//!
//! The store's writer enqueues the fresh readings (data, not text) in the same transaction as
//! it stores them, so a reading is in the outbox exactly when it is stored. The exporter
//! formats the oldest entries as line protocol (`line_protocol.rs`), sends them, and deletes
//! them only after InfluxDB accepted them. An outage grows the outbox (bounded by
//! `export.influxdb.max_outbox_lines`) and never slows ingest. `flux.rs` answers history
//! queries that reach past local retention; `promql.rs` asks the store a cluster's nodes share
//! (its Prometheus query API) for the districts a partition does not own.

mod exporter;
mod flux;
pub mod line_protocol;
mod promql;
mod selector;
mod settings;

pub use exporter::{run_exporter, ExportStatus};
pub use flux::{flux_query, FluxClient, FluxError, FluxRequest};
pub use promql::{promql, PromClient, PromError, PromRequest};
pub use selector::Selector;
pub use settings::{ExportSettings, InfluxSettings};
