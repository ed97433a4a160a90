//! `/api/v1/series?indicator=`: an indicator's history, computed from the stored rollups
//! (`report`) with the same range, step, aggregate, zone and scope rules as a metric's.

use super::range::{Range, Step};
use super::{group_district, HistoryService, Series, SeriesRequest};
use crate::auth::Principal;
use crate::model::{truncate, CalendarStep, City, DomainIdx};
use crate::report::read::{rows, sensors, Whose};
use crate::report::series::{compute, SeriesInput};
use crate::report::{Base, Indicator, Rows};
use crate::serve::blocking::blocking;
use crate::serve::error::ApiError;
use crate::shell::now_ms;
use crate::store::{fold, fold_at, Resolution, Scope, SeriesReader};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
/// Most rollup rows one answer reads (about 100 bytes each held): a year of one station's six
/// pollutants by the hour is 52,560.
const MAX_WORK: i64 = 5_000_000;

/// What an indicator is computed over: one sensor, or the sensors of some domains in one
/// district or the city.
struct Target {
    groups: Vec<Whose>,
    domain: String,
    sensor: Option<String>,
    district: Option<String>,
}

impl HistoryService {
    /// The history of the indicator `name`, within the caller's scope.
    pub(super) async fn indicator_series(
        &self,
        principal: &Principal,
        name: &str,
        req: SeriesRequest,
    ) -> Result<Series, ApiError> {
        let indicator = Indicator::parse(name).ok_or_else(|| {
            ApiError::InvalidQuery(format!(
                "indicator {:?} is not one of {}",
                truncate(name, 40),
                Indicator::names()
            ))
        })?;
        if req.metric.is_some() {
            return Err(ApiError::InvalidQuery(
                "give metric=NAME or indicator=NAME, not both".into(),
            ));
        }
        let city = self.live.read().city().clone();
        let mut target = self.indicator_target(principal, &req, indicator, &city)?;
        let elsewhere = self.confine(&city, &mut target.groups)?;
        let range = Range::parse(&req, &city.zone)?;
        let (plan, calendar) = self.plan(&range)?;
        let bucket = bucket_of(indicator, &range, plan.step_ms, plan.resolution)?;
        // Nothing is computed past now: a completeness of future hours would read as zero.
        let (from, to) = (align_down(range.from, bucket), range.to.min(now_ms()));
        check_work(indicator, &city, &target.groups, to - from, bucket)?;
        let days = match indicator.base() {
            Base::Day => day_starts(&range)?,
            _ => Vec::new(),
        };
        let starts = calendar
            .as_ref()
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&days);
        if bucket == HOUR_MS && starts.iter().any(|s| s.rem_euclid(HOUR_MS) != 0) {
            return Err(ApiError::InvalidQuery(format!(
                "{} is computed by the hour, and {} starts its days off the hour: ask with \
                 tz= a zone whose offset is whole hours",
                indicator.name(),
                range.zone.name()
            )));
        }
        // What the first value needs before it: the NowCast's and the day's hours.
        let lookback = match indicator {
            Indicator::VnAqiHourly | Indicator::EpaAqi | Indicator::VnAqiDaily => 24 * HOUR_MS,
            _ => 0,
        };
        let read_from = days.first().map_or(from, |d| from.min(*d)) - lookback;
        let store = self.store.clone();
        let params = self.params;
        let groups = target.groups;
        let job_city = city.clone();
        let values = blocking(move || {
            let resolution = if bucket == MINUTE_MS {
                Resolution::Minute
            } else {
                Resolution::Hour
            };
            let read_to = days.last().copied().unwrap_or(to).max(to);
            let (all, members) = read_groups(
                &*store,
                &job_city,
                &groups,
                indicator,
                (read_from, read_to),
                resolution,
            )?;
            let input = SeriesInput {
                city: &job_city,
                indicator,
                bucket_ms: bucket,
                from,
                to,
                days: &days,
                default_free_flow_kmh: params.default_free_flow_kmh,
                default_sla_target_s: params.default_sla_target_s,
            };
            let revised = revisions(&*store, &groups, (read_from, to))?;
            Ok((compute(&input, &members, &all), revised))
        })
        .await?;
        let (computed, revised) = values;
        let values = computed.values;
        let agg = range.agg;
        // A point is one value when the step is the indicator's own: then it has the value's
        // dominant pollutant.
        let one_value_a_point = match (&calendar, indicator.base()) {
            (None, Base::Day) => true,
            (Some((step, _)), Base::Day) => *step == CalendarStep::Days(1),
            (None, _) => plan.step_ms <= bucket,
            (Some(_), _) => false,
        };
        let points = match &calendar {
            Some((_, starts)) => fold_at(&values, starts, agg),
            None if indicator.base() == Base::Day => {
                let starts = range
                    .zone
                    .step_starts(CalendarStep::Days(1), range.from, range.to);
                fold_at(&values, &starts, agg)
            }
            None => fold(&values, plan.step_ms.max(bucket), agg),
        };
        Ok(Series {
            sensor: target.sensor,
            domain: target.domain,
            district: target.district,
            metric: None,
            indicator: Some(indicator.name()),
            unit: indicator.unit().to_owned(),
            agg,
            from: range.from,
            to: range.to,
            step_s: match (&calendar, indicator.base()) {
                (None, Base::Day) => 86_400.0,
                _ => plan.step_ms.max(bucket) as f64 / 1000.0,
            },
            tz: range.zone,
            source: if bucket == MINUTE_MS {
                "rollup_1m"
            } else {
                "rollup_1h"
            },
            partial: plan.beyond_retention || elsewhere,
            revised: revised_points(&points, &revised),
            dominant: if one_value_a_point {
                computed.dominant
            } else {
                Vec::new()
            },
            points: points.iter().map(|p| (p.t, p.value)).collect(),
        })
    }

    /// One sensor (registered, in scope, of the indicator's domain) or a group: the
    /// indicator's domain, or for completeness the one named (else every domain in scope).
    fn indicator_target(
        &self,
        principal: &Principal,
        q: &SeriesRequest,
        indicator: Indicator,
        city: &City,
    ) -> Result<Target, ApiError> {
        let own = indicator.domain(city);
        if let Some(id) = &q.sensor {
            if q.district.is_some() || q.domain.is_some() {
                return Err(ApiError::InvalidQuery(
                    "give either sensor=ID, or district=ID (and for completeness domain=NAME)"
                        .into(),
                ));
            }
            let domain = self.sensor_domain(principal, id)?;
            let registered = city.sensor(id).is_some();
            if !registered || own.is_some_and(|d| d != domain) {
                return Err(ApiError::InvalidQuery(format!(
                    "{} is computed for registered {} sensors; {} is not one",
                    indicator.name(),
                    own.map_or("", |d| city.domain(d).name.as_str()),
                    truncate(id, 64)
                )));
            }
            return Ok(Target {
                groups: vec![Whose::Sensor(id.clone())],
                domain: city.domain(domain).name.clone(),
                sensor: Some(id.clone()),
                district: None,
            });
        }
        let named = match (own, q.domain.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(ApiError::InvalidQuery(format!(
                    "{} belongs to one domain: leave domain= out",
                    indicator.name()
                )))
            }
            (Some(d), None) => Some(city.domain(d).name.clone()),
            (None, given) => given.map(str::to_owned),
        };
        let district = group_district(principal, q.district.as_deref())?;
        let (domain, district) = self.live.resolve(principal, named.as_deref(), district)?;
        let domains: Vec<DomainIdx> = match domain {
            Some(d) => vec![d],
            None => (0..city.domains.len() as u16)
                .map(DomainIdx)
                .filter(|d| principal.scope.allows_domain(&city.domain(*d).name))
                .collect(),
        };
        Ok(Target {
            groups: domains
                .iter()
                .map(|d| Whose::Group {
                    domain: *d,
                    district,
                })
                .collect(),
            domain: domain.map_or_else(|| "all".to_owned(), |d| city.domain(d).name.clone()),
            sensor: None,
            district: district.map(|d| city.district(d).id.clone()),
        })
    }
}

/// Refuses an answer that would read more than [`MAX_WORK`] rows: sensors × buckets × the
/// metrics each reads.
fn check_work(
    indicator: Indicator,
    city: &City,
    groups: &[Whose],
    span_ms: i64,
    bucket: i64,
) -> Result<(), ApiError> {
    let buckets = span_ms.max(0) / bucket + 1;
    let mut rows = 0i64;
    for g in groups {
        let members = sensors(city, g);
        let metrics = members
            .first()
            .map_or(0, |s| indicator.metrics(city, s.domain).len() as i64);
        rows = rows.saturating_add((members.len() as i64).saturating_mul(buckets * metrics));
    }
    if rows > MAX_WORK {
        return Err(ApiError::TooManyPoints(format!(
            "{} over this range reads {rows} rollup rows, more than {MAX_WORK}: narrow the \
             range, or ask for one district or sensor",
            indicator.name()
        )));
    }
    Ok(())
}

/// Every group's rows, and its registered sensors.
fn read_groups<'c>(
    store: &dyn SeriesReader,
    city: &'c City,
    groups: &[Whose],
    indicator: Indicator,
    range: (i64, i64),
    resolution: Resolution,
) -> Result<(Rows, Vec<&'c crate::model::Sensor>), ApiError> {
    let mut all = Rows::new();
    let mut members = Vec::new();
    for g in groups {
        let domain = match g {
            Whose::Group { domain, .. } => *domain,
            Whose::Sensor(id) => city.sensor(id).map_or(DomainIdx(0), |s| s.domain),
        };
        let metrics = indicator.metrics(city, domain);
        let found = rows(store, g, &metrics, range, resolution)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        all.extend(found);
        members.extend(sensors(city, g));
    }
    Ok((all, members))
}

/// When each hour of `groups`' sensors in `range` was last revised, by hour.
fn revisions(
    store: &dyn SeriesReader,
    groups: &[Whose],
    (from, to): (i64, i64),
) -> Result<Vec<(i64, i64)>, ApiError> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for g in groups {
        let scope = match g {
            Whose::Sensor(id) => Scope::Sensor(id.clone()),
            Whose::Group { domain, district } => Scope::Group {
                domain: *domain,
                district: *district,
            },
        };
        out.extend(
            store
                .revisions(&scope, from, to)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        );
    }
    out.sort_unstable();
    Ok(out)
}

/// Each point's latest revision: a revised hour belongs to the last point starting at or
/// before it.
fn revised_points(points: &[crate::store::Point], revised: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &(hour, at) in revised {
        let Some(i) = points.partition_point(|p| p.t <= hour).checked_sub(1) else {
            continue;
        };
        let t = points[i].t;
        match out.last_mut() {
            Some((last, when)) if *last == t => *when = (*when).max(at),
            _ => out.push((t, at)),
        }
    }
    out
}

/// The base bucket: an hour, or for per-minute indicators a minute while the step is finer
/// than an hour and the minute rollups hold the range. A step finer than the indicator's own
/// is refused.
fn bucket_of(
    indicator: Indicator,
    range: &Range,
    step_ms: i64,
    resolution: Resolution,
) -> Result<i64, ApiError> {
    let finest = match indicator.base() {
        Base::Minute => MINUTE_MS,
        Base::Hour => HOUR_MS,
        Base::Day => {
            if matches!(range.step, Some(Step::Fixed(_))) {
                return Err(ApiError::InvalidQuery(format!(
                    "{} has one value per local day: step must be 1d, 1w or 1mo",
                    indicator.name()
                )));
            }
            return Ok(HOUR_MS);
        }
    };
    if let Some(Step::Fixed(s)) = range.step {
        if s < finest || s % finest != 0 {
            return Err(ApiError::InvalidQuery(format!(
                "{} has one value per {}: step must be a whole number of them",
                indicator.name(),
                if finest == MINUTE_MS {
                    "minute"
                } else {
                    "hour"
                }
            )));
        }
    }
    Ok(
        if finest == MINUTE_MS && step_ms < HOUR_MS && resolution != Resolution::Hour {
            MINUTE_MS
        } else {
            HOUR_MS
        },
    )
}

/// Where each local day over the range starts, and where the last one ends.
fn day_starts(range: &Range) -> Result<Vec<i64>, ApiError> {
    let mut days = range
        .zone
        .step_starts(CalendarStep::Days(1), range.from, range.to);
    let last = *days
        .last()
        .ok_or_else(|| ApiError::InvalidRange("the range holds no local day".into()))?;
    let after = range.zone.step_starts(
        CalendarStep::Days(1),
        last + 26 * HOUR_MS,
        last + 27 * HOUR_MS,
    );
    days.push(after.first().copied().unwrap_or(last + 24 * HOUR_MS));
    Ok(days)
}

fn align_down(t: i64, step: i64) -> i64 {
    t.div_euclid(step) * step
}
