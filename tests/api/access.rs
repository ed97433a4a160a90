//! Access control against the real server: the role × endpoint matrix over every route in
//! `ioc::serve::POLICY`, bad and revoked keys, scoped keys filtered everywhere, WebSocket
//! authentication and revocation. Limits, JWT, CORS and the listen rule: `access_limits.rs`.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{
    client_with_token, eventually, spawn_app, spawn_app_with, BrokerKind, TestApp,
};
use crate::stream::{connect_as, next_json, send, Ws};

/// One request per route template: method, concrete path, JSON body. A route added to the
/// policy without a sample here fails `every_route_is_in_the_matrix`.
fn sample(method: &str, pattern: &str) -> Option<(&'static str, &'static str, Option<Value>)> {
    Some(match (method, pattern) {
        ("GET", "/healthz") => ("GET", "/healthz", None),
        ("GET", "/readyz") => ("GET", "/readyz", None),
        ("GET", "/") => ("GET", "/", None),
        ("GET", "/ui/{file}") => ("GET", "/ui/app.js", None),
        ("GET", "/metrics") => ("GET", "/metrics", None),
        ("GET", "/api/v1/whoami") => ("GET", "/api/v1/whoami", None),
        ("GET", "/api/v1/city") => ("GET", "/api/v1/city", None),
        ("GET", "/api/v1/sensors") => ("GET", "/api/v1/sensors", None),
        ("GET", "/api/v1/sensors/{id}") => ("GET", "/api/v1/sensors/tl-0042", None),
        ("GET", "/api/v1/indicators") => ("GET", "/api/v1/indicators", None),
        ("GET", "/api/v1/indicators/{domain}") => ("GET", "/api/v1/indicators/traffic", None),
        ("GET", "/api/v1/kpi") => ("GET", "/api/v1/kpi", None),
        ("GET", "/api/v1/sensor-health") => ("GET", "/api/v1/sensor-health", None),
        ("GET", "/api/v1/series") => (
            "GET",
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count",
            None,
        ),
        ("GET", "/api/v1/reports") => ("GET", "/api/v1/reports", None),
        ("GET", "/api/v1/reports/{kind}") => ("GET", "/api/v1/reports/air?date=2026-12-01", None),
        ("GET", "/api/v1/openapi.json") => ("GET", "/api/v1/openapi.json", None),
        ("GET", "/ngsi-ld/v1/entities") => ("GET", "/ngsi-ld/v1/entities?type=QueueMonitor", None),
        ("GET", "/ngsi-ld/v1/entities/{id}") => (
            "GET",
            "/ngsi-ld/v1/entities/urn:ngsi-ld:QueueMonitor:da-nang-demo:qs-0001",
            None,
        ),
        ("GET", "/ngsi-ld/v1/temporal/entities/{id}") => (
            "GET",
            "/ngsi-ld/v1/temporal/entities/urn:ngsi-ld:QueueMonitor:da-nang-demo:qs-0001",
            None,
        ),
        ("GET", "/api/v1/stream") => ("GET", "/api/v1/stream", None),
        ("GET", "/api/v1/alerts") => ("GET", "/api/v1/alerts", None),
        ("GET", "/api/v1/alerts/{id}") => ("GET", "/api/v1/alerts/1", None),
        ("POST", "/api/v1/alerts/{id}/ack") => ("POST", "/api/v1/alerts/1/ack", Some(json!({}))),
        ("POST", "/api/v1/alerts/{id}/incident") => ("POST", "/api/v1/alerts/1/incident", None),
        ("GET", "/api/v1/cap") => ("GET", "/api/v1/cap", None),
        ("GET", "/api/v1/cap/{id}") => ("GET", "/api/v1/cap/1", None),
        ("POST", "/api/v1/incidents") => (
            "POST",
            "/api/v1/incidents",
            Some(
                json!({"title": "Ùn tắc", "category": "traffic_jam", "severity": "minor", "district": "hai-chau"}),
            ),
        ),
        ("GET", "/api/v1/incidents") => ("GET", "/api/v1/incidents?status=open", None),
        ("GET", "/api/v1/events") => ("GET", "/api/v1/events", None),
        ("GET", "/api/v1/incidents/{id}") => ("GET", "/api/v1/incidents/1", None),
        ("POST", "/api/v1/incidents/{id}/assign") => (
            "POST",
            "/api/v1/incidents/1/assign",
            Some(json!({"assignee": "traffic-police"})),
        ),
        ("POST", "/api/v1/incidents/{id}/comment") => (
            "POST",
            "/api/v1/incidents/1/comment",
            Some(json!({"text": "on it"})),
        ),
        ("POST", "/api/v1/incidents/{id}/status") => (
            "POST",
            "/api/v1/incidents/1/status",
            Some(json!({"status": "in_progress"})),
        ),
        ("POST", "/api/v1/incidents/{id}/checklist/{step}") => {
            ("POST", "/api/v1/incidents/1/checklist/confirm", None)
        }
        ("GET", "/api/v1/procedures") => ("GET", "/api/v1/procedures", None),
        ("GET", "/api/v1/handover") => ("GET", "/api/v1/handover", None),
        ("POST", "/api/v1/events") => (
            "POST",
            "/api/v1/events",
            Some(
                json!({"id": "access-1", "kind": "citizen_report", "category": "jam", "district": "hai-chau", "lat": 16.06, "lon": 108.22}),
            ),
        ),
        ("GET", "/api/v1/events/{id}") => ("GET", "/api/v1/events/access-1", None),
        ("POST", "/api/v1/events/{id}/incident") => {
            ("POST", "/api/v1/events/access-1/incident", None)
        }
        ("GET", "/api/v1/ingest/rejections") => ("GET", "/api/v1/ingest/rejections", None),
        ("GET", "/api/v1/admin/keys") => ("GET", "/api/v1/admin/keys", None),
        ("POST", "/api/v1/admin/keys") => (
            "POST",
            "/api/v1/admin/keys",
            Some(json!({"role": "viewer", "label": "matrix"})),
        ),
        ("DELETE", "/api/v1/admin/keys/{id}") => {
            ("DELETE", "/api/v1/admin/keys/000000000000", None)
        }
        ("GET", "/api/v1/admin/audit") => ("GET", "/api/v1/admin/audit", None),
        ("POST", "/api/v1/admin/reload") => ("POST", "/api/v1/admin/reload", None),
        _ => return None,
    })
}

/// What each caller may do with each kind of route, written out (not derived from the code
/// under test): true = allowed, false = 403; anonymous callers get 401 on all but public.
fn allowed(access: &str, caller: &str) -> bool {
    match (access, caller) {
        ("Public" | "Read", _) => true,
        ("Operations", c) => matches!(c, "viewer" | "operator" | "admin"),
        ("Acknowledge", c) => matches!(c, "operator" | "admin"),
        ("Respond", c) => matches!(c, "operator" | "department" | "admin"),
        ("Admin", c) => c == "admin",
        (a, _) => panic!("unknown access {a}"),
    }
}

pub(crate) async fn call(
    app: &TestApp,
    http: &reqwest::Client,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = app.url(path);
    let req = match method {
        "GET" => http.get(url),
        "DELETE" => http.delete(url),
        _ => http.post(url).json(&body.unwrap_or(json!({}))),
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[test]
fn every_route_is_in_the_matrix() {
    for (verb, pattern, _) in ioc::serve::POLICY.iter() {
        let method = verb.as_str();
        assert!(
            sample(method, pattern).is_some(),
            "no matrix sample for {method} {pattern}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_by_endpoint_matrix_allows_401s_and_403s_every_route() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let mut callers: BTreeMap<&str, reqwest::Client> = BTreeMap::new();
    callers.insert("anonymous", reqwest::Client::new());
    for role in ["viewer", "operator", "admin"] {
        callers.insert(role, client_with_token(&app.create_key(role, &[]).await));
    }
    let dept = app.create_key("department", &["domain:traffic"]).await;
    callers.insert("department", client_with_token(&dept));
    // Reload last: it re-reads the rules, which the other rows do not mind either way.
    let mut routes: Vec<_> = ioc::serve::POLICY.iter().collect();
    routes.sort_by_key(|(_, p, _)| *p == "/api/v1/admin/reload");
    for (verb, pattern, access) in routes {
        let access = format!("{access:?}");
        let (method, path, body) = sample(verb.as_str(), pattern).expect("sample");
        for (caller, http) in &callers {
            let (status, resp) = call(&app, http, method, path, body.clone()).await;
            let row = format!("{caller} {method} {path} ({access}) -> {status} {resp}");
            if pattern == &"/api/v1/stream" {
                // A plain GET is not an upgrade whoever asks (anonymous callers may still
                // authenticate in their first message): 400 websocket_required.
                assert_eq!(
                    (status, resp["code"].as_str()),
                    (400, Some("websocket_required")),
                    "{row}"
                );
            } else if access != "Public" && *caller == "anonymous" {
                assert_eq!(status, 401, "{row}");
                assert_eq!(resp["code"], "unauthorized", "{row}");
            } else if allowed(&access, caller) {
                assert!(status != 401 && status != 403 && status < 500, "{row}");
            } else {
                assert_eq!(status, 403, "{row}");
                assert_eq!(resp["code"], "forbidden", "{row}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_revoked_key_is_a_401_with_www_authenticate() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let key = app.create_key("viewer", &[]).await;
    let http = client_with_token(&key);
    assert_eq!(call(&app, &http, "GET", "/api/v1/kpi", None).await.0, 200);
    let mut forged = key.clone();
    forged.pop();
    forged.push(if key.ends_with('0') { '1' } else { '0' });
    for bad in [
        forged.as_str(),
        "ioc_nonsense",
        "Bearer",
        "eyJhbGciOiJIUzI1NiJ9.e30.x",
    ] {
        let res = client_with_token(bad)
            .get(app.url("/api/v1/kpi"))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status().as_u16(), 401, "{bad}");
        assert!(res.headers().get("www-authenticate").is_some());
    }
    let (_, keys) = app.get("/api/v1/admin/keys").await;
    let id = keys["keys"]
        .as_array()
        .and_then(|k| k.iter().find(|k| k["role"] == "viewer"))
        .and_then(|k| k["id"].as_str())
        .expect("the viewer key is listed")
        .to_owned();
    assert!(
        !keys.to_string().contains(&key),
        "a listing never shows a secret"
    );
    let (status, _) = call(
        &app,
        &app.http,
        "DELETE",
        &format!("/api/v1/admin/keys/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(&app, &http, "GET", "/api/v1/kpi", None).await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
    let (_, audit) = app.get("/api/v1/admin/audit?action=key.revoke").await;
    assert_eq!(audit["entries"][0]["target"], id.as_str(), "{audit}");
    assert_eq!(audit["entries"][0]["actor"], "bootstrap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_key_sees_only_its_districts_and_domains_everywhere() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    // hai-chau: tl-0037..48, aq-0019..24; son-tra: tl-0049..60.
    p.publish(
        "city/traffic/hai-chau/tl-0042",
        r#"{"vehicle_count": 10, "avg_speed_kmh": 30}"#,
    )
    .await;
    p.publish(
        "city/traffic/son-tra/tl-0050",
        r#"{"vehicle_count": 90, "avg_speed_kmh": 5}"#,
    )
    .await;
    p.publish("city/environment/hai-chau/aq-0019", r#"{"pm25": 40}"#)
        .await;
    eventually("readings land", || async {
        app.get("/api/v1/sensors/tl-0050").await.1["readings_received"] == 2
            && app.get("/api/v1/sensors/aq-0019").await.1["readings_received"] == 1
    })
    .await;
    // The computed indicators come from the snapshot, one tick (250 ms) behind the live state.
    eventually("the snapshot has the roads", || async {
        app.get("/api/v1/indicators/traffic").await.1["roads"]
            .as_array()
            .is_some_and(|r| r.len() >= 2)
    })
    .await;
    let key = app
        .create_key("department", &["domain:traffic", "district:hai-chau"])
        .await;
    let http = client_with_token(&key);
    let get = |path: &'static str| call(&app, &http, "GET", path, None);

    let (_, sensors) = get("/api/v1/sensors").await;
    let list = sensors["sensors"].as_array().expect("list");
    assert_eq!(list.len(), 12, "the 12 traffic sensors of hai-chau");
    assert!(list
        .iter()
        .all(|s| s["domain"] == "traffic" && s["district"] == "hai-chau"));
    let (status, body) = get("/api/v1/sensors/tl-0050").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("sensor_not_found")),
        "outside: as if unknown"
    );
    assert_eq!(get("/api/v1/sensors/aq-0019").await.0, 404);
    assert_eq!(get("/api/v1/sensors/tl-0042").await.0, 200);

    let (status, body) = get("/api/v1/indicators/environment").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown_domain"))
    );
    let msg = body["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("traffic") && !msg.contains("public_service"),
        "only its domains are named: {msg}"
    );
    let (status, _) = get("/api/v1/sensors?district=son-tra").await;
    assert_eq!(status, 400, "another district is unknown to this key");

    let (_, ind) = get("/api/v1/indicators").await;
    let domains: Vec<&String> = ind["domains"]
        .as_object()
        .expect("domains")
        .keys()
        .collect();
    assert_eq!(domains, ["traffic"]);
    assert_eq!(
        ind["domains"]["traffic"]["city"],
        json!({}),
        "no city-wide aggregate: {ind}"
    );
    let districts: Vec<&String> = ind["domains"]["traffic"]["districts"]
        .as_object()
        .expect("d")
        .keys()
        .collect();
    assert_eq!(districts, ["hai-chau"]);

    let (_, kpi) = get("/api/v1/kpi").await;
    let counted: u64 = ["online", "late", "offline", "never_seen"]
        .iter()
        .filter_map(|k| kpi["sensors"][k].as_u64())
        .sum();
    assert_eq!(counted, 12, "the KPI counts only its sensors: {kpi}");
    let (_, traffic) = get("/api/v1/indicators/traffic").await;
    let roads = traffic["roads"].as_array().expect("roads");
    assert!(
        !roads.is_empty() && roads.iter().all(|r| r["district"] == "hai-chau"),
        "{traffic}"
    );

    let (_, city) = get("/api/v1/city").await;
    assert_eq!(city["districts"].as_array().map(Vec::len), Some(1));
    assert_eq!(city["domains"], json!(["traffic"]));
    assert_eq!(city["sensors"].as_array().map(Vec::len), Some(12));

    let (status, body) = get("/api/v1/series?sensor=tl-0050&metric=vehicle_count").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("unknown_sensor"))
    );
    let (status, body) = get("/api/v1/series?domain=traffic&metric=vehicle_count").await;
    assert_eq!(
        status, 200,
        "one district in scope is taken as given: {body}"
    );
    assert_eq!(body["district"], "hai-chau");

    for path in ["/metrics", "/api/v1/ingest/rejections"] {
        assert_eq!(get(path).await.0, 403, "{path} spans the whole city");
    }

    // The same scope on the WebSocket.
    let (mut ws, _) = connect_as(&app, &key).await;
    let e = ask(
        &mut ws,
        json!({"op": "subscribe", "id": "k", "streams": ["kpi"]}),
    )
    .await;
    assert_eq!(
        (e["type"].as_str(), e["code"].as_str()),
        (Some("error"), Some("forbidden")),
        "{e}"
    );
    assert_eq!(
        ask(
            &mut ws,
            json!({"op": "subscribe", "id": "s", "streams": ["sensor/tl-0050"]})
        )
        .await["code"],
        "unknown_sensor"
    );
    let ack = ask(
        &mut ws,
        json!({"op": "subscribe", "id": "all", "streams": ["indicators/*/*"]}),
    )
    .await;
    assert_eq!(
        ack["streams"],
        json!(["indicators/traffic/hai-chau"]),
        "a pattern matches only the scope: {ack}"
    );
}

/// Sends one request and returns the next message.
async fn ask(ws: &mut Ws, request: Value) -> Value {
    send(ws, request).await;
    next_json(ws).await
}

/// Upgrades without a credential; the connection then waits for an `auth` message.
async fn connect_without_token(
    url: &str,
) -> (
    Ws,
    tokio_tungstenite::tungstenite::handshake::client::Response,
) {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("upgrade")
}

async fn closed_with_policy(ws: &mut Ws) -> bool {
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(15), ws.next()).await {
            Ok(Some(Ok(Message::Close(Some(f))))) => return u16::from(f.code) == 1008,
            Ok(Some(Ok(_))) => continue,
            _ => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_websocket_refuses_a_missing_or_bad_token() {
    let app = spawn_app(BrokerKind::Embedded).await;
    // A bad token in the subprotocol: refused before the upgrade.
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://{}/api/v1/stream", app.addr),
    )
    .expect("request");
    req.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "ioc.v1, ioc.bearer.ioc_000000000000_000000000000000000000000000000000000000000000000"
            .parse()
            .expect("header"),
    );
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status().as_u16(), 401)
        }
        other => panic!("expected a 401, got {:?}", other.map(|_| ())),
    }
    // A token in the URL is refused with the reason.
    let (status, body) = app.get("/api/v1/stream?access_token=x").await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap_or("").contains("logs"),
        "{body}"
    );

    // No token: anything but auth is refused and the connection closed (1008).
    let url = format!("ws://{}/api/v1/stream", app.addr);
    let (mut ws, _) = connect_without_token(&url).await;
    assert_eq!(next_json(&mut ws).await["type"], "hello");
    assert_eq!(
        ask(&mut ws, json!({"op": "subscribe", "streams": ["kpi"]})).await["code"],
        "unauthenticated"
    );
    assert!(closed_with_policy(&mut ws).await, "closed with 1008");

    // A bad token in the auth message: refused and closed.
    let (mut ws, _) = connect_without_token(&url).await;
    next_json(&mut ws).await;
    assert_eq!(ask(&mut ws, json!({"op": "auth", "token": "ioc_000000000000_000000000000000000000000000000000000000000000000"})).await["code"], "auth_failed");
    assert!(closed_with_policy(&mut ws).await, "closed with 1008");

    // A good token in the auth message: then subscriptions work.
    let viewer = app.create_key("viewer", &[]).await;
    let (mut ws, _) = connect_without_token(&url).await;
    next_json(&mut ws).await;
    let ok = ask(&mut ws, json!({"op": "auth", "id": "a", "token": viewer})).await;
    assert_eq!(
        (ok["type"].as_str(), ok["role"].as_str()),
        (Some("authenticated"), Some("viewer")),
        "{ok}"
    );
    assert_eq!(
        ask(
            &mut ws,
            json!({"op": "subscribe", "id": "s", "streams": ["kpi"]})
        )
        .await["type"],
        "subscribed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_key_closes_its_open_websocket() {
    let app = spawn_app_with(
        BrokerKind::Embedded,
        &[("IOC__PUSH__PING_INTERVAL_MS", "300")],
    )
    .await;
    let key = app.create_key("viewer", &[]).await;
    let (mut ws, _) = connect_as(&app, &key).await;
    assert_eq!(
        ask(
            &mut ws,
            json!({"op": "subscribe", "id": "s", "streams": ["kpi"]})
        )
        .await["type"],
        "subscribed"
    );
    let (_, keys) = app.get("/api/v1/admin/keys").await;
    let id = keys["keys"][0]["id"].as_str().expect("id").to_owned();
    let (status, _) = call(
        &app,
        &app.http,
        "DELETE",
        &format!("/api/v1/admin/keys/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(
        closed_with_policy(&mut ws).await,
        "closed (1008) at the next heartbeat"
    );
}
