use super::*;

#[test]
fn a_steady_series_has_its_own_value_as_nowcast() {
    assert_close(nowcast(&steady(37.5, 12)).expect("complete"), 37.5);
}

#[test]
fn above_half_the_weight_is_cmin_over_cmax_and_the_mean_is_normalised() {
    // w = 10/15 = 2/3: (10 + 2/3·15 + 4/9·12) / (1 + 2/3 + 4/9) = (76/3) / (19/9) = 12.
    let hours = [Some(10.0), Some(15.0), Some(12.0)];
    assert_close(nowcast(&hours).expect("3 of 3"), 12.0);
}

#[test]
fn a_missing_hour_weighs_nothing_and_the_others_keep_their_place() {
    // c2 missing, w = 10/15: c3 keeps weight w² = 4/9, not w¹.
    // (10 + 4/9·15) / (1 + 4/9) = 150/13.
    let hours = [Some(10.0), None, Some(15.0)];
    assert_close(nowcast(&hours).expect("2 of 3"), 150.0 / 13.0);
}

#[test]
fn at_half_or_below_a_complete_series_uses_the_decisions_sum_of_halves() {
    // w* = 10/100, so w = ½ and NowCast = Σ ½^i·cᵢ = ½·100 + 10·(½ − ½¹²).
    let mut hours = steady(10.0, 12);
    hours[0] = Some(100.0);
    assert_close(nowcast(&hours).expect("complete"), 54.997_558_593_75);
}

#[test]
fn a_weight_of_exactly_half_takes_the_sum_of_halves_branch() {
    // w* = 10/20 = ½ exactly: Σ ½^i·cᵢ = 10 + 10·(½ − ½¹²) = 14.997558…; the normalised
    // formula would give (20 + 10·(1 − ½¹¹)) / (2 − ½¹¹) = 15.0012…
    let mut hours = steady(10.0, 12);
    hours[0] = Some(20.0);
    assert_close(nowcast(&hours).expect("complete"), 14.997_558_593_75);
}

#[test]
fn just_above_half_the_weight_is_used_as_it_is() {
    // w* = 10.1/20 = 0.505: the normalised formula.
    let mut hours = steady(10.1, 12);
    hours[0] = Some(20.0);
    let w: f64 = 0.505;
    let num = 20.0 + (1..12).map(|i| w.powi(i) * 10.1).sum::<f64>();
    let den = (0..12).map(|i| w.powi(i)).sum::<f64>();
    assert_close(nowcast(&hours).expect("complete"), num / den);
}

#[test]
fn at_half_with_a_missing_hour_the_weights_are_normalised_rather_than_the_gap_counted_as_zero() {
    // c1 missing, c2 = 10, c3 = 20: w = ½. The Decision's Σ ½^i·cᵢ read literally gives
    // ¼·10 + ⅛·20 = 5, below every value present (the gap counts as 0 µg/m³). With weight 0
    // for the gap, as the Decision's note asks: (½·10 + ¼·20) / (½ + ¼) = 13.33…
    let hours = [None, Some(10.0), Some(20.0)];
    assert_close(nowcast(&hours).expect("2 of 3"), 40.0 / 3.0);
}

#[test]
fn two_of_the_three_most_recent_hours_are_enough_in_any_position() {
    for hours in [
        [Some(5.0), Some(5.0), None],
        [Some(5.0), None, Some(5.0)],
        [None, Some(5.0), Some(5.0)],
    ] {
        assert_close(nowcast(&hours).expect("2 of 3"), 5.0);
    }
}

#[test]
fn fewer_than_two_of_the_three_most_recent_hours_is_insufficient_data() {
    let mut only_c1 = steady(5.0, 12);
    only_c1[1] = None;
    only_c1[2] = None;
    for hours in [
        only_c1,
        vec![None, None, Some(5.0), Some(5.0)],
        vec![Some(5.0)],
        vec![],
    ] {
        assert_eq!(
            nowcast(&hours),
            Err(AqiError::InsufficientData),
            "{hours:?}"
        );
    }
}

#[test]
fn only_the_twelve_most_recent_hours_count() {
    let mut hours = steady(10.0, 12);
    hours.push(Some(1000.0));
    assert_close(nowcast(&hours).expect("complete"), 10.0);
}

#[test]
fn a_nan_infinite_or_negative_hour_counts_as_missing() {
    let hours = [
        Some(10.0),
        Some(f64::NAN),
        Some(10.0),
        Some(f64::INFINITY),
        Some(-5.0),
    ];
    assert_close(nowcast(&hours).expect("2 of 3 valid"), 10.0);
    let hours = [Some(10.0), Some(f64::NAN), Some(-1.0)];
    assert_eq!(nowcast(&hours), Err(AqiError::InsufficientData));
}

#[test]
fn zero_concentrations_neither_divide_by_zero_nor_leave_the_range() {
    assert_close(nowcast(&steady(0.0, 12)).expect("complete"), 0.0);
    // Cmin = 0 makes w* = 0, so w = ½ with hours missing: (0 + ½·10) / (1 + ½).
    assert_close(
        nowcast(&[Some(0.0), Some(10.0)]).expect("2 of 3"),
        10.0 / 3.0,
    );
}
