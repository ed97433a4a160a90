//! Declarative scenarios: what the simulated city does, read from TOML.
//!
//! A scenario names no sensors one by one: each model section selects the sensors it drives
//! from the city registry by id pattern (`"tl-*"`), so one scenario fits any city file. Every
//! key has a default; `docs/simulators.md` documents them and `scenarios/demo.toml` uses them.

mod episodes;
mod error;
mod events;
mod models;
mod pattern;
mod spec;

pub use episodes::{AirEpisode, Episode, Flood, Incident, Plume, RandomEvents};
pub use error::ScenarioError;
pub(crate) use events::is_id;
pub use events::{CameraDetections, CitizenReports, EventKind, EventsSpec, ScheduledEvent};
pub use models::{parse_span, AirSpec, Pollutants, QueueSpec, TrafficSpec, WaterSpec, WeatherSpec};
pub use pattern::matches_any;
pub use spec::{FaultSpec, FormatSpec, Scenario};

/// The built-in demo scenario, used when `ioc-sim run` gets no `--scenario`.
pub const DEMO: &str = include_str!("../../scenarios/demo.toml");

impl Scenario {
    /// Parses and validates a scenario; `origin` names it in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        scenario
            .validate()
            .map_err(|(key, message)| ScenarioError::Invalid {
                origin: origin.to_owned(),
                key,
                message,
            })?;
        Ok(scenario)
    }

    /// Reads a scenario file.
    pub fn from_file(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ScenarioError::Read {
            path: path.to_owned(),
            cause,
        })?;
        Scenario::parse(&text, &path.display().to_string())
    }

    /// The built-in demo scenario.
    pub fn demo() -> Result<Scenario, ScenarioError> {
        Scenario::parse(DEMO, "built-in demo scenario")
    }
}

#[cfg(test)]
mod tests;
