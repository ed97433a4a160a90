//! Environment: VN_AQI (hourly with NowCast, and daily) and the EPA AQI per air station from
//! its hourly means; noise; water level against warning levels I/II/III. Pure.

use serde::{Deserialize, Serialize};

use super::aqi::{
    epa_aqi, nowcast, ugm3_to_epa_unit, vn_daily, vn_hourly, AqiError, DailyMeans, EpaAqi,
    EpaInput, HourlyMeans, Pollutant, VnAqi,
};

/// Hourly means of each pollutant, newest first (the current, partial hour first); µg/m³.
#[derive(Debug, Clone, Default)]
pub struct StationHours {
    pub pm25: Vec<Option<f64>>,
    pub pm10: Vec<Option<f64>>,
    pub o3: Vec<Option<f64>>,
    pub no2: Vec<Option<f64>>,
    pub so2: Vec<Option<f64>>,
    pub co: Vec<Option<f64>>,
}

/// An index, or why there is none ("insufficient_data", "no_particulate" …).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Index<T> {
    Value(T),
    Unavailable { unavailable: &'static str },
}

impl<T> Index<T> {
    fn from(r: Result<T, AqiError>) -> Self {
        match r {
            Ok(v) => Index::Value(v),
            Err(e) => Index::Unavailable {
                unavailable: e.code(),
            },
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Index::Value(v) => Some(v),
            Index::Unavailable { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationAir {
    /// VN_AQI for the current hour: PM through the NowCast of the last 12 hours.
    pub vn_aqi_hourly: Index<VnAqi>,
    /// VN_AQI for the last 24 hours.
    pub vn_aqi_daily: Index<VnAqi>,
    /// US EPA AQI (2024 table) from the same data, converted to EPA units.
    pub epa_aqi: Index<EpaAqi>,
    /// NowCast PM2.5 (µg/m³), when the 2-of-3 rule holds.
    pub pm25_nowcast: Option<f64>,
}

fn first(h: &[Option<f64>]) -> Option<f64> {
    h.first().copied().flatten()
}

fn day(h: &[Option<f64>]) -> &[Option<f64>] {
    &h[..h.len().min(24)]
}

fn mean(h: &[Option<f64>]) -> Option<f64> {
    let v: Vec<f64> = h.iter().flatten().copied().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn max(h: &[Option<f64>]) -> Option<f64> {
    h.iter().flatten().copied().reduce(f64::max)
}

/// The largest 8-hour running mean within the day (each window needs 6 of its 8 hours).
fn max_8h(h: &[Option<f64>]) -> Option<f64> {
    let d = day(h);
    d.windows(8.min(d.len().max(1)))
        .filter(|w| w.iter().flatten().count() >= 6)
        .filter_map(mean)
        .reduce(f64::max)
}

pub fn station(h: &StationHours) -> StationAir {
    let hourly = HourlyMeans {
        pm25: &h.pm25,
        pm10: &h.pm10,
        o3: first(&h.o3),
        co: first(&h.co),
        so2: first(&h.so2),
        no2: first(&h.no2),
    };
    let daily = DailyMeans {
        pm25_24h: mean(day(&h.pm25)),
        pm10_24h: mean(day(&h.pm10)),
        o3_max_1h: max(day(&h.o3)),
        o3_max_8h: max_8h(&h.o3),
        co_max_1h: max(day(&h.co)),
        so2_max_1h: max(day(&h.so2)),
        no2_max_1h: max(day(&h.no2)),
    };
    let pm25_nowcast = nowcast(&h.pm25).ok();
    let epa = |p: Pollutant, c: Option<f64>| c.and_then(|c| ugm3_to_epa_unit(p, c));
    let epa_input = EpaInput {
        pm25: pm25_nowcast,
        pm10: nowcast(&h.pm10).ok(),
        o3_8h: epa(Pollutant::O3, max_8h(&h.o3[..h.o3.len().min(8)])),
        o3_1h: epa(Pollutant::O3, first(&h.o3)),
        co_8h: epa(Pollutant::Co, mean(&h.co[..h.co.len().min(8)])),
        so2_1h: epa(Pollutant::So2, first(&h.so2)),
        no2_1h: epa(Pollutant::No2, first(&h.no2)),
    };
    StationAir {
        vn_aqi_hourly: Index::from(vn_hourly(&hourly)),
        vn_aqi_daily: Index::from(vn_daily(&daily)),
        epa_aqi: Index::from(epa_aqi(&epa_input)),
        pm25_nowcast,
    }
}

/// Where a water level stands against its station's warning levels I, II, III.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterAlert {
    Normal,
    LevelI,
    LevelII,
    LevelIII,
}

pub fn water_alert(level_cm: f64, levels: [f64; 3]) -> WaterAlert {
    if level_cm >= levels[2] {
        WaterAlert::LevelIII
    } else if level_cm >= levels[1] {
        WaterAlert::LevelII
    } else if level_cm >= levels[0] {
        WaterAlert::LevelI
    } else {
        WaterAlert::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_station_with_twelve_steady_hours_gets_hourly_daily_and_epa_indices() {
        let steady = |v: f64| vec![Some(v); 25];
        let h = StationHours {
            pm25: steady(30.0),
            pm10: steady(40.0),
            no2: steady(20.0),
            ..StationHours::default()
        };
        let air = station(&h);
        let vn = air.vn_aqi_hourly.value().expect("hourly");
        assert_eq!(
            (vn.aqi, vn.dominant),
            (60, Pollutant::Pm25),
            "PM2.5 = 30 µg/m³ → VN_AQI 60 (reference)"
        );
        assert_eq!(air.vn_aqi_daily.value().map(|v| v.aqi), Some(60));
        assert_eq!(
            air.epa_aqi.value().map(|v| v.aqi),
            Some(90),
            "PM2.5 = 30 µg/m³ → EPA ≈ 90 (reference)"
        );
    }

    #[test]
    fn a_station_missing_two_of_the_last_three_hours_has_insufficient_data() {
        let mut pm = vec![None, None, Some(20.0)];
        pm.extend(vec![Some(20.0); 9]);
        let air = station(&StationHours {
            pm25: pm,
            ..StationHours::default()
        });
        assert_eq!(
            air.vn_aqi_hourly,
            Index::Unavailable {
                unavailable: "insufficient_data"
            }
        );
        assert!(
            air.vn_aqi_daily.value().is_some(),
            "the daily index does not need the recent hours"
        );
    }

    #[test]
    fn water_levels_map_to_warning_levels() {
        let l = [150.0, 200.0, 250.0];
        assert_eq!(water_alert(149.9, l), WaterAlert::Normal);
        assert_eq!(water_alert(150.0, l), WaterAlert::LevelI);
        assert_eq!(water_alert(220.0, l), WaterAlert::LevelII);
        assert_eq!(water_alert(300.0, l), WaterAlert::LevelIII);
    }
}
