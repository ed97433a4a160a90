//! Per-sensor entries, kept in chunks of [`CHUNK`] by dense index. A snapshot shares the
//! chunks with the builder; a tick copies only the chunks it changes (`Arc::make_mut`), so
//! publishing a snapshot costs the chunks that changed, not the city.

use std::sync::Arc;

use crate::aggregate::{SensorInputs, SensorStatus};
use crate::indicators::SensorPart;
use crate::model::{DistrictIdx, DomainIdx};

/// Sensors per chunk (and per block of a district's partial aggregates): a changed sensor
/// costs one chunk copy (`CHUNK` reference counts) and one block re-pool (`CHUNK` adds).
pub const CHUNK: usize = 32;

/// One sensor as the snapshot sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorEntry {
    pub id: Arc<str>,
    pub registered: bool,
    pub domain: DomainIdx,
    pub district: DistrictIdx,
    pub status: SensorStatus,
    /// Receive time of the last accepted reading.
    pub last_seen_ms: Option<i64>,
    /// What the sensor adds to its area's indicators.
    pub part: Arc<SensorPart>,
}

impl SensorEntry {
    pub fn of(s: &SensorInputs, part: SensorPart) -> SensorEntry {
        SensorEntry {
            id: s.id.clone(),
            registered: s.registered,
            domain: s.domain,
            district: s.district,
            status: s.status,
            last_seen_ms: s.last_seen_ms,
            part: Arc::new(part),
        }
    }
}

pub type Chunk = Vec<SensorEntry>;

/// Entries by dense index, in shared chunks.
#[derive(Debug, Clone, Default)]
pub struct Entries {
    chunks: Vec<Arc<Chunk>>,
    len: usize,
}

impl Entries {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, idx: u32) -> Option<&SensorEntry> {
        let i = idx as usize;
        self.chunks.get(i / CHUNK)?.get(i % CHUNK)
    }

    /// Sets entry `idx`; indices are handed out densely, so `idx` is at most `len()`.
    pub fn set(&mut self, idx: u32, e: SensorEntry) {
        let i = idx as usize;
        if i / CHUNK == self.chunks.len() {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let Some(chunk) = self.chunks.get_mut(i / CHUNK) else {
            return;
        };
        let chunk = Arc::make_mut(chunk);
        let len = chunk.len();
        match chunk.get_mut(i % CHUNK) {
            Some(slot) => *slot = e,
            None if i % CHUNK == len => {
                chunk.push(e);
                self.len = self.len.max(i + 1);
            }
            None => {}
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &SensorEntry> {
        self.iter_from(0)
    }

    /// The entries from dense index `from` on (none when `from` is past the end).
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &SensorEntry> {
        let chunks = self.chunks.get(from / CHUNK..).unwrap_or_default();
        chunks.iter().flat_map(|c| c.iter()).skip(from % CHUNK)
    }
}
