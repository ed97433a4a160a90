//! Indicators: the pure maths of what the control room watches. No I/O, no clock of its own.
//!
//! - `aqi/`: VN_AQI (Decision 1459/QĐ-TCMT) and the US EPA AQI, NowCast, categories.
//! - `traffic.rs`: flow, speed, occupancy, congestion index and level.
//! - `air.rs`: a station's hourly and daily VN_AQI and EPA AQI; water warning levels.
//! - `queue.rs`: waiting, waits, estimated wait for a newcomer, SLA, counters open.
//! - `health.rs`: sensor status counts, completeness, `seq` gaps and repeats.
//! - `city.rs`: all of the above per sensor, district and city, from the live state's inputs.
//! - `partial.rs`: what one sensor adds, and the mergeable sums that pool it per area.
//! - `kpi.rs`: the one-object summary for the control room's header.
//! - `wire.rs`: a partial as a peer's summary carries it, and back.

pub mod air;
pub mod aqi;
mod city;
mod health;
mod kpi;
mod partial;
pub mod queue;
mod settings;
pub mod traffic;
mod wire;

#[cfg(test)]
pub use city::compute;
pub use city::{
    areas, kpi, sensor_part, with_items, AirArea, Area, Areas, Centre, CityIndicators,
    IndicatorParams, Road, Station, Water,
};
pub use health::Health;
pub use kpi::{Incomplete, Kpi, WorstAqi};
pub use partial::{Partial, SensorPart};
pub use settings::IndicatorSettings;
pub use wire::{PartialWire, WireError};
