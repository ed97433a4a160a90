//! VN_AQI, Vietnam's air-quality index, per Decision 1459/QĐ-TCMT of 12 November 2019 (Vietnam
//! Environment Administration). All concentrations in µg/m³, CO included.

use serde::Serialize;

use super::scale::{is_concentration, lerp, round_half_up, valid, MAX_INDEX};
use super::station::{dominant, SubIndex};
use super::{nowcast, AqiError, Pollutant, Table, VnCategory, NOWCAST_HOURS};

/// Iᵢ, the index at each breakpoint (Decision 1459, Table 2).
const INDEX: [f64; 8] = [0.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0];

/// BPᵢ in µg/m³ per column (Decision 1459, Table 2). O3 8-hour stops at 400 µg/m³ (I = 300):
/// above that the Decision uses the 1-hour column only.
fn breakpoints(table: Table) -> &'static [f64] {
    match table {
        Table::Pm25 => &[0.0, 25.0, 50.0, 80.0, 150.0, 250.0, 350.0, 500.0],
        Table::Pm10 => &[0.0, 50.0, 150.0, 250.0, 350.0, 420.0, 500.0, 600.0],
        Table::O3OneHour => &[0.0, 160.0, 200.0, 300.0, 400.0, 800.0, 1000.0, 1200.0],
        Table::O3EightHour => &[0.0, 100.0, 120.0, 170.0, 210.0, 400.0],
        Table::Co => &[
            0.0, 10_000.0, 30_000.0, 45_000.0, 60_000.0, 90_000.0, 120_000.0, 150_000.0,
        ],
        Table::So2 => &[0.0, 125.0, 350.0, 550.0, 800.0, 1600.0, 2100.0, 2630.0],
        Table::No2 => &[0.0, 100.0, 200.0, 700.0, 1200.0, 2350.0, 3100.0, 3850.0],
    }
}

/// The unrounded sub-index: linear between `BPᵢ ≤ c < BPᵢ₊₁`; 500 at or above a top
/// breakpoint of 500; `None` above the end of a column that stops short of 500 (O3 8-hour).
fn raw_sub_index(table: Table, c: f64) -> Option<f64> {
    let bp = breakpoints(table);
    for (k, pair) in bp.windows(2).enumerate() {
        if c < pair[1] {
            return Some(lerp(c, pair[0], pair[1], INDEX[k], INDEX[k + 1]));
        }
    }
    let top = bp.len() - 1;
    (INDEX[top] == MAX_INDEX || c == bp[top]).then_some(INDEX[top])
}

/// VN_AQI sub-index of one concentration (µg/m³) in one column, rounded half up.
///
/// Errors: [`AqiError::InvalidConcentration`] for NaN, infinite or negative input;
/// [`AqiError::OutsideTable`] for O3 8-hour above 400 µg/m³.
pub fn vn_sub_index(table: Table, concentration: f64) -> Result<u16, AqiError> {
    if !is_concentration(concentration) {
        return Err(AqiError::InvalidConcentration {
            table,
            value: concentration,
        });
    }
    raw_sub_index(table, concentration)
        .map(round_half_up)
        .ok_or(AqiError::OutsideTable {
            table,
            value: concentration,
        })
}

/// The sub-index entry for a value that may be missing or invalid (then `None`).
fn sub(table: Table, concentration: Option<f64>) -> Option<SubIndex> {
    let c = valid(concentration)?;
    let aqi = vn_sub_index(table, c).ok()?;
    Some(SubIndex {
        pollutant: table.pollutant(),
        table,
        concentration: c,
        aqi,
    })
}

/// A station's VN_AQI with its category, ready to serialise for an API:
/// `{ "aqi": 60, "category": "moderate", "label_vi": "Trung bình", "label_en": "Moderate",
/// "color": "#ffff00", "dominant": "pm25", "sub_indices": [ … ] }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VnAqi {
    /// The largest sub-index.
    pub aqi: u16,
    pub category: VnCategory,
    pub label_vi: &'static str,
    pub label_en: &'static str,
    pub color: super::Rgb,
    /// The pollutant whose sub-index is `aqi`.
    pub dominant: Pollutant,
    /// Every pollutant that had a value, in [`Pollutant::ALL`] order.
    pub sub_indices: Vec<SubIndex>,
}

impl VnAqi {
    /// The station index from the concentrations its sub-indices were computed from, in
    /// [`Pollutant::ALL`] order (as [`VnAqi::sub_indices`] lists them): how a peer's summary
    /// carries an index without trusting its rounded figures. Invalid values are dropped.
    pub fn from_concentrations(columns: &[(Table, f64)]) -> Result<Self, AqiError> {
        Self::from_sub_indices(
            columns
                .iter()
                .filter_map(|&(t, c)| sub(t, Some(c)))
                .collect(),
        )
    }

    /// The station index from its sub-indices; needs a PM2.5 or PM10 entry.
    fn from_sub_indices(sub_indices: Vec<SubIndex>) -> Result<Self, AqiError> {
        let has_pm = sub_indices
            .iter()
            .any(|s| matches!(s.pollutant, Pollutant::Pm25 | Pollutant::Pm10));
        let top = dominant(&sub_indices).filter(|_| has_pm);
        let top = top.ok_or(AqiError::NoParticulate)?;
        let category = VnCategory::from_aqi(top.aqi);
        Ok(Self {
            aqi: top.aqi,
            category,
            label_vi: category.label_vi(),
            label_en: category.label_en(),
            color: category.color(),
            dominant: top.pollutant,
            sub_indices,
        })
    }
}

/// One station's hourly means for the hourly VN_AQI, in µg/m³. `None` (or a NaN, infinite or
/// negative value) is a missing value.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HourlyMeans<'a> {
    /// PM2.5 hourly means, newest first; the first 12 feed the [`nowcast`].
    pub pm25: &'a [Option<f64>],
    /// PM10 hourly means, newest first; the first 12 feed the [`nowcast`].
    pub pm10: &'a [Option<f64>],
    /// O3 mean of the current hour (1-hour column).
    pub o3: Option<f64>,
    /// CO mean of the current hour.
    pub co: Option<f64>,
    /// SO2 mean of the current hour.
    pub so2: Option<f64>,
    /// NO2 mean of the current hour.
    pub no2: Option<f64>,
}

/// Hourly VN_AQI (Decision 1459 §2.2.1): PM2.5 and PM10 through the NowCast of their last 12
/// hourly means, O3 through the 1-hour column, CO, SO2 and NO2 from the current hour's mean;
/// the largest sub-index wins.
///
/// Errors: [`AqiError::InsufficientData`] when neither PM series passes the NowCast's
/// 2-of-3-hours rule but one of them has data in its last 12 hours;
/// [`AqiError::NoParticulate`] when neither has any.
pub fn vn_hourly(input: &HourlyMeans<'_>) -> Result<VnAqi, AqiError> {
    let mut subs = Vec::with_capacity(Pollutant::ALL.len());
    let mut pm_insufficient = false;
    for (table, hours) in [(Table::Pm25, input.pm25), (Table::Pm10, input.pm10)] {
        match nowcast(hours) {
            Ok(c) => subs.extend(sub(table, Some(c))),
            Err(_) => {
                let recent = &hours[..hours.len().min(NOWCAST_HOURS)];
                pm_insufficient |= recent.iter().any(|h| valid(*h).is_some());
            }
        }
    }
    if subs.is_empty() && pm_insufficient {
        return Err(AqiError::InsufficientData);
    }
    subs.extend(sub(Table::O3OneHour, input.o3));
    subs.extend(sub(Table::Co, input.co));
    subs.extend(sub(Table::So2, input.so2));
    subs.extend(sub(Table::No2, input.no2));
    VnAqi::from_sub_indices(subs)
}

/// One station's daily values for the daily VN_AQI, in µg/m³. `None` (or a NaN, infinite or
/// negative value) is a missing value. Which hours make up the day, and how complete a day
/// must be, is the caller's business: the Decision sets no completeness rule.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DailyMeans {
    /// PM2.5 24-hour mean.
    pub pm25_24h: Option<f64>,
    /// PM10 24-hour mean.
    pub pm10_24h: Option<f64>,
    /// Largest O3 1-hour mean of the day.
    pub o3_max_1h: Option<f64>,
    /// Largest O3 8-hour mean of the day (each the mean of 8 consecutive hourly means).
    pub o3_max_8h: Option<f64>,
    /// Largest CO 1-hour mean of the day.
    pub co_max_1h: Option<f64>,
    /// Largest SO2 1-hour mean of the day.
    pub so2_max_1h: Option<f64>,
    /// Largest NO2 1-hour mean of the day.
    pub no2_max_1h: Option<f64>,
}

/// Daily VN_AQI (Decision 1459 §2.2.2): PM from the 24-hour mean; O3 the larger of the
/// sub-indices of the day's largest 1-hour and largest 8-hour mean, the 8-hour one left out
/// when that mean exceeds 400 µg/m³; SO2, NO2 and CO from the day's largest 1-hour mean.
///
/// That last rule is marked "to be confirmed against the Decision's text" in our reference;
/// a public transcription of §2.2.2 reads the same ("giá trị trung bình 1 giờ lớn nhất
/// trong ngày"), and the Decision's own daily example uses NO2's largest 1-hour mean.
///
/// As the Decision writes it, the O3 index is not monotonic at that switch: an 8-hour maximum
/// of 400 µg/m³ gives 300, while one just above leaves only the 1-hour maximum (≥ 400, so
/// ≈ 200 and up). We follow the Decision.
///
/// Errors: [`AqiError::NoParticulate`] when neither PM2.5 nor PM10 has a value.
pub fn vn_daily(input: &DailyMeans) -> Result<VnAqi, AqiError> {
    let mut subs = Vec::with_capacity(Pollutant::ALL.len());
    subs.extend(sub(Table::Pm25, input.pm25_24h));
    subs.extend(sub(Table::Pm10, input.pm10_24h));
    let one_hour = sub(Table::O3OneHour, input.o3_max_1h);
    // `sub` yields None above 400 µg/m³: the 8-hour path is then not used.
    let eight_hour = sub(Table::O3EightHour, input.o3_max_8h);
    let o3 = match (one_hour, eight_hour) {
        (Some(a), Some(b)) => Some(if b.aqi > a.aqi { b } else { a }),
        (a, b) => a.or(b),
    };
    subs.extend(o3);
    subs.extend(sub(Table::Co, input.co_max_1h));
    subs.extend(sub(Table::So2, input.so2_max_1h));
    subs.extend(sub(Table::No2, input.no2_max_1h));
    VnAqi::from_sub_indices(subs)
}
