//! The raw rows of one sensor touched by one batch: what is already stored around the batch's
//! timestamps, loaded with a few range scans, and the readings added to it in memory before
//! one write per row. Duplicates and receipt-time shifts are decided here, per metric.

use std::collections::BTreeMap;

use rusqlite::{params, OptionalExtension, Transaction};

use super::packed;
use crate::model::{FastMap, Reading};
use crate::store::StoreError;

/// How far (ms) a reading timed on receipt may move to find a free timestamp.
pub(super) const MAX_RECEIPT_SHIFTS: i64 = 1000;

/// Timestamps of one sensor closer than this are loaded with one range scan.
const SCAN_GAP_MS: i64 = 10 * 60_000;

struct RawRow {
    entries: Vec<(i64, f64)>,
    seq: Option<i64>,
    state: State,
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Not on disk: inserted at flush.
    New,
    /// On disk as loaded.
    Stored,
    /// On disk, with entries added: updated at flush.
    Changed,
}

pub(super) struct SensorRows {
    sensor_key: i64,
    rows: BTreeMap<i64, RawRow>,
}

impl SensorRows {
    /// No stored rows where the batch's readings land: all newer than the sensor's newest
    /// stored row ([`Tails`]).
    pub fn none_stored(sensor_key: i64) -> SensorRows {
        SensorRows {
            sensor_key,
            rows: BTreeMap::new(),
        }
    }

    /// Loads the stored rows of `sensor_key` wherever `readings` (all of that sensor) may land.
    pub fn load<'a>(
        tx: &Transaction,
        sensor_key: i64,
        readings: impl Iterator<Item = &'a Reading>,
    ) -> Result<SensorRows, StoreError> {
        let mut spans: Vec<(i64, i64)> = readings
            .map(|r| {
                let reach = if r.ts_received { MAX_RECEIPT_SHIFTS } else { 0 };
                (r.ts_ms, r.ts_ms.saturating_add(reach))
            })
            .collect();
        spans.sort_unstable();
        let mut scans: Vec<(i64, i64)> = Vec::new();
        for (from, to) in spans {
            match scans.last_mut() {
                Some(last) if from <= last.1.saturating_add(SCAN_GAP_MS) => last.1 = last.1.max(to),
                _ => scans.push((from, to)),
            }
        }
        let mut stmt = tx.prepare_cached(
            "SELECT ts, seq, metrics FROM readings WHERE sensor_key = ?1 AND ts >= ?2 AND ts <= ?3",
        )?;
        let mut rows = BTreeMap::new();
        for (from, to) in scans {
            let mut found = stmt.query(params![sensor_key, from, to])?;
            while let Some(row) = found.next()? {
                let blob = row.get_ref(2)?.as_blob()?;
                let stored = RawRow {
                    entries: packed::decode(blob)?.collect(),
                    seq: row.get(1)?,
                    state: State::Stored,
                };
                rows.insert(row.get(0)?, stored);
            }
        }
        Ok(SensorRows { sensor_key, rows })
    }

    /// Adds a reading of metric `metric_key`; returns the timestamp it was stored at, or
    /// `None` when it duplicates a stored one (same metric at the same time). A reading timed
    /// on receipt moves to the next free millisecond instead: two readings received in the
    /// same millisecond are two readings (a redelivered copy was caught by its `seq`).
    pub fn add(&mut self, r: &Reading, metric_key: i64) -> Option<i64> {
        for ts in r.ts_ms..=r.ts_ms.saturating_add(MAX_RECEIPT_SHIFTS) {
            let row = self.rows.entry(ts).or_insert_with(|| RawRow {
                entries: Vec::new(),
                seq: r.seq.map(|s| s as i64),
                state: State::New,
            });
            if !row.entries.iter().any(|(k, _)| *k == metric_key) {
                row.entries.push((metric_key, r.value));
                if row.state == State::Stored {
                    row.state = State::Changed;
                }
                return Some(ts);
            }
            if !r.ts_received {
                return None;
            }
        }
        None
    }

    /// Writes the new and changed rows, in time order; returns the newest new row's time.
    pub fn flush(self, tx: &Transaction, blob: &mut Vec<u8>) -> Result<Option<i64>, StoreError> {
        let mut insert = tx.prepare_cached(
            "INSERT INTO readings (sensor_key, ts, seq, metrics) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut update = tx
            .prepare_cached("UPDATE readings SET metrics = ?3 WHERE sensor_key = ?1 AND ts = ?2")?;
        let mut newest = None;
        for (ts, row) in self.rows {
            if row.state == State::Stored {
                continue;
            }
            blob.clear();
            packed::encode(&row.entries, blob)?;
            match row.state {
                State::New => {
                    insert.execute(params![self.sensor_key, ts, row.seq, &blob[..]])?;
                    newest = Some(ts);
                }
                _ => {
                    update.execute(params![self.sensor_key, ts, &blob[..]])?;
                }
            };
        }
        Ok(newest)
    }
}

/// The time of each sensor's newest stored raw row, or a later time: a batch whose readings of
/// a sensor all land after it has nothing stored to load ([`SensorRows::none_stored`]), which
/// is live data's usual case. Learnt with one lookup at a sensor's first batch since open and
/// kept by the writes; retention deletes only older rows, and a rolled-back write leaves a
/// later time, so the bound only ever errs towards loading. 16 bytes a sensor.
#[derive(Default)]
pub(super) struct Tails(FastMap<i64, i64>);

impl Tails {
    /// Whether stored rows of `sensor_key` may lie at or after `from`.
    pub fn may_hold(
        &mut self,
        tx: &Transaction,
        sensor_key: i64,
        from: i64,
    ) -> Result<bool, StoreError> {
        let newest = match self.0.get(&sensor_key) {
            Some(&newest) => newest,
            None => {
                let newest = tx
                    .prepare_cached(
                        "SELECT ts FROM readings WHERE sensor_key = ?1 ORDER BY ts DESC LIMIT 1",
                    )?
                    .query_row([sensor_key], |r| r.get(0))
                    .optional()?
                    .unwrap_or(i64::MIN);
                self.0.insert(sensor_key, newest);
                newest
            }
        };
        Ok(from <= newest)
    }

    /// A row of `sensor_key` at `ts` was written.
    pub fn wrote(&mut self, sensor_key: i64, ts: i64) {
        let newest = self.0.entry(sensor_key).or_insert(ts);
        *newest = (*newest).max(ts);
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}
