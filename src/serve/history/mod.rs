//! [`HistoryService`]: answers `/api/v1/series`. It resolves what to read within the caller's
//! scope, plans the step, and owns the choice of source: the local store, or InfluxDB (Flux)
//! for a range older than local retention when export is configured.

use std::sync::Arc;

use serde::Serialize;

use super::blocking::blocking;
use super::error::ApiError;
use super::live::LiveView;
use crate::auth::Principal;
use crate::export::{flux_query, FluxClient, FluxRequest, Selector};
use crate::model::{truncate, CalendarStep, DomainIdx, MetricIdx, Zone};
use crate::report::Params;
use crate::shell::now_ms;
use crate::store::{
    fold, fold_at, plan, Agg, Plan, PlanError, Point, RetentionPolicy, Scope, SeriesQuery,
    SeriesReader,
};
pub use kept::KeptQuery;
pub(crate) use range::parse_time;
use range::{finest_for, Range};
pub use report::ReportQuery;
pub use shared::Shared;

mod indicator;
mod kept;
mod range;
mod report;
mod shared;
mod territory;

/// A calendar step, and where each of its steps starts over the range (ascending).
type Calendar = (CalendarStep, Vec<i64>);

pub struct HistoryService {
    live: LiveView,
    store: Arc<dyn SeriesReader>,
    retention: RetentionPolicy,
    /// Most points one answer may carry (`store.max_points`).
    max_points: i64,
    /// Answers history beyond local retention, when export is configured.
    flux: Option<Arc<FluxClient>>,
    /// On a partition with a shared store: answers the districts it does not own.
    shared: Option<Shared>,
    /// The thresholds of the indicators, and what they assume of a road or centre that names
    /// no value of its own.
    params: Params,
    /// Each night's reports, kept for download (`reports.daily`).
    kept: Option<crate::report::KeptReports>,
    /// On a partition, the districts it owns by index (`territory.rs`).
    territory: Option<Arc<[bool]>>,
}

/// A history request as the client wrote it. It is parsed here, in a fixed order (what to
/// read, then `to`, `from`, `step`, `agg`, `tz`), so a request with several faults always
/// names the same one.
pub struct SeriesRequest {
    pub sensor: Option<String>,
    pub domain: Option<String>,
    pub district: Option<String>,
    /// A stored metric, or (`indicator`) a computed indicator: one of the two.
    pub metric: Option<String>,
    pub indicator: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub step: Option<String>,
    pub agg: Option<String>,
    /// The IANA zone whose calendar day, week and month steps follow; default the city's.
    pub tz: Option<String>,
}

/// One history answer.
#[derive(Serialize)]
pub struct Series {
    pub sensor: Option<String>,
    pub domain: String,
    pub district: Option<String>,
    /// The metric, or for an indicator's history (`indicator`) nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator: Option<&'static str>,
    pub unit: String,
    pub agg: Agg,
    pub from: i64,
    pub to: i64,
    /// The step; for calendar steps (`1d`, `1w`, `1mo`) their longest length.
    pub step_s: f64,
    /// The zone calendar steps and the CSV's local times follow (written as its name).
    pub tz: Zone,
    /// What answered: raw, rollup_1m, rollup_1h, influxdb (beyond local retention), or
    /// victoriametrics (the store a cluster's nodes share, for what this partition does not
    /// own).
    pub source: &'static str,
    /// True when the range reaches past local retention and no InfluxDB is configured: older
    /// points are missing; or, for an indicator on a partition, when the city-wide answer
    /// covers only the districts this node owns.
    pub partial: bool,
    /// `[t, value]` pairs, `t` the start of each step (unix ms); steps without data are absent.
    pub points: Vec<(i64, f64)>,
    /// For an indicator: `[t, revised_ms]` for each point whose hours changed after they ended
    /// (late data, an import), with when they last did. Absent when none did.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub revised: Vec<(i64, i64)>,
    /// For an air index at its own step (an hour, or a day for `vn_aqi_daily`): `[t,
    /// pollutant]`, the dominant pollutant of each point (the worst station's), named as the
    /// air report names it (`pm25`, `o3`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dominant: Vec<(i64, crate::indicators::aqi::Pollutant)>,
}

/// What to read, resolved against the city: the store's scope, and the names and unit the
/// answer carries.
struct Target {
    scope: Scope,
    domain: String,
    metric: MetricIdx,
    unit: String,
}

impl HistoryService {
    pub fn new(
        live: LiveView,
        store: Arc<dyn SeriesReader>,
        retention: RetentionPolicy,
        max_points: i64,
        flux: Option<Arc<FluxClient>>,
    ) -> HistoryService {
        HistoryService {
            live,
            store,
            retention,
            max_points,
            flux,
            shared: None,
            params: Params {
                congestion_jammed: 0.7,
                default_free_flow_kmh: 40.0,
                default_sla_target_s: 900.0,
            },
            kept: None,
            territory: None,
        }
    }

    /// The indicators' thresholds and defaults (`[indicators]`).
    pub fn with_params(mut self, params: Params) -> Self {
        self.params = params;
        self
    }

    /// Answers what this partition does not own from the shared store.
    pub fn with_shared(mut self, shared: Option<Shared>) -> HistoryService {
        self.shared = shared;
        self
    }

    /// The series `req` asks for, within the caller's scope.
    pub async fn series(
        &self,
        principal: &Principal,
        req: SeriesRequest,
    ) -> Result<Series, ApiError> {
        if let Some(name) = req.indicator.clone() {
            return self.indicator_series(principal, &name, req).await;
        }
        let metric = req.metric.clone().ok_or_else(|| {
            ApiError::InvalidQuery("give metric=NAME, or indicator=NAME for a computed one".into())
        })?;
        let target = self.target(principal, &req, &metric)?;
        let range = Range::parse(&req, &self.live.read().city().zone)?;
        let (plan, calendar) = self.plan(&range)?;
        let (sensor, district) = match &target.scope {
            Scope::Sensor(id) => (Some(id.clone()), None),
            Scope::Group { district, .. } => (
                None,
                district.map(|d| self.live.read().city().district(d).id.clone()),
            ),
        };
        let shared = self
            .shared
            .as_ref()
            .filter(|s| s.answers(self.live.read().city(), &target.scope));
        let series = Selector {
            measurement: &target.domain,
            field: &metric,
            sensor: sensor.as_deref(),
            district: district.as_deref(),
            from_ms: range.from,
            to_ms: range.to,
            step_ms: plan.step_ms,
            agg: range.agg,
        };
        let (points, source, partial) = match (shared, &self.flux, plan.beyond_retention) {
            (Some(shared), _, _) => {
                let ask = shared::request(series, calendar.as_ref().map(|(_, s)| s.as_slice()))?;
                (shared.points(&ask).await?, "victoriametrics", false)
            }
            (None, Some(flux), true) => {
                let request = FluxRequest {
                    bucket: &flux.bucket,
                    series,
                    calendar: calendar.as_ref().map(|(c, _)| (*c, range.zone.name())),
                };
                let points = flux
                    .points(flux_query(&request))
                    .await
                    .map_err(|e| ApiError::Upstream(e.to_string()))?;
                (points, "influxdb", false)
            }
            _ => (
                self.read_store(&target, &range, &plan, calendar.map(|(_, s)| s))
                    .await?,
                plan.resolution.name(),
                plan.beyond_retention,
            ),
        };
        Ok(Series {
            sensor,
            domain: target.domain,
            district,
            metric: Some(metric),
            indicator: None,
            unit: target.unit,
            agg: range.agg,
            from: range.from,
            to: range.to,
            step_s: plan.step_ms as f64 / 1000.0,
            tz: range.zone,
            source,
            partial,
            points: points.iter().map(|p| (p.t, p.value)).collect(),
            revised: Vec::new(),
            dominant: Vec::new(),
        })
    }

    /// Which table and step answer `range` within `store.max_points`; for a calendar step,
    /// also where each step starts, and a table whose buckets never straddle two.
    fn plan(&self, range: &Range) -> Result<(Plan, Option<Calendar>), ApiError> {
        let (from, to, now) = (range.from, range.to, now_ms());
        let planned = plan(
            from,
            to,
            range.step_ms(),
            self.max_points,
            now,
            &self.retention,
        )
        .map_err(|e| match e {
            PlanError::EmptyRange => {
                ApiError::InvalidRange(format!("from ({from}) must be before to ({to})"))
            }
            e @ PlanError::TooManyPoints { .. } => ApiError::TooManyPoints(e.to_string()),
            e @ PlanError::StepTooFine { .. } => ApiError::InvalidQuery(e.to_string()),
        })?;
        let Some(step) = range.calendar(&planned) else {
            return Ok((planned, None));
        };
        let starts = range.zone.step_starts(step, from, to);
        let planned = planned.no_coarser_than(finest_for(&starts), from, now, &self.retention);
        Ok((planned, Some((step, starts))))
    }

    /// Reads the rows off the executor and folds them into one point per step: fixed steps
    /// from the epoch, or the calendar steps starting at `starts`.
    async fn read_store(
        &self,
        target: &Target,
        range: &Range,
        plan: &Plan,
        starts: Option<Vec<i64>>,
    ) -> Result<Vec<Point>, ApiError> {
        let query = SeriesQuery {
            scope: target.scope.clone(),
            metric: target.metric,
            from_ms: range.from,
            to_ms: range.to,
        };
        let store = self.store.clone();
        let resolution = plan.resolution;
        let rows = blocking(move || {
            store
                .rows(&query, resolution)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await?;
        Ok(match starts {
            Some(starts) => fold_at(&rows, &starts, range.agg),
            None => fold(&rows, plan.step_ms, range.agg),
        })
    }

    /// What to read, within the caller's scope: a sensor outside it is unknown, and a group
    /// query of a caller scoped to some districts must name one of them (one is taken as
    /// given).
    fn target(
        &self,
        principal: &Principal,
        q: &SeriesRequest,
        metric: &str,
    ) -> Result<Target, ApiError> {
        let (scope, domain) = match (&q.sensor, &q.domain) {
            (Some(id), None) if q.district.is_none() => (
                Scope::Sensor(id.clone()),
                self.sensor_domain(principal, id)?,
            ),
            (None, Some(domain)) => {
                let district = group_district(principal, q.district.as_deref())?;
                let (domain, district) = self.live.resolve(principal, Some(domain), district)?;
                let domain =
                    domain.ok_or_else(|| ApiError::InvalidQuery("domain is required".into()))?;
                (Scope::Group { domain, district }, domain)
            }
            _ => {
                return Err(ApiError::InvalidQuery(
                    "give either sensor=ID, or domain=NAME with an optional district=ID".into(),
                ))
            }
        };
        self.metric(scope, domain, metric)
    }

    /// The domain of sensor `id` (registered, or seen while unregistered), if the caller may
    /// read it; else the sensor is unknown.
    fn sensor_domain(&self, principal: &Principal, id: &str) -> Result<DomainIdx, ApiError> {
        let live = self.live.read();
        let city = live.city();
        let unknown = || ApiError::UnknownSensor(truncate(id, 64));
        let (domain, district) = match city.sensor(id) {
            Some(s) => (s.domain, city.district(s.district).id.clone()),
            None => live
                .sensor(id, 0)
                .and_then(|d| Some((city.domain_idx(&d.summary.domain)?, d.summary.district)))
                .ok_or_else(unknown)?,
        };
        if !principal.scope.allows(&city.domain(domain).name, &district) {
            return Err(unknown());
        }
        Ok(domain)
    }

    /// Resolves `metric` within `domain`; an unknown one is answered with the domain's list.
    fn metric(&self, scope: Scope, domain: DomainIdx, metric: &str) -> Result<Target, ApiError> {
        let live = self.live.read();
        let city = live.city();
        let name = city.domain(domain).name.clone();
        let m = city.metric_idx(domain, metric).ok_or_else(|| {
            let known: Vec<&str> = city
                .domain(domain)
                .metrics
                .iter()
                .map(|m| city.metric(*m).name.as_str())
                .collect();
            ApiError::UnknownMetric(format!(
                "{name} has no metric {:?}; it has {}",
                truncate(metric, 64),
                known.join(", ")
            ))
        })?;
        Ok(Target {
            scope,
            domain: name,
            metric: m,
            unit: city.metric(m).unit.clone(),
        })
    }
}

/// The district of a group query: the one given, else the caller's only district; a caller
/// scoped to several must name one.
fn group_district<'a>(
    principal: &'a Principal,
    given: Option<&'a str>,
) -> Result<Option<&'a str>, ApiError> {
    let districts = &principal.scope.districts;
    match (given, districts.len()) {
        (Some(d), _) => Ok(Some(d)),
        (None, 0) => Ok(None),
        (None, 1) => Ok(districts.first().map(String::as_str)),
        (None, _) => Err(ApiError::InvalidQuery(format!(
            "this key covers districts {}: add district=ID",
            districts.iter().cloned().collect::<Vec<_>>().join(", ")
        ))),
    }
}
