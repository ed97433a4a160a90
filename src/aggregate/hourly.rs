//! Hourly means of one sensor-metric over the last day: the input of the air-quality indices
//! (NowCast needs 12 hourly means, the daily index 24). A ring of clock-hour buckets over
//! source time; a late reading lands in its own hour.

const HOURS: usize = 25;
const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy)]
struct Hour {
    /// Hours since the epoch (16 bytes a slot instead of 24 with a millisecond start).
    hour: i32,
    count: u32,
    sum: f64,
}

#[derive(Debug, Clone)]
pub struct HourlySeries {
    hours: [Hour; HOURS],
}

impl Default for HourlySeries {
    fn default() -> Self {
        HourlySeries {
            hours: [Hour {
                hour: i32::MIN,
                count: 0,
                sum: 0.0,
            }; HOURS],
        }
    }
}

impl HourlySeries {
    pub fn record(&mut self, ts_ms: i64, value: f64) {
        self.add(ts_ms, 1, value);
    }

    /// Adds a pre-aggregated hour (count, sum), e.g. a 1-hour rollup read from the store.
    pub fn add(&mut self, ts_ms: i64, count: u32, sum: f64) {
        let hour = hour_of(ts_ms);
        let h = &mut self.hours[slot(hour)];
        if h.hour < hour {
            *h = Hour {
                hour,
                count: 0,
                sum: 0.0,
            };
        } else if h.hour > hour {
            return;
        }
        h.count += count;
        h.sum += sum;
    }

    /// Means of the `n` clock hours up to and including the one holding `now_ms`, newest first;
    /// `None` for an hour without data.
    /// The next hour boundary after `now_ms` when the series holds a mean `means` still lists:
    /// the list shifts by one hour there.
    pub fn next_change(&self, now_ms: i64) -> Option<i64> {
        let current = hour_of(now_ms);
        let oldest = current.saturating_sub(HOURS as i32 - 1);
        self.hours
            .iter()
            .any(|h| h.count > 0 && h.hour >= oldest)
            .then_some((i64::from(current) + 1) * HOUR_MS)
    }

    pub fn means(&self, now_ms: i64, n: usize) -> Vec<Option<f64>> {
        let current = hour_of(now_ms);
        (0..n.min(HOURS) as i32)
            .map(|i| {
                let hour = current.saturating_sub(i);
                let h = &self.hours[slot(hour)];
                (h.hour == hour && h.count > 0).then(|| h.sum / f64::from(h.count))
            })
            .collect()
    }
}

/// Hours since the epoch of `ms`, saturating far outside any reading's plausible time.
fn hour_of(ms: i64) -> i32 {
    ms.div_euclid(HOUR_MS)
        .clamp(i64::from(i32::MIN) + 1, i64::from(i32::MAX)) as i32
}

fn slot(hour: i32) -> usize {
    hour.rem_euclid(HOURS as i32) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_763_877_600_000; // 06:00 UTC, an hour boundary

    #[test]
    fn hourly_means_are_listed_newest_first_with_gaps_as_none() {
        let mut s = HourlySeries::default();
        s.record(T0 + 10, 10.0);
        s.record(T0 + 20, 20.0);
        s.record(T0 + 2 * HOUR_MS + 5, 40.0);
        assert_eq!(
            s.means(T0 + 2 * HOUR_MS + 100, 3),
            [Some(40.0), None, Some(15.0)]
        );
    }

    #[test]
    fn a_day_old_hour_is_forgotten_and_a_late_reading_lands_in_its_hour() {
        let mut s = HourlySeries::default();
        s.record(T0, 1.0);
        s.record(T0 + 25 * HOUR_MS, 5.0); // same ring slot, a day later
        s.record(T0, 100.0); // too late for the ring: ignored
        s.record(T0 + 24 * HOUR_MS, 3.0);
        assert_eq!(s.means(T0 + 25 * HOUR_MS, 2), [Some(5.0), Some(3.0)]);
    }
}
