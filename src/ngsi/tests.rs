use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::aggregate::LatestValue;
use crate::model::CityConfig;

fn city() -> City {
    City::from_config(&CityConfig::demo().expect("demo")).expect("valid")
}

fn latest(values: &[(&str, f64)]) -> BTreeMap<String, LatestValue> {
    values
        .iter()
        .map(|(m, v)| {
            let lv = LatestValue {
                value: *v,
                unit: String::new(),
                ts: 1_796_058_000_000,
            };
            ((*m).to_owned(), lv)
        })
        .collect()
}

#[test]
fn the_city_slug_folds_vietnamese_and_ids_round_trip() {
    assert_eq!(city_slug("Đà Nẵng (demo)"), "da-nang-demo");
    assert_eq!(city_slug("Thừa Thiên Huế"), "thua-thien-hue");
    assert_eq!(city_slug("!!"), "city");
    let id = entity_id(EntityType::QueueMonitor, "da-nang-demo", "qs-0001");
    assert_eq!(id, "urn:ngsi-ld:QueueMonitor:da-nang-demo:qs-0001");
    assert_eq!(
        parse_id(&id, "da-nang-demo"),
        Some((EntityType::QueueMonitor, "qs-0001"))
    );
    assert_eq!(parse_id(&id, "hue"), None);
    assert_eq!(
        parse_id("urn:ngsi-ld:Thing:da-nang-demo:x", "da-nang-demo"),
        None
    );
}

#[test]
fn each_sensor_kind_has_its_model() {
    let c = city();
    let kind = |id: &str| EntityType::of(&c, c.sensor(id).expect("sensor"));
    assert_eq!(kind("tl-0001"), Some(EntityType::TrafficFlowObserved));
    assert_eq!(kind("aq-0001"), Some(EntityType::AirQualityObserved));
    assert_eq!(kind("wl-0001"), Some(EntityType::FloodMonitoring));
    assert_eq!(kind("qs-0001"), Some(EntityType::QueueMonitor));
}

#[test]
fn an_entity_converts_units_and_carries_time_and_context() {
    let c = city();
    let s = c.sensor("tl-0001").expect("sensor");
    let values = latest(&[
        ("vehicle_count", 12.0),
        ("avg_speed_kmh", 40.0),
        ("occupancy_pct", 25.0),
    ]);
    let t = EntityType::TrafficFlowObserved;
    let kv = entity(t, "dn", s, "Hải Vân", &values, Form::KeyValues, false);
    assert_eq!(kv["occupancy"], json!(0.25));
    assert_eq!(kv["intensity"], json!(12.0));
    assert_eq!(kv["dateObserved"], json!("2026-11-30T17:00:00Z"));
    assert!(kv.get("@context").is_none());
    let n = entity(t, "dn", s, "Hải Vân", &values, Form::Normalized, true);
    assert_eq!(n["averageVehicleSpeed"]["unitCode"], "KMH");
    assert_eq!(
        n["averageVehicleSpeed"]["observedAt"],
        "2026-11-30T17:00:00Z"
    );
    assert_eq!(n["location"]["type"], "GeoProperty");
    assert_eq!(n["@context"][1], CORE_CONTEXT);
}

#[test]
fn a_flood_gauge_names_the_warning_level_reached() {
    let c = city();
    let s = c.sensor("wl-0001").expect("sensor"); // levels 150, 200, 250 cm
    let status = |cm: f64| {
        let e = entity(
            EntityType::FloodMonitoring,
            "dn",
            s,
            "x",
            &latest(&[("water_level_cm", cm)]),
            Form::KeyValues,
            false,
        );
        (e["floodLevelStatus"].clone(), e["currentLevel"].clone())
    };
    assert_eq!(status(-20.0), (json!("Normal"), json!(-0.2)));
    assert_eq!(status(200.0), (json!("LevelII"), json!(2.0)));
    assert_eq!(status(300.0), (json!("LevelIII"), json!(3.0)));
}

#[test]
fn q_terms_compare_numbers_and_strings_and_refuse_what_is_not_supported() {
    let e = json!({"pm25": 55.0, "serviceStatus": "Open"});
    let ok = |q: &str| Query::parse(q).expect("parses").matches(&e);
    assert!(ok("pm25>50"));
    assert!(ok("pm25>=55;serviceStatus==\"Open\""));
    assert!(!ok("pm25<50"));
    assert!(!ok("pm10>0"), "a missing attribute fails its term");
    assert!(ok("serviceStatus!=Closed"));
    assert!(ok(""));
    assert_eq!(
        Query::parse("pm25"),
        Err(QueryError::NoOperator("pm25".into()))
    );
    assert_eq!(
        Query::parse(">5"),
        Err(QueryError::NoAttribute(">5".into()))
    );
    assert_eq!(Query::parse("a==1|b==2"), Err(QueryError::Unsupported('|')));
}

#[test]
fn the_temporal_form_scales_each_instance() {
    let series = vec![("occupancy_pct".to_owned(), vec![(0, 50.0), (60_000, 10.0)])];
    let t = temporal(
        EntityType::TrafficFlowObserved,
        "dn",
        "tl-0001",
        &series,
        Form::Normalized,
        false,
    );
    assert_eq!(t["occupancy"][1]["value"], json!(0.1));
    assert_eq!(t["occupancy"][1]["observedAt"], "1970-01-01T00:01:00Z");
    let v = temporal(
        EntityType::TrafficFlowObserved,
        "dn",
        "tl-0001",
        &series,
        Form::KeyValues,
        false,
    );
    assert_eq!(
        v["occupancy"]["values"][0],
        json!([0.5, "1970-01-01T00:00:00Z"])
    );
}
