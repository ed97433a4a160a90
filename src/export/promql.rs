//! History from the store every node of a cluster exports to, through its Prometheus query
//! API (VictoriaMetrics, single node or `vmselect`): what a partition answers for districts it
//! does not own, and for the whole city. The exported line protocol (a measurement per domain,
//! tags `district` and `sensor`, a field per metric) becomes the series
//! `{domain}_{metric}{district, sensor}`. Each step pools every reading of the group as the
//! local store does (a mean is the sum over the count, never a mean of means), over
//! `[start, start + step)`: the query is evaluated 1 ms before each step ends.

use serde::Deserialize;

use super::Selector;
use crate::store::{Agg, Point};

#[derive(Debug, thiserror::Error)]
pub enum PromError {
    #[error("the shared store's query failed: {0}")]
    Request(String),
    #[error("the shared store answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the shared store's answer is not a Prometheus matrix: {0}")]
    Shape(String),
    #[error("agg=last over a group is not answered from the shared store; ask per sensor, or another agg")]
    LastOfGroup,
}

/// What one history query asks the shared store for.
#[derive(Debug, Clone)]
pub struct PromRequest<'a> {
    pub series: Selector<'a>,
    /// Where the grid of steps starts: 0 (the epoch) for fixed steps, the first local
    /// midnight for calendar days and weeks.
    pub origin_ms: i64,
}

/// The PromQL expression: one value per step for the whole group.
pub fn promql(req: &PromRequest) -> Result<String, PromError> {
    let r = &req.series;
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut labels = Vec::new();
    if let Some(s) = r.sensor {
        labels.push(format!("sensor={}", q(s)));
    }
    if let Some(d) = r.district {
        labels.push(format!("district={}", q(d)));
    }
    let sel = format!(
        "{}_{}{{{}}}[{}ms]",
        r.measurement,
        r.field,
        labels.join(","),
        r.step_ms
    );
    Ok(match r.agg {
        Agg::Mean => format!("sum(sum_over_time({sel})) / sum(count_over_time({sel}))"),
        Agg::Sum => format!("sum(sum_over_time({sel}))"),
        Agg::Count => format!("sum(count_over_time({sel}))"),
        Agg::Min => format!("min(min_over_time({sel}))"),
        Agg::Max => format!("max(max_over_time({sel}))"),
        Agg::Last if r.sensor.is_some() => format!("last_over_time({sel})"),
        Agg::Last => return Err(PromError::LastOfGroup),
    })
}

/// The query-range parameters: evaluated 1 ms before the end of each step of the grid from
/// `origin_ms` that covers `from..to` (the step holding `from` to the one holding `to - 1`).
pub fn range_params(req: &PromRequest) -> [(&'static str, String); 4] {
    let r = &req.series;
    let step = r.step_ms.max(1);
    let origin = req.origin_ms;
    let end_of = |t: i64| origin + ((t - origin).div_euclid(step) + 1) * step - 1;
    let (first_end, last_end) = (end_of(r.from_ms), end_of(r.to_ms - 1));
    let secs = |ms: i64| format!("{}.{:03}", ms.div_euclid(1000), ms.rem_euclid(1000));
    [
        ("start", secs(first_end)),
        ("end", secs(last_end)),
        ("step", format!("{step}ms")),
        ("nocache", "1".to_owned()),
    ]
}

#[derive(Deserialize)]
struct Answer {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    result: Vec<Series>,
}

#[derive(Deserialize)]
struct Series {
    values: Vec<(f64, String)>,
}

/// The points of a query-range answer, each stamped with its step's start and within
/// `from..to`.
pub fn points(body: &str, req: &PromRequest) -> Result<Vec<Point>, PromError> {
    let r = &req.series;
    let a: Answer = serde_json::from_str(body).map_err(|e| PromError::Shape(e.to_string()))?;
    if a.status != "success" {
        return Err(PromError::Shape(a.error.unwrap_or(a.status)));
    }
    let mut out = Vec::new();
    for s in a.data.map(|d| d.result).unwrap_or_default() {
        for (t, v) in s.values {
            let Ok(value) = v.parse::<f64>() else {
                continue;
            };
            let start = (t * 1000.0).round() as i64 + 1 - r.step_ms;
            if value.is_finite() && start >= r.from_ms - r.step_ms && start < r.to_ms {
                out.push(Point { t: start, value });
            }
        }
    }
    out.sort_by_key(|p| p.t);
    Ok(out)
}

/// A client of the shared store's Prometheus query API.
pub struct PromClient {
    /// The API's base, e.g. `http://vmselect:8481/select/0/prometheus` or `http://vm:8428`.
    pub base: String,
    http: reqwest::Client,
}

impl PromClient {
    pub fn new(base: &str) -> Result<PromClient, PromError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| PromError::Request(e.to_string()))?;
        Ok(PromClient {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub async fn points(&self, r: &PromRequest<'_>) -> Result<Vec<Point>, PromError> {
        let query = promql(r)?;
        let mut form = vec![("query", query)];
        form.extend(range_params(r));
        let res = self
            .http
            .post(format!("{}/api/v1/query_range", self.base))
            .form(&form)
            .send()
            .await
            .map_err(|e| PromError::Request(e.to_string()))?;
        let status = res.status().as_u16();
        let body = res
            .text()
            .await
            .map_err(|e| PromError::Request(e.to_string()))?;
        if status != 200 {
            let body = crate::model::truncate(&body, 300);
            return Err(PromError::Status { status, body });
        }
        points(&body, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(agg: Agg, sensor: Option<&'static str>) -> PromRequest<'static> {
        PromRequest {
            series: Selector {
                measurement: "traffic",
                field: "vehicle_count",
                sensor,
                district: Some("hai-\"chau"),
                from_ms: 7_200_000,
                to_ms: 14_400_000,
                step_ms: 3_600_000,
                agg,
            },
            origin_ms: 0,
        }
    }

    #[test]
    fn a_group_mean_is_its_readings_sum_over_their_count_per_step() {
        let q = promql(&req(Agg::Mean, None)).expect("query");
        assert_eq!(
            q,
            "sum(sum_over_time(traffic_vehicle_count{district=\"hai-\\\"chau\"}[3600000ms])) / sum(count_over_time(traffic_vehicle_count{district=\"hai-\\\"chau\"}[3600000ms]))"
        );
        assert!(matches!(
            promql(&req(Agg::Last, None)),
            Err(PromError::LastOfGroup)
        ));
        assert!(promql(&req(Agg::Last, Some("tl-1"))).is_ok());
        let p = range_params(&req(Agg::Mean, None));
        assert_eq!(
            (p[0].1.as_str(), p[1].1.as_str()),
            ("10799.999", "14399.999")
        );
    }

    #[test]
    fn an_answer_is_stamped_with_each_steps_start() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{},"values":[[10799.999,"12.5"],[14399.999,"NaN"],[17999.999,"3"]]}]}}"#;
        let pts = points(body, &req(Agg::Mean, None)).expect("points");
        let pts: Vec<_> = pts.iter().map(|p| (p.t, p.value)).collect();
        assert_eq!(
            pts,
            [(7_200_000, 12.5)],
            "NaN, and the step from `to` on, left out"
        );
        assert!(points(
            "{\"status\":\"error\",\"error\":\"bad\"}",
            &req(Agg::Mean, None)
        )
        .is_err());
    }
}
