//! Scheduled and random episodes in absolute simulated time, and how strong each is at a
//! given instant: a smooth bump (rain), or a plateau with ramps (jams, pollution, floods).

use ioc::model::City;

/// An event in absolute simulated time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub start_ms: i64,
    pub end_ms: i64,
    pub magnitude: f64,
    /// Which road segment (incidents only).
    pub segment: usize,
    /// Only in this district (an index); `None`: everywhere.
    pub district: Option<usize>,
    /// Linear ramps in and out of this length; `None`: the smooth default shape.
    pub ramp_ms: Option<i64>,
}

impl Event {
    /// 0 outside the event; inside, a bump rising to 1 in the middle.
    pub fn bump(&self, t: i64) -> f64 {
        if t < self.start_ms || t >= self.end_ms {
            return 0.0;
        }
        let x = (t - self.start_ms) as f64 / (self.end_ms - self.start_ms) as f64;
        (std::f64::consts::PI * x).sin()
    }

    /// 0 outside the event; inside, ramps up to 1, holds and ramps down: over `ramp_ms`
    /// when given, else along a sine over the first and last sixth.
    pub fn plateau(&self, t: i64) -> f64 {
        match self.ramp_ms {
            _ if t < self.start_ms || t >= self.end_ms => 0.0,
            None => (self.bump(t) * 2.0).min(1.0),
            Some(r) => {
                let r = r.max(1) as f64;
                ((t - self.start_ms) as f64 / r)
                    .min((self.end_ms - t) as f64 / r)
                    .min(1.0)
            }
        }
    }

    pub fn applies_to(&self, district: usize) -> bool {
        self.district.is_none_or(|d| d == district)
    }
}

/// When, how strong and where a scheduled episode is, in simulated time.
pub(super) struct Schedule {
    pub start_ms: i64,
    pub warnings: Vec<String>,
}

impl Schedule {
    /// The event, or `None` (and a warning) when `district` is not a district of `city`.
    /// `when`: (start_after_s, duration_s, ramp_s).
    pub fn event(
        &mut self,
        city: &City,
        key: String,
        district: &str,
        (start_after_s, duration_s, ramp_s): (u64, u64, Option<u64>),
        magnitude: f64,
    ) -> Option<Event> {
        let district = if district.is_empty() {
            None
        } else if let Some(d) = city.district_idx(district) {
            Some(usize::from(d.0))
        } else {
            self.warnings.push(format!(
                "{key}.district = {district:?} is not a district of this city: skipped"
            ));
            return None;
        };
        Some(Event {
            start_ms: self.start_ms + start_after_s as i64 * 1000,
            end_ms: self.start_ms + (start_after_s + duration_s.max(1)) as i64 * 1000,
            magnitude,
            segment: 0,
            district,
            ramp_ms: ramp_s.map(|r| r as i64 * 1000),
        })
    }
}
