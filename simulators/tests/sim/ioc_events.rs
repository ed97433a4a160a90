//! Through a real ioc: the simulator's events are ones ioc stores, each once by id, so a
//! replay of them changes nothing; and two camera flooding detections open a flood incident.

use std::time::Duration;

use ioc::config::{load, Overrides};
use rumqttc::QoS;
use simulators::pacing::Pacing;
use simulators::run::{run, RunPlan, Target};
use simulators::scenario::Scenario;
use tokio_util::sync::CancellationToken;

use crate::helpers::demo_city;
use crate::ioc::Ioc;

const EVENTS: &str = "[events]\n\
    citizen_reports = { per_day = 300 }\n\
    camera_detections = { per_day = 50 }\n\
    [[events.scheduled]]\n\
    start_after_s = 300\nkind = \"camera\"\ndistrict = \"cam-le\"\nclass = \"flooding\"\n\
    confidence = 0.9\ncount = 2\nevery_s = 30\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ioc_stores_the_simulators_events_once_even_replayed_and_opens_the_flood_they_report() {
    let ioc = Ioc::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    // Ten simulated minutes of events ending now, as a dry run.
    let file = dir.path().join("events.jsonl");
    let start = ioc::shell::now_ms() - 600_000;
    let plan = RunPlan {
        scenario: Scenario::parse(EVENTS, "test").expect("valid"),
        city: demo_city(),
        topic_prefix: "city".into(),
        target: Target::File(file.clone()),
        pacing: Pacing {
            speed: None,
            max_rate: None,
        },
        start_ms: start,
        anchor_ms: start,
        duration_s: Some(600),
        progress: false,
    };
    let n = run(plan, &CancellationToken::new())
        .await
        .expect("dry run")
        .stats
        .events;
    assert!(n > 10, "{n} events");

    // Published twice, as a replay of a recording would be.
    let settings = load(&Overrides::default()).expect("settings");
    for round in 0..2 {
        let options = simulators::mqtt::options(
            &settings.mqtt,
            &format!("mqtt://127.0.0.1:{}", ioc.mqtt_port),
            &format!("replay-{round}-{}", std::process::id()),
        )
        .expect("options");
        let fast = Pacing {
            speed: None,
            max_rate: None,
        };
        let stop = CancellationToken::new();
        let sent =
            simulators::replay::replay(&file, options, QoS::AtLeastOnce, fast, None, false, &stop)
                .await
                .expect("replayed");
        assert_eq!(sent, n);
    }
    let received = "ioc_events_received_total";
    for _ in 0..200 {
        if ioc.counter(received, &["via=\"mqtt\""]).await >= 2.0 * n as f64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stored = ioc.counter(received, &["result=\"stored\""]).await;
    let duplicate = ioc.counter(received, &["result=\"duplicate\""]).await;
    let all = ioc.counter(received, &[]).await;
    assert_eq!(
        (stored, duplicate, all),
        (n as f64, n as f64, 2.0 * n as f64),
        "each event stored once, its replay a duplicate, none refused"
    );

    let body: serde_json::Value = ioc
        .get("/api/v1/incidents?limit=200")
        .await
        .json()
        .await
        .expect("json");
    let incidents = body["incidents"].as_array().expect("a list");
    assert!(
        incidents
            .iter()
            .any(|i| i["category"] == "flood" && i["district"] == "cam-le"),
        "no flood incident in cam-le among {incidents:?}"
    );
    ioc.stop().await;
}
