//! When to send each message: a pure map from simulated time to an offset from the wall-clock
//! start, so the shells only sleep. Simulated time runs `speed` times faster than the wall
//! clock; messages before `catch_up_until_ms` go out at once; a rate cap spaces messages at
//! least `1 / max_rate` apart on average.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// Simulated seconds per wall second; `None`: as fast as possible.
    pub speed: Option<f64>,
    /// Messages per wall second at most; `None`: no cap.
    pub max_rate: Option<f64>,
}

/// The schedule of one run.
#[derive(Debug, Clone)]
pub struct Schedule {
    pacing: Pacing,
    /// Simulated time that maps to the wall-clock start (the end of any catch-up).
    anchor_ms: i64,
    /// Wall offset of the previous message, seconds.
    last_s: f64,
}

impl Schedule {
    /// `anchor_ms`: the simulated time that is "now" at the wall-clock start; earlier messages
    /// are history to catch up on and are sent at once (within the rate cap).
    pub fn new(pacing: Pacing, anchor_ms: i64) -> Schedule {
        Schedule {
            pacing,
            anchor_ms,
            last_s: f64::NEG_INFINITY,
        }
    }

    /// Wall-clock offset from the start at which the message of simulated time `sim_ms` goes.
    pub fn offset(&mut self, sim_ms: i64) -> Duration {
        let due = match self.pacing.speed {
            Some(speed) => (sim_ms - self.anchor_ms).max(0) as f64 / 1000.0 / speed,
            None => 0.0,
        };
        let at = match self.pacing.max_rate {
            Some(rate) => due.max(self.last_s + 1.0 / rate),
            None => due,
        };
        self.last_s = at;
        Duration::from_secs_f64(at.max(0.0))
    }
}

/// The wall clock, unix milliseconds: where the shells anchor a schedule.
pub fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accelerated_time_divides_simulated_gaps_by_the_speed() {
        let mut s = Schedule::new(
            Pacing {
                speed: Some(10.0),
                max_rate: None,
            },
            0,
        );
        assert_eq!(s.offset(0), Duration::ZERO);
        assert_eq!(s.offset(60_000), Duration::from_secs(6));
    }

    #[test]
    fn history_before_the_anchor_goes_at_once_then_real_time_follows() {
        let mut s = Schedule::new(
            Pacing {
                speed: Some(1.0),
                max_rate: None,
            },
            300_000,
        );
        assert_eq!(s.offset(0), Duration::ZERO);
        assert_eq!(s.offset(299_000), Duration::ZERO);
        assert_eq!(s.offset(302_000), Duration::from_secs(2));
    }

    #[test]
    fn the_rate_cap_spaces_messages_that_are_due_together() {
        let mut s = Schedule::new(
            Pacing {
                speed: None,
                max_rate: Some(100.0),
            },
            0,
        );
        let offsets: Vec<Duration> = (0..101).map(|_| s.offset(0)).collect();
        assert_eq!(offsets[0], Duration::ZERO);
        let last = offsets[100].as_secs_f64();
        assert!((last - 1.0).abs() < 1e-9, "{last}");
    }
}
