//! History (`/api/v1/series`) and the WebSocket (`/api/v1/stream`).

use serde_json::{json, Value};

use super::doc::{Answer, Doc};
use super::schema::{array, boolean, millis, nullable, number, object, one_of_strings, string};
use crate::serve::table::Verb::Get;

/// The derived indicators `/api/v1/series` answers besides stored metrics.
const INDICATORS: [&str; 8] = [
    "vn_aqi_hourly",
    "vn_aqi_daily",
    "epa_aqi",
    "congestion_index",
    "flow_vph",
    "queue_wait_s",
    "sla_share",
    "completeness",
];

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/series", "getSeries", "history", "History of a sensor-metric or an aggregate")
            .describe("Either `metric` or `indicator`, plus either `sensor`, or `domain` with an optional `district` (that domain's sensors pooled). Downsampled on the server to at most `store.max_points` points; the coarsest table no coarser than the step answers (raw, 1-minute or 1-hour rollups), InfluxDB beyond local retention (`\"source\": \"influxdb\"`), else what is left with `\"partial\": true`. `format=csv` or `Accept: text/csv` answers `timestamp_ms,value,time` lines. See docs/api.md \"Series\".")
            .query("metric", string(), "a metric of the sensor's or domain's domain (`vehicle_count`, `pm25`, …); either this or `indicator`")
            .query("indicator", one_of_strings(INDICATORS), "a derived indicator instead of a stored metric; either this or `metric`")
            .query("sensor", string(), "one sensor's history")
            .query("domain", string(), "a domain aggregate (without `sensor`)")
            .query("district", string(), "with `domain`: one district's aggregate instead of the city's")
            .query("from", string(), "unix ms or RFC 3339, inclusive; default 24 hours before `to`")
            .query("to", string(), "unix ms or RFC 3339, exclusive; default now")
            .query("step", string(), "a fixed duration (`30s`, `5m`, `1h`, seconds) or calendar steps (`1d`, `7d`, `1w`, `1mo`); default the finest that keeps within `store.max_points`")
            .query("agg", one_of_strings(["mean", "min", "max", "sum", "count", "last"]), "how a step's readings combine; default `mean`")
            .query("tz", string(), "an IANA time zone for calendar steps and the CSV's local times; default the city's")
            .query("format", one_of_strings(["json", "csv"]), "the answer's format; default by `Accept`, else JSON")
            .answer(Answer {
                status: 200,
                description: "the series",
                content: vec![
                    ("application/json", series()),
                    ("text/csv; charset=utf-8", string()),
                ],
            })
            .errors(&[
                "unknown_domain",
                "unknown_district",
                "unknown_sensor",
                "unknown_metric",
                "invalid_range",
                "too_many_points",
                "upstream_unavailable",
                "not_owned",
            ]),
        Doc::new(Get, "/api/v1/stream", "stream", "stream", "Live streams (WebSocket)")
            .describe("A WebSocket upgrade (subprotocol `ioc.v1`): indicators per domain and district, KPI, alerts, sensor status, one sensor; a snapshot then updates with `seq`, `as_of` and resume. The credential travels in the upgrade (`Authorization: Bearer`, or the subprotocol `ioc.bearer.<token>`) or in a first `auth` message. The protocol: docs/websocket.md.")
            .answer(Answer {
                status: 101,
                description: "switching to the WebSocket protocol (docs/websocket.md)",
                content: Vec::new(),
            })
            .errors(&["websocket_required", "too_many_connections"]),
    ]
}

fn series() -> Value {
    object(
        &[
            ("sensor", nullable(string())),
            ("domain", string()),
            ("district", nullable(string())),
            ("metric", string()),
            ("indicator", one_of_strings(INDICATORS)),
            ("unit", string()),
            ("agg", string()),
            ("from", millis()),
            ("to", millis()),
            ("step_s", number()),
            ("tz", string()),
            (
                "source",
                one_of_strings([
                    "raw",
                    "rollup_1m",
                    "rollup_1h",
                    "influxdb",
                    "victoriametrics",
                ]),
            ),
            ("partial", boolean()),
            (
                "points",
                array(json!({
                    "type": "array",
                    "prefixItems": [millis(), number()],
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "`[t, value]`, `t` the step's start",
                })),
            ),
            (
                "revised",
                array(json!({
                    "type": "array",
                    "prefixItems": [millis(), millis()],
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "an indicator's `[t, revised_ms]`: when the hours of the point at `t` last changed after they ended; absent when none did",
                })),
            ),
            (
                "dominant",
                array(json!({
                    "type": "array",
                    "prefixItems": [millis(), one_of_strings(["pm25", "pm10", "o3", "co", "so2", "no2"])],
                    "minItems": 2,
                    "maxItems": 2,
                    "description": "an air index at its own step (an hour; a day for vn_aqi_daily): `[t, pollutant]`, the dominant pollutant of the worst station",
                })),
            ),
        ],
        &[
            "domain", "agg", "from", "to", "step_s", "source", "partial", "points",
        ],
    )
}
