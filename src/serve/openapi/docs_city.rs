//! The city's layout, sensors, indicators, KPI and sensor health.

use serde_json::{json, Value};

use super::doc::Doc;
use super::schema::{
    array, integer, map_of, millis, named, nullable, number, object, one_of_strings, page_of,
    string,
};
use crate::serve::table::Verb::Get;

const DOMAIN: &str = "a configured domain (`traffic`, `environment`, `public_service` in the demo); outside the caller's scope reads as unknown";
const DISTRICT: &str = "a district id";

pub(super) fn docs() -> Vec<Doc> {
    vec![
        Doc::new(Get, "/api/v1/city", "getCity", "city", "The city's layout")
            .describe("Domains, districts with their polygons and sensor counts, and the registered sensors in registry order, all within the caller's scope.")
            .query("sensors", one_of_strings(["true", "false"]), "`false` leaves the `sensors` list out (page them per district with `/api/v1/sensors?district=`)")
            .ok("the layout", city()),
        Doc::new(Get, "/api/v1/sensors", "listSensors", "sensors", "One page of sensors")
            .describe("Registered sensors in registry order, then unregistered ones by id.")
            .query("domain", string(), DOMAIN)
            .query("district", string(), DISTRICT)
            .query("status", one_of_strings(["online", "late", "offline", "never_seen"]), "only sensors in this status")
            .paged()
            .ok("one page", page_of("sensors", named("SensorSummary")))
            .errors(&["unknown_domain", "unknown_district"]),
        Doc::new(Get, "/api/v1/sensors/{id}", "getSensor", "sensors", "One sensor")
            .describe("The summary plus the newest value of each metric by source time, `last_seq` and `readings_received`.")
            .path("id", "the sensor id")
            .ok("the sensor", named("SensorDetail"))
            .errors(&["sensor_not_found"]),
        Doc::new(Get, "/api/v1/indicators", "listIndicators", "indicators", "Window aggregates per domain")
            .describe("Rolling-window aggregates (count, mean, min, max over `1m`, `5m`, `15m`, `1h`) per domain, city-wide and per district. A caller scoped to districts gets no `city` entry.")
            .query("domain", string(), DOMAIN)
            .query("district", string(), DISTRICT)
            .ok("the aggregates", indicators())
            .errors(&["unknown_domain", "unknown_district"]),
        Doc::new(Get, "/api/v1/indicators/{domain}", "getDomainIndicators", "indicators", "A domain's computed indicators")
            .describe("The domain's indicators city-wide and per district (traffic flow and congestion, VN_AQI and EPA AQI, queues), and one page of its sensors' items (`roads`, `stations`, `water`, `centres`). Only the sections the domain's sensors feed are present.")
            .path("domain", DOMAIN)
            .query("district", string(), "keep only this district's entries")
            .paged()
            .ok("the indicators", computed())
            .errors(&["unknown_domain", "unknown_district"]),
        Doc::new(Get, "/api/v1/kpi", "getKpi", "indicators", "The control room's header")
            .describe("Worst AQI district, congested share, queue SLA, sensors online, open alerts per severity, over the caller's scope; shares are 0..1.")
            .ok("the KPI", kpi()),
        Doc::new(Get, "/api/v1/sensor-health", "getSensorHealth", "indicators", "Sensor health")
            .describe("Sensor status counts, data completeness, `seq` gaps and repeats, duplicates, per domain, city-wide and per district.")
            .query("domain", string(), DOMAIN)
            .ok(
                "the health figures",
                object(
                    &[("generated_at", millis()), ("domains", map_of(json!({ "type": "object" })))],
                    &["generated_at", "domains"],
                ),
            )
            .errors(&["unknown_domain"]),
    ]
}

fn city() -> Value {
    let district = object(
        &[
            ("id", string()),
            ("name", string()),
            ("polygon", array(array(number()))),
            ("sensor_count", integer()),
        ],
        &["id", "name", "polygon", "sensor_count"],
    );
    let sensor = object(
        &[
            ("id", string()),
            ("name", string()),
            ("domain", string()),
            ("district", string()),
            ("lat", number()),
            ("lon", number()),
            ("expected_interval_s", number()),
        ],
        &["id", "domain", "district"],
    );
    object(
        &[
            ("name", string()),
            ("domains", array(string())),
            ("domain_interval_s", map_of(number())),
            ("districts", array(district)),
            ("sensors", array(sensor)),
        ],
        &["name", "domains", "districts"],
    )
}

fn indicators() -> Value {
    let window = nullable(object(
        &[
            ("count", integer()),
            ("mean", number()),
            ("min", number()),
            ("max", number()),
        ],
        &["count"],
    ));
    let metric = object(
        &[
            ("unit", string()),
            ("as_of", nullable(millis())),
            ("windows", map_of(window)),
        ],
        &["windows"],
    );
    let area = map_of(metric);
    let domain = object(
        &[
            ("as_of", nullable(millis())),
            ("city", area.clone()),
            ("districts", map_of(area)),
        ],
        &["as_of", "city", "districts"],
    );
    object(
        &[
            ("generated_at", millis()),
            ("windows", array(string())),
            ("domains", map_of(domain)),
        ],
        &["generated_at", "windows", "domains"],
    )
}

fn computed() -> Value {
    let section = json!({ "type": "object" });
    let items = array(json!({ "type": "object" }));
    object(
        &[
            ("domain", string()),
            ("generated_at", millis()),
            ("traffic", section.clone()),
            ("environment", section.clone()),
            ("public_service", section.clone()),
            ("health", section),
            ("roads", items.clone()),
            ("stations", items.clone()),
            ("water", items.clone()),
            ("centres", items),
            ("partial", partial()),
            ("next_cursor", nullable(string())),
        ],
        &["domain", "next_cursor"],
    )
}

/// `null` unless a partition of a cluster lacks some districts' summaries (docs/scaling.md).
fn partial() -> Value {
    nullable(object(
        &[("missing_districts", array(string())), ("since", millis())],
        &["missing_districts", "since"],
    ))
}

fn kpi() -> Value {
    let worst = nullable(object(
        &[
            ("district", string()),
            ("name", string()),
            ("aqi", number()),
            ("category", string()),
            ("label_vi", string()),
            ("label_en", string()),
            ("color", string()),
            ("dominant", string()),
            ("station", string()),
        ],
        &["district", "aqi"],
    ));
    object(
        &[
            ("generated_at", millis()),
            ("as_of", nullable(millis())),
            ("worst_aqi_district", worst),
            ("congested_share", nullable(number())),
            ("queue_sla", nullable(number())),
            ("sensors_online", nullable(number())),
            (
                "sensors",
                json!({ "type": "object", "description": "health counts, as `/api/v1/sensor-health` gives them" }),
            ),
            ("open_alerts", map_of(integer())),
            ("partial", partial()),
        ],
        &["generated_at", "open_alerts"],
    )
}
