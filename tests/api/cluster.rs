//! Two real `ioc` processes as partitions of the demo city on Debian's Mosquitto: each
//! stores only its own districts' readings, each shows the whole city, and when one dies the
//! other names its districts missing, until it returns.

use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) use crate::cluster_node::{halves, strs, traffic_sensor, Node};

use crate::helpers::{eventually, Mosquitto, Publisher};

/// The summary interval: a dead partition must be named within two of them.
pub(crate) const INTERVAL_MS: u64 = 1_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_store_their_own_districts_show_the_whole_city_and_name_a_dead_one() {
    let broker = Mosquitto::start();
    let cluster = format!("t{}", std::process::id());
    let (da, db) = halves();
    let a = Node::start(&cluster, "a", &strs(&da), broker.port);
    let mut b = Node::start(&cluster, "b", &strs(&db), broker.port);
    a.ready().await;
    b.ready().await;
    let (sa, sb) = (traffic_sensor(&da[0]), traffic_sensor(&db[0]));
    let p = Publisher::connect(broker.port).await;
    for (d, s) in [(&da[0], &sa), (&db[0], &sb)] {
        p.publish(
            &format!("city/traffic/{d}/{s}"),
            r#"{"seq": 1, "vehicle_count": 12}"#,
        )
        .await;
    }
    p.wait_acked(2).await;

    let total = ioc::model::CityConfig::demo().expect("demo").sensors.len();
    for (name, node) in [("a", &a), ("b", &b)] {
        eventually(
            "each node counts the whole city, both readings online",
            || async {
                let k = node.get("/api/v1/kpi").await;
                k["partial"].is_null() && k["sensors"]["online"] == 2 && sensors(&k) == total as u64
            },
        )
        .await;
        let view = node.get("/api/v1/indicators/traffic").await;
        assert!(
            view.get("partial").is_some_and(Value::is_null),
            "node {name}'s city view says it is whole: {view}"
        );
    }
    let ready = a.get("/readyz").await;
    assert_eq!(ready["cluster"]["node_id"], "a", "{ready}");
    assert_eq!(ready["cluster"]["districts"], serde_json::json!(da));
    let peers = ready["cluster"]["peers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        peers
            .iter()
            .any(|p| p["node_id"] == "b" && p["fresh"] == true),
        "a hears b: {ready}"
    );
    // Each node stores only what its partition subscribed to.
    assert_eq!(
        a.get(&format!("/api/v1/sensors/{sa}")).await["readings_received"],
        1
    );
    assert_eq!(
        a.get(&format!("/api/v1/sensors/{sb}")).await["readings_received"],
        0
    );
    assert_eq!(
        b.get(&format!("/api/v1/sensors/{sb}")).await["readings_received"],
        1
    );

    b.kill();
    let killed = Instant::now();
    eventually("a names b's districts missing", || async {
        let k = a.get("/api/v1/kpi").await;
        k["partial"]["missing_districts"] == serde_json::json!(db)
    })
    .await;
    let named_after = killed.elapsed();
    assert!(
        named_after < Duration::from_millis(2 * INTERVAL_MS),
        "named after {named_after:?}; the bound is two summary intervals"
    );
    let k = a.get("/api/v1/kpi").await;
    assert!(k["partial"]["since"].as_i64().is_some(), "{k}");
    assert!(
        sensors(&k) < total as u64,
        "the KPI counts only what it has"
    );
    let view = a.get("/api/v1/indicators/traffic").await;
    assert_eq!(view["partial"], k["partial"], "the city view says it too");
    let ready = a.get("/readyz").await;
    assert_eq!(
        ready["status"], "ready",
        "a missing peer never makes a node unready"
    );
    assert_eq!(ready["cluster"]["partial"], k["partial"]);

    b.launch();
    b.ready().await;
    eventually("a is whole again once b returns", || async {
        a.get("/api/v1/kpi").await["partial"].is_null()
    })
    .await;
}

fn sensors(kpi: &Value) -> u64 {
    ["online", "late", "offline", "never_seen"]
        .iter()
        .filter_map(|k| kpi["sensors"][*k].as_u64())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_or_revoked_on_one_replica_holds_on_the_other_even_one_that_was_down() {
    let broker = Mosquitto::start();
    let cluster = format!("k{}", std::process::id());
    let a = Node::start(&cluster, "a", &[], broker.port);
    let mut b = Node::start(&cluster, "b", &[], broker.port);
    a.ready().await;
    b.ready().await;

    let (id, token) = a.create_key().await;
    let made = Instant::now();
    eventually("b accepts a key made on a", || async {
        b.status_with(&token).await == 200
    })
    .await;
    assert!(
        made.elapsed() < Duration::from_secs(2),
        "{:?}",
        made.elapsed()
    );
    a.revoke(&id).await;
    let revoked = Instant::now();
    eventually("b refuses the key a revoked", || async {
        b.status_with(&token).await == 401
    })
    .await;
    let refused_after = revoked.elapsed();
    assert!(
        refused_after < Duration::from_secs(2),
        "refused after {refused_after:?}; the bound is 2 s"
    );

    // While b is down, a makes one key and revokes another: b learns both when it returns,
    // from a's retained table.
    let (old_id, old_token) = a.create_key().await;
    eventually("b accepts the second key", || async {
        b.status_with(&old_token).await == 200
    })
    .await;
    b.kill();
    let (_, new_token) = a.create_key().await;
    a.revoke(&old_id).await;
    b.launch();
    b.ready().await;
    eventually(
        "b, back, accepts the key made while it was down",
        || async { b.status_with(&new_token).await == 200 },
    )
    .await;
    eventually("and refuses the one revoked while it was down", || async {
        b.status_with(&old_token).await == 401
    })
    .await;
}

/// One rule: a traffic sensor counting 100 vehicles or more fires at once.
const JAM: &str = r#"
[[rules]]
id = "jam"
signal = "vehicle_count"
severity = "major"
scope = { level = "sensor" }
kind = "threshold"
direction = "above"
raise = 100
clear = 50
"#;

/// The open alert of `sensor` on `node`: (id, whole alert).
async fn open_alert(node: &Node, sensor: &str) -> Option<(i64, Value)> {
    let list = node.get("/api/v1/alerts?state=open").await;
    let alerts = list["alerts"].as_array()?.clone();
    let a = alerts
        .into_iter()
        .find(|a| a["subject"] == format!("sensor:{sensor}"))?;
    Some((a["id"].as_i64()?, a))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_show_the_same_alerts_share_acknowledgements_and_take_over() {
    let broker = Mosquitto::start();
    let cluster = format!("r{}", std::process::id());
    let mut a = Node::start_env(&cluster, "a", &[], broker.port, Some(JAM), &[]);
    let b = Node::start_env(&cluster, "b", &[], broker.port, Some(JAM), &[]);
    a.ready().await;
    b.ready().await;
    eventually("a decides alerts and b follows", || async {
        a.decides_alerts().await && !b.decides_alerts().await
    })
    .await;
    let (district, first) = ("hai-chau", traffic_sensor("hai-chau"));
    let p = Publisher::connect(broker.port).await;
    let topic = format!("city/traffic/{district}/{first}");
    p.publish(&topic, r#"{"seq": 1, "vehicle_count": 150}"#)
        .await;
    eventually("a opens the alert", || async {
        open_alert(&a, &first).await.is_some()
    })
    .await;
    let (id, _) = open_alert(&a, &first).await.expect("open on a");
    eventually("b shows it with the same id", || async {
        open_alert(&b, &first).await.map(|(i, _)| i) == Some(id)
    })
    .await;

    let mut a_stream = a.alerts_stream().await;
    let body = serde_json::json!({"by": "Lan", "comment": "team sent"});
    let (status, acked) = b.post(&format!("/api/v1/alerts/{id}/ack"), body).await;
    assert_eq!(status, 200, "an ack on the follower: {acked}");
    let acked_at = Instant::now();
    eventually("a shows b's acknowledgement", || async {
        let a_view = a.get(&format!("/api/v1/alerts/{id}")).await;
        a_view["state"] == "acknowledged" && a_view["acknowledged"] == acked["acknowledged"]
    })
    .await;
    assert!(
        acked_at.elapsed() < Duration::from_secs(1),
        "{:?}",
        acked_at.elapsed()
    );
    assert!(acked["acknowledged"]["comment"] == "team sent", "{acked}");
    loop {
        let m = crate::stream::next_json(&mut a_stream).await;
        let change = &m["data"]["change"];
        if m["stream"] == "alerts" && change["alert"]["id"] == id {
            assert_eq!(change["alert"]["state"], "acknowledged", "{m}");
            assert_eq!(change["event"]["comment"], "team sent", "{m}");
            break;
        }
    }

    a.kill();
    eventually("b takes over deciding", || async {
        b.decides_alerts().await
    })
    .await;
    let second = city_sensor_other_than(&first);
    p.publish(
        &format!("city/traffic/{district}/{second}"),
        r#"{"seq": 1, "vehicle_count": 180}"#,
    )
    .await;
    eventually("b opens a new alert after the takeover", || async {
        open_alert(&b, &second).await.is_some_and(|(i, _)| i > id)
    })
    .await;
    a.launch();
    a.ready().await;
    eventually(
        "a, back, holds both alerts, the acknowledgement included",
        || async {
            let (Some((i1, x)), Some((i2, _))) =
                (open_alert(&a, &first).await, open_alert(&a, &second).await)
            else {
                return false;
            };
            i1 == id
                && x["state"] == "acknowledged"
                && open_alert(&b, &second).await.map(|o| o.0) == Some(i2)
        },
    )
    .await;
}

/// Another traffic sensor of hai-chau.
fn city_sensor_other_than(first: &str) -> String {
    let city = ioc::model::CityConfig::demo().expect("demo city");
    city.sensors
        .iter()
        .find(|s| s.district == "hai-chau" && s.domain == "traffic" && s.id != first)
        .map(|s| s.id.clone())
        .expect("a second traffic sensor")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_reload_on_one_node_makes_the_others_reload_their_rules() {
    let broker = Mosquitto::start();
    let cluster = format!("l{}", std::process::id());
    let a = Node::start_env(&cluster, "a", &[], broker.port, Some(JAM), &[]);
    let b = Node::start_env(&cluster, "b", &[], broker.port, Some(JAM), &[]);
    a.ready().await;
    b.ready().await;
    let two = format!("{JAM}{}", JAM.replace("\"jam\"", "\"jam-2\""));
    for n in [&a, &b] {
        std::fs::write(n.dir.path().join("alerts.toml"), &two).expect("rewrite rules");
    }
    let (status, body) = a.post("/api/v1/admin/reload", Value::Null).await;
    assert_eq!(status, 200, "{body}");
    eventually("b reloads its rules as a did", || async {
        let log = b.get("/api/v1/admin/audit?action=config.reload").await;
        log["entries"].as_array().is_some_and(|e| {
            e.iter().any(|x| {
                x["actor"] == "peer:a"
                    && x["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with("rules=2"))
            })
        })
    })
    .await;
}
