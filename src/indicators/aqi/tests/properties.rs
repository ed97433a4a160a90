use proptest::prelude::*;

use super::*;

/// Concentrations up to a bit past each VN column's top (O3 8-hour: its end at 400).
fn vn_domain(table: Table) -> f64 {
    match table {
        Table::Pm25 => 600.0,
        Table::Pm10 => 700.0,
        Table::O3OneHour => 1500.0,
        Table::O3EightHour => 400.0,
        Table::Co => 180_000.0,
        Table::So2 => 3000.0,
        Table::No2 => 4500.0,
    }
}

/// EPA columns, in their units: where each defines an index.
fn epa_domain(table: Table) -> (f64, f64) {
    match table {
        Table::Pm25 => (0.0, 400.0),
        Table::Pm10 => (0.0, 700.0),
        Table::O3OneHour => (125.0, 700.0),
        Table::O3EightHour => (0.0, 200.999),
        Table::Co => (0.0, 60.0),
        Table::So2 => (0.0, 1100.0),
        Table::No2 => (0.0, 2200.0),
    }
}

fn table() -> impl Strategy<Value = Table> {
    prop::sample::select(Table::ALL.to_vec())
}

proptest! {
    #[test]
    fn the_vn_sub_index_never_decreases_as_a_concentration_rises(
        t in table(), a in 0.0..1.0f64, b in 0.0..1.0f64,
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let top = vn_domain(t);
        prop_assert!(vn(t, lo * top) <= vn(t, hi * top), "{} at {} vs {}", t, lo * top, hi * top);
    }

    #[test]
    fn the_epa_sub_index_never_decreases_as_a_concentration_rises(
        t in table(), a in 0.0..1.0f64, b in 0.0..1.0f64,
    ) {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let (from, to) = epa_domain(t);
        let (c_lo, c_hi) = (from + lo * (to - from), from + hi * (to - from));
        prop_assert!(epa(t, c_lo) <= epa(t, c_hi), "{} at {} vs {}", t, c_lo, c_hi);
    }

    #[test]
    fn nowcast_stays_within_the_range_of_its_valid_hours(
        hours in prop::collection::vec(
            prop::option::of(prop_oneof![
                8 => 0.0..1000.0f64,
                1 => Just(f64::NAN),
                1 => -100.0..0.0f64,
            ]),
            0..16,
        ),
    ) {
        let present: Vec<f64> =
            hours.iter().take(12).flatten().copied().filter(|v| *v >= 0.0).collect();
        match nowcast(&hours) {
            Ok(c) => {
                let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = present.iter().copied().fold(0.0, f64::max);
                let slack = 1e-9 * hi.max(1.0);
                prop_assert!(c >= lo - slack && c <= hi + slack, "{c} outside [{lo}, {hi}]");
            }
            Err(e) => {
                prop_assert_eq!(e, AqiError::InsufficientData);
                let recent = hours.iter().take(3).flatten().filter(|v| **v >= 0.0).count();
                prop_assert!(recent < 2);
            }
        }
    }
}
