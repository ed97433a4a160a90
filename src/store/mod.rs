//! Store: the embedded time-series store, the durable point of the pipeline.
//!
//! Only this module (and `export/`) knows a storage backend. The pipeline writes through
//! [`Store::write`], which returns once the batch is committed, then [`Store::sync`], which
//! makes it survive power loss; the ingest shell acknowledges MQTT messages only after that.

mod busy;
mod error;
mod plan;
mod settings;
mod side;
mod sqlite;
mod types;

pub use busy::wait_when_busy;
pub use error::StoreError;
pub use plan::{fold, plan, Plan, PlanError, Resolution};
pub use settings::{Fsync, StoreSettings};
pub use side::open_side_connection;
pub use sqlite::SqliteStore;
pub use types::{
    Agg, OutboxEntry, OutboxStats, Point, RetentionPolicy, RetentionReport, Row, Scope,
    SeriesQuery, WriteReport,
};

/// The contract every store keeps. Methods may block (disk I/O): call them from a blocking
/// thread, never directly on an async executor.
pub trait Store: Send + Sync + 'static {
    /// Inserts the readings in one transaction and returns after the commit, which survives a
    /// crash of the process (not yet of the machine: see [`Store::sync`]); `fresh[i]` is false when reading `i` duplicates one already stored (same sensor, metric
    /// and `ts`, or — for readings timed on receipt — the same `seq`), in which case it was
    /// not stored again and not counted in rollups.
    fn write(&self, readings: &[crate::model::Reading]) -> Result<WriteReport, StoreError>;

    /// Makes every write that returned before this call survive power loss (when the store
    /// was opened to, else nothing). Safe to call from another thread while a write runs.
    fn sync(&self) -> Result<(), StoreError>;

    /// The rows of `query` at the chosen resolution, oldest first; reads a snapshot and never
    /// waits for a write in progress.
    fn rows(&self, query: &SeriesQuery, resolution: Resolution) -> Result<Vec<Row>, StoreError>;

    /// Every 1-hour rollup of `metrics` from `from_ms` on, as (sensor id, metric, row); reads a
    /// snapshot. Seeds the live hourly means after a restart.
    fn hourly_rollups(
        &self,
        metrics: &[crate::model::MetricIdx],
        from_ms: i64,
    ) -> Result<Vec<(String, crate::model::MetricIdx, Row)>, StoreError>;

    /// Deletes rows older than each table's retention horizon at `now_ms`; returns the counts.
    fn enforce_retention(&self, now_ms: i64) -> Result<RetentionReport, StoreError>;

    /// True when the store can be written and read (for `/readyz`).
    fn check(&self) -> Result<(), StoreError>;

    /// The oldest `limit` export outbox entries, in order; reads a snapshot.
    fn outbox_peek(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Deletes the outbox entries with `id <= through`; returns after that is durable.
    fn outbox_remove_through(&self, through: i64) -> Result<(), StoreError>;

    /// Outbox size and losses, kept in memory and exact.
    fn outbox_stats(&self) -> OutboxStats;
}
