//! Store: the embedded time-series store, the durable point of the pipeline, and the one
//! persistence layer: every SQLite table lives here (readings, rollups, the export outbox,
//! and the alerts', keys' and audit log's tables behind the repositories their services own:
//! [`SqliteAlerts`] implements `alerts::AlertRepo`, [`SqliteKeys`] `auth::KeyRepo`).
//!
//! Only this module (and `export/`) knows a storage backend. Each user holds only the role it
//! needs: the pipeline writes through [`ReadingWriter::write`], which returns once the batch
//! is committed, then [`ReadingWriter::sync`], which makes it survive power loss (the ingest
//! shell acknowledges MQTT messages only after that); the exporter drains the [`Outbox`];
//! serve reads through [`ReadSide`]; [`run_retention`] holds [`Retention`]. Every method may
//! block (disk I/O): call it from a blocking thread, never directly on an async executor.

mod busy;
mod error;
mod plan;
mod retention_task;
mod settings;
mod sqlite;
mod types;

pub use busy::wait_when_busy;
pub use error::StoreError;
pub use plan::{fold, fold_at, plan, Plan, PlanError, Resolution};
pub use retention_task::run_retention;
pub use settings::{Fsync, StoreSettings};
pub use sqlite::events::SqliteEvents;
pub use sqlite::incidents::SqliteIncidents;
pub use sqlite::keys::SqliteKeys;
pub use sqlite::notify::SqliteNotify;
pub use sqlite::{SqliteAlerts, SqliteStore};
pub use types::{
    Agg, ImportMark, OutboxEntry, OutboxPoint, OutboxStats, Point, RejectionCount, RetentionPolicy,
    RetentionReport, Row, Scope, SeriesQuery, WriteReport,
};

/// The pipeline's role: store readings, then make them durable.
pub trait ReadingWriter: Send + Sync + 'static {
    /// Inserts the readings in one transaction and returns after the commit, which survives a
    /// crash of the process (not yet of the machine: see [`ReadingWriter::sync`]); `fresh[i]` is false when reading `i` duplicates one already stored (same sensor, metric
    /// and `ts`, or — for readings timed on receipt — the same `seq`), in which case it was
    /// not stored again and not counted in rollups.
    fn write(&self, readings: &[crate::model::Reading]) -> Result<WriteReport, StoreError>;

    /// Makes every write that returned before this call survive power loss (when the store
    /// was opened to, else nothing). Safe to call from another thread while a write runs.
    fn sync(&self) -> Result<(), StoreError>;

    /// Adds rejection counts by hour, feed, district and reason (what the data-quality report
    /// reads). Counts are not readings: they are added as they come, not made durable with a
    /// batch.
    fn count_rejections(&self, counts: &[types::RejectionCount]) -> Result<(), StoreError>;

    /// Every sensor id stored so far, with the domain and district it was first stored under
    /// (its readings are filed there for good): `(id, domain, district)`. Read once at start.
    fn sensor_homes(&self) -> Result<Vec<(String, String, String)>, StoreError>;
}

/// History: what the REST series and the live state's restart read.
pub trait SeriesReader: Send + Sync + 'static {
    /// The rows of `query` at the chosen resolution, oldest first; reads a snapshot and never
    /// waits for a write in progress.
    fn rows(&self, query: &SeriesQuery, resolution: Resolution) -> Result<Vec<Row>, StoreError>;

    /// As [`SeriesReader::rows`], each row with the id of its sensor: what the indicator
    /// history and the reports compute per sensor from.
    fn sensor_rows(
        &self,
        query: &SeriesQuery,
        resolution: Resolution,
    ) -> Result<Vec<(std::sync::Arc<str>, Row)>, StoreError>;

    /// The rejection counts of the hours in `[from_ms, to_ms)`; reads a snapshot.
    fn rejection_counts(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<types::RejectionCount>, StoreError>;

    /// When the hours in `[from_ms, to_ms)` of `scope`'s sensors were last revised (a reading
    /// written after its hour ended): `(hour, revised_ms)`, by hour; reads a snapshot.
    fn revisions(
        &self,
        scope: &types::Scope,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError>;

    /// Every 1-hour rollup of `metrics` from `from_ms` on, as (sensor id, metric, row); reads a
    /// snapshot. Seeds the live hourly means after a restart.
    fn hourly_rollups(
        &self,
        metrics: &[crate::model::MetricIdx],
        from_ms: i64,
    ) -> Result<Vec<(String, crate::model::MetricIdx, Row)>, StoreError>;
}

/// The export outbox, as the exporter drains it.
pub trait Outbox: Send + Sync + 'static {
    /// The oldest `limit` export outbox entries, in order; reads a snapshot.
    fn peek(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Deletes the outbox entries with `id <= through`; returns after that is durable.
    fn remove_through(&self, through: i64) -> Result<(), StoreError>;

    /// Outbox size and losses, kept in memory and exact.
    fn stats(&self) -> OutboxStats;
}

/// Deleting what is past its horizon.
pub trait Retention: Send + Sync + 'static {
    /// Deletes rows older than each table's retention horizon at `now_ms`; returns the counts.
    fn enforce_retention(&self, now_ms: i64) -> Result<RetentionReport, StoreError>;
}

/// What readiness reports.
pub trait Health: Send + Sync + 'static {
    /// True when the store can be written and read (for `/readyz`).
    fn check(&self) -> Result<(), StoreError>;

    /// Outbox size and losses (readiness warns when it fills), as [`Outbox::stats`].
    fn outbox_stats(&self) -> OutboxStats;
}

/// What the HTTP API holds: history and health, nothing that writes.
pub trait ReadSide: SeriesReader + Health {}

impl<T: SeriesReader + Health> ReadSide for T {}
