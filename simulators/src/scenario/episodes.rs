//! What happens at a time: scheduled episodes (rain, pollution, jams, floods), each
//! `start_after_s` simulated seconds after the scenario's start, and random ones drawn per
//! local day. A district key names where; empty means everywhere.

use serde::Deserialize;

use super::spec::{at_least, share, span, Invalid};

/// Events that happen at random, a Poisson number per local day, each with a duration and a
/// magnitude drawn uniformly from their ranges.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomEvents {
    pub per_day: f64,
    pub duration_s: [f64; 2],
    pub magnitude: [f64; 2],
}

impl RandomEvents {
    pub(super) fn validate(&self, key: &str, magnitude_min: f64) -> Result<(), Invalid> {
        at_least(&format!("{key}.per_day"), self.per_day, 0.0)?;
        span(&format!("{key}.duration_s"), self.duration_s, 1.0)?;
        span(&format!("{key}.magnitude"), self.magnitude, magnitude_min)
    }
}

/// Scheduled rain, `start_after_s` simulated seconds after the scenario's start. It builds up
/// to its peak in the middle and fades.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Episode {
    pub start_after_s: u64,
    pub duration_s: u64,
    /// Peak intensity in mm/h.
    pub magnitude: f64,
    /// Only over this district (a cloudburst), at exactly this intensity; empty: the whole
    /// city, each district a little more or less.
    #[serde(default)]
    pub district: String,
}

impl Episode {
    pub(super) fn validate(&self, key: &str) -> Result<(), Invalid> {
        at_least(&format!("{key}.magnitude"), self.magnitude, 0.0)
    }
}

/// Pollutants added by a local source (a fire, dust), µg/m³; each defaults to 0.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Plume {
    pub pm25: f64,
    pub pm10: f64,
    pub no2: f64,
    pub o3: f64,
    pub so2: f64,
    pub co: f64,
}

impl Plume {
    fn validate(&self, key: &str) -> Result<(), Invalid> {
        let all = [
            ("pm25", self.pm25),
            ("pm10", self.pm10),
            ("no2", self.no2),
            ("o3", self.o3),
            ("so2", self.so2),
            ("co", self.co),
        ];
        for (name, v) in all {
            at_least(&format!("{key}.{name}"), v, 0.0)?;
        }
        Ok(())
    }
}

/// A scheduled pollution episode: stagnant air multiplies pollution (`magnitude`), a local
/// source adds to it (`add`, not washed out by rain).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AirEpisode {
    pub start_after_s: u64,
    pub duration_s: u64,
    /// Factor on pollutant levels; 1 leaves them as they are.
    #[serde(default = "one")]
    pub magnitude: f64,
    /// Added at full strength, µg/m³.
    #[serde(default)]
    pub add: Plume,
    /// Only at the stations of this district; empty: every station.
    #[serde(default)]
    pub district: String,
    /// Seconds to reach full strength, and to fade at the end. Default: a sixth of the
    /// duration, along a smooth curve.
    #[serde(default)]
    pub ramp_s: Option<u64>,
}

fn one() -> f64 {
    1.0
}

impl AirEpisode {
    pub(super) fn validate(&self, key: &str) -> Result<(), Invalid> {
        at_least(&format!("{key}.magnitude"), self.magnitude, 0.0)?;
        self.add.validate(&format!("{key}.add"))?;
        ramp(key, self.ramp_s, self.duration_s)
    }
}

/// A traffic incident (a jam) on road segments.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Traffic sensors whose name contains this (e.g. a street name); empty: every road (of
    /// `district`, when given).
    #[serde(default)]
    pub road: String,
    /// Only sensors of this district; empty: all districts.
    #[serde(default)]
    pub district: String,
    pub start_after_s: u64,
    pub duration_s: u64,
    /// 0..1: how badly flow and speed collapse (0.8 is a near standstill).
    pub severity: f64,
    /// Seconds to reach full severity, and to clear at the end. Default: a sixth of the
    /// duration, along a smooth curve.
    #[serde(default)]
    pub ramp_s: Option<u64>,
}

impl Incident {
    pub(super) fn validate(&self, key: &str) -> Result<(), Invalid> {
        share(&format!("{key}.severity"), self.severity)?;
        ramp(key, self.ramp_s, self.duration_s)
    }
}

/// A flood wave at the water stations of a district (a river in spate, a reservoir
/// release): the level rises by `rise_cm` over `ramp_s`, holds, and falls back at the end.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flood {
    /// Empty: every station of the city.
    #[serde(default)]
    pub district: String,
    pub start_after_s: u64,
    pub duration_s: u64,
    pub rise_cm: f64,
    /// Default: a sixth of the duration, along a smooth curve.
    #[serde(default)]
    pub ramp_s: Option<u64>,
}

impl Flood {
    pub(super) fn validate(&self, key: &str) -> Result<(), Invalid> {
        at_least(&format!("{key}.rise_cm"), self.rise_cm, 0.0)?;
        ramp(key, self.ramp_s, self.duration_s)
    }
}

fn ramp(key: &str, ramp_s: Option<u64>, duration_s: u64) -> Result<(), Invalid> {
    match ramp_s {
        Some(r) if r == 0 || r.saturating_mul(2) > duration_s => Err((
            format!("{key}.ramp_s"),
            format!("= {r} must be from 1 to half of duration_s ({duration_s})"),
        )),
        _ => Ok(()),
    }
}
