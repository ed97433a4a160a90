//! Simulated time: unix milliseconds, read in the city's local time for hours and weekdays.

pub const MS_PER_HOUR: i64 = 3_600_000;
pub const MS_PER_DAY: i64 = 86_400_000;

/// The city's local time at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Local {
    /// Days since 1970-01-01 local.
    pub day: i64,
    /// Hour of the day with fraction, 0 ≤ hour < 24.
    pub hour: f64,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u8,
}

impl Local {
    pub fn at(t_ms: i64, utc_offset_ms: i64) -> Local {
        let local = t_ms + utc_offset_ms;
        let day = local.div_euclid(MS_PER_DAY);
        let hour = local.rem_euclid(MS_PER_DAY) as f64 / MS_PER_HOUR as f64;
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        let weekday = (day + 3).rem_euclid(7) as u8;
        Local { day, hour, weekday }
    }

    pub fn is_weekend(&self) -> bool {
        self.weekday >= 5
    }

    /// Minutes after local midnight.
    pub fn minute_of_day(&self) -> u32 {
        (self.hour * 60.0) as u32
    }
}

/// An hourly profile read at `hour`: each value holds at the middle of its hour and is
/// interpolated linearly in between, so there are no steps on the hour.
pub fn hourly(levels: &[f64; 24], hour: f64) -> f64 {
    let x = (hour - 0.5).rem_euclid(24.0);
    let i = x.floor() as usize % 24;
    let frac = x - x.floor();
    levels[i] * (1.0 - frac) + levels[(i + 1) % 24] * frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_reads_weekday_and_hour_in_the_city_offset() {
        // 2025-11-24T00:30:00+07:00 is a Monday; in UTC it is still Sunday.
        let t = 1_763_919_000_000;
        let l = Local::at(t, 7 * MS_PER_HOUR);
        assert_eq!(l.weekday, 0);
        assert!((l.hour - 0.5).abs() < 1e-9);
        assert_eq!(Local::at(t, 0).weekday, 6);
    }

    #[test]
    fn hourly_profiles_hold_at_mid_hour_and_interpolate_between() {
        let mut levels = [0.0; 24];
        levels[17] = 1.0;
        assert!((hourly(&levels, 17.5) - 1.0).abs() < 1e-12);
        assert!((hourly(&levels, 17.0) - 0.5).abs() < 1e-12);
        assert!(hourly(&levels, 3.0).abs() < 1e-12);
    }
}
