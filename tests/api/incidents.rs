//! Incidents end to end through REST, the `incidents` WebSocket stream and a real webhook
//! receiver: opened from an alert, worked through its procedure, assigned, resolved and
//! closed; refused with reasons; a department key limited to its own incidents (others are
//! 404); service levels that breach raise an alert, and the shift handover tells it all.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::helpers::{
    client_with_token, eventually, free_port, spawn_app_in, spawn_app_with_rules, BrokerKind,
    TestApp, PM25_STATION_RULE,
};
use crate::stream::{connect_as, frames_until, send};

async fn post(http: &reqwest::Client, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let res = http
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// POST `/api/v1/incidents/{id}/{what}`.
async fn work(
    http: &reqwest::Client,
    app: &TestApp,
    id: i64,
    what: &str,
    body: Value,
) -> (u16, Value) {
    post(http, app, &format!("/api/v1/incidents/{id}/{what}"), body).await
}

async fn fire_pm25(app: &TestApp) -> i64 {
    let p = app.publisher().await;
    let now = ioc::shell::now_ms();
    p.publish(
        "city/environment/hai-van/aq-0001",
        format!(r#"{{"ts":{now},"pm25":220}}"#),
    )
    .await;
    p.wait_acked(1).await;
    eventually("the PM2.5 alert fires", || async {
        app.get("/api/v1/alerts?state=firing").await.1["count"] == 1
    })
    .await;
    let (_, v) = app.get("/api/v1/alerts?state=firing").await;
    v["alerts"][0]["id"].as_i64().expect("alert id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_opened_from_an_alert_walks_its_procedure_pushed_and_told_at_each_step() {
    let port = free_port();
    let (bodies, server) = crate::helpers::recorder(port, json!({}));
    let url = format!("http://127.0.0.1:{port}/hook");
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let env = [
        ("IOC__NOTIFY__WEBHOOK_URL", url.as_str()),
        ("IOC__NOTIFY__WEBHOOK_SECRET", "s"),
        ("IOC__NOTIFY__MAX_PER_MINUTE", "1000"),
    ];
    let app = spawn_app_with_rules(dir, PM25_STATION_RULE, &env).await;
    let (mut ws, _) = connect_as(&app, &app.token).await;
    send(
        &mut ws,
        json!({"op": "subscribe", "streams": ["incidents"]}),
    )
    .await;
    let snap = frames_until(&mut ws, "incidents", |m| m["type"] == "snapshot").await;
    assert_eq!(snap.last().expect("snapshot")["data"]["open"], json!([]));

    let operator = client_with_token(&app.create_key("operator", &[]).await);
    let alert = fire_pm25(&app).await;
    let from_alert = format!("/api/v1/alerts/{alert}/incident");
    let (status, inc) = post(&operator, &app, &from_alert, json!({})).await;
    assert_eq!(status, 201, "{inc}");
    let id = inc["id"].as_i64().expect("id");
    assert_eq!(
        (inc["status"].as_str(), inc["category"].as_str()),
        (Some("new"), Some("air_pollution"))
    );
    assert_eq!(inc["alerts"], json!([alert]));
    assert_eq!(inc["timeline"][0]["kind"], "opened");
    let steps: Vec<String> = inc["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .map(|s| s["step"].as_str().expect("step").to_owned())
        .collect();
    assert!(steps.len() >= 3, "{inc}");
    let (again, same) = post(&operator, &app, &from_alert, json!({})).await;
    assert_eq!(
        (again, same["id"].as_i64()),
        (200, Some(id)),
        "one alert, one incident"
    );
    let pushed = frames_until(&mut ws, "incidents", |m| m["type"] == "update").await;
    let change = &pushed.last().expect("update")["data"]["change"];
    assert_eq!(
        (
            change["incident"]["id"].as_i64(),
            change["entry"]["kind"].as_str()
        ),
        (Some(id), Some("opened"))
    );

    let (s, v) = work(&operator, &app, id, "status", json!({"status": "resolved"})).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("incident_conflict")),
        "{v}"
    );
    let (s, v) = work(&operator, &app, id, "assign", json!({"assignee": "nobody"})).await;
    assert!(
        s == 400
            && v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("environment"),
        "{v}"
    );
    let (s, v) = work(
        &operator,
        &app,
        id,
        "assign",
        json!({"assignee": "environment"}),
    )
    .await;
    assert_eq!(
        (s, v["status"].as_str(), v["assignee"].as_str()),
        (200, Some("assigned"), Some("environment")),
        "{v}"
    );
    let (s, _) = work(
        &operator,
        &app,
        id,
        "status",
        json!({"status": "in_progress"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = work(&operator, &app, id, "status", json!({"status": "resolved"})).await;
    assert!(
        s == 409
            && v["message"]
                .as_str()
                .unwrap_or_default()
                .contains(&steps[0]),
        "{v}"
    );
    for step in &steps {
        let (s, v) = work(&operator, &app, id, &format!("checklist/{step}"), json!({})).await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = work(&operator, &app, id, "checklist/not-a-step", json!({})).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("invalid_body")), "{v}");
    let (s, _) = work(
        &operator,
        &app,
        id,
        "comment",
        json!({"text": "Đã xử lý nguồn đốt rác"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, v) = work(&operator, &app, id, "status", json!({"status": "bogus"})).await;
    assert_eq!((s, v["code"].as_str()), (400, Some("invalid_body")));
    for to in ["resolved", "closed"] {
        let (s, v) = work(&operator, &app, id, "status", json!({"status": to})).await;
        assert_eq!((s, v["status"].as_str()), (200, Some(to)), "{v}");
    }
    let viewer = client_with_token(&app.create_key("viewer", &[]).await);
    let (s, _) = work(&viewer, &app, id, "comment", json!({"text": "x"})).await;
    assert_eq!(s, 403, "a viewer reads incidents but does not work them");

    let (_, done) = app.get(&format!("/api/v1/incidents/{id}")).await;
    let kinds: Vec<&str> = done["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    let mut expected = vec!["opened", "assigned", "status"];
    expected.extend(steps.iter().map(|_| "checklist"));
    expected.extend(["comment", "status", "status"]);
    assert_eq!(kinds, expected);
    assert!(done["checklist"]
        .as_array()
        .expect("steps")
        .iter()
        .all(|s| s["done"] == true && s["by"].as_str().is_some_and(|b| b.starts_with("key:"))));
    assert_eq!(app.get("/api/v1/incidents?status=open").await.1["count"], 0);
    assert_eq!(
        app.get("/api/v1/incidents?status=closed").await.1["count"],
        1
    );
    let (s, v) = app.get("/api/v1/incidents/999").await;
    assert_eq!((s, v["code"].as_str()), (404, Some("incident_not_found")));

    let told = |b: &crate::helpers::Recorded| -> Vec<String> {
        let seen = b.lock().expect("bodies");
        let about = |v: &Value| v["incident"]["id"].as_i64() == Some(id);
        let events = seen.iter().filter(|(_, v)| about(v));
        events
            .map(|(_, v)| v["event"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let mut want = vec![
        "incident.opened",
        "incident.assigned",
        "incident.in_progress",
    ];
    want.extend(steps.iter().map(|_| "incident.step"));
    want.extend(["incident.commented", "incident.resolved", "incident.closed"]);
    eventually(
        "every incident change reaches the webhook, in order",
        || async { told(&bodies) == want },
    )
    .await;
    server.stop(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_key_sees_and_works_only_its_own_incidents() {
    let app = crate::helpers::spawn_app(BrokerKind::Embedded).await;
    let open = |title: &str, category: &str, district: &str| json!({"title": title, "category": category, "severity": "major", "district": district});
    let (s, jam) = post(
        &app.http,
        &app,
        "/api/v1/incidents",
        open("Ùn tắc cầu Rồng", "traffic_jam", "hai-chau"),
    )
    .await;
    assert_eq!(s, 201, "{jam}");
    let (_, flood) = post(
        &app.http,
        &app,
        "/api/v1/incidents",
        open("Ngập", "flood", "son-tra"),
    )
    .await;
    let (jam, flood) = (
        jam["id"].as_i64().expect("id"),
        flood["id"].as_i64().expect("id"),
    );

    let traffic = client_with_token(&app.create_key("department", &["domain:traffic"]).await);
    let get = |http: reqwest::Client, path: String| {
        let url = app.url(&path);
        async move {
            let res = http.get(url).send().await.expect("get");
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (_, list) = get(traffic.clone(), "/api/v1/incidents".into()).await;
    let ids: Vec<i64> = list["incidents"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![jam], "only its domain's incidents");
    let (s, v) = get(traffic.clone(), format!("/api/v1/incidents/{flood}")).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (404, Some("incident_not_found")),
        "another's is not found"
    );
    let comment = json!({"text": "Đang điều phối"});
    let (s, _) = post(
        &traffic,
        &app,
        &format!("/api/v1/incidents/{flood}/comment"),
        comment.clone(),
    )
    .await;
    assert_eq!(s, 404, "another's incident cannot be updated either");
    let (s, _) = post(
        &traffic,
        &app,
        &format!("/api/v1/incidents/{jam}/comment"),
        comment,
    )
    .await;
    assert_eq!(s, 200, "its own can");
    let (s, _) = post(
        &traffic,
        &app,
        &format!("/api/v1/incidents/{jam}/checklist/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = post(
        &traffic,
        &app,
        &format!("/api/v1/incidents/{jam}/assign"),
        json!({"assignee": "transport"}),
    )
    .await;
    assert_eq!(s, 403, "a department does not assign");
    let (s, _) = post(
        &traffic,
        &app,
        "/api/v1/incidents",
        open("Ngập", "flood", "hai-chau"),
    )
    .await;
    assert_eq!(s, 403, "nor open one outside its scope");

    let son_tra = client_with_token(&app.create_key("department", &["district:son-tra"]).await);
    let (_, list) = get(son_tra, "/api/v1/incidents".into()).await;
    let ids: Vec<i64> = list["incidents"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![flood], "a district key sees its district's");
}

const FAST_PROCEDURES: &str = r#"
[[departments]]
id = "drainage"
name_vi = "Thoát nước"
name_en = "Drainage"

[[categories]]
id = "flood"
title_vi = "Ngập lụt"
title_en = "Flooding"
domain = "environment"
assign_within_min = 0.03
resolve_within_min = 600
steps = [{ step = "confirm", vi = "Xác nhận", en = "Confirm" }]

[[categories]]
id = "other"
title_vi = "Khác"
title_en = "Other"
domain = "public_service"
steps = []
"#;

const SLA_RULE: &str = r#"
[[rules]]
id = "incident-sla-breach"
signal = "incident_sla_breaches"
severity = "major"
scope = { level = "district" }
kind = "threshold"
direction = "above"
raise = 1
clear = 0
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_service_level_raises_an_alert_and_the_handover_tells_who_did_what() {
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let procedures = dir.path().join("procedures.toml");
    std::fs::write(&procedures, FAST_PROCEDURES).expect("write procedures");
    let rules = dir.path().join("alerts.toml");
    std::fs::write(&rules, SLA_RULE).expect("write rules");
    let (procedures, rules) = (
        procedures.display().to_string(),
        rules.display().to_string(),
    );
    let env = [
        ("IOC__INCIDENTS__PROCEDURES", procedures.as_str()),
        ("IOC__INCIDENTS__SLA_CHECK_S", "1"),
        ("IOC__ALERTS__RULES_PATH", rules.as_str()),
    ];
    let start = ioc::shell::now_ms();
    let app = spawn_app_in(dir, BrokerKind::Embedded, &env).await;
    let body = json!({"title": "Ngập Hoàng Sa", "category": "flood", "severity": "major", "district": "son-tra"});
    let (_, inc) = post(&app.http, &app, "/api/v1/incidents", body).await;
    let id = inc["id"].as_i64().expect("id");
    eventually("the time to assign is missed and recorded", || async {
        app.get(&format!("/api/v1/incidents/{id}")).await.1["sla"]["breached"] == json!(["assign"])
    })
    .await;
    eventually("the SLA alert fires for the district", || async {
        let (_, v) = app.get("/api/v1/alerts?state=firing").await;
        v["alerts"].as_array().is_some_and(|a| {
            a.iter()
                .any(|x| x["rule_id"] == "incident-sla-breach" && x["district"] == "son-tra")
        })
    })
    .await;
    let (s, _) = post(
        &app.http,
        &app,
        &format!("/api/v1/incidents/{id}/assign"),
        json!({"assignee": "drainage"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, h) = app.get(&format!("/api/v1/handover?since={start}")).await;
    assert_eq!(s, 200, "{h}");
    let h = &h["handover"];
    let listed = |k: &str| {
        h[k].as_array()
            .expect(k)
            .iter()
            .any(|i| i["id"].as_i64() == Some(id))
    };
    assert!(
        listed("opened") && listed("still_open") && listed("breached"),
        "{h}"
    );
    let actions: Vec<(&str, &str)> = h["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().unwrap_or(""),
                a["by"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        actions.iter().map(|a| a.0).collect::<Vec<_>>(),
        vec!["opened", "sla_breached", "assigned"]
    );
    assert_eq!(actions[1].1, "ioc", "the system records the breach");
    assert!(
        actions[2].1.starts_with("bootstrap") || actions[2].1.starts_with("key:"),
        "{actions:?}"
    );
    let (s, _) = post(
        &app.http,
        &app,
        &format!("/api/v1/incidents/{id}/status"),
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(s, 200);
    eventually(
        "the SLA alert resolves once nothing is past its time",
        || async {
            let (_, v) = app.get("/api/v1/alerts?state=resolved").await;
            v["alerts"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["rule_id"] == "incident-sla-breach"))
        },
    )
    .await;
    let (s, v) = app.get("/api/v1/handover?since=yesterday").await;
    assert_eq!((s, v["code"].as_str()), (400, Some("invalid_range")));
}
