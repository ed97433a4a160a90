//! Golden and property tests for the air-quality indices. Expected values are worked out by
//! hand from `shared/reference/air-quality-index.md` (and, for the worked example, from the
//! Decision's own §2.3), never read back from the implementation's tables.

mod categories;
mod epa;
mod nowcast;
mod properties;
mod vn;
mod worked_example;

use super::*;

/// VN_AQI sub-index of a concentration that is inside its table.
fn vn(table: Table, c: f64) -> u16 {
    vn_sub_index(table, c).expect("concentration inside the table")
}

/// EPA sub-index of a concentration that is inside its table.
fn epa(table: Table, c: f64) -> u16 {
    epa_sub_index(table, c).expect("concentration inside the table")
}

/// `n` hours of the same value.
fn steady(value: f64, n: usize) -> Vec<Option<f64>> {
    vec![Some(value); n]
}

fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "expected {expected}, got {actual}"
    );
}
