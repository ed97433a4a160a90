//! The incident workflow in the control room, in a real browser (the `Browser` of
//! `dashboard.rs`): an operator opens an incident from a firing alert, works the procedure's
//! checklist, assigns it to a department, comments, and resolves it; then opens another from
//! a citizen's report on the map. After each step the REST API shows that the server's state
//! changed, and the page shows it too.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::dashboard::{city, hourly_pm25, require_browser, simulate, within, Browser};
use crate::helpers::{spawn_app, spawn_app_with_rules, BrokerKind, TestApp, PM25_STATION_RULE};

/// The built-in procedure a PM2.5 alert's incident follows, and the department that takes it
/// (the server's default procedures).
const CATEGORY: &str = "air_pollution";
const DEPARTMENT: &str = "environment";
const WAIT: Duration = Duration::from_secs(30);

/// What the page shows of the incidents, read in one script (no key named `error`: the
/// browser helper takes a result holding one for a WebDriver error).
const PROBE: &str = r#"
const q = (s) => document.querySelector(s);
const detail = q('#incident-detail');
return {
  id: detail && !detail.hidden ? detail.dataset.incidentId ?? null : null,
  status: detail?.dataset?.status ?? null,
  assignee: q('#incident-fields [data-field="assignee"]')?.dataset?.assignee ?? null,
  steps: Object.fromEntries([...document.querySelectorAll('#incident-checklist li[data-step]')].map((li) =>
    [li.dataset.step, { done: li.dataset.done === 'true', by: li.querySelector('.by')?.textContent ?? '' }])),
  timeline: [...document.querySelectorAll('#incident-timeline li')].map((li) => li.dataset.kind),
  refusal: q('#incident-error')?.textContent ?? '',
  rows: Object.fromEntries([...document.querySelectorAll('#incidents li[data-incident-id]')].map((li) =>
    [li.dataset.incidentId, li.dataset.status])),
  alert_button: q('#alert-list li[data-rule="pm25-station"] [data-open-incident]')?.textContent ?? null,
};
"#;

/// Runs the page's own `notificationSummary` (alerts.js) and `slaState` (sla.js) on fixed
/// inputs.
const PURE: &str = r#"
const done = arguments[arguments.length - 1];
Promise.all([import('/ui/alerts.js'), import('/ui/sla.js')]).then(([{ notificationSummary }, { slaState }]) => {
  const notes = notificationSummary([
    { event: 'alert.firing', id: 'a', attempts: 1, delivered_ms: null, last_error: 'timeout', channel: 'webhook' },
    { event: 'alert.acknowledged', id: 'b', attempts: 2, delivered_ms: 1700000000000, last_error: null, channel: 'webhook' },
    { event: 'alert.firing', id: 'c', attempts: 3, delivered_ms: null, last_error: 'connection refused', channel: 'email' },
  ]);
  const sla = (status, breached, now) => {
    const s = slaState({ status, sla: { assign_by_ms: 1000, resolve_by_ms: 5000, breached } }, now);
    return `${s.kind}:${s.breached}`;
  };
  done({
    notes: notes.map((n) => `${n.channel}:${n.state}`),
    email: notes[1].text,
    sla: [sla('new', [], 0), sla('new', [], 2000), sla('in_progress', [], 0), sla('in_progress', ['resolve'], 0), sla('closed', ['assign'], 0)],
  });
}, (e) => done(String(e)));
"#;

async fn incident(app: &TestApp, id: i64) -> Value {
    let (status, body) = app.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The checklist entry of `step` in an incident (the server's or the page's).
fn step<'a>(inc: &'a Value, step: &str) -> &'a Value {
    inc["checklist"]
        .as_array()
        .and_then(|c| c.iter().find(|s| s["step"] == step))
        .unwrap_or_else(|| panic!("no step {step} in {inc}"))
}

fn kinds(inc: &Value) -> Vec<String> {
    inc["timeline"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|e| e["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_opens_an_incident_from_an_alert_works_its_checklist_and_resolves_it() {
    require_browser();
    // Arrange: ioc with the PM2.5 station rule, the city reporting as the simulator does, and
    // an operator's key.
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = spawn_app_with_rules(
        dir,
        PM25_STATION_RULE,
        &[("IOC__INDICATORS__ALERT_EVAL_INTERVAL_S", "1")],
    )
    .await;
    let city = city(&app).await;
    let p = Arc::new(app.publisher().await);
    let now = ioc::shell::now_ms();
    for ((d, _), (station, _, _)) in city.districts.iter().zip(&city.first) {
        p.publish(
            &format!("city/environment/{d}/{station}"),
            hourly_pm25(now, 18.0),
        )
        .await;
    }
    let sim = simulate(
        p.clone(),
        &city,
        String::new(),
        Arc::new(AtomicBool::new(false)),
    );
    let (status, procedures) = app.get("/api/v1/procedures").await;
    assert_eq!(status, 200, "{procedures}");
    let category = procedures["categories"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == CATEGORY))
        .unwrap_or_else(|| panic!("no built-in category {CATEGORY}: {procedures}"));
    let steps: Vec<String> = category["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["step"].as_str().expect("step id").to_owned())
        .collect();
    assert!(steps.len() >= 2, "a procedure of several steps: {category}");
    assert!(
        procedures["departments"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["id"] == DEPARTMENT)),
        "no built-in department {DEPARTMENT}: {procedures}"
    );
    let operator = app.create_key("operator", &[]).await;
    let browser = Browser::start().await;
    let probe = || async { browser.js(PROBE).await };
    browser.goto(&app.url(&format!("/#token={operator}"))).await;

    // One station's PM2.5 spikes: its alert fires and is listed with an open-incident button.
    let (district, _) = &city.districts[1];
    let station = &city.first[1].0;
    p.publish(
        &format!("city/environment/{district}/{station}"),
        format!(r#"{{"ts": {}, "pm25": 180}}"#, ioc::shell::now_ms()),
    )
    .await;
    within(
        "the alert is listed with its open-incident button",
        Duration::from_secs(60),
        || async { probe().await["alert_button"].is_string() },
    )
    .await;
    let (_, firing) = app.get("/api/v1/alerts?state=firing").await;
    let alert_id = firing["alerts"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|a| a["subject"] == format!("sensor:{station}"))
        })
        .and_then(|a| a["id"].as_i64())
        .unwrap_or_else(|| panic!("no alert for {station}: {firing}"));

    // Act 1: open an incident from the alert.
    browser
        .click(r#"#alert-list li[data-rule="pm25-station"] [data-open-incident]"#)
        .await;
    within("the incident opens with its checklist", WAIT, || async {
        let s = probe().await;
        s["id"].is_string() && s["steps"].as_object().map(|o| o.len()) == Some(steps.len())
    })
    .await;
    let id: i64 = probe().await["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("incident id");
    let inc = incident(&app, id).await;
    assert_eq!(
        (&inc["status"], &inc["category"], &inc["district"]),
        (&json!("new"), &json!(CATEGORY), &json!(district)),
        "{inc}"
    );
    assert_eq!(inc["alerts"], json!([alert_id]), "{inc}");
    assert_eq!(kinds(&inc), ["opened"], "{inc}");
    assert!(
        steps.iter().all(|s| step(&inc, s)["done"] == false),
        "{inc}"
    );
    within("the alert's button names the incident", WAIT, || async {
        probe().await["alert_button"]
            .as_str()
            .is_some_and(|b| b.contains(&format!("#{id}")))
    })
    .await;
    assert_eq!(probe().await["rows"][id.to_string()], "new");
    browser.screenshot("incident-1-open").await;

    // Act 2: tick the first step; the server records who and when, the page shows it.
    let first = &steps[0];
    browser
        .click(&format!(
            r#"#incident-detail [data-step="{first}"] input[type=checkbox]"#
        ))
        .await;
    within("the server records the ticked step", WAIT, || async {
        let inc = incident(&app, id).await;
        step(&inc, first)["done"] == true && step(&inc, first)["by"].is_string()
    })
    .await;
    within("the page shows who ticked it", WAIT, || async {
        let s = probe().await;
        s["steps"][first]["done"] == true
            && s["steps"][first]["by"]
                .as_str()
                .is_some_and(|b| !b.is_empty())
    })
    .await;

    // Act 3: assign it to the department; a new incident becomes assigned.
    browser
        .click(&format!(
            r#"#incident-assignee option[value="{DEPARTMENT}"]"#
        ))
        .await;
    browser.click("#incident-assign").await;
    within("the server records the assignment", WAIT, || async {
        let inc = incident(&app, id).await;
        inc["assignee"] == DEPARTMENT && inc["status"] == "assigned"
    })
    .await;
    within("the page shows the assignment", WAIT, || async {
        let s = probe().await;
        s["status"] == "assigned" && s["assignee"] == DEPARTMENT
    })
    .await;

    // Act 4: the work starts, and the operator comments.
    browser
        .click(r#"#incident-detail [data-status-to="in_progress"]"#)
        .await;
    within("the server records in_progress", WAIT, || async {
        incident(&app, id).await["status"] == "in_progress"
    })
    .await;
    within("the page shows in_progress", WAIT, || async {
        probe().await["status"] == "in_progress"
    })
    .await;
    let comment = "đội môi trường đang kiểm tra trạm";
    browser.type_into("#incident-comment", comment).await;
    browser.click("#incident-comment-send").await;
    within("the server records the comment", WAIT, || async {
        incident(&app, id).await["timeline"]
            .as_array()
            .is_some_and(|t| {
                t.iter()
                    .any(|e| e["kind"] == "comment" && e["detail"] == comment)
            })
    })
    .await;
    within("the page's timeline matches the server's", WAIT, || async {
        let page = probe().await["timeline"].clone();
        let mut server = kinds(&incident(&app, id).await);
        server.reverse(); // the page lists the newest first
        page.as_array()
            .is_some_and(|p| p.contains(&json!("comment")))
            && page == json!(server)
    })
    .await;
    browser.screenshot("incident-2-worked").await;

    // Resolving with steps left is refused, and the page says why.
    browser
        .click(r#"#incident-detail [data-status-to="resolved"]"#)
        .await;
    within("the page shows the refusal", WAIT, || async {
        probe().await["refusal"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    })
    .await;
    assert_eq!(incident(&app, id).await["status"], "in_progress");

    // Act 5: tick the remaining steps and resolve.
    for s in &steps[1..] {
        browser
            .click(&format!(
                r#"#incident-detail [data-step="{s}"] input[type=checkbox]"#
            ))
            .await;
        within(
            &format!("step {s} is ticked on both sides"),
            WAIT,
            || async {
                step(&incident(&app, id).await, s)["done"] == true
                    && probe().await["steps"][s]["done"] == true
            },
        )
        .await;
    }
    browser
        .click(r#"#incident-detail [data-status-to="resolved"]"#)
        .await;
    within("the server records the resolution", WAIT, || async {
        incident(&app, id).await["status"] == "resolved"
    })
    .await;
    within("the page shows it resolved", WAIT, || async {
        let s = probe().await;
        s["status"] == "resolved" && s["rows"][id.to_string()] == "resolved"
    })
    .await;
    let inc = incident(&app, id).await;
    let seen = kinds(&inc);
    for kind in ["opened", "checklist", "assigned", "status", "comment"] {
        assert!(seen.iter().any(|k| k == kind), "{kind} in {inc}");
    }
    assert_eq!(
        seen.iter().filter(|k| *k == "checklist").count(),
        steps.len(),
        "one entry per ticked step: {inc}"
    );
    within("the page lists every timeline entry", WAIT, || async {
        probe().await["timeline"].as_array().map(Vec::len) == Some(seen.len())
    })
    .await;
    browser.screenshot("incident-3-resolved").await;

    // A citizen's report appears on the map (just above its district's label); from its card
    // the operator opens an incident.
    let (_, layout) = app.get("/api/v1/city?sensors=false").await;
    let area = &layout["districts"][2];
    let polygon = area["polygon"].as_array().expect("polygon");
    let mean =
        |i: usize| polygon.iter().filter_map(|p| p[i].as_f64()).sum::<f64>() / polygon.len() as f64;
    let report = json!({
        "id": "report-1", "kind": "citizen_report", "district": area["id"],
        "lat": mean(1) + 0.008, "lon": mean(0), "category": "pothole",
        "description": "Ổ gà lớn giữa đường",
    });
    let res = app
        .http
        .post(app.url("/api/v1/events"))
        .json(&report)
        .send()
        .await
        .expect("POST an event");
    assert_eq!(res.status().as_u16(), 201, "{:?}", res.text().await);
    let marker = r#"#map path.event[data-event-id="report-1"]"#;
    within("the report is drawn on the map", WAIT, || async {
        browser
            .js(&format!("return !!document.querySelector('{marker}');"))
            .await
            == true
    })
    .await;
    browser
        .js(&format!(
            "document.querySelector('{marker}').dispatchEvent(new MouseEvent('click', {{bubbles: true}})); return null;"
        ))
        .await;
    within("the card shows the report", WAIT, || async {
        browser
            .js("const c = document.querySelector('#event-detail'); return !c.hidden && c.textContent.includes('Ổ gà');")
            .await
            == true
    })
    .await;
    browser.click("#event-open-incident").await;
    within("an incident opens from the report", WAIT, || async {
        let s = probe().await;
        s["id"].is_string() && s["id"] != json!(id.to_string())
    })
    .await;
    let from_report: i64 = probe().await["id"]
        .as_str()
        .and_then(|i| i.parse().ok())
        .expect("incident id");
    let inc = incident(&app, from_report).await;
    assert_eq!(
        (&inc["status"], &inc["events"]),
        (&json!("new"), &json!(["report-1"])),
        "{inc}"
    );
    within("the marker shows an incident covers it", WAIT, || async {
        browser
            .js(&format!(
                "return document.querySelector('{marker}').classList.contains('linked');"
            ))
            .await
            == true
    })
    .await;
    browser.screenshot("incident-4-event").await;

    // The page's notification lines and SLA countdown, on fixed inputs.
    let pure = browser.js_async(PURE).await;
    assert_eq!(
        pure["notes"],
        json!(["webhook:delivered", "email:retrying"]),
        "each channel's latest notification: {pure}"
    );
    assert!(
        pure["email"]
            .as_str()
            .is_some_and(|t| t.starts_with("email:") && t.ends_with("(3) — connection refused")),
        "{pure}"
    );
    assert_eq!(
        pure["sla"],
        json!([
            "assign:false",
            "assign:true",
            "resolve:false",
            "resolve:true",
            "null:false"
        ]),
        "{pure}"
    );
    sim.abort();
}

/// The incident and event scripts are served like the page's other assets.
#[tokio::test]
async fn the_incident_and_event_scripts_are_served_from_the_binary() {
    let app = spawn_app(BrokerKind::Embedded).await;
    for file in ["incidents.js", "incident-detail.js", "sla.js", "events.js"] {
        let res = app
            .http
            .get(app.url(&format!("/ui/{file}")))
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status().as_u16(), 200, "{file}");
        let header = |name: &str| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert!(
            header("content-type").starts_with("text/javascript"),
            "{file}"
        );
        assert!(
            header("content-security-policy").contains("script-src 'self'"),
            "{file}"
        );
        let body = res.text().await.expect("text");
        assert!(body.contains("export "), "{file} is an ES module");
    }
}
