//! The incremental core. A tick recomputes the sensors that changed — by a reading (the live
//! state's dirty list) or by time alone (a deadline heap) — then the blocks holding them,
//! their districts, and the city. Its cost follows what changed: per recomputed sensor one
//! input copy and one part; per changed block at most [`CHUNK`] merges; per changed district
//! one merge per block; per tick `districts × domains` merges for the areas, and the window
//! aggregates (`domains × districts × metrics` groups).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use crate::aggregate::{LiveState, SensorInputs};
use crate::indicators::{areas, sensor_part, IndicatorParams, Partial, SensorPart};
use crate::model::City;

use super::entry::{Entries, SensorEntry, CHUNK};
use super::territory::{Overlaid, Territory};
use super::view::{Changes, Snapshot};

/// A district's sensors, [`CHUNK`] at a time: each member's part (shared with its snapshot
/// entry, so a member costs 16 bytes), and their pool by domain.
#[derive(Debug, Clone, Default)]
struct Block {
    members: Vec<Member>,
    partials: Vec<Partial>,
}

#[derive(Debug, Clone)]
struct Member {
    domain: usize,
    part: Option<Arc<SensorPart>>,
}

/// A sensor's place: its district, its block there, and its slot in the block.
#[derive(Debug, Clone, Copy)]
struct Home {
    district: usize,
    block: usize,
    slot: usize,
}

/// What a tick read from the live state, under its lock.
pub struct Reading {
    pub inputs: Vec<(SensorInputs, Option<i64>)>,
    pub windows: crate::aggregate::Indicators,
    /// Sensors recomputed because a reading changed them (the rest are due by time).
    pub dirty: usize,
}

pub struct Builder {
    city: Arc<City>,
    params: IndicatorParams,
    entries: Entries,
    /// Per district, its blocks.
    blocks: Vec<Vec<Block>>,
    /// Per sensor: where its member entry sits.
    home: Vec<Home>,
    /// Per district: its blocks pooled `CHUNK` at a time, by domain.
    groups: Vec<Vec<Vec<Partial>>>,
    /// Per district: the merge of its groups, by domain.
    cells: Vec<Arc<Vec<Partial>>>,
    /// Deadlines at which a sensor changes with time alone: (when, sensor).
    due: BinaryHeap<Reverse<(i64, u32)>>,
    /// Per sensor: the deadline it is scheduled at (`i64::MAX`: none).
    scheduled: Vec<i64>,
    /// A partition's districts, and its peers' summaries for the others; `None` alone.
    territory: Option<Territory>,
}

impl Builder {
    pub fn new(city: Arc<City>, params: IndicatorParams) -> Builder {
        let domains = city.domains.len();
        let districts = city.districts.len();
        Builder {
            blocks: vec![Vec::new(); districts],
            groups: vec![Vec::new(); districts],
            cells: (0..districts)
                .map(|_| Arc::new(vec![Partial::default(); domains]))
                .collect(),
            city,
            params,
            entries: Entries::default(),
            home: Vec::new(),
            due: BinaryHeap::new(),
            scheduled: Vec::new(),
            territory: None,
        }
    }

    /// Makes this node a partition: the districts `territory` does not own come from peers.
    pub fn with_territory(mut self, territory: Territory) -> Builder {
        self.territory = Some(territory);
        self
    }

    /// Takes the live state's dirty list (briefly under its write lock), then copies the
    /// inputs of the dirty and due sensors under its read lock, and builds the next snapshot
    /// without any lock.
    pub fn tick(&mut self, live: &crate::aggregate::SharedLive, now_ms: i64) -> Snapshot {
        use crate::shell::lock;
        let dirty = lock::write(live).take_dirty();
        let n = dirty.len();
        let todo = self.todo(lock::read(live).sensor_count(), dirty, now_ms);
        // The read lock is taken per slice of sensors, so the commit stage (which applies
        // readings under the write lock) never waits for a whole tick's copying.
        let mut inputs = Vec::with_capacity(todo.len());
        for slice in todo.chunks(READ_SLICE) {
            inputs.extend(copy(&lock::read(live), slice, now_ms));
        }
        let reading = Reading {
            inputs,
            windows: lock::read(live).indicators(None, None, now_ms),
            dirty: n,
        };
        self.build(reading, now_ms)
    }

    /// The sensors to recompute at `now_ms` and their inputs, all under one lock: `dirty`,
    /// every sensor the snapshot has not seen yet, and those whose deadline passed.
    pub fn read(&mut self, live: &LiveState, dirty: Vec<u32>, now_ms: i64) -> Reading {
        let n = dirty.len();
        let todo = self.todo(live.sensor_count(), dirty, now_ms);
        Reading {
            inputs: copy(live, &todo, now_ms),
            windows: live.indicators(None, None, now_ms),
            dirty: n,
        }
    }

    /// `dirty`, the sensors not seen yet (of `count`) and the due ones, sorted, each once.
    fn todo(&mut self, count: usize, mut todo: Vec<u32>, now_ms: i64) -> Vec<u32> {
        todo.extend(self.entries.len() as u32..count as u32);
        while let Some(&Reverse((at, idx))) = self.due.peek() {
            if at > now_ms {
                break;
            }
            self.due.pop();
            if self.scheduled.get(idx as usize) == Some(&at) {
                self.scheduled[idx as usize] = i64::MAX;
                todo.push(idx);
            }
        }
        todo.sort_unstable();
        todo.dedup();
        todo
    }

    /// Folds what [`read`](Self::read) copied into the next snapshot.
    pub fn build(&mut self, reading: Reading, now_ms: i64) -> Snapshot {
        let recomputed = reading.inputs.len();
        let mut statuses = Vec::new();
        let mut blocks = Vec::new();
        for (inputs, next) in reading.inputs {
            let idx = inputs.idx;
            let part = sensor_part(&self.city, &inputs, &self.params);
            let entry = SensorEntry::of(&inputs, part);
            let (new, status, part, same) = match self.entries.get(idx) {
                None => (true, true, true, false),
                Some(o) => (
                    false,
                    o.status != entry.status,
                    o.part != entry.part,
                    *o == entry,
                ),
            };
            if new {
                self.place(idx, entry.district.0.into(), entry.domain);
            }
            if status {
                statuses.push(idx);
            }
            if let (true, Some(home)) = (part, self.home.get(idx as usize).copied()) {
                if let Some(m) = self.member(home) {
                    m.part = Some(entry.part.clone());
                }
                blocks.push((home.district, home.block));
            }
            if !same {
                self.entries.set(idx, entry);
            }
            self.schedule(idx, next);
        }
        self.rebuild(blocks);
        let overlaid = match &mut self.territory {
            Some(t) => t.overlay(&self.city, &self.cells, now_ms),
            None => Overlaid {
                cells: self.cells.clone(),
                open_alerts: Vec::new(),
                city_alerts: None,
                partial: None,
            },
        };
        let cells = overlaid.cells.iter().map(|c| c.as_slice());
        let mut areas = areas(&self.city, cells, |_, _| true, &self.params, now_ms);
        areas.partial = overlaid.partial;
        Snapshot {
            generated_at: now_ms,
            city: self.city.clone(),
            params: self.params,
            entries: self.entries.clone(),
            cells: overlaid.cells,
            owned: self.territory.as_ref().map(|t| (t.owned(), t.owns_city())),
            foreign_alerts: Arc::new(overlaid.open_alerts),
            foreign_city_alerts: overlaid.city_alerts,
            areas: Arc::new(areas),
            windows: Arc::new(reading.windows),
            changes: Changes {
                statuses,
                recomputed,
                dirty: reading.dirty,
            },
        }
    }

    /// Gives a new sensor its slot in the last block of its district (a new block when that
    /// one is full). Dense indices arrive in order, so `home` and `scheduled` grow by one.
    fn place(&mut self, idx: u32, district: usize, domain: crate::model::DomainIdx) {
        let i = idx as usize;
        if self.scheduled.len() <= i {
            self.scheduled.resize(i + 1, i64::MAX);
        }
        let Some(blocks) = self.blocks.get_mut(district) else {
            return;
        };
        if blocks.last().is_none_or(|b| b.members.len() >= CHUNK) {
            blocks.push(Block::default());
        }
        let block = blocks.len() - 1;
        let members = &mut blocks[block].members;
        members.push(Member {
            domain: usize::from(domain.0),
            part: None,
        });
        let home = Home {
            district,
            block,
            slot: members.len() - 1,
        };
        if self.home.len() <= i {
            self.home.resize(i + 1, home);
        }
        self.home[i] = home;
    }

    fn member(&mut self, h: Home) -> Option<&mut Member> {
        self.blocks
            .get_mut(h.district)?
            .get_mut(h.block)?
            .members
            .get_mut(h.slot)
    }

    fn schedule(&mut self, idx: u32, next: Option<i64>) {
        let at = next.unwrap_or(i64::MAX);
        let i = idx as usize;
        if self.scheduled[i] != at {
            self.scheduled[i] = at;
            if at != i64::MAX {
                self.due.push(Reverse((at, idx)));
            }
        }
    }

    /// Re-pools the changed blocks, then their districts, groups and districts.
    fn rebuild(&mut self, mut blocks: Vec<(usize, usize)>) {
        blocks.sort_unstable();
        blocks.dedup();
        let domains = self.city.domains.len();
        for &(d, b) in &blocks {
            let Some(block) = self.blocks.get_mut(d).and_then(|bs| bs.get_mut(b)) else {
                continue;
            };
            let mut partials = vec![Partial::default(); domains];
            for m in &block.members {
                if let (Some(acc), Some(part)) = (partials.get_mut(m.domain), &m.part) {
                    acc.add(part);
                }
            }
            block.partials = partials;
        }
        // A district's blocks are pooled in groups of CHUNK, so a changed block costs one group
        // re-pool and its district merges groups, not every block: the tick stays small for a
        // million sensors in a dozen districts.
        let mut groups: Vec<(usize, usize)> = blocks.iter().map(|&(d, b)| (d, b / CHUNK)).collect();
        groups.dedup();
        for &(d, g) in &groups {
            let pooled = pool(
                self.blocks[d]
                    .iter()
                    .skip(g * CHUNK)
                    .take(CHUNK)
                    .map(|b| &b.partials),
                domains,
            );
            let gs = &mut self.groups[d];
            if gs.len() <= g {
                gs.resize(g + 1, Vec::new());
            }
            gs[g] = pooled;
        }
        let mut districts: Vec<usize> = groups.iter().map(|(d, _)| *d).collect();
        districts.dedup();
        for d in districts {
            self.cells[d] = Arc::new(pool(self.groups[d].iter(), domains));
        }
    }
}

/// Merges partials by domain.
fn pool<'a>(parts: impl Iterator<Item = &'a Vec<Partial>>, domains: usize) -> Vec<Partial> {
    let mut acc = vec![Partial::default(); domains];
    for p in parts {
        for (a, x) in acc.iter_mut().zip(p) {
            a.merge(x);
        }
    }
    acc
}

/// Sensors whose inputs are copied under one read lock.
const READ_SLICE: usize = 256;

/// The inputs of `sensors` at `now_ms`, each with the time it next changes by time alone.
fn copy(live: &LiveState, sensors: &[u32], now_ms: i64) -> Vec<(SensorInputs, Option<i64>)> {
    sensors
        .iter()
        .filter_map(|&i| Some((live.input_at(i, now_ms)?, live.next_change_at(i, now_ms))))
        .collect()
}
