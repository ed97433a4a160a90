//! History beyond local retention, answered by InfluxDB with Flux.

use influxdb2::models::Query;
use influxdb2_structmap::value::Value;

use super::Selector;
use crate::model::CalendarStep;
use crate::store::{Agg, Point};

#[derive(Debug, thiserror::Error)]
pub enum FluxError {
    #[error("InfluxDB query failed: {0}")]
    Request(String),
    #[error("InfluxDB answered a record without {0}")]
    Shape(&'static str),
}

/// What one history query asks InfluxDB for.
#[derive(Debug, Clone)]
pub struct FluxRequest<'a> {
    pub bucket: &'a str,
    pub series: Selector<'a>,
    /// Steps of the local calendar instead of `step_ms`, in this IANA zone.
    pub calendar: Option<(CalendarStep, &'a str)>,
}

/// Builds the Flux script: one value per step, stamped with the step's start, all sensors of
/// a group pooled (as the local store does). Strings are quoted with Flux escaping.
pub fn flux_query(req: &FluxRequest) -> String {
    let r = &req.series;
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut filter = format!(
        "r._measurement == {} and r._field == {}",
        q(r.measurement),
        q(r.field)
    );
    if let Some(s) = r.sensor {
        filter.push_str(&format!(" and r.sensor == {}", q(s)));
    }
    if let Some(d) = r.district {
        filter.push_str(&format!(" and r.district == {}", q(d)));
    }
    let f = match r.agg {
        Agg::Mean => "mean",
        Agg::Min => "min",
        Agg::Max => "max",
        Agg::Sum => "sum",
        Agg::Count => "count",
        Agg::Last => "last",
    };
    // Flux windows calendar durations in a location, from the epoch's local date; its weeks
    // start on Thursday (1970-01-01), so an offset of 4 days starts them on Monday.
    let (import, every) = match req.calendar {
        None => (String::new(), format!("{}ms", r.step_ms)),
        Some((step, zone)) => {
            let every = match step {
                CalendarStep::Days(n) => format!("{n}d"),
                CalendarStep::Weeks(n) => format!("{n}w, offset: 4d"),
                CalendarStep::Months(n) => format!("{n}mo"),
            };
            let location = format!("timezone.location(name: {})", q(zone));
            (
                "import \"timezone\"\n\n".to_owned(),
                format!("{every}, location: {location}"),
            )
        }
    };
    format!(
        "{import}from(bucket: {bucket})\n  |> range(start: time(v: {from}ms), stop: time(v: {to}ms))\n  |> filter(fn: (r) => {filter})\n  |> group()\n  |> aggregateWindow(every: {every}, fn: {f}, timeSrc: \"_start\", createEmpty: false)\n  |> keep(columns: [\"_time\", \"_value\"])",
        bucket = q(req.bucket),
        from = r.from_ms,
        to = r.to_ms,
    )
}

pub struct FluxClient {
    client: influxdb2::Client,
    pub bucket: String,
}

impl FluxClient {
    pub fn new(client: influxdb2::Client, bucket: String) -> Self {
        FluxClient { client, bucket }
    }

    /// Runs `flux` and returns its `_time`/`_value` pairs, oldest first.
    pub async fn points(&self, flux: String) -> Result<Vec<Point>, FluxError> {
        let client = self.client.clone();
        // influxdb2 unwraps a failed body read inside `query_raw`: run it where a panic becomes
        // an error instead of taking a server worker down.
        let records = tokio::spawn(async move { client.query_raw(Some(Query::new(flux))).await })
            .await
            .map_err(|e| FluxError::Request(format!("query task failed: {e}")))?
            .map_err(|e| FluxError::Request(e.to_string()))?;
        let mut points = Vec::with_capacity(records.len());
        for rec in records {
            let t = match rec.values.get("_time") {
                Some(Value::TimeRFC(t)) => t.timestamp_millis(),
                _ => return Err(FluxError::Shape("_time")),
            };
            let value = match rec.values.get("_value") {
                Some(Value::Double(v)) => v.into_inner(),
                Some(Value::Long(v)) => *v as f64,
                Some(Value::UnsignedLong(v)) => *v as f64,
                _ => return Err(FluxError::Shape("_value")),
            };
            points.push(Point { t, value });
        }
        points.sort_by_key(|p| p.t);
        Ok(points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sensor_query_filters_aggregates_and_stamps_step_starts() {
        let flux = flux_query(&FluxRequest {
            bucket: "ioc",
            series: Selector {
                measurement: "traffic",
                field: "vehicle_count",
                sensor: Some("tl-0042"),
                district: None,
                from_ms: 1000,
                to_ms: 5000,
                step_ms: 60_000,
                agg: Agg::Sum,
            },
            calendar: None,
        });
        assert_eq!(
            flux,
            "from(bucket: \"ioc\")\n  |> range(start: time(v: 1000ms), stop: time(v: 5000ms))\n  |> filter(fn: (r) => r._measurement == \"traffic\" and r._field == \"vehicle_count\" and r.sensor == \"tl-0042\")\n  |> group()\n  |> aggregateWindow(every: 60000ms, fn: sum, timeSrc: \"_start\", createEmpty: false)\n  |> keep(columns: [\"_time\", \"_value\"])"
        );
    }

    #[test]
    fn calendar_steps_window_in_the_city_zone_and_weeks_start_on_monday() {
        let request = |step| FluxRequest {
            bucket: "ioc",
            series: Selector {
                measurement: "environment",
                field: "pm25",
                sensor: None,
                district: None,
                from_ms: 0,
                to_ms: 1,
                step_ms: 86_400_000,
                agg: Agg::Mean,
            },
            calendar: Some((step, "Asia/Ho_Chi_Minh")),
        };
        let days = flux_query(&request(CalendarStep::Days(1)));
        assert!(
            days.starts_with("import \"timezone\"\n\nfrom(bucket: \"ioc\")"),
            "{days}"
        );
        assert!(
            days.contains("aggregateWindow(every: 1d, location: timezone.location(name: \"Asia/Ho_Chi_Minh\"), fn: mean,"),
            "{days}"
        );
        let weeks = flux_query(&request(CalendarStep::Weeks(2)));
        assert!(
            weeks.contains("every: 2w, offset: 4d, location:"),
            "{weeks}"
        );
        let months = flux_query(&request(CalendarStep::Months(1)));
        assert!(months.contains("every: 1mo, location:"), "{months}");
    }

    #[test]
    fn quotes_in_names_cannot_escape_the_string() {
        let flux = flux_query(&FluxRequest {
            bucket: "b\") |> drop(",
            series: Selector {
                measurement: "m",
                field: "f",
                sensor: None,
                district: Some("d\\"),
                from_ms: 0,
                to_ms: 1,
                step_ms: 1,
                agg: Agg::Mean,
            },
            calendar: None,
        });
        assert!(
            flux.starts_with("from(bucket: \"b\\\") |> drop(\")"),
            "{flux}"
        );
        assert!(flux.contains("r.district == \"d\\\\\""), "{flux}");
    }
}
