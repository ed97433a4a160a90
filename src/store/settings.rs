//! `[store]`: where the embedded store lives, how it syncs, what it keeps, and the writer's
//! batch sizes. Documented with defaults in `config/default.toml`.

use std::path::PathBuf;

use serde::Deserialize;

use super::RetentionPolicy;
use crate::setting::{range, Invalid};

/// What a commit survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fsync {
    /// Every acknowledged batch survives power loss (one fsync per group commit).
    Full,
    /// Acknowledged batches survive a crash of the process, not of the machine.
    Normal,
}

impl Fsync {
    /// The values `store.fsync` accepts, as written in the file.
    pub const CHOICES: &'static [&'static str] = &["full", "normal"];
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    pub path: PathBuf,
    pub fsync: Fsync,
    pub raw_retention_days: u64,
    pub rollup_1m_retention_days: u64,
    pub rollup_1h_retention_days: u64,
    pub retention_interval_s: u64,
    pub rollup_flush_interval_s: u64,
    pub max_batch_readings: usize,
    pub writer_queue_messages: usize,
    pub max_points: i64,
}

impl StoreSettings {
    pub fn retention(&self) -> RetentionPolicy {
        const DAY: i64 = 86_400_000;
        RetentionPolicy {
            raw_ms: self.raw_retention_days as i64 * DAY,
            rollup_1m_ms: self.rollup_1m_retention_days as i64 * DAY,
            rollup_1h_ms: self.rollup_1h_retention_days as i64 * DAY,
        }
    }

    /// How long the writer keeps rollup buckets in memory between flushes.
    pub fn rollup_flush_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.rollup_flush_interval_s)
    }

    /// True for `fsync = "full"`: every commit survives power loss, not only a crash.
    pub fn durable_fsync(&self) -> bool {
        self.fsync == Fsync::Full
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.path.as_os_str().is_empty() {
            return Err(Invalid::new(
                "store.path",
                "\"\"",
                "a file path for the SQLite database",
            ));
        }
        self.validate_retention()?;
        range(
            "store.retention_interval_s",
            self.retention_interval_s,
            1,
            86_400,
        )?;
        range(
            "store.rollup_flush_interval_s",
            self.rollup_flush_interval_s,
            1,
            3_600,
        )?;
        range(
            "store.max_batch_readings",
            self.max_batch_readings as u64,
            1,
            1_000_000,
        )?;
        range(
            "store.writer_queue_messages",
            self.writer_queue_messages as u64,
            1,
            1_000_000,
        )?;
        range(
            "store.max_points",
            self.max_points.max(0) as u64,
            10,
            1_000_000,
        )
    }

    /// Each table keeps at least as long as the finer one before it.
    fn validate_retention(&self) -> Result<(), Invalid> {
        range("store.raw_retention_days", self.raw_retention_days, 1, 3650)?;
        let longer = [
            (
                "store.rollup_1m_retention_days",
                self.rollup_1m_retention_days,
                "store.raw_retention_days",
                self.raw_retention_days,
            ),
            (
                "store.rollup_1h_retention_days",
                self.rollup_1h_retention_days,
                "store.rollup_1m_retention_days",
                self.rollup_1m_retention_days,
            ),
        ];
        for (key, days, finer_key, finer_days) in longer {
            if days < finer_days || days > 36_500 {
                return Err(Invalid::new(
                    key,
                    days,
                    format!("at least {finer_key} ({finer_days}) and at most 36500"),
                ));
            }
        }
        Ok(())
    }
}
