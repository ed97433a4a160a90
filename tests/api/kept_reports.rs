//! Reports kept each night: a node that kept reports before and was down at midnight makes
//! yesterday's at start; `GET /api/v1/reports` lists them within the key's scope; each
//! downloads as JSON, CSV and XLSX as it was kept, while the same report computed later
//! follows data that arrived since.

use std::sync::Arc;

use serde_json::Value;

use crate::helpers::{client_with_token, eventually, spawn_app_in, BrokerKind};
use crate::reports::{publish_day, yesterday};

const DAILY: &[(&str, &str)] = &[("IOC__REPORTS__DAILY", "true")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn yesterdays_reports_are_kept_listed_in_scope_and_served_as_kept() {
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = spawn_app_in(dir.clone(), BrokerKind::Embedded, DAILY).await;
    let (day, date) = yesterday();
    publish_day(&app, day).await;
    let (_, list) = app.get("/api/v1/reports").await;
    assert_eq!(
        list["count"], 0,
        "a first run keeps nothing before midnight: {list}"
    );
    app.stop().await.expect("stop");

    // Down over midnight: the next start makes the day it missed.
    std::fs::create_dir_all(dir.path().join("reports")).expect("reports dir");
    let app = spawn_app_in(dir.clone(), BrokerKind::Embedded, DAILY).await;
    let all = 4 * 12;
    eventually("yesterday's reports are kept", || async {
        app.get("/api/v1/reports").await.1["count"] == all
    })
    .await;
    let (_, list) = app
        .get(&format!(
            "/api/v1/reports?kind=air&district=hai-van&from={date}&to={date}"
        ))
        .await;
    assert_eq!(list["count"], 1, "{list}");
    let entry = &list["reports"][0];
    assert_eq!(
        (entry["kind"].as_str(), entry["date"].as_str()),
        (Some("air"), Some(date.as_str()))
    );

    let (status, kept) = app.get(entry["json"].as_str().expect("url")).await;
    assert_eq!(status, 200, "{kept}");
    let station = |r: &Value| {
        r["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["id"] == "aq-0001").cloned())
            .expect("aq-0001")
    };
    assert_eq!(station(&kept)["vn_aqi_daily"], 60, "{kept}");
    for format in ["csv", "xlsx"] {
        let r = app
            .http
            .get(app.url(entry[format].as_str().expect("url")))
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200, "{format}");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            disposition.contains(&format!("air-{date}-hai-van.{format}")),
            "{disposition}"
        );
        assert!(!r.bytes().await.expect("body").is_empty());
    }

    // Late data changes the report computed now, not the one kept.
    let p = app.publisher().await;
    for h in 0..24 {
        let ts = day + h * 3_600_000 + 1_800_000 + 60_000;
        p.publish(
            "city/environment/hai-van/aq-0001",
            format!(r#"{{"ts":{ts},"pm25":90}}"#),
        )
        .await;
    }
    p.wait_acked(24).await;
    let now = format!("/api/v1/reports/air?date={date}&district=hai-van");
    eventually("the late data is in the computed report", || async {
        station(&app.get(&now).await.1)["vn_aqi_daily"] != 60
    })
    .await;
    let (_, again) = app.get(entry["json"].as_str().expect("url")).await;
    assert_eq!(
        station(&again)["vn_aqi_daily"],
        60,
        "the kept report is as it was kept"
    );

    // A key of one district and one domain sees only those.
    let token = app
        .create_key("department", &["district:hai-van", "domain:traffic"])
        .await;
    let dept = client_with_token(&token);
    let list: Value = dept
        .get(app.url("/api/v1/reports"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let seen: Vec<(String, String)> = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or("").to_owned(),
                r["district"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [("traffic".to_owned(), "hai-van".to_owned())],
        "{list}"
    );
    let other = dept
        .get(app.url(&format!(
            "/api/v1/reports/air?date={date}&district=hai-van&kept=true"
        )))
        .send()
        .await
        .expect("get");
    assert_eq!(
        other.status(),
        404,
        "another domain's report is unknown to the key"
    );
    let other = dept
        .get(app.url(&format!(
            "/api/v1/reports/traffic?date={date}&district=son-tra&kept=true"
        )))
        .send()
        .await
        .expect("get");
    assert_eq!(other.status(), 400, "another district is refused");
    let missing = app
        .get("/api/v1/reports/air?date=2020-01-01&district=hai-van&kept=true")
        .await;
    assert_eq!(
        (missing.0, missing.1["code"].as_str()),
        (404, Some("report_not_found")),
        "{}",
        missing.1
    );
}
