//! The live snapshot: one immutable picture of the city's indicators per tick, built
//! incrementally and shared (an `Arc` behind a `watch`) by the push producer, the alert
//! evaluator and the REST routes, none of which recompute.
//!
//! - `entry.rs`: what the snapshot keeps per sensor, in copy-on-write chunks.
//! - `builder.rs`: the pure incremental core. A tick recomputes only the sensors changed by
//!   readings (the live state's dirty list) or by time (a deadline heap: a status turning late,
//!   a value leaving a window, the hour turning), then their blocks, districts and the city,
//!   from mergeable partial aggregates.
//! - `view.rs`: the [`Snapshot`] and its typed views (areas, scoped indicators, KPI, status).
//! - `territory.rs`: a partition's districts, and its peers' summaries for the others.
//! - `task.rs`: the thin shell: a thread that ticks and publishes into a `watch`.

mod builder;
mod entry;
mod items;
mod task;
mod territory;
mod view;

pub use builder::Builder;
pub use entry::SensorEntry;
pub use items::entry_key;
pub use task::{spawn, SnapshotRx};
pub use territory::{Foreign, Peer, Remote, SharedForeign, Territory};
pub use view::{Changes, ForeignAlerts, Snapshot};

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
