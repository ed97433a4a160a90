//! Incidents between two real replicas of the whole city on Debian's Mosquitto: the node
//! deciding alerts decides incidents; an action made on the follower is forwarded to it and
//! answered once adopted; a citizen report posted to the follower reaches the decider, whose
//! rule opens the incident both then show; after the decider dies the follower takes over, and
//! the returning node catches up with what changed meanwhile.

use serde_json::{json, Value};

use super::cluster_node::Node;
use crate::helpers::{eventually, Mosquitto};

async fn incident(node: &Node, id: i64) -> Value {
    node.get(&format!("/api/v1/incidents/{id}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_share_incidents_forward_actions_and_catch_up_after_a_takeover() {
    let broker = Mosquitto::start();
    let cluster = format!("i{}", std::process::id());
    let mut a = Node::start_env(&cluster, "a", &[], broker.port, None, &[]);
    let b = Node::start_env(&cluster, "b", &[], broker.port, None, &[]);
    a.ready().await;
    b.ready().await;
    eventually("a decides and b follows", || async {
        a.decides_alerts().await && !b.decides_alerts().await
    })
    .await;

    let open = json!({"title": "Cây đổ chắn đường", "category": "traffic_jam", "severity": "major", "district": "hai-chau"});
    let (status, made) = b.post("/api/v1/incidents", open).await;
    assert_eq!(status, 201, "opened on the follower: {made}");
    let id = made["id"].as_i64().expect("id");
    assert_eq!(
        incident(&b, id).await["status"],
        "new",
        "adopted before the answer"
    );
    eventually("the decider holds it with the same id", || async {
        incident(&a, id).await["title"] == "Cây đổ chắn đường"
    })
    .await;
    let act = |what: &str| format!("/api/v1/incidents/{id}/{what}");
    let (s, v) = b
        .post(&act("assign"), json!({"assignee": "traffic-police"}))
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("assigned")), "{v}");
    let (s, v) = b.post(&act("status"), json!({"status": "closed"})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("incident_conflict")),
        "the decider's refusal comes back: {v}"
    );
    let (s, _) = a
        .post(&act("comment"), json!({"text": "CSGT đã tới"}))
        .await;
    assert_eq!(s, 200);
    eventually("the follower adopts the decider's change", || async {
        let t = incident(&b, id).await["timeline"].clone();
        t.as_array()
            .is_some_and(|t| t.iter().any(|e| e["detail"] == "CSGT đã tới"))
    })
    .await;

    let report = json!({"id": "pa-77", "kind": "citizen_report", "category": "flooding", "district": "son-tra", "lat": 16.07, "lon": 108.24});
    let (s, v) = b.post("/api/v1/events", report).await;
    assert_eq!(s, 201, "{v}");
    eventually(
        "the decider's rule opens a flood incident both show",
        || async {
            let on = |v: Value| v["incidents"].as_array().and_then(|l| l.first().cloned());
            let (x, y) = (
                on(a.get("/api/v1/incidents?category=flood").await),
                on(b.get("/api/v1/incidents?category=flood").await),
            );
            x.is_some() && x == y && y.is_some_and(|i| i["events"] == json!(["pa-77"]))
        },
    )
    .await;
    eventually("the follower's event knows its incident", || async {
        b.get("/api/v1/events/pa-77").await["incident"].is_i64()
    })
    .await;

    a.kill();
    eventually("b takes over deciding", || async {
        b.decides_alerts().await
    })
    .await;
    let (s, v) = b
        .post(&act("status"), json!({"status": "in_progress"}))
        .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("in_progress")), "{v}");
    a.launch();
    a.ready().await;
    eventually("a, back, catches up with what b did meanwhile", || async {
        incident(&a, id).await["status"] == "in_progress"
    })
    .await;
    let (x, y) = (incident(&a, id).await, incident(&b, id).await);
    assert_eq!(x["timeline"], y["timeline"], "the same timeline on both");
}
