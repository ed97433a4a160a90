//! Partitions against one node holding the whole city: two partitions that hear each other's
//! summaries show the same city, to the last figure; one that stops hearing the other names
//! the missing districts. Summaries from a wrong peer are refused with their reason.

use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::origin::OriginError;
use super::summary::{gone, heard, summarise, Heard, SummaryError};
use super::ClusterSettings;
use crate::aggregate::{LiveState, SharedLive};
use crate::model::{City, DistrictIdx};
use crate::snapshot::fixture::{demo_city, live, message, params};
use crate::snapshot::{Builder, SharedForeign, Snapshot, Territory};

const T0: i64 = 1_763_880_000_000;
const STALE_MS: i64 = 2_000;

/// Every metric of every sensor of `city` that `keep` keeps, with values that differ by
/// sensor, so stations, roads and centres all have figures of their own.
fn feed(city: &City, live: &mut LiveState, keep: impl Fn(DistrictIdx) -> bool) {
    for (i, s) in city.sensors.iter().enumerate() {
        if !keep(s.district) {
            continue;
        }
        let readings = message(city, i, T0 - 1_000, 5.0 + (i * 37 % 101) as f64, 1);
        live.apply(&readings, T0);
        // Three past hours of pollutant means, so stations have an hourly VN_AQI.
        let hour = T0 - T0 % 3_600_000;
        let pollutants = live.pollutant_metrics().to_vec();
        for r in readings.iter().filter(|r| pollutants.contains(&r.metric)) {
            for h in 1..=3 {
                live.seed_hourly(&r.sensor, r.metric, hour - h * 3_600_000, 1, r.value);
            }
        }
    }
}

fn shared(live: LiveState) -> SharedLive {
    Arc::new(RwLock::new(live))
}

/// A partition of the districts `mine` keeps, fed only its own sensors.
struct Partition {
    live: SharedLive,
    builder: Builder,
    foreign: SharedForeign,
    node: &'static str,
}

impl Partition {
    fn new(city: &Arc<City>, node: &'static str, mine: impl Fn(DistrictIdx) -> bool) -> Self {
        let mut l = live(city);
        feed(city, &mut l, &mine);
        let owned = (0..city.districts.len())
            .map(|d| mine(DistrictIdx(d as u16)))
            .collect();
        let foreign = SharedForeign::default();
        let t = Territory::new(owned, STALE_MS, foreign.clone(), T0);
        Partition {
            live: shared(l),
            builder: Builder::new(city.clone(), params()).with_territory(t),
            foreign,
            node,
        }
    }

    fn tick(&mut self, now: i64) -> Snapshot {
        self.builder.tick(&self.live, now)
    }

    /// Takes in what `from` published, through its bytes on the wire.
    fn hear(&self, city: &City, from: &Snapshot, node: &str) {
        let bytes =
            serde_json::to_vec(&summarise("danang", node, from, &[], None)).unwrap_or_default();
        match heard(&bytes, "danang", city, from.generated_at) {
            Ok(Heard::Districts(_, ds, _)) => {
                let mut f = self.foreign.lock().unwrap_or_else(|p| p.into_inner());
                for (d, r) in ds {
                    f.offer(d, r);
                }
            }
            other => panic!("{} refused a good summary: {other:?}", self.node),
        }
    }
}

fn areas_json(s: &Snapshot) -> Value {
    let mut v = serde_json::to_value(s.areas()).unwrap_or_default();
    if let Value::Object(o) = &mut v {
        o.remove("generated_at");
    }
    v
}

/// Equal, numbers within a part in 10¹² (JSON text carries a float to its last bit or the
/// one beside it).
fn assert_close(a: &Value, b: &Value, path: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(x), keys(y), "{path}");
            for (k, v) in x {
                assert_close(v, &y[k], &format!("{path}.{k}"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "{path}: {x} vs {y}"
            );
        }
        _ => assert_eq!(a, b, "{path}"),
    }
}

fn even(d: DistrictIdx) -> bool {
    d.0.is_multiple_of(2)
}

#[test]
fn two_partitions_that_hear_each_other_show_the_whole_city_exactly() {
    let city = demo_city();
    let mut whole_live = live(&city);
    feed(&city, &mut whole_live, |_| true);
    let whole = Builder::new(city.clone(), params()).tick(&shared(whole_live), T0 + 500);
    let mut a = Partition::new(&city, "a", even);
    let mut b = Partition::new(&city, "b", |d| !even(d));
    let (sa, sb) = (a.tick(T0 + 400), b.tick(T0 + 400));
    assert!(
        sa.areas().partial.is_some(),
        "before hearing b, a misses b's districts"
    );
    b.hear(&city, &sa, "a");
    a.hear(&city, &sb, "b");
    let (sa, sb) = (a.tick(T0 + 500), b.tick(T0 + 500));
    assert_close(&areas_json(&sa), &areas_json(&whole), "a");
    assert_close(&areas_json(&sb), &areas_json(&whole), "b");
    let kpi = |s: &Snapshot| s.kpi(s.areas(), Default::default(), |_, _| true);
    assert_eq!(kpi(&sa).sensors.total(), city.sensors.len());
    assert_eq!(kpi(&sa).partial, None);
    let worst = kpi(&whole).worst_aqi_district;
    assert!(worst.is_some(), "the stations have an hourly VN_AQI");
    assert_eq!(kpi(&sa).worst_aqi_district, worst);
    assert_eq!(kpi(&sb).worst_aqi_district, worst);
}

#[test]
fn a_partition_not_heard_for_two_intervals_is_named_missing_until_it_returns() {
    let city = demo_city();
    let mut a = Partition::new(&city, "a", even);
    let mut b = Partition::new(&city, "b", |d| !even(d));
    let sb = b.tick(T0 + 100);
    a.hear(&city, &sb, "b");
    assert_eq!(a.tick(T0 + 200).areas().partial, None);
    let late = T0 + 100 + STALE_MS + 1;
    let s = a.tick(late);
    let p = s.areas().partial.clone().expect("b's summary went stale");
    let odd: Vec<String> = city
        .districts
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, d)| d.id.clone())
        .collect();
    assert_eq!(p.missing_districts, odd);
    assert_eq!(p.since, late);
    let k = s.kpi(s.areas(), Default::default(), |_, _| true);
    assert_eq!(k.partial, Some(p), "the KPI says it too");
    assert!(k.sensors.total() < city.sensors.len());
    a.hear(&city, &b.tick(late + 50), "b");
    assert_eq!(a.tick(late + 100).areas().partial, None, "whole again");
    // A stop says goodbye: its districts are missing at once, not after two intervals.
    let bye = serde_json::to_vec(&gone("danang", "b", late + 150)).unwrap_or_default();
    let Ok(Heard::Gone(node)) = heard(&bye, "danang", &city, late + 150) else {
        panic!("a goodbye is understood");
    };
    a.foreign
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .forget(&node);
    assert!(a.tick(late + 200).areas().partial.is_some());
}

#[test]
fn a_summary_from_a_wrong_peer_is_refused_with_its_reason() {
    let city = demo_city();
    let mut b = Partition::new(&city, "b", |d| !even(d));
    let good = serde_json::to_value(summarise("danang", "b", &b.tick(T0), &[], None));
    let good = good.unwrap_or_default();
    let refused = |v: &Value| match heard(v.to_string().as_bytes(), "danang", &city, T0) {
        Err(e) => e,
        Ok(h) => panic!("accepted {h:?}"),
    };
    let mut other = good.clone();
    other["cluster"] = "hue".into();
    assert!(matches!(
        refused(&other),
        SummaryError::Origin(OriginError::Cluster { .. })
    ));
    let mut v2 = good.clone();
    v2["v"] = 2.into();
    assert!(matches!(
        refused(&v2),
        SummaryError::Origin(OriginError::Version(2))
    ));
    let mut unknown = good.clone();
    let first = city.districts[1].id.clone();
    if let Some(ds) = unknown["districts"].as_object_mut() {
        let d = ds.remove(&first).unwrap_or_default();
        ds.insert("atlantis".into(), d);
    }
    assert!(refused(&unknown).to_string().contains("\"atlantis\""));
    let mut sev = good.clone();
    sev["districts"][&first]["open_alerts"] = serde_json::json!({"traffic": {"dire": 1}});
    assert!(matches!(refused(&sev), SummaryError::Severity(_)));
    assert!(matches!(
        heard(b"{not json", "danang", &city, T0),
        Err(SummaryError::Json(_))
    ));
}

#[test]
fn the_city_alerts_of_the_node_that_evaluates_them_count_on_every_partition() {
    let city = demo_city();
    let mut a = Partition::new(&city, "a", even);
    let mut b = Partition::new(&city, "b", |d| !even(d));
    let alert: crate::alerts::Alert = serde_json::from_value(serde_json::json!({
        "id": 7, "rule_id": "city-jam", "subject": "city", "domain": "traffic",
        "district": null, "signal": "congestion_index", "severity": "major", "title": "jam",
        "state": "firing", "value": 0.9, "opened_ms": T0, "fired_ms": T0,
        "acknowledged": null, "resolved_ms": null, "flapping": false, "flap_count": 0,
        "updated_ms": T0
    }))
    .expect("an alert");
    let sa = a.tick(T0 + 100);
    assert!(
        sa.owns_city(),
        "a owns the first district, so the city rules"
    );
    let summary = summarise("danang", "a", &sa, &[alert], None);
    let bytes = serde_json::to_vec(&summary).unwrap_or_default();
    let Ok(Heard::Districts(node, ds, Some(city_alerts))) =
        heard(&bytes, "danang", &city, T0 + 100)
    else {
        panic!("a reports the city alerts");
    };
    {
        let mut f = b.foreign.lock().unwrap_or_else(|p| p.into_inner());
        for (d, r) in ds {
            f.offer(d, r);
        }
        f.offer_city(node, T0 + 100, city_alerts);
    }
    let sb = b.tick(T0 + 200);
    let whole = sb.kpi(sb.areas(), Default::default(), |_, _| true);
    assert_eq!(whole.open_alerts.get("major"), Some(&1));
    let one_district = sb.kpi(sb.areas(), Default::default(), |_, d| d.0 == 1);
    assert_eq!(
        one_district.open_alerts.get("major"),
        None,
        "not for a district's key"
    );
    let summary_b = summarise("danang", "b", &sb, &[], None);
    assert_eq!(
        summary_b.city_open_alerts, None,
        "b does not evaluate the city"
    );
}

fn settings(name: &str, node: &str, districts: &[&str]) -> ClusterSettings {
    let districts: Vec<String> = districts.iter().map(|d| d.to_string()).collect();
    ClusterSettings::node(name, node, &districts)
}

#[test]
fn cluster_settings_name_what_to_fix() {
    let city = demo_city();
    assert!(settings("", "", &[]).validate(true).is_ok(), "alone");
    let e = settings("", "n1", &[])
        .validate(false)
        .expect_err("no name");
    assert_eq!(e.key, "cluster.name");
    let e = settings("danang", "n1", &[])
        .validate(true)
        .expect_err("embedded");
    assert_eq!(e.key, "mqtt.url");
    let e = settings("danang", "n 1", &[])
        .validate(false)
        .expect_err("space");
    assert_eq!(e.key, "cluster.node_id");
    let first = city.districts[0].id.as_str();
    let e = settings("danang", "n1", &[first, "atlantis"])
        .owned(&city)
        .expect_err("unknown district");
    assert!(e.allowed.contains(first), "{e}");
    let e = settings("danang", "n1", &[first, first])
        .owned(&city)
        .expect_err("twice");
    assert_eq!(e.allowed, "each district once");
    let owned = settings("danang", "n1", &[first]).owned(&city);
    assert_eq!(
        owned.map(|o| o.iter().filter(|x| **x).count()).ok(),
        Some(1)
    );
    let s = settings("danang", "n1", &[]);
    assert_eq!(s.ingest_client_id("ioc-ingest"), "ioc-ingest-danang-n1");
    assert_eq!(s.summary_topic(), "ioc/danang/summary");
}
