//! Before the first message: the live state's hourly pollutant means are refilled from the
//! store's 1-hour rollups of the last day, so the AQI (which needs 12 to 24 hourly means) is
//! there right after a restart. The live state only ever reflects stored readings, so this is
//! the pipeline's to do.

use std::sync::Arc;

use crate::aggregate::SharedLive;
use crate::shell::{lock, now_ms};
use crate::store::{SeriesReader, StoreError};

/// Hours of rollups read back: the 24 the AQI needs, and the hour in progress.
const SEED_HOURS: i64 = 25;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the hourly rollups to refill the live state: {0}")]
    Store(#[from] StoreError),
    #[error("the task reading the hourly rollups failed: {0}")]
    Task(String),
}

/// Reads the rollups off the async executor, then folds them in under one write lock.
pub async fn seed_hourly(
    store: &Arc<dyn SeriesReader>,
    live: &SharedLive,
) -> Result<(), SeedError> {
    let metrics = lock::read(live).pollutant_metrics().to_vec();
    let from = now_ms() - SEED_HOURS * 3_600_000;
    let s = store.clone();
    let rows = tokio::task::spawn_blocking(move || s.hourly_rollups(&metrics, from))
        .await
        .map_err(|e| SeedError::Task(e.to_string()))??;
    let mut live = lock::write(live);
    for (sensor, metric, row) in rows {
        live.seed_hourly(&sensor, metric, row.t, row.count as u32, row.sum);
    }
    Ok(())
}
