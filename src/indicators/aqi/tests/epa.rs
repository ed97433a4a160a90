use super::*;

/// The reference's EPA table, row edges in the table's own units: (low, high) of each band,
/// mapping onto 0–50, 51–100, 101–150, 151–200, 201–300, 301–500.
fn reference_rows() -> Vec<(Table, Vec<(f64, f64)>)> {
    vec![
        (
            Table::Pm25,
            vec![
                (0.0, 9.0),
                (9.1, 35.4),
                (35.5, 55.4),
                (55.5, 125.4),
                (125.5, 225.4),
                (225.5, 325.4),
            ],
        ),
        (
            Table::Pm10,
            vec![
                (0., 54.),
                (55., 154.),
                (155., 254.),
                (255., 354.),
                (355., 424.),
                (425., 604.),
            ],
        ),
        (
            Table::O3EightHour,
            vec![(0., 54.), (55., 70.), (71., 85.), (86., 105.), (106., 200.)],
        ),
        (
            Table::Co,
            vec![
                (0.0, 4.4),
                (4.5, 9.4),
                (9.5, 12.4),
                (12.5, 15.4),
                (15.5, 30.4),
                (30.5, 50.4),
            ],
        ),
        (
            Table::So2,
            vec![
                (0., 35.),
                (36., 75.),
                (76., 185.),
                (186., 304.),
                (305., 604.),
                (605., 1004.),
            ],
        ),
        (
            Table::No2,
            vec![
                (0., 53.),
                (54., 100.),
                (101., 360.),
                (361., 649.),
                (650., 1249.),
                (1250., 2049.),
            ],
        ),
    ]
}

const BANDS: [(u16, u16); 6] = [
    (0, 50),
    (51, 100),
    (101, 150),
    (151, 200),
    (201, 300),
    (301, 500),
];

#[test]
fn every_epa_row_edge_gives_its_index_edge() {
    for (table, rows) in reference_rows() {
        for ((lo, hi), (i_lo, i_hi)) in rows.into_iter().zip(BANDS) {
            assert_eq!(epa(table, lo), i_lo, "{table} at {lo}");
            assert_eq!(epa(table, hi), i_hi, "{table} at {hi}");
        }
    }
}

#[test]
fn epa_o3_one_hour_covers_125_to_604_ppb_only() {
    for ((lo, hi), (i_lo, i_hi)) in [(125., 164.), (165., 204.), (205., 404.), (405., 604.)]
        .into_iter()
        .zip(&BANDS[2..])
    {
        assert_eq!(epa(Table::O3OneHour, lo), *i_lo, "at {lo}");
        assert_eq!(epa(Table::O3OneHour, hi), *i_hi, "at {hi}");
    }
    assert!(matches!(
        epa_sub_index(Table::O3OneHour, 124.9),
        Err(AqiError::OutsideTable { .. })
    ));
    assert!(matches!(
        epa_sub_index(Table::O3EightHour, 201.0),
        Err(AqiError::OutsideTable { .. })
    ));
}

#[test]
fn epa_truncates_before_interpolating_so_no_value_falls_between_rows() {
    assert_eq!(epa(Table::Pm25, 9.09), 50); // 9.0
    assert_eq!(epa(Table::Pm25, 35.49), 100); // 35.4
    assert_eq!(epa(Table::Pm10, 54.99), 50); // 54
    assert_eq!(epa(Table::O3EightHour, 70.9), 100); // 70
    assert_eq!(epa(Table::O3EightHour, 200.9), 300); // 200: still inside
    assert_eq!(epa(Table::Co, 4.49), 50); // 4.4
    assert_eq!(epa(Table::So2, 35.9), 50); // 35
    assert_eq!(epa(Table::No2, 53.9), 50); // 53
}

#[test]
fn epa_concentrations_above_the_table_give_500() {
    for (table, c) in [
        (Table::Pm25, 325.5),
        (Table::Pm10, 700.0),
        (Table::O3OneHour, 605.0),
        (Table::Co, 60.0),
        (Table::So2, 1005.0),
        (Table::No2, 5000.0),
    ] {
        assert_eq!(epa(table, c), 500, "{table} at {c}");
    }
}

#[test]
fn the_references_cross_checks_give_epa_90_for_pm25_30_and_154_for_pm25_60() {
    assert_eq!(epa(Table::Pm25, 30.0), 90); // 49/26.3 × 20.9 + 51 = 89.94
    assert_eq!(epa(Table::Pm25, 60.0), 154); // 49/69.9 × 4.5 + 151 = 154.15
    assert_eq!(EpaCategory::from_aqi(154), EpaCategory::Unhealthy);
}

#[test]
fn an_epa_station_takes_the_larger_ozone_index_and_the_largest_overall() {
    let input = EpaInput {
        pm25: Some(30.0),
        o3_8h: Some(80.0),
        o3_1h: Some(170.0),
        ..Default::default()
    };
    let aqi = epa_aqi(&input).expect("has data");
    // O3 8h 80 ppb → 49/14 × 9 + 101 = 132.5 → 133; 1h 170 ppb → 157.28 → 157; PM2.5 → 90.
    assert_eq!(
        (aqi.aqi, aqi.dominant, aqi.category),
        (157, Pollutant::O3, EpaCategory::Unhealthy)
    );
    assert_eq!(aqi.sub_indices[1].table, Table::O3OneHour);
    let low_1h = EpaInput {
        o3_1h: Some(60.0),
        ..input
    };
    let aqi = epa_aqi(&low_1h).expect("has data");
    assert_eq!(
        (aqi.aqi, aqi.sub_indices[1].table),
        (133, Table::O3EightHour)
    );
}

#[test]
fn an_epa_station_without_any_value_has_no_index() {
    assert_eq!(epa_aqi(&EpaInput::default()), Err(AqiError::NoData));
    let invalid = EpaInput {
        pm25: Some(f64::NAN),
        o3_1h: Some(50.0),
        ..Default::default()
    };
    assert_eq!(epa_aqi(&invalid), Err(AqiError::NoData));
}

#[test]
fn micrograms_convert_to_ppb_and_ppm_at_25_degrees() {
    // ppb = µg/m³ × 24.45 / M.
    let o3 = ugm3_to_epa_unit(Pollutant::O3, 100.0).expect("valid");
    assert!((o3 - 50.94).abs() < 0.01, "{o3}");
    let no2 = ugm3_to_epa_unit(Pollutant::No2, 100.0).expect("valid");
    assert!((no2 - 53.15).abs() < 0.01, "{no2}");
    let so2 = ugm3_to_epa_unit(Pollutant::So2, 100.0).expect("valid");
    assert!((so2 - 38.17).abs() < 0.01, "{so2}");
    let co_ppm = ugm3_to_epa_unit(Pollutant::Co, 10_000.0).expect("valid");
    assert!((co_ppm - 8.729).abs() < 0.001, "{co_ppm}");
    assert_eq!(ugm3_to_epa_unit(Pollutant::Pm25, 30.0), Some(30.0));
    assert_eq!(ugm3_to_ppb(Pollutant::Pm10, 30.0), None);
    assert_eq!(ugm3_to_epa_unit(Pollutant::O3, f64::NAN), None);
    assert_eq!(ugm3_to_epa_unit(Pollutant::Pm25, -1.0), None);
}
