//! The embedded store on SQLite: WAL mode, one writer connection, a pool of read-only
//! connections (WAL readers see a snapshot and never wait for the writer).

mod alerts;
mod audit;
pub(super) mod events;
mod fold;
mod imports;
pub(super) mod incidents;
pub(super) mod keys;
mod lock;
mod migrate_v1;
mod migrate_v2;
mod migrate_v3;
pub(super) mod notify;
mod open_bucket;
mod outbox;
mod packed;
mod query;
mod raw_rows;
mod read;
mod recover;
mod rejections;
mod retention;
mod revisions;
mod schema;
mod side;
mod write;

pub use alerts::SqliteAlerts;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{
    Health, Outbox, OutboxEntry, OutboxStats, ReadingWriter, Resolution, Retention,
    RetentionPolicy, RetentionReport, Row, SeriesQuery, SeriesReader, StoreError, WriteReport,
};
use crate::model::{City, MetricIdx, Reading};

/// The writer connection's page cache, in KiB. A batch touches every sensor's tail in the raw
/// table and, at each rollup flush, its series' tails in both rollup tables: about 16 KiB a
/// sensor. While that fits in [`WRITER_CACHE_MAX_KIB`] the cache holds it: at 2,880 sensors
/// flat out, 16 MiB spilled pages mid-batch and read them back, and ioc stored 0.80–0.98 of
/// what Mosquitto alone delivers, against 0.94–1.01 with a cache that holds the tails.
/// Beyond it (28,800 sensors and more) the tails outgrow any cache worth its memory: 64 MiB
/// stored no faster than 16 there while costing 40–50 MiB of resident memory, so the cache
/// keeps [`WRITER_CACHE_MIN_KIB`] for the B-trees' interior pages (docs/performance.md).
fn writer_cache_kib(sensors: usize) -> i64 {
    let tails = i64::try_from(sensors)
        .unwrap_or(i64::MAX)
        .saturating_mul(WRITER_CACHE_PER_SENSOR_KIB);
    if tails > WRITER_CACHE_MAX_KIB {
        WRITER_CACHE_MIN_KIB
    } else {
        tails.max(WRITER_CACHE_MIN_KIB)
    }
}
const WRITER_CACHE_PER_SENSOR_KIB: i64 = 16;
const WRITER_CACHE_MIN_KIB: i64 = 16_384;
const WRITER_CACHE_MAX_KIB: i64 = 65_536;
/// WAL pages between automatic checkpoints (about 80 MB of WAL at 4 KiB pages).
const WAL_CHECKPOINT_PAGES: i64 = 20_000;

pub struct SqliteStore {
    path: PathBuf,
    /// Held while the store is open: one process writes a store at a time (`lock.rs`).
    _lock: std::fs::File,
    city: Arc<City>,
    retention: RetentionPolicy,
    /// The one writer. A std `Mutex`: only the writer thread (and retention, between batches)
    /// takes it, and never across an await.
    writer: Mutex<write::Writer>,
    /// With `fsync = full`: the write-ahead log, opened at the first [`ReadingWriter::sync`].
    wal: Option<Mutex<Option<std::fs::File>>>,
    /// Idle read-only connections; a query takes one and puts it back.
    readers: Mutex<Vec<Connection>>,
    /// Rollups are complete before this time; history reads raw rows from it on (`fold.rs`).
    rollups_complete_before: Arc<AtomicI64>,
    outbox_max: AtomicU64,
    outbox_lines: Arc<AtomicU64>,
    outbox_dropped: Arc<AtomicU64>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`. Commits survive a crash of the process
    /// (WAL, `synchronous=NORMAL`: they are in the OS's hands when `write` returns);
    /// `durable_fsync` makes [`ReadingWriter::sync`] fsync the write-ahead log, so that every commit
    /// before it survives power loss too. That is `synchronous=FULL`'s guarantee, with the
    /// fsync taken off the writer's path and shared by every batch committed meanwhile.
    /// (Checkpoints fsync the log before copying it and the database after, in both modes.)
    pub fn open(
        path: &Path,
        city: Arc<City>,
        retention: RetentionPolicy,
        durable_fsync: bool,
    ) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|cause| StoreError::CreateDir {
                path: dir.to_owned(),
                cause,
            })?;
        }
        let lock = lock::take(path)?;
        let open_err = |cause| StoreError::Open {
            path: path.to_owned(),
            cause,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        // Each batch touches the tail of every sensor's raw rows, and each rollup flush every
        // series' tail in two more B-trees (`fold.rs`): with SQLite's default 2 MB cache, pages
        // spill and are re-read within a transaction, and the default checkpoint (1,000 pages)
        // copies them again after nearly every commit (docs/performance.md, "Where the write
        // time goes").
        // Negative: in KiB rather than pages.
        conn.pragma_update(None, "cache_size", -writer_cache_kib(city.sensors.len()))
            .map_err(open_err)?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)
            .map_err(open_err)?;
        super::wait_when_busy(&mut conn).map_err(open_err)?;
        schema::migrate(&mut conn, path)?;
        recover::recompute_pending(&mut conn)?;
        conn.execute(rejections::TABLE, [])?;
        conn.execute(revisions::TABLE, [])?;
        let rollups_complete_before = Arc::new(AtomicI64::new(i64::MAX));
        let writer = write::Writer::new(conn, city.clone(), rollups_complete_before.clone())?;
        Ok(SqliteStore {
            path: path.to_owned(),
            _lock: lock,
            city,
            retention,
            writer: Mutex::new(writer),
            wal: durable_fsync.then(|| Mutex::new(None)),
            readers: Mutex::new(Vec::new()),
            rollups_complete_before,
            outbox_max: AtomicU64::new(0),
            outbox_lines: Arc::new(AtomicU64::new(0)),
            outbox_dropped: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Turns the export outbox on: from now on the fresh readings of each sensor and time are
    /// also enqueued as one row, while fewer than `max_lines` wait. Rows left from an earlier
    /// run are kept.
    pub fn enable_outbox(&self, max_lines: u64) -> Result<(), StoreError> {
        let mut writer = self.writer();
        let waiting: i64 = writer
            .conn()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        self.outbox_lines.store(waiting as u64, Ordering::Relaxed);
        self.outbox_max.store(max_lines, Ordering::Relaxed);
        writer.set_outbox(outbox::Counters {
            max_lines,
            lines: self.outbox_lines.clone(),
            dropped: self.outbox_dropped.clone(),
        });
        Ok(())
    }

    /// How long rollup buckets stay open in memory between flushes (default 30 s): measured
    /// at each write, so an idle writer flushes at its next write, before retention, or at
    /// close.
    pub fn set_rollup_flush_interval(&self, interval: Duration) {
        self.writer().set_flush_interval(interval);
    }

    /// Rollup buckets written per batch while an interval flushes (tests make it small).
    #[cfg(test)]
    pub fn set_rollup_flush_chunk(&self, chunk: usize) {
        self.writer().set_flush_chunk(chunk);
    }

    /// Writes every open rollup bucket now (what closing the store also does).
    pub fn flush_rollups(&self) -> Result<(), StoreError> {
        self.writer().flush_rollups()
    }

    /// A crash, for tests: the store is leaked (no writer's Drop, so nothing is flushed) and
    /// only its lock released, as the kernel releases it when a process dies.
    #[cfg(test)]
    pub(crate) fn leak_as_if_crashed(self) {
        let _ = self._lock.unlock();
        std::mem::forget(self);
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn retention(&self) -> RetentionPolicy {
        self.retention
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = crate::shell::lock::lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let mut c = Connection::open_with_flags(&self.path, flags).map_err(|cause| {
                    StoreError::Open {
                        path: self.path.clone(),
                        cause,
                    }
                })?;
                super::wait_when_busy(&mut c)?;
                c
            }
        };
        let out = f(&conn);
        let mut idle = crate::shell::lock::lock(&self.readers);
        if idle.len() < 16 {
            idle.push(conn);
        }
        out
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, write::Writer> {
        crate::shell::lock::lock(&self.writer)
    }
}

impl ReadingWriter for SqliteStore {
    fn write(&self, readings: &[Reading]) -> Result<WriteReport, StoreError> {
        self.writer().write(readings)
    }

    fn count_rejections(&self, counts: &[crate::store::RejectionCount]) -> Result<(), StoreError> {
        rejections::add(self.writer().conn(), counts)
    }

    fn sensor_homes(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare("SELECT id, domain, district FROM sensors")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn sync(&self) -> Result<(), StoreError> {
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        let mut path = self.path.clone().into_os_string();
        path.push("-wal");
        let failed = |cause| StoreError::Sync {
            path: path.clone().into(),
            cause,
        };
        let mut wal = crate::shell::lock::lock(wal);
        let file = match wal.take() {
            Some(file) => file,
            // The writer connection keeps the log in place for as long as the store is open.
            None => std::fs::File::open(&path).map_err(failed)?,
        };
        file.sync_data().map_err(failed)?;
        *wal = Some(file);
        Ok(())
    }
}

impl SqliteStore {
    /// The rows of `query`, each with its sensor's key.
    fn keyed_rows(
        &self,
        conn: &Connection,
        query: &SeriesQuery,
        resolution: Resolution,
    ) -> Result<Vec<read::KeyedRow>, StoreError> {
        read::rows(
            conn,
            &self.city,
            query,
            resolution,
            &self.rollups_complete_before,
        )
    }
}

impl SeriesReader for SqliteStore {
    fn rows(&self, query: &SeriesQuery, resolution: Resolution) -> Result<Vec<Row>, StoreError> {
        self.with_reader(|conn| {
            let keyed = self.keyed_rows(conn, query, resolution)?;
            Ok(keyed.into_iter().map(|(_, row)| row).collect())
        })
    }

    fn sensor_rows(
        &self,
        query: &SeriesQuery,
        resolution: Resolution,
    ) -> Result<Vec<(Arc<str>, Row)>, StoreError> {
        self.with_reader(|conn| {
            let keyed = self.keyed_rows(conn, query, resolution)?;
            read::sensor_ids(conn, keyed)
        })
    }

    fn rejection_counts(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<crate::store::RejectionCount>, StoreError> {
        self.with_reader(|conn| rejections::read(conn, from_ms, to_ms))
    }

    fn revisions(
        &self,
        scope: &crate::store::Scope,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        self.with_reader(|conn| revisions::read(conn, &self.city, scope, from_ms, to_ms))
    }

    fn hourly_rollups(
        &self,
        metrics: &[MetricIdx],
        from_ms: i64,
    ) -> Result<Vec<(String, MetricIdx, Row)>, StoreError> {
        self.with_reader(|conn| read::hourly_rollups(conn, &self.city, metrics, from_ms))
    }
}

impl Retention for SqliteStore {
    fn enforce_retention(&self, now_ms: i64) -> Result<RetentionReport, StoreError> {
        let mut writer = self.writer();
        // Open buckets are written first: none may be left to recompute from raw rows that
        // are about to go.
        writer.flush_rollups()?;
        let report = retention::enforce(writer.conn(), &self.retention, now_ms)?;
        writer.raw_pruned(now_ms - self.retention.raw_ms);
        Ok(report)
    }
}

impl Outbox for SqliteStore {
    fn peek(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.with_reader(|conn| outbox::peek(conn, limit))
    }

    fn remove_through(&self, through: i64) -> Result<(), StoreError> {
        let removed = outbox::remove_through(self.writer().conn(), through)?;
        self.outbox_lines.fetch_sub(
            removed.min(self.outbox_lines.load(Ordering::Relaxed)),
            Ordering::Relaxed,
        );
        Ok(())
    }

    fn stats(&self) -> OutboxStats {
        let max_lines = self.outbox_max.load(Ordering::Relaxed);
        OutboxStats {
            enabled: max_lines > 0,
            lines: self.outbox_lines.load(Ordering::Relaxed),
            max_lines,
            dropped: self.outbox_dropped.load(Ordering::Relaxed),
        }
    }
}

impl Health for SqliteStore {
    fn check(&self) -> Result<(), StoreError> {
        self.with_reader(|conn| {
            Ok(conn
                .query_row("SELECT count(*) FROM sensors", [], |r| r.get::<_, i64>(0))
                .map(|_| ())?)
        })
    }

    fn outbox_stats(&self) -> OutboxStats {
        Outbox::stats(self)
    }
}

#[cfg(test)]
mod alert_service_tests;
#[cfg(test)]
mod fold_read_tests;
#[cfg(test)]
mod fold_tests;
#[cfg(test)]
mod key_replica_tests;
#[cfg(test)]
mod migrate_tests;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod tests;
