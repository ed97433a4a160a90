//! The city's time zone and its calendar: where local days, weeks and months begin, and local
//! time as text. Departments report by the local calendar day (a Vietnamese day is 00:00 to
//! 24:00 at UTC+7, not 07:00 to 07:00); the city file names the zone (`timezone`, IANA, default
//! `Asia/Ho_Chi_Minh`). The zone database is built into the binary (jiff's bundled copy), so a
//! machine without tzdata answers the same.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Serialize, Serializer};

/// The zone a city file gets when it names none.
pub const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";

/// An IANA time zone, with the name it was given.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

/// A zone is written as its name (`"Asia/Ho_Chi_Minh"`), as the API answers it.
impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

/// A step of the local calendar: `n` days, ISO weeks (from Monday) or months. Steps of more
/// than one unit are aligned to the Unix epoch's local date (1970-01-01; weeks from Monday
/// 1970-01-05; months from January 1970), as InfluxDB's Flux aligns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarStep {
    Days(i64),
    Weeks(i64),
    Months(i64),
}

/// Local dates this far apart are one bucket at most: a bound on `n` (about 10 years).
pub const MAX_CALENDAR_DAYS: i64 = 3650;

impl CalendarStep {
    /// The step's longest length (ms): what the query planner and the point limit count with.
    pub fn nominal_ms(self) -> i64 {
        const DAY: i64 = 86_400_000;
        match self {
            CalendarStep::Days(n) => n * DAY,
            CalendarStep::Weeks(n) => n * 7 * DAY,
            CalendarStep::Months(n) => n * 31 * DAY,
        }
    }

    /// The first local date of the step that holds `d`.
    fn start_of(self, d: Date) -> Option<Date> {
        match self {
            CalendarStep::Days(n) => from_epoch_days(epoch_days(d)?.div_euclid(n) * n),
            CalendarStep::Weeks(n) => {
                // 1970-01-05 was a Monday: day 4 since the epoch.
                let weeks = (epoch_days(d)? - 4).div_euclid(7);
                from_epoch_days(weeks.div_euclid(n) * n * 7 + 4)
            }
            CalendarStep::Months(n) => {
                let months = (i64::from(d.year()) - 1970) * 12 + i64::from(d.month()) - 1;
                let start = months.div_euclid(n) * n;
                let year = i16::try_from(1970 + start.div_euclid(12)).ok()?;
                Date::new(year, (start.rem_euclid(12) + 1) as i8, 1).ok()
            }
        }
    }

    /// The first local date of the next step after the one starting at `d`.
    fn next(self, d: Date) -> Option<Date> {
        match self {
            CalendarStep::Days(n) => d.checked_add(n.days()).ok(),
            CalendarStep::Weeks(n) => d.checked_add((n * 7).days()).ok(),
            CalendarStep::Months(n) => d.checked_add(n.months()).ok(),
        }
    }
}

impl Zone {
    /// The zone named `name` (`Asia/Ho_Chi_Minh`, `Europe/Berlin`, `UTC`); the error says what
    /// a name looks like.
    pub fn named(name: &str) -> Result<Zone, String> {
        let tz = TimeZone::get(name).map_err(|_| {
            format!(
                "{:?} is not an IANA time zone name such as {DEFAULT_TIMEZONE} or UTC",
                super::truncate(name, 60)
            )
        })?;
        Ok(Zone {
            name: name.to_owned(),
            tz,
        })
    }

    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: TimeZone::UTC,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Minutes since local midnight at `t_ms` (0 to 1439); 0 for a time outside the calendar.
    pub fn minute_of_day(&self, t_ms: i64) -> u32 {
        Timestamp::from_millisecond(t_ms).map_or(0, |ts| {
            let t = ts.to_zoned(self.tz.clone()).time();
            u32::from(t.hour().unsigned_abs()) * 60 + u32::from(t.minute().unsigned_abs())
        })
    }

    /// `t_ms` as local time with its offset, RFC 3339: `2026-12-07T07:00:00+07:00`.
    pub fn format(&self, t_ms: i64) -> String {
        match Timestamp::from_millisecond(t_ms) {
            Ok(ts) => ts.display_with_offset(self.tz.to_offset(ts)).to_string(),
            Err(_) => t_ms.to_string(),
        }
    }

    /// The start (unix ms) of every calendar step that overlaps `[from_ms, to_ms)`, in order:
    /// the first is at or before `from_ms`. A local midnight that does not exist (a daylight
    /// saving gap) starts its day at the first instant that does. Empty when the range is
    /// empty or outside the calendar (years 1 to 9999).
    pub fn step_starts(&self, step: CalendarStep, from_ms: i64, to_ms: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let Some(mut date) = self.local_date(from_ms).and_then(|d| step.start_of(d)) else {
            return out;
        };
        while let Some(start) = self.day_start(date) {
            if start >= to_ms && !out.is_empty() {
                break;
            }
            out.push(start);
            match step.next(date) {
                Some(next) => date = next,
                None => break,
            }
        }
        out
    }

    /// The local days of a report's period, `YYYY-MM-DD` (one day) or `YYYY-MM` (a month):
    /// where each starts, then where the last ends (unix ms). The error says what a period
    /// looks like.
    pub fn period_days(&self, period: &str) -> Result<Vec<i64>, String> {
        let bad = || {
            format!(
                "{:?} is not a date such as 2026-12-01 or a month such as 2026-12",
                super::truncate(period, 20)
            )
        };
        let (first, step) = match period.len() {
            10 => (period.parse::<Date>().map_err(|_| bad())?, 1.days()),
            7 => (
                format!("{period}-01").parse::<Date>().map_err(|_| bad())?,
                1.months(),
            ),
            _ => return Err(bad()),
        };
        let end = first.checked_add(step).map_err(|_| bad())?;
        let mut out = Vec::new();
        let mut d = first;
        while d <= end {
            out.push(self.day_start(d).ok_or_else(bad)?);
            d = d.checked_add(1.days()).map_err(|_| bad())?;
        }
        Ok(out)
    }

    /// The local date of `t_ms`, `YYYY-MM-DD`.
    pub fn date_of(&self, t_ms: i64) -> String {
        self.local_date(t_ms)
            .map_or_else(|| t_ms.to_string(), |d| d.to_string())
    }

    fn local_date(&self, t_ms: i64) -> Option<Date> {
        let ts = Timestamp::from_millisecond(t_ms).ok()?;
        Some(ts.to_zoned(self.tz.clone()).date())
    }

    /// The first instant of local date `d`, unix ms.
    fn day_start(&self, d: Date) -> Option<i64> {
        Some(
            d.to_zoned(self.tz.clone())
                .ok()?
                .timestamp()
                .as_millisecond(),
        )
    }
}

fn epoch_days(d: Date) -> Option<i64> {
    let secs = d.to_zoned(TimeZone::UTC).ok()?.timestamp().as_second();
    Some(secs.div_euclid(86_400))
}

fn from_epoch_days(days: i64) -> Option<Date> {
    let ts = Timestamp::from_second(days.checked_mul(86_400)?).ok()?;
    Some(ts.to_zoned(TimeZone::UTC).date())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn ms(rfc3339: &str) -> i64 {
        rfc3339
            .parse::<Timestamp>()
            .expect("timestamp")
            .as_millisecond()
    }

    fn vn() -> Zone {
        Zone::named("Asia/Ho_Chi_Minh").expect("zone")
    }

    #[test]
    fn a_vietnamese_day_runs_from_local_midnight_to_local_midnight() {
        let starts = vn().step_starts(
            CalendarStep::Days(1),
            ms("2026-12-06T10:00:00Z"), // 17:00 local on the 6th
            ms("2026-12-07T10:00:00Z"),
        );
        // 23:30 local on the 6th is in the day that began at 00:00 local on the 6th; 00:30
        // local on the 7th in the next.
        assert_eq!(
            starts,
            [ms("2026-12-05T17:00:00Z"), ms("2026-12-06T17:00:00Z")]
        );
        assert!(ms("2026-12-06T16:30:00Z") < starts[1]); // 23:30 local, the 6th
        assert!(ms("2026-12-06T17:30:00Z") >= starts[1]); // 00:30 local, the 7th
    }

    #[test]
    fn a_period_is_a_day_or_a_month_of_local_days() {
        let day = vn().period_days("2026-12-07").expect("a day");
        assert_eq!(
            day,
            [ms("2026-12-06T17:00:00Z"), ms("2026-12-07T17:00:00Z")]
        );
        let month = vn().period_days("2026-02").expect("a month");
        assert_eq!(month.len(), 29, "28 days and the end of the last");
        assert_eq!(vn().date_of(month[27]), "2026-02-28");
        for bad in ["2026-13", "2026-02-30", "yesterday", ""] {
            assert!(vn().period_days(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn days_around_a_daylight_saving_change_are_23_and_25_hours_long() {
        let berlin = Zone::named("Europe/Berlin").expect("zone");
        let spring = berlin.step_starts(
            CalendarStep::Days(1),
            ms("2026-03-28T12:00:00Z"),
            ms("2026-03-30T12:00:00Z"),
        );
        let lengths: Vec<i64> = spring.windows(2).map(|w| (w[1] - w[0]) / H).collect();
        assert_eq!(lengths, [24, 23], "29 March 2026 has 23 hours in Berlin");
        let autumn = berlin.step_starts(
            CalendarStep::Days(1),
            ms("2026-10-24T12:00:00Z"),
            ms("2026-10-26T12:00:00Z"),
        );
        let lengths: Vec<i64> = autumn.windows(2).map(|w| (w[1] - w[0]) / H).collect();
        assert_eq!(lengths, [24, 25]);
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let z = vn();
        // Thursday 2026-12-10, local.
        let t = ms("2026-12-10T05:00:00Z");
        let week = z.step_starts(CalendarStep::Weeks(1), t, t + 1);
        assert_eq!(
            week,
            [ms("2026-12-06T17:00:00Z")],
            "Monday the 7th, 00:00 +07"
        );
        let month = z.step_starts(CalendarStep::Months(1), t, t + 1);
        assert_eq!(month, [ms("2026-11-30T17:00:00Z")], "1 December, 00:00 +07");
        let quarter = z.step_starts(CalendarStep::Months(3), t, t + 1);
        assert_eq!(
            quarter,
            [ms("2026-09-30T17:00:00Z")],
            "1 October, 00:00 +07"
        );
    }

    #[test]
    fn several_days_align_to_the_epoch_local_date() {
        let z = vn();
        let t = ms("2026-12-07T05:00:00Z");
        let starts = z.step_starts(CalendarStep::Days(7), t, t + 1);
        // 2026-12-03 is 20,790 days after 1970-01-01, a multiple of 7.
        assert_eq!(starts, [ms("2026-12-02T17:00:00Z")]);
    }

    #[test]
    fn local_time_is_written_with_its_offset() {
        assert_eq!(
            vn().format(ms("2026-12-07T00:00:00Z")),
            "2026-12-07T07:00:00+07:00"
        );
    }

    #[test]
    fn an_unknown_zone_is_named_in_the_error() {
        let e = Zone::named("Asia/Saigon_City").expect_err("unknown");
        assert!(e.contains("Asia/Saigon_City") && e.contains("IANA"), "{e}");
    }
}
