//! The US EPA AQI, with the PM2.5 breakpoints revised in February 2024 (in force May 2024).
//! Units are the EPA's: PM in µg/m³, O3, SO2 and NO2 in ppb, CO in ppm; see
//! [`ugm3_to_epa_unit`](super::ugm3_to_epa_unit) for the city's µg/m³ readings.

use serde::Serialize;

use super::scale::{is_concentration, lerp, round_half_up, truncate_to_steps, valid, MAX_INDEX};
use super::station::{dominant, SubIndex};
use super::{AqiError, EpaCategory, Pollutant, Rgb, Table};

/// One row of an EPA table: concentrations `c_lo..=c_hi`, counted in truncation steps (tenths
/// for PM2.5 and CO, units for the rest), map onto `i_lo..=i_hi`.
struct Row {
    c_lo: f64,
    c_hi: f64,
    i_lo: f64,
    i_hi: f64,
}

const fn row(c_lo: f64, c_hi: f64, i_lo: f64, i_hi: f64) -> Row {
    Row {
        c_lo,
        c_hi,
        i_lo,
        i_hi,
    }
}

/// PM2.5, 2024 table, in tenths of µg/m³.
const PM25: [Row; 6] = [
    row(0.0, 90.0, 0.0, 50.0),
    row(91.0, 354.0, 51.0, 100.0),
    row(355.0, 554.0, 101.0, 150.0),
    row(555.0, 1254.0, 151.0, 200.0),
    row(1255.0, 2254.0, 201.0, 300.0),
    row(2255.0, 3254.0, 301.0, 500.0),
];
/// PM10 in µg/m³.
const PM10: [Row; 6] = [
    row(0.0, 54.0, 0.0, 50.0),
    row(55.0, 154.0, 51.0, 100.0),
    row(155.0, 254.0, 101.0, 150.0),
    row(255.0, 354.0, 151.0, 200.0),
    row(355.0, 424.0, 201.0, 300.0),
    row(425.0, 604.0, 301.0, 500.0),
];
/// O3 8-hour in ppb. 8-hour ozone defines no index above 200 ppb: the 1-hour table takes
/// over.
const O3_8H: [Row; 5] = [
    row(0.0, 54.0, 0.0, 50.0),
    row(55.0, 70.0, 51.0, 100.0),
    row(71.0, 85.0, 101.0, 150.0),
    row(86.0, 105.0, 151.0, 200.0),
    row(106.0, 200.0, 201.0, 300.0),
];
/// O3 1-hour in ppb. 1-hour ozone defines no index below 125 ppb: the 8-hour table covers
/// it.
const O3_1H: [Row; 4] = [
    row(125.0, 164.0, 101.0, 150.0),
    row(165.0, 204.0, 151.0, 200.0),
    row(205.0, 404.0, 201.0, 300.0),
    row(405.0, 604.0, 301.0, 500.0),
];
/// CO 8-hour in tenths of ppm.
const CO: [Row; 6] = [
    row(0.0, 44.0, 0.0, 50.0),
    row(45.0, 94.0, 51.0, 100.0),
    row(95.0, 124.0, 101.0, 150.0),
    row(125.0, 154.0, 151.0, 200.0),
    row(155.0, 304.0, 201.0, 300.0),
    row(305.0, 504.0, 301.0, 500.0),
];
/// SO2 1-hour in ppb. Above 304 ppb the EPA bases SO2 on the 24-hour mean; the caller passes
/// that value there.
const SO2: [Row; 6] = [
    row(0.0, 35.0, 0.0, 50.0),
    row(36.0, 75.0, 51.0, 100.0),
    row(76.0, 185.0, 101.0, 150.0),
    row(186.0, 304.0, 151.0, 200.0),
    row(305.0, 604.0, 201.0, 300.0),
    row(605.0, 1004.0, 301.0, 500.0),
];
/// NO2 1-hour in ppb.
const NO2: [Row; 6] = [
    row(0.0, 53.0, 0.0, 50.0),
    row(54.0, 100.0, 51.0, 100.0),
    row(101.0, 360.0, 101.0, 150.0),
    row(361.0, 649.0, 151.0, 200.0),
    row(650.0, 1249.0, 201.0, 300.0),
    row(1250.0, 2049.0, 301.0, 500.0),
];

/// A column's rows and its truncation steps per unit (10: one decimal; 1: integer).
fn table(t: Table) -> (&'static [Row], f64) {
    match t {
        Table::Pm25 => (&PM25, 10.0),
        Table::Pm10 => (&PM10, 1.0),
        Table::O3EightHour => (&O3_8H, 1.0),
        Table::O3OneHour => (&O3_1H, 1.0),
        Table::Co => (&CO, 10.0),
        Table::So2 => (&SO2, 1.0),
        Table::No2 => (&NO2, 1.0),
    }
}

/// EPA sub-index of one concentration in one column, rounded half up.
///
/// The concentration is first truncated as the EPA prescribes — PM2.5 and CO (ppm) to one
/// decimal, PM10, O3, SO2 and NO2 (ppb) to an integer — so it never falls between two rows.
/// Above the top of a table the EPA speaks of "beyond the AQI"; this returns 500.
///
/// Errors: [`AqiError::InvalidConcentration`] for NaN, infinite or negative input;
/// [`AqiError::OutsideTable`] for O3 8-hour above 200 ppb and O3 1-hour below 125 ppb.
pub fn epa_sub_index(t: Table, concentration: f64) -> Result<u16, AqiError> {
    let outside = AqiError::OutsideTable {
        table: t,
        value: concentration,
    };
    if !is_concentration(concentration) {
        return Err(AqiError::InvalidConcentration {
            table: t,
            value: concentration,
        });
    }
    let (rows, steps) = table(t);
    let c = truncate_to_steps(concentration, steps);
    if rows.first().is_some_and(|r| c < r.c_lo) {
        return Err(outside);
    }
    if let Some(r) = rows.iter().find(|r| c <= r.c_hi) {
        return Ok(round_half_up(lerp(c, r.c_lo, r.c_hi, r.i_lo, r.i_hi)));
    }
    match rows.last() {
        Some(r) if r.i_hi == MAX_INDEX => Ok(round_half_up(MAX_INDEX)),
        _ => Err(outside),
    }
}

/// One station's values for the EPA AQI, in EPA units. `None` (or a NaN, infinite or negative
/// value) is a missing value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EpaInput {
    /// PM2.5 in µg/m³: the 24-hour mean, or the NowCast for an hourly report.
    pub pm25: Option<f64>,
    /// PM10 in µg/m³: the 24-hour mean, or the NowCast for an hourly report.
    pub pm10: Option<f64>,
    /// O3 8-hour mean in ppb.
    pub o3_8h: Option<f64>,
    /// O3 1-hour mean in ppb (gives an index only from 125 ppb).
    pub o3_1h: Option<f64>,
    /// CO 8-hour mean in ppm.
    pub co_8h: Option<f64>,
    /// SO2 1-hour mean in ppb (the 24-hour mean above 304 ppb).
    pub so2_1h: Option<f64>,
    /// NO2 1-hour mean in ppb.
    pub no2_1h: Option<f64>,
}

/// A station's EPA AQI with its category, ready to serialise for an API.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpaAqi {
    /// The largest sub-index.
    pub aqi: u16,
    pub category: EpaCategory,
    pub label_en: &'static str,
    pub color: Rgb,
    /// The pollutant whose sub-index is `aqi`.
    pub dominant: Pollutant,
    /// Every pollutant that gave an index, in [`Pollutant::ALL`] order.
    pub sub_indices: Vec<SubIndex>,
}

/// The sub-index entry for a value that may be missing, invalid or outside its table.
fn sub(t: Table, concentration: Option<f64>) -> Option<SubIndex> {
    let c = valid(concentration)?;
    let aqi = epa_sub_index(t, c).ok()?;
    Some(SubIndex {
        pollutant: t.pollutant(),
        table: t,
        concentration: c,
        aqi,
    })
}

/// A station's EPA AQI: the largest sub-index; for ozone the larger of the 8-hour and 1-hour
/// indices where both are defined. Errors: [`AqiError::NoData`] when nothing gives an index.
pub fn epa_aqi(input: &EpaInput) -> Result<EpaAqi, AqiError> {
    let mut subs = Vec::with_capacity(Pollutant::ALL.len());
    subs.extend(sub(Table::Pm25, input.pm25));
    subs.extend(sub(Table::Pm10, input.pm10));
    let o3 = match (
        sub(Table::O3EightHour, input.o3_8h),
        sub(Table::O3OneHour, input.o3_1h),
    ) {
        (Some(a), Some(b)) => Some(if b.aqi > a.aqi { b } else { a }),
        (a, b) => a.or(b),
    };
    subs.extend(o3);
    subs.extend(sub(Table::Co, input.co_8h));
    subs.extend(sub(Table::So2, input.so2_1h));
    subs.extend(sub(Table::No2, input.no2_1h));
    let top = dominant(&subs).ok_or(AqiError::NoData)?;
    let category = EpaCategory::from_aqi(top.aqi);
    Ok(EpaAqi {
        aqi: top.aqi,
        category,
        label_en: category.label_en(),
        color: category.color(),
        dominant: top.pollutant,
        sub_indices: subs,
    })
}
