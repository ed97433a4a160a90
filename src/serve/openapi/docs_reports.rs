//! The departments' reports (`/api/v1/reports/…`).

use serde_json::Value;

use super::doc::{Answer, Doc};
use super::schema::{
    array, boolean, integer, map_of, millis, nullable, object, one_of_strings, string,
};
use crate::serve::table::Verb::Get;

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/reports/{kind}", "getReport", "reports", "A department's report for a local day or month")
            .describe("`air` (per station: daily VN_AQI per Decision 1459 with `unavailable` when a day has too few hours, the largest hourly VN_AQI, hours per band, dominant pollutant, completeness, QCVN 05:2023 exceedances), `traffic` (per road, and per district in `districts`: peak hour, flow, congestion, hours jammed), `public_service` (per centre: people served, mean and p90 wait, SLA share), `data_quality` (per feed and district: completeness, offline and late sensor-hours). One row per sensor and local day; a scoped key sees only its domains and districts. See docs/reports.md.")
            .path("kind", "air, traffic, public_service or data_quality")
            .query("date", string(), "a local day, YYYY-MM-DD; either this or `month`")
            .query("month", string(), "a local month, YYYY-MM; either this or `date`")
            .query("district", string(), "one district's rows; default every district in scope")
            .query("tz", string(), "an IANA time zone whose days the report follows; default the city's")
            .query("format", one_of_strings(["json", "csv", "xlsx"]), "json (default), csv (the main table) or xlsx (a sheet per table, Vietnamese and English headers)")
            .query("kept", boolean(), "true: the report as kept the night after its day (needs date and district; GET /api/v1/reports lists them), not computed now")
            .answer(Answer {
                status: 200,
                description: "the report",
                content: vec![
                    ("application/json", report()),
                    ("text/csv; charset=utf-8", string()),
                    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", string()),
                ],
            })
            .errors(&["unknown_district", "report_not_found", "not_owned"]),
        Doc::new(Get, "/api/v1/reports", "listKeptReports", "reports", "The reports kept each night")
            .describe("Just after local midnight each node keeps the day before's reports, every kind for every district it owns, as JSON, CSV and XLSX (`reports.daily`, `reports.keep_days`). Newest first, with where to download each; a scoped key sees the kinds of its domains (data_quality only without a domain limit) and its districts.")
            .query("kind", one_of_strings(["air", "traffic", "public_service", "data_quality"]), "one kind")
            .query("district", string(), "one district")
            .query("from", string(), "the first day, YYYY-MM-DD (default 31 days ago)")
            .query("to", string(), "the last day, YYYY-MM-DD (default today)")
            .ok("the kept reports", object(&[("count", integer()), ("reports", array(kept())), ("note", string())], &["count", "reports"]))
            .errors(&["unknown_district", "report_not_found"]),
    ]
}

fn kept() -> Value {
    object(
        &[
            ("kind", string()),
            ("date", string()),
            ("district", string()),
            ("generated_at", millis()),
            ("json", string()),
            ("csv", string()),
            ("xlsx", string()),
        ],
        &[
            "kind",
            "date",
            "district",
            "generated_at",
            "json",
            "csv",
            "xlsx",
        ],
    )
}

fn report() -> Value {
    object(
        &[
            (
                "kind",
                one_of_strings(["air", "traffic", "public_service", "data_quality"]),
            ),
            ("period", string()),
            ("district", nullable(string())),
            ("tz", string()),
            ("from", millis()),
            ("to", millis()),
            ("generated_at", millis()),
            ("notes", string()),
            ("rows", array(map_of(serde_json::json!({})))),
            (
                "columns",
                map_of(array(serde_json::json!({"type": "object"}))),
            ),
        ],
        &["kind", "period", "tz", "from", "to", "rows", "columns"],
    )
}
