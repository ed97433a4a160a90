//! The data-quality report counts rejections by reason per day: a rejected message counts in
//! the hour it was received, under its feed and district (or `unknown` ones, which only a key
//! of the whole city sees), and the counts outlive a restart.

use std::sync::Arc;

use serde_json::Value;

use crate::helpers::{client_with_token, spawn_app_in, BrokerKind};

fn rejections(report: &Value) -> Vec<(String, String, String, i64)> {
    report["rejections"]
        .as_array()
        .unwrap_or_else(|| panic!("no rejections section: {report}"))
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
            (
                s("domain"),
                s("district"),
                s("reason"),
                r["count"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejections_by_reason_per_day_reach_the_data_quality_report_in_scope() {
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let app = spawn_app_in(dir.clone(), BrokerKind::Embedded, &[]).await;
    let now = ioc::shell::now_ms();
    let p = app.publisher().await;
    p.publish("city/traffic/hai-van/tl-0001", "{oops").await;
    p.publish(
        "city/traffic/hai-van/tl-0001",
        format!(r#"{{"ts":{now},"avg_speed_kmh":-5}}"#),
    )
    .await;
    p.publish(
        "city/traffic/hai-van/tl-0001",
        format!(r#"{{"ts":{now},"avg_speed_kmh":30}}"#),
    )
    .await;
    p.publish(
        "city/traffic/nowhere/tl-0001",
        format!(r#"{{"ts":{now},"avg_speed_kmh":30}}"#),
    )
    .await;
    p.wait_acked(4).await;
    crate::helpers::eventually("every message was decoded", || async {
        app.get("/api/v1/ingest/rejections").await.1["count"] == 3
    })
    .await;
    // Stopping hands the counts to the store; they are read after the restart.
    app.stop().await.expect("stop");
    let app = spawn_app_in(dir, BrokerKind::Embedded, &[]).await;
    let today = ioc::model::Zone::named("Asia/Ho_Chi_Minh")
        .expect("zone")
        .date_of(now);

    let (status, city) = app
        .get(&format!("/api/v1/reports/data_quality?date={today}"))
        .await;
    assert_eq!(status, 200, "{city}");
    let mut seen = rejections(&city);
    seen.sort();
    let row = |d: &str, x: &str, r: &str, n: i64| (d.to_owned(), x.to_owned(), r.to_owned(), n);
    assert_eq!(
        seen,
        [
            row("traffic", "hai-van", "malformed_json", 1),
            row("traffic", "hai-van", "out_of_range", 1),
            row("traffic", "unknown", "unknown_district", 1),
        ],
        "{city}"
    );
    let main = city["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == "traffic/hai-van")
        .expect("traffic/hai-van");
    assert_eq!(main["rejected"], 2, "{main}");

    let (_, one) = app
        .get(&format!(
            "/api/v1/reports/data_quality?date={today}&district=hai-van"
        ))
        .await;
    assert_eq!(
        rejections(&one).len(),
        2,
        "a district's report has no unknown district: {one}"
    );
    let token = app.create_key("department", &["district:son-tra"]).await;
    let other: Value = client_with_token(&token)
        .get(app.url(&format!("/api/v1/reports/data_quality?date={today}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        rejections(&other),
        [],
        "another district's key sees none of them: {other}"
    );
}
