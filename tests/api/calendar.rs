//! History by the local calendar: the demo city's zone is Asia/Ho_Chi_Minh (UTC+7, no
//! daylight saving), so a day step runs from 00:00 to 24:00 at +07:00, not 07:00 to 07:00.
//! Local midnights are computed here by plain arithmetic, independently of `ioc`'s zone code.

use crate::helpers::{spawn_app, BrokerKind};

const H: i64 = 3_600_000;
const DAY: i64 = 24 * H;
const VN: i64 = 7 * H;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_step_cuts_at_local_midnight_and_tz_moves_the_cut() {
    let app = spawn_app(BrokerKind::Embedded).await;
    // Two days ago, local: readings at 23:30 that day and 00:30 the next.
    let now = ioc::shell::now_ms();
    let midnight = ((now + VN).div_euclid(DAY) - 1) * DAY - VN; // 00:00 local, yesterday
    let (late, early) = (midnight - H / 2, midnight + H / 2);
    let p = app.publisher().await;
    for (ts, count) in [(late, 5), (early, 7)] {
        let payload = format!(r#"{{"ts": {ts}, "vehicle_count": {count}}}"#);
        p.publish("city/traffic/hai-chau/tl-0042", payload).await;
    }
    p.wait_acked(2).await;
    let series = |tz: &str| {
        format!(
            "/api/v1/series?sensor=tl-0042&metric=vehicle_count&from={}&to={}&step=1d&agg=sum{tz}",
            midnight - DAY,
            midnight + DAY
        )
    };

    let (status, body) = app.get(&series("")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tz"], "Asia/Ho_Chi_Minh");
    assert_eq!(
        body["points"],
        serde_json::json!([[midnight - DAY, 5.0], [midnight, 7.0]]),
        "23:30 lands in its own day, 00:30 in the next"
    );

    // In UTC both readings fall on the same day (16:30 and 17:30 UTC).
    let (status, body) = app.get(&series("&tz=UTC")).await;
    assert_eq!(status, 200, "{body}");
    let utc_day = (midnight + VN).div_euclid(DAY) * DAY - DAY;
    assert_eq!(body["points"], serde_json::json!([[utc_day, 12.0]]));

    let (status, body) = app.get(&series("&tz=Mars/Olympus_Mons")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "invalid_query");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Mars/Olympus_Mons") && message.contains("IANA"),
        "{body}"
    );

    // CSV: each step's start as local time with its offset.
    let csv = app
        .http
        .get(app.url(&format!("{}&format=csv", series(""))))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "timestamp_ms,value,time");
    assert!(lines[2].starts_with(&format!("{midnight},7,")), "{csv}");
    assert!(lines[2].ends_with("T00:00:00+07:00"), "{csv}");
}
