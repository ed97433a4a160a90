//! `ioc-sim run`: the generator, paced onto a broker or written to a JSONL file (dry run).

use std::path::PathBuf;

use ioc::model::City;
use rumqttc::QoS;
use tokio_util::sync::CancellationToken;

use crate::generate::{GenerateError, Generator, Stats};
use crate::mqtt::{self, Publisher};
use crate::pacing::{Pacing, Schedule};
use crate::progress::Progress;
use crate::pump::{pump, Output, PumpError};
use crate::scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Pump(#[from] PumpError),
    #[error(transparent)]
    Mqtt(#[from] mqtt::MqttError),
    #[error("a dry run (--out) needs --duration: the generated stream has no end")]
    DryRunNeedsDuration,
}

/// Where a run publishes.
pub enum Target {
    Broker {
        /// Boxed: the options are large and a `Target` is moved around once.
        options: Box<rumqttc::MqttOptions>,
        qos: QoS,
    },
    /// Dry run: JSONL stamped with simulated time, as fast as possible.
    File(PathBuf),
}

pub struct RunPlan {
    pub scenario: Scenario,
    pub city: City,
    pub topic_prefix: String,
    pub target: Target,
    pub pacing: Pacing,
    /// Simulated start (unix ms) and the simulated time that maps to the wall-clock start.
    pub start_ms: i64,
    pub anchor_ms: i64,
    pub duration_s: Option<u64>,
    pub progress: bool,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    pub sent: u64,
    pub stats: Stats,
    pub sensors: usize,
}

/// Where simulated time starts, and which simulated instant is "now" at the wall-clock start.
///
/// An explicit start is used as given. Otherwise an accelerated run with a duration ends
/// about now (so no reading is stamped in the future, which `ioc` would reject), and a
/// real-time run begins `catch_up_s` in the past and catches up at once.
pub fn resolve_start(
    explicit: Option<i64>,
    now_ms: i64,
    catch_up_s: u64,
    accelerated: bool,
    duration_s: Option<u64>,
) -> (i64, i64) {
    match (explicit, accelerated, duration_s) {
        (Some(start), _, _) => (start, start),
        (None, true, Some(d)) => (now_ms - d as i64 * 1000, now_ms - d as i64 * 1000),
        _ => (now_ms - catch_up_s as i64 * 1000, now_ms),
    }
}

pub async fn run(plan: RunPlan, stop: &CancellationToken) -> Result<Summary, RunError> {
    let end_ms = plan.duration_s.map(|d| plan.start_ms + d as i64 * 1000);
    let mut generator = Generator::new(
        plan.scenario,
        &plan.city,
        &plan.topic_prefix,
        plan.start_ms,
        end_ms,
    )?;
    let warnings = generator.warnings();
    if !warnings.is_empty() {
        tracing::warn!("scenario: {}", warnings.join("; "));
    }
    if generator.skipped_sensors() > 0 {
        tracing::info!(
            skipped = generator.skipped_sensors(),
            "sensors not driven by any scenario section"
        );
    }
    let sensors = generator.sensor_count();
    let (mut out, schedule) = match plan.target {
        Target::Broker { options, qos } => (
            Output::Mqtt(Publisher::connect(*options, qos).await?),
            Some(Schedule::new(plan.pacing, plan.anchor_ms)),
        ),
        Target::File(path) if end_ms.is_some() => (Output::create_file(&path)?, None),
        Target::File(_) => return Err(RunError::DryRunNeedsDuration),
    };
    tracing::info!(
        sensors,
        start_ms = plan.start_ms,
        ?end_ms,
        "simulation starts"
    );
    let mut progress = Progress::new(plan.duration_s, "sim s", plan.progress);
    let start_ms = plan.start_ms;
    let messages = generator.by_ref().map(Ok);
    let sent = pump(
        messages,
        &mut out,
        schedule,
        &mut progress,
        |t| ((t - start_ms).max(0) / 1000) as u64,
        stop,
    )
    .await?;
    out.finish().await?;
    progress.finish();
    Ok(Summary {
        sent,
        stats: generator.stats().clone(),
        sensors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_time_runs_catch_up_and_accelerated_runs_end_about_now() {
        assert_eq!(
            resolve_start(None, 1_000_000, 300, false, None),
            (700_000, 1_000_000)
        );
        assert_eq!(
            resolve_start(None, 1_000_000, 300, true, Some(600)),
            (400_000, 400_000)
        );
        assert_eq!(
            resolve_start(Some(5), 1_000_000, 300, true, Some(600)),
            (5, 5)
        );
    }
}
