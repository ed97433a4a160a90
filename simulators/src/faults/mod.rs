//! Fault injection, decided per reading from the sensor's own fault generator (separate from
//! its value generator, so turning faults on does not change the values underneath).
//!
//! Outages and stuck periods are two-state Markov chains: they come in bursts of the
//! configured mean length, and the long-run share of readings inside them is the configured
//! rate. The other faults are independent per reading.

mod kind;
mod malformed;

pub use kind::{Fault, FaultSet};
pub use malformed::malformed_payload;

use crate::generate::rng::Rng;
use crate::scenario::FaultSpec;

/// What happens to one reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    pub dropped: bool,
    pub stuck: bool,
    /// Which metric spikes (an index into the sensor's metrics).
    pub spike: Option<usize>,
    /// Offset added to `ts`, ms; 0 for a correct clock.
    pub skew_ms: i64,
    /// Which kind of unreadable payload replaces the message.
    pub malformed: Option<u64>,
    pub duplicate: bool,
    pub out_of_order: bool,
}

/// The per-sensor fault state: whether it is offline or stuck right now.
#[derive(Debug, Clone, Default)]
pub struct FaultState {
    down: bool,
    stuck: bool,
}

/// Probability of entering a burst from outside so that the stationary share inside is
/// `rate` when bursts last `mean` steps on average.
fn enter_probability(rate: f64, mean: f64) -> f64 {
    if rate <= 0.0 {
        return 0.0;
    }
    let leave = 1.0 / mean;
    (rate * leave / (1.0 - rate)).min(1.0)
}

impl FaultState {
    /// Decides the faults of the next reading of a sensor with `metrics` metrics. Every draw
    /// is made whatever the outcome, so one fault's rate never shifts another's stream.
    pub fn decide(&mut self, spec: &FaultSpec, metrics: usize, rng: &mut Rng) -> Decision {
        let draws: [f64; 9] = std::array::from_fn(|_| rng.f64());
        let aux = rng.next_u64();
        self.down = step(
            self.down,
            draws[0],
            spec.dropout,
            spec.dropout_mean_readings,
        );
        self.stuck = step(self.stuck, draws[1], spec.stuck, spec.stuck_mean_readings);
        let skew_s = spec.clock_skew_max_s.min(5.0)
            + draws[8] * (spec.clock_skew_max_s - spec.clock_skew_max_s.min(5.0));
        let sign = if aux & 1 == 0 { 1.0 } else { -1.0 };
        Decision {
            dropped: self.down,
            stuck: self.stuck,
            spike: (draws[2] < spec.spike).then(|| (aux >> 8) as usize % metrics.max(1)),
            skew_ms: if draws[3] < spec.clock_skew {
                (sign * skew_s * 1000.0) as i64
            } else {
                0
            },
            malformed: (draws[4] < spec.malformed).then_some(aux >> 32),
            duplicate: draws[5] < spec.duplicate,
            out_of_order: draws[6] < spec.out_of_order,
        }
    }
}

fn step(inside: bool, draw: f64, rate: f64, mean: f64) -> bool {
    if inside {
        draw >= 1.0 / mean
    } else {
        draw < enter_probability(rate, mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursty_faults_hold_their_long_run_share_and_mean_length() {
        let spec = FaultSpec {
            dropout: 0.1,
            dropout_mean_readings: 5.0,
            ..FaultSpec::default()
        };
        let (mut state, mut rng) = (FaultState::default(), Rng::new(9));
        let n = 200_000;
        let (mut down, mut bursts, mut was_down) = (0, 0, false);
        for _ in 0..n {
            let d = state.decide(&spec, 3, &mut rng);
            down += usize::from(d.dropped);
            bursts += usize::from(d.dropped && !was_down);
            was_down = d.dropped;
        }
        let share = down as f64 / n as f64;
        assert!((share - 0.1).abs() < 0.01, "share {share}");
        let mean = down as f64 / bursts as f64;
        assert!((mean - 5.0).abs() < 0.3, "mean burst {mean}");
    }

    #[test]
    fn zero_rates_inject_nothing() {
        let (mut state, mut rng) = (FaultState::default(), Rng::new(1));
        for _ in 0..10_000 {
            assert_eq!(
                state.decide(&FaultSpec::default(), 4, &mut rng),
                Decision::default()
            );
        }
    }
}
