//! The model sections of a scenario: traffic, weather, air, water, queues. Each selects its
//! sensors by id pattern; every key has a default. Their scheduled and random episodes are
//! in `episodes.rs`.

use serde::Deserialize;

use super::episodes::{AirEpisode, Episode, Flood, Incident, RandomEvents};
use super::spec::{at_least, share, span, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficSpec {
    pub sensors: Vec<String>,
    /// Vehicles counted per reading at a typical sensor when the hourly level is 1.
    pub vehicles_per_interval: f64,
    /// Per-sensor capacity factor range (roads differ).
    pub capacity_spread: [f64; 2],
    /// Free-flow speed of the sensors whose city entry gives none (the city's
    /// `free_flow_kmh` wins: it is what ioc's congestion index divides by).
    pub free_flow_kmh: f64,
    /// Relative noise (standard deviation) on speed and occupancy.
    pub noise: f64,
    /// Flow level by local hour (index 0 is 00:00–01:00), Monday to Friday; interpolated
    /// between the middles of the hours.
    pub weekday: [f64; 24],
    /// The same for Saturday and Sunday.
    pub weekend: [f64; 24],
    pub incidents: Vec<Incident>,
    /// Random jams; magnitude is the severity (0..1).
    pub random_incidents: RandomEvents,
}

impl Default for TrafficSpec {
    fn default() -> Self {
        TrafficSpec {
            sensors: vec!["tl-*".into()],
            vehicles_per_interval: 60.0,
            capacity_spread: [0.6, 1.4],
            free_flow_kmh: 50.0,
            noise: 0.08,
            weekday: [
                0.12, 0.08, 0.06, 0.06, 0.10, 0.25, 0.55, 0.95, 0.90, 0.65, 0.60, 0.65, 0.55, 0.55,
                0.60, 0.65, 0.80, 1.00, 0.95, 0.75, 0.60, 0.45, 0.30, 0.20,
            ],
            weekend: [
                0.18, 0.12, 0.08, 0.07, 0.08, 0.15, 0.30, 0.45, 0.60, 0.70, 0.72, 0.70, 0.60, 0.55,
                0.55, 0.60, 0.70, 0.80, 0.85, 0.85, 0.75, 0.60, 0.40, 0.28,
            ],
            incidents: Vec::new(),
            random_incidents: RandomEvents {
                per_day: 0.0,
                duration_s: [900.0, 3600.0],
                magnitude: [0.5, 0.9],
            },
        }
    }
}

impl TrafficSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        at_least(
            "traffic.vehicles_per_interval",
            self.vehicles_per_interval,
            0.0,
        )?;
        span("traffic.capacity_spread", self.capacity_spread, 0.0)?;
        at_least("traffic.free_flow_kmh", self.free_flow_kmh, 1.0)?;
        share("traffic.noise", self.noise)?;
        for (name, levels) in [("weekday", &self.weekday), ("weekend", &self.weekend)] {
            if levels.iter().any(|l| !(0.0..=2.0).contains(l)) {
                return Err((
                    format!("traffic.{name}"),
                    "levels must be from 0 to 2".into(),
                ));
            }
        }
        for (i, inc) in self.incidents.iter().enumerate() {
            inc.validate(&format!("traffic.incidents[{i}]"))?;
        }
        self.random_incidents
            .validate("traffic.random_incidents", 0.0)?;
        share(
            "traffic.random_incidents.magnitude",
            self.random_incidents.magnitude[1],
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeatherSpec {
    /// Pre-dawn minimum and mid-afternoon maximum, °C.
    pub temperature_c: [f64; 2],
    /// Afternoon minimum and pre-dawn maximum, %; rain pushes it up.
    pub humidity_pct: [f64; 2],
    /// Scheduled rain; magnitude is the peak intensity in mm/h.
    pub rain: Vec<Episode>,
    pub random_rain: RandomEvents,
}

impl Default for WeatherSpec {
    fn default() -> Self {
        WeatherSpec {
            temperature_c: [24.0, 31.0],
            humidity_pct: [62.0, 90.0],
            rain: Vec::new(),
            random_rain: RandomEvents {
                per_day: 0.0,
                duration_s: [1800.0, 10_800.0],
                magnitude: [3.0, 40.0],
            },
        }
    }
}

impl WeatherSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        span("weather.temperature_c", self.temperature_c, -20.0)?;
        span("weather.humidity_pct", self.humidity_pct, 0.0)?;
        for (i, e) in self.rain.iter().enumerate() {
            e.validate(&format!("weather.rain[{i}]"))?;
        }
        self.random_rain.validate("weather.random_rain", 0.0)
    }
}

/// One value per pollutant, µg/m³.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pollutants {
    pub pm25: f64,
    pub pm10: f64,
    pub no2: f64,
    pub o3: f64,
    pub so2: f64,
    pub co: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AirSpec {
    pub sensors: Vec<String>,
    /// Levels with no traffic.
    pub background: Pollutants,
    /// Added at traffic level 1 (O₃ is consumed by traffic NO, so its gain is negative).
    pub traffic_gain: Pollutants,
    /// Quiet-night and busy-day noise levels, dB(A).
    pub noise_db: [f64; 2],
    /// Share of particulates washed out by heavy rain (20 mm/h and more).
    pub rain_washout: f64,
    /// Relative noise (standard deviation).
    pub noise: f64,
    /// Scheduled pollution episodes: stagnant air multiplies levels, local sources add to them.
    pub episodes: Vec<AirEpisode>,
    pub random_episodes: RandomEvents,
}

impl Default for AirSpec {
    fn default() -> Self {
        AirSpec {
            sensors: vec!["aq-*".into()],
            background: Pollutants {
                pm25: 12.0,
                pm10: 24.0,
                no2: 12.0,
                o3: 45.0,
                so2: 6.0,
                co: 450.0,
            },
            traffic_gain: Pollutants {
                pm25: 22.0,
                pm10: 38.0,
                no2: 40.0,
                o3: -15.0,
                so2: 4.0,
                co: 900.0,
            },
            noise_db: [48.0, 76.0],
            rain_washout: 0.6,
            noise: 0.1,
            episodes: Vec::new(),
            random_episodes: RandomEvents {
                per_day: 0.0,
                duration_s: [3600.0, 14_400.0],
                magnitude: [1.5, 3.0],
            },
        }
    }
}

impl AirSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        span("air.noise_db", self.noise_db, 0.0)?;
        share("air.rain_washout", self.rain_washout)?;
        share("air.noise", self.noise)?;
        for (i, e) in self.episodes.iter().enumerate() {
            e.validate(&format!("air.episodes[{i}]"))?;
        }
        self.random_episodes.validate("air.random_episodes", 1.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WaterSpec {
    pub sensors: Vec<String>,
    /// Per-station dry-weather level range, cm.
    pub base_level_cm: [f64; 2],
    /// Rise per mm of rain.
    pub rise_cm_per_mm: f64,
    /// Share of the excess over base that drains away per hour.
    pub drain_per_h: f64,
    /// Semi-diurnal tide amplitude (coastal stations), cm.
    pub tide_cm: f64,
    pub noise_cm: f64,
    /// Scheduled flood waves.
    pub floods: Vec<Flood>,
}

impl Default for WaterSpec {
    fn default() -> Self {
        WaterSpec {
            sensors: vec!["wl-*".into()],
            base_level_cm: [60.0, 140.0],
            rise_cm_per_mm: 3.0,
            drain_per_h: 0.35,
            tide_cm: 8.0,
            noise_cm: 0.8,
            floods: Vec::new(),
        }
    }
}

impl WaterSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        span("water.base_level_cm", self.base_level_cm, -100.0)?;
        at_least("water.rise_cm_per_mm", self.rise_cm_per_mm, 0.0)?;
        share("water.drain_per_h", self.drain_per_h)?;
        at_least("water.tide_cm", self.tide_cm, 0.0)?;
        at_least("water.noise_cm", self.noise_cm, 0.0)?;
        for (i, f) in self.floods.iter().enumerate() {
            f.validate(&format!("water.floods[{i}]"))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueSpec {
    pub sensors: Vec<String>,
    /// Per-office arrival rate range at hourly level 1, people per hour (Poisson arrivals).
    pub arrivals_per_h: [f64; 2],
    /// Arrival level by local hour on open days.
    pub hourly: [f64; 24],
    /// Per-office mean service time range, seconds per person.
    pub service_s: [f64; 2],
    /// Fewest and most counters an office has; each is staffed for its own peak load within
    /// this range, and counters open and close with the queue.
    pub counters: [f64; 2],
    /// Opening hours, "HH:MM-HH:MM", Monday to Friday, Saturday, Sunday.
    pub open_weekday: Vec<String>,
    pub open_saturday: Vec<String>,
    pub open_sunday: Vec<String>,
}

impl Default for QueueSpec {
    fn default() -> Self {
        QueueSpec {
            sensors: vec!["qs-*".into()],
            arrivals_per_h: [25.0, 90.0],
            hourly: [
                0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.7, 1.0, 1.0, 0.8, 0.5, 0.2, 0.3, 0.8, 0.9,
                0.6, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            ],
            service_s: [180.0, 420.0],
            counters: [2.0, 12.0],
            open_weekday: vec!["07:30-11:30".into(), "13:30-17:00".into()],
            open_saturday: vec!["07:30-11:30".into()],
            open_sunday: Vec::new(),
        }
    }
}

impl QueueSpec {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        span("queues.arrivals_per_h", self.arrivals_per_h, 0.0)?;
        span("queues.service_s", self.service_s, 1.0)?;
        span("queues.counters", self.counters, 1.0)?;
        if self.hourly.iter().any(|l| !(0.0..=10.0).contains(l)) {
            return Err(("queues.hourly".into(), "levels must be from 0 to 10".into()));
        }
        for (name, spans) in [
            ("open_weekday", &self.open_weekday),
            ("open_saturday", &self.open_saturday),
            ("open_sunday", &self.open_sunday),
        ] {
            for s in spans {
                if parse_span(s).is_none() {
                    return Err((
                        format!("queues.{name}"),
                        format!("{s:?} is not \"HH:MM-HH:MM\" with the start first"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `"07:30-11:30"` → minutes after midnight `(450, 690)`.
pub fn parse_span(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let minutes = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h <= 24 && m < 60 && h * 60 + m <= 1440).then_some(h * 60 + m)
    };
    let (a, b) = (minutes(a)?, minutes(b)?);
    (a < b).then_some((a, b))
}
