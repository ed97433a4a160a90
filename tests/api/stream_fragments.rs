//! A push message larger than one fragment (8 KiB, `push/fragment.rs`) leaves as a first text
//! frame and continuations; the client reassembles one message. The city's sensor-status
//! snapshot (288 sensors, about 20 KiB) is such a message.

use serde_json::json;

use crate::helpers::{spawn_app, BrokerKind};
use crate::stream::{connect_as, next_json, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_larger_than_a_fragment_arrives_whole_and_the_stream_goes_on() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (mut ws, _) = connect_as(&app, &app.token).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "id": "s", "streams": ["sensor-status", "kpi"]}),
    )
    .await;
    let ack = next_json(&mut ws).await;
    assert_eq!(ack["type"], "subscribed", "{ack}");
    let mut sizes = Vec::new();
    for _ in 0..2 {
        let snap = next_json(&mut ws).await;
        assert_eq!(snap["type"], "snapshot", "{snap}");
        sizes.push((snap["stream"].to_string(), snap.to_string().len()));
        if snap["stream"] == "sensor-status" {
            let sensors = snap["data"]["sensors"].as_array().map(Vec::len);
            assert_eq!(sensors, Some(288), "every sensor, in one message");
            assert!(snap.to_string().len() > 8 * 1024, "larger than a fragment");
        }
    }
    assert!(
        sizes.iter().any(|(s, _)| s == "\"sensor-status\""),
        "{sizes:?}"
    );
    // The connection is still in step after the fragments: a request is answered.
    send(
        &mut ws,
        json!({"op": "unsubscribe", "id": "u", "streams": ["kpi"]}),
    )
    .await;
    loop {
        let m = next_json(&mut ws).await;
        if m["type"] == "unsubscribed" {
            assert_eq!(m["id"], "u", "{m}");
            break;
        }
    }
}
