//! Through real brokers: record → replay round-trips byte for byte and in order; ioc counts
//! the simulator's malformed messages as rejected, not lost.

use std::path::Path;
use std::time::Duration;

use ioc::config::{load, Overrides};
use ioc::ingest::IocLogin;
use rumqttc::QoS;
use simulators::jsonl;
use simulators::mqtt;
use simulators::pacing::Pacing;
use simulators::record::Recorder;
use simulators::retime::Retime;
use simulators::run::{run, RunPlan, Target};
use simulators::scenario::Scenario;
use tokio_util::sync::CancellationToken;

use crate::helpers::{demo_city, free_port, HOUR_MS, MONDAY_MS};
use crate::ioc::Ioc;

fn settings(env: &[(&str, String)]) -> ioc::config::Settings {
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    load(&Overrides { file: None, env }).expect("settings")
}

fn options(port: u16, id: &str) -> rumqttc::MqttOptions {
    mqtt::options(
        &settings(&[]).mqtt,
        &format!("mqtt://127.0.0.1:{port}"),
        &format!("{id}-{}", std::process::id()),
    )
    .expect("options")
}

/// Starts ioc's embedded broker alone on a free port. Only ioc's credential may subscribe
/// there, so the recorder logs in with it.
fn start_broker() -> (u16, IocLogin) {
    let port = free_port();
    let s = settings(&[("IOC__BROKER__LISTEN", format!("127.0.0.1:{port}"))]);
    let ioc = ioc::ingest::start_embedded_broker(&s.broker, &s.mqtt).expect("broker starts");
    (port, ioc)
}

/// (topic, payload) of every line of a JSONL file, in order.
fn lines(path: &Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .enumerate()
        .map(|(i, l)| jsonl::decode(l, i + 1).expect("a valid line"))
        .map(|e| (e.topic, e.payload))
        .collect()
}

/// Replays `file` to the broker while recording everything into `out`.
async fn replay_while_recording(
    (port, ioc): &(u16, IocLogin),
    file: &Path,
    out: &Path,
    expected: u64,
    pacing: Pacing,
    retime: Option<Retime>,
) {
    let port = *port;
    let mut rec = options(port, "rec");
    rec.set_credentials(ioc.username.clone(), ioc.password.clone());
    let recorder = Recorder::subscribe(rec, &["city/#".to_owned()], out)
        .await
        .expect("subscribed");
    let stop = CancellationToken::new();
    let recording = tokio::spawn(async move {
        recorder
            .run(&CancellationToken::new(), Some(expected), false)
            .await
    });
    let sent = simulators::replay::replay(
        file,
        options(port, "replay"),
        QoS::AtLeastOnce,
        pacing,
        retime,
        false,
        &stop,
    )
    .await
    .expect("replays");
    assert_eq!(sent, expected);
    let recorded = tokio::time::timeout(Duration::from_secs(20), recording)
        .await
        .expect("recorder finishes")
        .expect("join")
        .expect("records");
    assert_eq!(recorded, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_then_replay_round_trips_byte_identical_and_in_order() {
    let broker = start_broker();
    let dir = tempfile::tempdir().expect("tempdir");
    // A dry run with malformed (non-UTF-8 too) and duplicate payloads as the source.
    let dry = dir.path().join("dry.jsonl");
    let mut scenario = Scenario::demo().expect("demo");
    scenario.faults.malformed = 0.05;
    let plan = RunPlan {
        scenario,
        city: demo_city(),
        topic_prefix: "city".into(),
        target: Target::File(dry.clone()),
        pacing: Pacing {
            speed: None,
            max_rate: None,
        },
        start_ms: MONDAY_MS + 8 * HOUR_MS,
        anchor_ms: MONDAY_MS + 8 * HOUR_MS,
        duration_s: Some(120),
        progress: false,
    };
    let summary = run(plan, &CancellationToken::new()).await.expect("dry run");
    let source = lines(&dry);
    assert_eq!(source.len() as u64, summary.sent);
    assert!(
        source.iter().any(|(_, p)| std::str::from_utf8(p).is_err()),
        "a binary payload is in the test"
    );

    let first = dir.path().join("first.jsonl");
    let fast = Pacing {
        speed: None,
        max_rate: None,
    };
    replay_while_recording(&broker, &dry, &first, summary.sent, fast, None).await;
    assert_eq!(
        lines(&first),
        source,
        "the recording is the published stream, byte for byte, in order"
    );

    let second = dir.path().join("second.jsonl");
    replay_while_recording(&broker, &first, &second, summary.sent, fast, None).await;
    assert_eq!(
        lines(&second),
        lines(&first),
        "replaying a recording reproduces it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_keeps_the_relative_timing_at_the_requested_speed() {
    let broker = start_broker();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("timed.jsonl");
    // Three messages 1 s and 2 s apart in recorded time, replayed at 4×: 0.25 s and 0.5 s apart.
    let text: String = [0, 1000, 3000]
        .iter()
        .map(|t| {
            jsonl::encode(
                1_763_900_000_000 + t,
                "city/traffic/hai-chau/tl-0001",
                b"{}",
                Default::default(),
            ) + "\n"
        })
        .collect();
    std::fs::write(&file, text).expect("write");
    let out = dir.path().join("out.jsonl");
    replay_while_recording(
        &broker,
        &file,
        &out,
        3,
        Pacing {
            speed: Some(4.0),
            max_rate: None,
        },
        None,
    )
    .await;
    let at: Vec<i64> = std::fs::read_to_string(&out)
        .expect("read")
        .lines()
        .map(|l| jsonl::decode(l, 0).expect("line").at_ms)
        .collect();
    let (gap1, gap2) = (at[1] - at[0], at[2] - at[1]);
    assert!(
        (200..400).contains(&gap1) && (450..700).contains(&gap2),
        "gaps {gap1} ms, {gap2} ms"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_retimed_moves_every_payload_time_by_the_same_shift() {
    let broker = start_broker();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("old.jsonl");
    let recorded = 1_763_900_000_000; // the first line's receive time
    let lines_in = [
        (
            recorded,
            r#"{"ts": 1763899999000, "vehicle_count": 4}"#.as_bytes(),
        ),
        (
            recorded + 1000,
            br#"[{"bn": "aq-0019:", "bt": 1763900000, "n": "pm25", "v": 12}]"#,
        ),
        (recorded + 2000, br#"{"vehicle_count": 5}"#), // timed on receipt: unchanged
    ];
    let text: String = lines_in
        .iter()
        .map(|(at, p)| {
            jsonl::encode(*at, "city/traffic/hai-chau/tl-0001", p, Default::default()) + "\n"
        })
        .collect();
    std::fs::write(&file, text).expect("write");
    let out = dir.path().join("new.jsonl");
    let start = 1_800_000_000_000;
    let fast = Pacing {
        speed: None,
        max_rate: None,
    };
    replay_while_recording(&broker, &file, &out, 3, fast, Some(Retime::At(start))).await;
    let got: Vec<serde_json::Value> = lines(&out)
        .iter()
        .map(|(_, p)| serde_json::from_slice(p).expect("json"))
        .collect();
    let shift = start - recorded;
    assert_eq!(got[0]["ts"], 1_763_899_999_000 + shift);
    assert_eq!(got[0]["vehicle_count"], 4);
    assert_eq!(got[1][0]["bt"], (1_763_900_000_000 + shift) as f64 / 1000.0);
    assert_eq!(got[2], serde_json::json!({"vehicle_count": 5}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ioc_counts_the_simulators_malformed_messages_as_rejected_not_lost() {
    let ioc = Ioc::start().await;
    let mqtt_port = ioc.mqtt_port;
    let get = |path: &'static str| ioc.get(path);

    // Two simulated minutes of the whole city ending now, 5 % malformed, as fast as possible.
    let mut scenario = Scenario::demo().expect("demo");
    scenario.faults = simulators::scenario::FaultSpec {
        malformed: 0.05,
        ..Default::default()
    };
    // Readings only: events are counted apart from ioc_ingest_messages_total.
    scenario.events = None;
    let start = ioc::shell::now_ms() - 180_000;
    let plan = RunPlan {
        scenario,
        city: demo_city(),
        topic_prefix: "city".into(),
        target: Target::Broker {
            options: Box::new(options(mqtt_port, "sim")),
            qos: QoS::AtLeastOnce,
        },
        pacing: Pacing {
            speed: None,
            max_rate: None,
        },
        start_ms: start,
        anchor_ms: start,
        duration_s: Some(120),
        progress: false,
    };
    let summary = run(plan, &CancellationToken::new())
        .await
        .expect("published");
    let malformed = summary.stats.of(simulators::faults::Fault::Malformed);
    assert!(malformed > 30, "{malformed} malformed of {}", summary.sent);

    let series = |text: &str, outcome: &str| -> f64 {
        text.lines()
            .filter(|l| {
                l.starts_with("ioc_ingest_messages_total{")
                    && l.contains(&format!("outcome=\"{outcome}\""))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    let mut text = String::new();
    for _ in 0..200 {
        text = get("/metrics").await.text().await.expect("text");
        if series(&text, "accepted") + series(&text, "partial") + series(&text, "rejected")
            >= summary.sent as f64
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        series(&text, "rejected") as u64,
        malformed,
        "every malformed message is counted as rejected"
    );
    assert_eq!(
        (series(&text, "accepted") + series(&text, "partial")) as u64,
        summary.sent - malformed,
        "nothing is lost"
    );
    let body: serde_json::Value = get("/api/v1/ingest/rejections?limit=500")
        .await
        .json()
        .await
        .expect("json");
    let reasons: std::collections::HashSet<String> = body["rejections"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["reason"].as_str().map(str::to_owned))
        .collect();
    for r in &reasons {
        assert!(
            [
                "malformed_json",
                "invalid_utf8",
                "empty_payload",
                "invalid_shape"
            ]
            .contains(&r.as_str()),
            "unexpected reason {r}"
        );
    }
    assert!(reasons.len() >= 3, "{reasons:?}");
    ioc.stop().await;
}
