//! Departments' figures from a day with known answers: the indicator history, and the air,
//! traffic and public-service reports as JSON, CSV and XLSX (read back cell by cell). The
//! day is yesterday in the city's zone (UTC+7), published through the embedded broker with
//! source timestamps; the answers are worked out by hand from Decision 1459's tables.

use calamine::{Data, Reader, Xlsx};
use serde_json::Value;

use crate::helpers::{client_with_token, spawn_app, BrokerKind, TestApp};

const H: i64 = 3_600_000;
const DAY: i64 = 24 * H;
const VN: i64 = 7 * H;

/// Yesterday's local midnight, and its date as the API names it.
pub(crate) fn yesterday() -> (i64, String) {
    let now = ioc::shell::now_ms();
    let midnight = ((now + VN).div_euclid(DAY) - 1) * DAY - VN;
    let date = ioc::model::Zone::named("Asia/Ho_Chi_Minh")
        .expect("zone")
        .date_of(midnight);
    (midnight, date)
}

/// One message per hour `h` of the day (at hh:30 local) for each `(topic, hours, payload)`.
pub(crate) async fn publish_day(app: &TestApp, day: i64) {
    let p = app.publisher().await;
    let mut sent = 0;
    for h in 0..24i64 {
        let ts = day + h * H + H / 2;
        let mut messages = vec![
            // aq-0001: PM2.5 30 µg/m³ all day → daily VN_AQI 60.
            (
                "city/environment/hai-van/aq-0001",
                format!(r#"{{"ts":{ts},"pm25":30}}"#),
            ),
            // aq-0003: PM2.5 10, O3 150 from 10:00 to 18:00 and 50 otherwise → 8-hour O3
            // maximum 150 → 100 + 50·30/50 = 130, dominant O3.
            (
                "city/environment/hai-van/aq-0003",
                format!(
                    r#"{{"ts":{ts},"pm25":10,"o3":{}}}"#,
                    if (10..18).contains(&h) { 150 } else { 50 }
                ),
            ),
            // tl-0001 (free flow 60 km/h): 100 vehicles an hour, 900 at 17:00; 30 km/h.
            (
                "city/traffic/hai-van/tl-0001",
                format!(
                    r#"{{"ts":{ts},"vehicle_count":{},"avg_speed_kmh":30}}"#,
                    if h == 17 { 900 } else { 100 }
                ),
            ),
        ];
        if h < 17 {
            // aq-0002: 17 hours only, one short of the 18 a daily index needs.
            messages.push((
                "city/environment/hai-van/aq-0002",
                format!(r#"{{"ts":{ts},"pm25":30}}"#),
            ));
        }
        if (8..16).contains(&h) {
            // qs-0001 (target 900 s): 10 served per 5 minutes = 120 an hour; a 600 s wait for
            // six hours, 1,200 s for two → SLA share 6/8.
            let wait = if h < 14 { 600 } else { 1200 };
            messages.push((
                "city/public_service/hai-van/qs-0001",
                format!(r#"{{"ts":{ts},"served_last_5m":10,"avg_wait_s":{wait},"waiting":{h}}}"#),
            ));
        }
        for (topic, payload) in messages {
            p.publish(topic, payload).await;
            sent += 1;
        }
    }
    p.wait_acked(sent).await;
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("no row {id} in {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_with_known_answers_reads_the_same_in_history_json_csv_and_xlsx() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (day, date) = yesterday();
    publish_day(&app, day).await;

    // Indicator history: the calendar day, and the hours (the first lacks the NowCast's 2 of
    // the last 3 hours).
    let daily = format!(
        "/api/v1/series?indicator=vn_aqi_daily&sensor=aq-0001&from={day}&to={}",
        day + DAY
    );
    let (status, body) = app.get(&daily).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["indicator"], "vn_aqi_daily");
    assert_eq!(body["points"], serde_json::json!([[day, 60.0]]), "{body}");
    assert_eq!(
        body["dominant"],
        serde_json::json!([[day, "pm25"]]),
        "{body}"
    );
    let (_, o3) = app
        .get(&format!(
            "/api/v1/series?indicator=vn_aqi_daily&sensor=aq-0003&from={day}&to={}",
            day + DAY
        ))
        .await;
    assert_eq!(
        o3["dominant"],
        serde_json::json!([[day, "o3"]]),
        "the O3 day: {o3}"
    );
    let hourly = format!(
        "/api/v1/series?indicator=vn_aqi_hourly&sensor=aq-0001&from={day}&to={}&step=1d&agg=count",
        day + DAY
    );
    let (status, body) = app.get(&hourly).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["points"], serde_json::json!([[day, 23.0]]), "{body}");
    let (status, body) = app
        .get(&format!(
            "/api/v1/series?indicator=vn_aqi_daily&district=hai-van&from={day}&to={}",
            day + DAY
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["points"],
        serde_json::json!([[day, 130.0]]),
        "the worst station: {body}"
    );

    // The air report.
    let (status, air) = app
        .get(&format!("/api/v1/reports/air?date={date}&district=hai-van"))
        .await;
    assert_eq!(status, 200, "{air}");
    let a1 = row(&air, "aq-0001");
    assert_eq!(a1["vn_aqi_daily"], 60);
    assert_eq!(a1["vn_aqi_max_hourly"], 60);
    assert_eq!(a1["category"], "moderate");
    assert_eq!(a1["date"], date.as_str());
    let a2 = row(&air, "aq-0002");
    assert_eq!(a2["vn_aqi_daily"], Value::Null);
    assert!(
        a2["unavailable"].as_str().is_some_and(|w| w.contains("17")),
        "{a2}"
    );
    let a3 = row(&air, "aq-0003");
    assert_eq!(
        (a3["vn_aqi_daily"].clone(), a3["dominant"].clone()),
        (130.into(), "o3".into())
    );
    assert_eq!(
        a3["exceedances"], "o3",
        "150 µg/m³ over 8 hours is above QCVN's 120"
    );

    // Traffic and public service.
    let (status, traffic) = app
        .get(&format!(
            "/api/v1/reports/traffic?date={date}&district=hai-van"
        ))
        .await;
    assert_eq!(status, 200, "{traffic}");
    let t1 = row(&traffic, "tl-0001");
    assert_eq!(
        (t1["peak_hour"].clone(), t1["peak_flow_vph"].clone()),
        ("17:00".into(), 900.0.into())
    );
    assert_eq!(t1["mean_congestion"], 0.5);
    let (status, service) = app
        .get(&format!(
            "/api/v1/reports/public_service?date={date}&district=hai-van"
        ))
        .await;
    assert_eq!(status, 200, "{service}");
    let q1 = row(&service, "qs-0001");
    assert_eq!(
        (q1["served"].clone(), q1["sla_share"].clone()),
        (960.into(), 0.75.into())
    );

    // CSV: the same figures under the same names.
    let csv = app
        .http
        .get(app.url(&format!(
            "/api/v1/reports/air?date={date}&district=hai-van&format=csv"
        )))
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let at = |key: &str| header.iter().position(|h| *h == key).expect(key);
    let line = lines
        .find(|l| l.starts_with("aq-0001,"))
        .expect("aq-0001 line");
    let cells: Vec<&str> = line.split(',').collect();
    assert_eq!(cells[at("vn_aqi_daily")], "60", "{csv}");
    assert_eq!(cells[at("date")], date);

    check_xlsx(&app, &date).await;
    check_scope(&app, &date).await;
}

/// The spreadsheet, cell by cell: Vietnamese then English headers, typed cells.
async fn check_xlsx(app: &TestApp, date: &str) {
    let bytes = app
        .http
        .get(app.url(&format!(
            "/api/v1/reports/air?date={date}&district=hai-van&format=xlsx"
        )))
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX");
    let sheet = book.worksheet_range("rows").expect("the rows sheet");
    assert_eq!(
        sheet.get_value((0, 4)),
        Some(&Data::String("VN_AQI ngày".into()))
    );
    assert_eq!(
        sheet.get_value((1, 4)),
        Some(&Data::String("Daily VN_AQI".into()))
    );
    let r = (2..sheet.height() as u32)
        .find(|r| sheet.get_value((*r, 0)) == Some(&Data::String("aq-0001".into())))
        .expect("aq-0001's row");
    assert_eq!(
        sheet.get_value((r, 4)),
        Some(&Data::Float(60.0)),
        "a number, not text"
    );
    assert_eq!(sheet.get_value((r, 3)), Some(&Data::String(date.into())));
}

/// A department key scoped to other districts sees none of hai-van's rows.
async fn check_scope(app: &TestApp, date: &str) {
    let key = app.create_key("department", &["district:hai-chau"]).await;
    let dept = client_with_token(&key);
    let get = |path: String| {
        let req = dept.get(app.url(&path));
        async move {
            let res = req.send().await.expect("request");
            (
                res.status().as_u16(),
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, body) = get(format!("/api/v1/reports/air?date={date}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["rows"]
            .as_array()
            .is_some_and(|r| r.iter().all(|r| r["district"] == "hai-chau")),
        "{body}"
    );
    let (status, body) = get(format!("/api/v1/reports/air?date={date}&district=hai-van")).await;
    assert_eq!(
        (status, body["code"].clone()),
        (400, "unknown_district".into()),
        "{body}"
    );
    let (status, body) =
        get("/api/v1/series?indicator=vn_aqi_daily&sensor=aq-0001&from=0".to_owned()).await;
    assert_eq!(status, 400, "outside the scope is unknown: {body}");
    let (status, body) = get(format!("/api/v1/reports/weather?date={date}")).await;
    assert_eq!(
        (status, body["code"].clone()),
        (404, "report_not_found".into()),
        "{body}"
    );
}
