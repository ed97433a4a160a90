//! A history request's range, step, aggregate and time zone, parsed in a fixed order (`to`,
//! `from`, `step`, `agg`, `tz`) so a request with several faults always names the same one;
//! and the local calendar a day, week or month step follows (`model::zone`).

use super::SeriesRequest;
use crate::model::{parse_rfc3339_ms, truncate, CalendarStep, Zone, MAX_CALENDAR_DAYS};
use crate::serve::error::ApiError;
use crate::shell::now_ms;
use crate::store::{Agg, Plan, Resolution};

const DAY_MS: i64 = 86_400_000;

/// The step a request asks for: a fixed duration, aligned to the Unix epoch (`30s`, `5m`,
/// `1h`, or a number of seconds), or steps of the local calendar (`1d`, `1w`, `1mo`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Step {
    Fixed(i64),
    Calendar(CalendarStep),
}

/// The parsed range: `[from, to)`, the step asked for (if any), the aggregate, and the zone
/// local days are counted in (`tz=`, else the city's).
pub(super) struct Range {
    pub from: i64,
    pub to: i64,
    pub step: Option<Step>,
    pub agg: Agg,
    pub zone: Zone,
}

impl Range {
    /// `to` defaults to now, `from` to a day before `to`, `agg` to the mean, the zone to
    /// `city_zone`.
    pub fn parse(q: &SeriesRequest, city_zone: &Zone) -> Result<Range, ApiError> {
        let to =
            q.to.as_deref()
                .map(|t| parse_time("to", t))
                .transpose()?
                .unwrap_or_else(now_ms);
        let from = q
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?
            .unwrap_or(to - DAY_MS);
        let step = q.step.as_deref().map(parse_step).transpose()?;
        let agg = match q.agg.as_deref() {
            None => Agg::Mean,
            Some(a) => Agg::parse(a).ok_or_else(|| {
                ApiError::InvalidQuery(format!(
                    "agg {a:?} is not one of mean, min, max, sum, count, last"
                ))
            })?,
        };
        let zone = match q.tz.as_deref() {
            None => city_zone.clone(),
            Some(name) => {
                Zone::named(name).map_err(|e| ApiError::InvalidQuery(format!("tz {e}")))?
            }
        };
        Ok(Range {
            from,
            to,
            step,
            agg,
            zone,
        })
    }

    /// The step's length for the planner: a calendar step counts at its longest.
    pub fn step_ms(&self) -> Option<i64> {
        self.step.map(|s| match s {
            Step::Fixed(ms) => ms,
            Step::Calendar(c) => c.nominal_ms(),
        })
    }

    /// The calendar step the answer follows: the one asked for, or whole days when the
    /// planner chose a step of days itself.
    pub fn calendar(&self, plan: &Plan) -> Option<CalendarStep> {
        match self.step {
            Some(Step::Calendar(c)) => Some(c),
            Some(Step::Fixed(_)) => None,
            None if plan.step_ms % DAY_MS == 0 => Some(CalendarStep::Days(plan.step_ms / DAY_MS)),
            None => None,
        }
    }
}

/// The coarsest table whose buckets never straddle two of these step starts: a zone whose
/// offset is not a whole number of hours (India's +05:30) needs the 1-minute rollups, and a
/// historic offset with seconds the raw rows.
pub(super) fn finest_for(starts: &[i64]) -> Resolution {
    let aligned = |r: Resolution| starts.iter().all(|s| s.rem_euclid(r.step_ms()) == 0);
    [Resolution::Hour, Resolution::Minute]
        .into_iter()
        .find(|r| aligned(*r))
        .unwrap_or(Resolution::Raw)
}

/// The latest time a query may name: 9999-12-31T23:59:59.999Z, the end of RFC 3339.
const MAX_TIME_MS: i64 = 253_402_300_799_999;

/// Unix milliseconds or RFC 3339, from 1970 to 9999: outside it, `to - from` and the
/// default `to - 1 day` could overflow and be reported as a reversed range.
pub(crate) fn parse_time(key: &str, v: &str) -> Result<i64, ApiError> {
    let t = v
        .parse::<i64>()
        .ok()
        .or_else(|| parse_rfc3339_ms(v))
        .ok_or_else(|| {
            ApiError::InvalidRange(format!(
                "{key} {:?} is neither unix milliseconds nor RFC 3339",
                truncate(v, 40)
            ))
        })?;
    if !(0..=MAX_TIME_MS).contains(&t) {
        return Err(ApiError::InvalidRange(format!(
            "{key} {t} is outside 0..={MAX_TIME_MS} unix milliseconds (1970 to 9999)"
        )));
    }
    Ok(t)
}

/// `90` (seconds), `30s`, `5m`, `1h`: fixed; `1d`, `2w`, `1mo`: local calendar days, weeks
/// (from Monday) and months.
pub(super) fn parse_step(v: &str) -> Result<Step, ApiError> {
    let bad = || {
        ApiError::InvalidQuery(format!(
            "step {:?} must be a duration such as 30s, 5m, 1h, a number of seconds, \
             or local calendar days, weeks or months such as 1d, 1w, 1mo",
            truncate(v, 40)
        ))
    };
    let count = |num: &str, max: i64| {
        num.parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(bad)
    };
    if let Some(num) = v.strip_suffix("mo") {
        return Ok(Step::Calendar(CalendarStep::Months(count(
            num,
            MAX_CALENDAR_DAYS / 31,
        )?)));
    }
    let (num, unit_ms) = match v.char_indices().last() {
        Some((i, 'w')) => {
            let n = count(&v[..i], MAX_CALENDAR_DAYS / 7)?;
            return Ok(Step::Calendar(CalendarStep::Weeks(n)));
        }
        Some((i, 'd')) => {
            let n = count(&v[..i], MAX_CALENDAR_DAYS)?;
            return Ok(Step::Calendar(CalendarStep::Days(n)));
        }
        Some((i, 's')) => (&v[..i], 1000),
        Some((i, 'm')) => (&v[..i], 60_000),
        Some((i, 'h')) => (&v[..i], 3_600_000),
        _ => (v, 1000),
    };
    Ok(Step::Fixed(
        count(num, MAX_CALENDAR_DAYS * DAY_MS / unit_ms)? * unit_ms,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_of_days_weeks_and_months_follow_the_calendar_and_the_rest_are_fixed() {
        assert_eq!(parse_step("90").ok(), Some(Step::Fixed(90_000)));
        assert_eq!(parse_step("5m").ok(), Some(Step::Fixed(300_000)));
        assert_eq!(parse_step("1h").ok(), Some(Step::Fixed(3_600_000)));
        assert_eq!(
            parse_step("1d").ok(),
            Some(Step::Calendar(CalendarStep::Days(1)))
        );
        assert_eq!(
            parse_step("2w").ok(),
            Some(Step::Calendar(CalendarStep::Weeks(2)))
        );
        assert_eq!(
            parse_step("1mo").ok(),
            Some(Step::Calendar(CalendarStep::Months(1)))
        );
        for bad in ["0d", "-1h", "mo", "1.5d", "3651d", "1y", ""] {
            assert!(parse_step(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_zone_off_the_hour_reads_minute_rollups() {
        let h = 3_600_000;
        assert_eq!(finest_for(&[17 * h, 41 * h]), Resolution::Hour);
        assert_eq!(finest_for(&[17 * h + 30 * 60_000]), Resolution::Minute);
        assert_eq!(finest_for(&[17 * h + 400_000 + 40_000]), Resolution::Raw);
    }
}
