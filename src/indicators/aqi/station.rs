//! A station's index from its pollutants' sub-indices: the largest wins.

use serde::Serialize;

use super::{Pollutant, Table};

/// One pollutant's share of a station index.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SubIndex {
    pub pollutant: Pollutant,
    /// The breakpoint column used (for ozone: the 1-hour or the 8-hour one).
    pub table: Table,
    /// The value fed to the table, in the table's unit (NowCast, 24-hour mean, daily
    /// maximum, … as the index prescribes).
    pub concentration: f64,
    /// The rounded sub-index, 0..=500.
    pub aqi: u16,
}

/// The station index and its dominant pollutant: the largest sub-index, ties going to the
/// earliest entry (callers list sub-indices in [`Pollutant::ALL`] order, so particulates win
/// a tie). `None` for an empty list.
pub(super) fn dominant(subs: &[SubIndex]) -> Option<SubIndex> {
    let mut best: Option<SubIndex> = None;
    for s in subs {
        if best.is_none_or(|b| s.aqi > b.aqi) {
            best = Some(*s);
        }
    }
    best
}
