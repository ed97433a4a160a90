use super::*;

/// Decision 1459 Table 2, column by column: (BPᵢ µg/m³, Iᵢ).
fn reference_columns() -> Vec<(Table, Vec<(f64, u16)>)> {
    let i = [0, 50, 100, 150, 200, 300, 400, 500];
    let col = |bp: &[f64]| bp.iter().copied().zip(i).collect::<Vec<_>>();
    vec![
        (
            Table::Pm25,
            col(&[0., 25., 50., 80., 150., 250., 350., 500.]),
        ),
        (
            Table::Pm10,
            col(&[0., 50., 150., 250., 350., 420., 500., 600.]),
        ),
        (
            Table::O3OneHour,
            col(&[0., 160., 200., 300., 400., 800., 1000., 1200.]),
        ),
        (Table::O3EightHour, col(&[0., 100., 120., 170., 210., 400.])),
        (
            Table::Co,
            col(&[0., 10e3, 30e3, 45e3, 60e3, 90e3, 120e3, 150e3]),
        ),
        (
            Table::So2,
            col(&[0., 125., 350., 550., 800., 1600., 2100., 2630.]),
        ),
        (
            Table::No2,
            col(&[0., 100., 200., 700., 1200., 2350., 3100., 3850.]),
        ),
    ]
}

#[test]
fn every_vn_breakpoint_gives_its_index_value() {
    for (table, points) in reference_columns() {
        for (bp, index) in points {
            assert_eq!(vn(table, bp), index, "{table} at {bp} µg/m³");
        }
    }
}

#[test]
fn the_midpoint_of_every_vn_segment_gives_the_mean_of_its_two_index_values() {
    for (table, points) in reference_columns() {
        for pair in points.windows(2) {
            let ((c0, i0), (c1, i1)) = (pair[0], pair[1]);
            assert_eq!(
                vn(table, (c0 + c1) / 2.0),
                (i0 + i1) / 2,
                "{table} between {c0} and {c1}"
            );
        }
    }
}

#[test]
fn just_below_every_vn_breakpoint_the_index_is_still_below_the_edge() {
    for (table, points) in reference_columns() {
        for (bp, index) in points.into_iter().skip(1) {
            let below = vn_sub_index(table, bp - bp * 1e-6).expect("inside");
            assert!(below <= index, "{table} just below {bp}: {below} > {index}");
            assert!(below + 1 >= index, "{table} just below {bp}: {below} jumps");
        }
    }
}

#[test]
fn pm25_crosses_each_category_edge_where_the_sub_index_rounds_half_up_past_it() {
    // Slope 2/µg below 25, 2 between 25 and 50, 5/3 between 50 and 80, 5/7 between
    // 80 and 150, 1 from 150 to 350.
    let cases = [
        (25.24, 50),  // 50.48
        (25.25, 51),  // 50.5 rounds up
        (50.29, 100), // 100.483
        (50.3, 101),  // 100.5
        (80.69, 150), // 150.49
        (80.7, 151),  // 150.5
        (150.49, 200),
        (150.5, 201), // 200.5
        (250.49, 300),
        (250.5, 301), // 300.5
    ];
    for (c, expected) in cases {
        assert_eq!(vn(Table::Pm25, c), expected, "PM2.5 {c}");
    }
}

#[test]
fn concentrations_at_or_above_the_top_breakpoint_give_500() {
    for (table, points) in reference_columns() {
        if table == Table::O3EightHour {
            continue;
        }
        let (top, _) = points[points.len() - 1];
        for c in [top, top + 0.1, top * 10.0, f64::MAX] {
            assert_eq!(vn(table, c), 500, "{table} at {c}");
        }
    }
}

#[test]
fn o3_eight_hour_stops_at_400_and_is_outside_its_table_above() {
    assert_eq!(vn(Table::O3EightHour, 400.0), 300);
    assert_eq!(
        vn_sub_index(Table::O3EightHour, 400.1),
        Err(AqiError::OutsideTable {
            table: Table::O3EightHour,
            value: 400.1
        })
    );
}

#[test]
fn a_nan_infinite_or_negative_concentration_is_rejected_with_a_reason() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.1] {
        let err = vn_sub_index(Table::Pm25, value).expect_err("not a concentration");
        assert!(matches!(
            err,
            AqiError::InvalidConcentration {
                table: Table::Pm25,
                ..
            }
        ));
    }
    assert_eq!(vn(Table::Pm25, -0.0), 0);
}

#[test]
fn the_references_cross_checks_give_60_for_pm25_30_and_117_for_pm25_60() {
    assert_eq!(vn(Table::Pm25, 30.0), 60); // 2 × 5 + 50
    assert_eq!(vn(Table::Pm25, 60.0), 117); // 50/30 × 10 + 100 = 116.67
    assert_eq!(VnCategory::from_aqi(117), VnCategory::Poor);
}

#[test]
fn an_hourly_station_index_serialises_as_the_api_shows_it() {
    let pm25 = steady(30.0, 12);
    let aqi = vn_hourly(&HourlyMeans {
        pm25: &pm25,
        ..Default::default()
    })
    .expect("has PM");
    let json = serde_json::to_value(&aqi).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({
            "aqi": 60, "category": "moderate", "label_vi": "Trung bình", "label_en": "Moderate",
            "color": "#ffff00", "dominant": "pm25",
            "sub_indices": [{ "pollutant": "pm25", "table": "pm25", "concentration": 30.0, "aqi": 60 }]
        })
    );
}

#[test]
fn the_station_index_is_the_largest_sub_index_and_names_its_pollutant() {
    let pm25 = steady(20.0, 12); // 40
    let pm10 = steady(100.0, 12); // 75
    let input = HourlyMeans {
        pm25: &pm25,
        pm10: &pm10,
        no2: Some(150.0),
        o3: Some(80.0),
        ..Default::default()
    };
    let aqi = vn_hourly(&input).expect("has PM");
    assert_eq!((aqi.aqi, aqi.dominant), (75, Pollutant::Pm10));
    let order: Vec<_> = aqi
        .sub_indices
        .iter()
        .map(|s| (s.pollutant, s.aqi))
        .collect();
    assert_eq!(
        order,
        [
            (Pollutant::Pm25, 40),
            (Pollutant::Pm10, 75),
            (Pollutant::O3, 25),
            (Pollutant::No2, 75)
        ]
    );
}

#[test]
fn a_tie_for_the_largest_sub_index_goes_to_the_particulate() {
    let pm25 = steady(30.0, 12); // 60
    let input = HourlyMeans {
        pm25: &pm25,
        no2: Some(120.0),
        ..Default::default()
    }; // 60
    assert_eq!(vn_hourly(&input).expect("has PM").dominant, Pollutant::Pm25);
}

#[test]
fn a_station_without_pm_has_no_vn_aqi_even_with_gases() {
    let input = HourlyMeans {
        o3: Some(300.0),
        no2: Some(500.0),
        ..Default::default()
    };
    assert_eq!(vn_hourly(&input), Err(AqiError::NoParticulate));
    let daily = DailyMeans {
        o3_max_1h: Some(300.0),
        ..Default::default()
    };
    assert_eq!(vn_daily(&daily), Err(AqiError::NoParticulate));
}

#[test]
fn a_station_whose_pm_fails_the_two_of_three_rule_reports_insufficient_data() {
    let pm25 = [None, None, Some(40.0), Some(40.0)];
    let input = HourlyMeans {
        pm25: &pm25,
        no2: Some(500.0),
        ..Default::default()
    };
    assert_eq!(vn_hourly(&input), Err(AqiError::InsufficientData));
}

#[test]
fn a_station_with_only_pm10_gets_an_index_when_pm25_is_insufficient() {
    let pm25 = [None, None, Some(40.0)];
    let pm10 = steady(50.0, 3);
    let aqi = vn_hourly(&HourlyMeans {
        pm25: &pm25,
        pm10: &pm10,
        ..Default::default()
    });
    let aqi = aqi.expect("PM10 is enough");
    assert_eq!(
        (aqi.aqi, aqi.dominant, aqi.sub_indices.len()),
        (50, Pollutant::Pm10, 1)
    );
}

#[test]
fn a_nan_or_negative_gas_value_is_left_out_of_the_station_like_a_missing_one() {
    let pm25 = steady(10.0, 12);
    let input = HourlyMeans {
        pm25: &pm25,
        no2: Some(f64::NAN),
        so2: Some(-3.0),
        co: Some(f64::INFINITY),
        ..Default::default()
    };
    let aqi = vn_hourly(&input).expect("PM is fine");
    assert_eq!((aqi.aqi, aqi.sub_indices.len()), (20, 1));
}

#[test]
fn daily_o3_takes_the_larger_of_its_one_hour_and_eight_hour_sub_indices() {
    let pm25_24h = Some(10.0);
    let by_8h = DailyMeans {
        pm25_24h,
        o3_max_1h: Some(160.0),
        o3_max_8h: Some(120.0),
        ..Default::default()
    };
    let o3 = vn_daily(&by_8h).expect("has PM").sub_indices[1];
    assert_eq!((o3.table, o3.aqi), (Table::O3EightHour, 100));
    let by_1h = DailyMeans {
        pm25_24h,
        o3_max_1h: Some(300.0),
        o3_max_8h: Some(120.0),
        ..Default::default()
    };
    let o3 = vn_daily(&by_1h).expect("has PM").sub_indices[1];
    assert_eq!((o3.table, o3.aqi), (Table::O3OneHour, 150));
}

#[test]
fn daily_o3_leaves_out_an_eight_hour_maximum_above_400_and_uses_the_one_hour_alone() {
    let at_400 = DailyMeans {
        pm25_24h: Some(10.0),
        o3_max_1h: Some(420.0),
        o3_max_8h: Some(400.0),
        ..Default::default()
    };
    let aqi = vn_daily(&at_400).expect("has PM");
    assert_eq!(
        (aqi.aqi, aqi.sub_indices[1].table),
        (300, Table::O3EightHour)
    );
    // Above 400 only the 1-hour column counts: 200 + 100/400 × 20 = 205. As the Decision
    // writes it, the daily O3 index therefore drops from 300 to ~205 as the 8-hour maximum
    // crosses 400 µg/m³ (the day's 1-hour maximum is never below its 8-hour maximum).
    let above = DailyMeans {
        o3_max_8h: Some(400.1),
        ..at_400
    };
    let aqi = vn_daily(&above).expect("has PM");
    assert_eq!((aqi.aqi, aqi.sub_indices[1].table), (205, Table::O3OneHour));
}

#[test]
fn daily_gases_use_the_days_largest_one_hour_mean_and_pm_its_24_hour_mean() {
    let day = DailyMeans {
        pm10_24h: Some(200.0),     // 125
        co_max_1h: Some(45_000.0), // 150
        so2_max_1h: Some(125.0),   // 50
        no2_max_1h: Some(700.0),   // 150
        ..Default::default()
    };
    let aqi = vn_daily(&day).expect("has PM10");
    let subs: Vec<_> = aqi
        .sub_indices
        .iter()
        .map(|s| (s.pollutant, s.aqi))
        .collect();
    assert_eq!(
        subs,
        [
            (Pollutant::Pm10, 125),
            (Pollutant::Co, 150),
            (Pollutant::So2, 50),
            (Pollutant::No2, 150)
        ]
    );
    assert_eq!(
        (aqi.aqi, aqi.dominant, aqi.category),
        (150, Pollutant::Co, VnCategory::Poor)
    );
}
