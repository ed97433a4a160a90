//! Quiet hours: a daily window of local time (`notify.quiet_hours = "22:00-06:00"`) in which
//! the quiet channels hold back what is below `notify.quiet_min_severity`. What is held stays
//! in the outbox and leaves when the window ends (as a digest when it is many); what is severe
//! enough goes out at once. Pure: the clock and the zone are arguments.

use crate::alerts::Severity;
use crate::model::Zone;

/// The window, the channels it applies to and the least severity that still goes out.
#[derive(Debug, Clone)]
pub struct Quiet {
    /// Minutes since local midnight; `from > to` wraps past midnight.
    from: u32,
    to: u32,
    /// Empty: every channel.
    channels: Vec<String>,
    least: Severity,
    zone: Zone,
}

/// Reads `HH:MM-HH:MM` into minutes since midnight.
pub fn parse_window(text: &str) -> Result<(u32, u32), String> {
    let minute = |t: &str| -> Option<u32> {
        let (h, m) = t.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 && m.to_string().len() <= 2).then_some(h * 60 + m)
    };
    let (a, b) = text
        .split_once('-')
        .ok_or("HH:MM-HH:MM, e.g. 22:00-06:00")?;
    match (minute(a), minute(b)) {
        (Some(f), Some(t)) if f != t => Ok((f, t)),
        (Some(_), Some(_)) => Err("a start and an end that differ".into()),
        _ => Err("HH:MM-HH:MM in 24-hour local time, e.g. 22:00-06:00".into()),
    }
}

impl Quiet {
    pub fn new(window: (u32, u32), channels: Vec<String>, least: Severity, zone: Zone) -> Quiet {
        Quiet {
            from: window.0,
            to: window.1,
            channels,
            least,
            zone,
        }
    }

    /// True when `channel` keeps quiet at `now_ms`.
    pub fn is_quiet(&self, channel: &str, now_ms: i64) -> bool {
        if !self.channels.is_empty() && !self.channels.iter().any(|c| c == channel) {
            return false;
        }
        let m = self.zone.minute_of_day(now_ms);
        if self.from < self.to {
            (self.from..self.to).contains(&m)
        } else {
            m >= self.from || m < self.to
        }
    }

    /// The severities that still go out during the window.
    pub fn allowed(&self) -> Vec<&'static str> {
        Severity::ALL
            .into_iter()
            .filter(|s| *s >= self.least)
            .map(Severity::as_str)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn quiet(channels: &[&str]) -> Quiet {
        let zone = Zone::named("Asia/Ho_Chi_Minh").expect("zone");
        let window = parse_window("22:00-06:00").expect("window");
        let channels = channels.iter().map(|c| (*c).to_owned()).collect();
        Quiet::new(window, channels, Severity::Critical, zone)
    }

    #[test]
    fn the_window_is_local_time_and_wraps_past_midnight() {
        let q = quiet(&[]);
        // 2026-12-08T00:00Z is 07:00 in Đà Nẵng: not quiet; 16:00Z is 23:00: quiet.
        let midnight_utc = 1_796_688_000_000;
        assert!(!q.is_quiet("email", midnight_utc));
        assert!(q.is_quiet("email", midnight_utc + 16 * HOUR));
        assert!(q.is_quiet("email", midnight_utc + 22 * HOUR), "05:00 local");
        assert!(
            !q.is_quiet("email", midnight_utc + 23 * HOUR),
            "06:00 local"
        );
        assert_eq!(q.allowed(), vec!["critical"]);
    }

    #[test]
    fn only_the_quiet_channels_keep_quiet() {
        let q = quiet(&["email"]);
        let late = 1_796_688_000_000 + 16 * HOUR;
        assert!(q.is_quiet("email", late));
        assert!(!q.is_quiet("webhook", late));
    }

    #[test]
    fn a_bad_window_says_what_is_expected() {
        for bad in [
            "22-06",
            "25:00-06:00",
            "22:00-22:00",
            "22:00",
            "ab:cd-06:00",
        ] {
            assert!(parse_window(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_window("08:30-17:00"), Ok((510, 1020)));
    }
}
