//! The scenario's top level, the payload formats and the fault rates.

use serde::Deserialize;

use super::events::EventsSpec;
use super::models::{AirSpec, QueueSpec, TrafficSpec, WaterSpec, WeatherSpec};

/// Validation failure: the key and what is wrong with its value.
pub(super) type Invalid = (String, String);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Seeds every random choice; the same seed, start and city give the same stream.
    pub seed: u64,
    /// Offset of the city's local time from UTC in hours (Việt Nam: 7); rush hours and opening
    /// hours are local.
    pub utc_offset_hours: f64,
    /// Simulated start as RFC 3339; absent: now minus `catch_up_s`.
    pub start: Option<String>,
    /// When started "now", begin this many simulated seconds in the past and publish that
    /// history at once (within the rate cap), so dashboards have data and trends immediately.
    pub catch_up_s: u64,
    pub formats: FormatSpec,
    pub faults: FaultSpec,
    pub weather: WeatherSpec,
    pub traffic: Option<TrafficSpec>,
    pub air: Option<AirSpec>,
    pub water: Option<WaterSpec>,
    pub queues: Option<QueueSpec>,
    /// Citizen reports and camera detections.
    pub events: Option<EventsSpec>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "unnamed".into(),
            description: String::new(),
            seed: 1,
            utc_offset_hours: 7.0,
            start: None,
            catch_up_s: 0,
            formats: FormatSpec::default(),
            faults: FaultSpec::default(),
            weather: WeatherSpec::default(),
            traffic: None,
            air: None,
            water: None,
            queues: None,
            events: None,
        }
    }
}

/// Which payload shapes sensors use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormatSpec {
    /// Share of sensors (0..1) that speak SenML (RFC 8428) instead of a JSON object.
    pub senml_share: f64,
}

impl Default for FormatSpec {
    fn default() -> Self {
        FormatSpec { senml_share: 0.0 }
    }
}

/// Fault rates. Each rate is a share of readings (0..1); 0 turns the fault off.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct FaultSpec {
    /// Share of readings lost while a sensor is offline (outages come in bursts).
    pub dropout: f64,
    /// Mean outage length, in readings.
    pub dropout_mean_readings: f64,
    /// When an outage ends, send the readings taken during it as one JSON batch array.
    pub dropout_buffered: bool,
    /// Share of readings that repeat the sensor's values from before it got stuck.
    pub stuck: f64,
    /// Mean length of a stuck period, in readings.
    pub stuck_mean_readings: f64,
    /// Share of readings with one metric spiking (multiplied by `spike_factor`, kept in range).
    pub spike: f64,
    pub spike_factor: f64,
    /// Share of readings whose `ts` is off by up to `clock_skew_max_s` either way.
    pub clock_skew: f64,
    pub clock_skew_max_s: f64,
    /// Share of messages published twice.
    pub duplicate: f64,
    /// Share of messages delivered after the sensor's next message.
    pub out_of_order: f64,
    /// Share of messages replaced by a payload that no decoder can read.
    pub malformed: f64,
}

impl Default for FaultSpec {
    fn default() -> Self {
        FaultSpec {
            dropout: 0.0,
            dropout_mean_readings: 5.0,
            dropout_buffered: false,
            stuck: 0.0,
            stuck_mean_readings: 20.0,
            spike: 0.0,
            spike_factor: 6.0,
            clock_skew: 0.0,
            clock_skew_max_s: 120.0,
            duplicate: 0.0,
            out_of_order: 0.0,
            malformed: 0.0,
        }
    }
}

impl FaultSpec {
    /// Sets one rate by its name (`dropout`, `stuck`, `spike`, `clock_skew`, `duplicate`,
    /// `out_of_order`, `malformed`), as the CLI's `--fault NAME=RATE` does.
    pub fn set_rate(&mut self, name: &str, rate: f64) -> Result<(), String> {
        let slot = match name {
            "dropout" => &mut self.dropout,
            "stuck" => &mut self.stuck,
            "spike" => &mut self.spike,
            "clock_skew" => &mut self.clock_skew,
            "duplicate" => &mut self.duplicate,
            "out_of_order" => &mut self.out_of_order,
            "malformed" => &mut self.malformed,
            other => {
                return Err(format!(
                    "unknown fault {other:?}; one of dropout, stuck, spike, clock_skew, duplicate, out_of_order, malformed"
                ))
            }
        };
        *slot = rate;
        Ok(())
    }

    pub(super) fn validate(&self) -> Result<(), Invalid> {
        let rates = [
            ("dropout", self.dropout),
            ("stuck", self.stuck),
            ("spike", self.spike),
            ("clock_skew", self.clock_skew),
            ("duplicate", self.duplicate),
            ("out_of_order", self.out_of_order),
            ("malformed", self.malformed),
        ];
        for (name, rate) in rates {
            share(&format!("faults.{name}"), rate)?;
        }
        if self.dropout >= 1.0 || self.stuck >= 1.0 {
            return Err((
                "faults.dropout".into(),
                "and faults.stuck must be below 1".into(),
            ));
        }
        at_least(
            "faults.dropout_mean_readings",
            self.dropout_mean_readings,
            1.0,
        )?;
        at_least("faults.stuck_mean_readings", self.stuck_mean_readings, 1.0)?;
        at_least("faults.spike_factor", self.spike_factor, 1.0)?;
        at_least("faults.clock_skew_max_s", self.clock_skew_max_s, 1.0)
    }
}

impl Scenario {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if !(-14.0..=14.0).contains(&self.utc_offset_hours) {
            return Err((
                "utc_offset_hours".into(),
                format!("= {} must be -14 to 14", self.utc_offset_hours),
            ));
        }
        if let Some(start) = &self.start {
            if ioc::model::parse_rfc3339_ms(start).is_none() {
                return Err((
                    "start".into(),
                    format!(
                        "= {start:?} is not an RFC 3339 time such as \"2025-11-24T07:00:00+07:00\""
                    ),
                ));
            }
        }
        if self.catch_up_s > 7 * 86_400 {
            return Err((
                "catch_up_s".into(),
                format!("= {} must be at most 604800 (a week)", self.catch_up_s),
            ));
        }
        share("formats.senml_share", self.formats.senml_share)?;
        self.faults.validate()?;
        self.weather.validate()?;
        if let Some(t) = &self.traffic {
            t.validate()?;
        }
        if let Some(a) = &self.air {
            a.validate()?;
        }
        if let Some(w) = &self.water {
            w.validate()?;
        }
        if let Some(q) = &self.queues {
            q.validate()?;
        }
        if let Some(e) = &self.events {
            e.validate()?;
        }
        Ok(())
    }
}

pub(super) fn share(key: &str, v: f64) -> Result<(), Invalid> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err((key.to_owned(), format!("= {v} must be a share from 0 to 1")))
    }
}

pub(super) fn at_least(key: &str, v: f64, min: f64) -> Result<(), Invalid> {
    if v.is_finite() && v >= min {
        Ok(())
    } else {
        Err((key.to_owned(), format!("= {v} must be at least {min}")))
    }
}

pub(super) fn span(key: &str, [lo, hi]: [f64; 2], min: f64) -> Result<(), Invalid> {
    if lo.is_finite() && hi.is_finite() && lo >= min && lo <= hi {
        Ok(())
    } else {
        Err((
            key.to_owned(),
            format!("= [{lo}, {hi}] must be [low, high] with {min} <= low <= high"),
        ))
    }
}
