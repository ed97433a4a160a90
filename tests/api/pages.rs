//! List endpoints page with `limit` and an opaque `cursor`: a walk returns every item once in
//! the list's order, even while sensors appear and alerts change; bad values are clear 400s;
//! the caller's scope holds on every page.

use serde_json::Value;

use crate::access::call;
use crate::helpers::{
    client_with_token, eventually, spawn_app, spawn_app_with_rules, BrokerKind, TestApp,
    PM25_STATION_RULE,
};

/// The list's path with `limit` and, after the first page, the previous page's `next_cursor`.
fn page_path(path: &str, limit: usize, cursor: Option<&str>) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    match cursor {
        None => format!("{path}{sep}limit={limit}"),
        Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
    }
}

/// One page's items, checked against its `count`, and its `next_cursor`.
fn items(body: &Value, list: &str) -> (Vec<Value>, Option<String>) {
    let items = body[list].as_array().cloned().unwrap_or_default();
    assert_eq!(body["count"].as_u64(), Some(items.len() as u64), "{body}");
    let next = body["next_cursor"].as_str().map(str::to_owned);
    assert!(next.is_some() || body["next_cursor"].is_null(), "{body}");
    (items, next)
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|v| v["id"].to_string()).collect()
}

/// Asserts `walked` holds every one of `throughout` exactly once, in the same order, and no
/// item twice.
fn assert_once_in_order(walked: &[String], throughout: &[String]) {
    let kept: Vec<&String> = walked.iter().filter(|id| throughout.contains(id)).collect();
    assert_eq!(kept, throughout.iter().collect::<Vec<_>>());
    let mut unique = walked.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        walked.len(),
        "an item listed twice: {walked:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sensor_list_walked_seven_at_a_time_returns_every_sensor_once_in_order() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (_, whole) = app.get("/api/v1/sensors").await;
    let (whole, last) = items(&whole, "sensors");
    assert_eq!((whole.len(), last), (288, None), "288 fit the default page");

    let (mut walked, mut cursor, mut pages) = (Vec::new(), None, 0);
    loop {
        let (status, body) = app
            .get(&page_path("/api/v1/sensors", 7, cursor.as_deref()))
            .await;
        assert_eq!(status, 200, "{body}");
        let (page, next) = items(&body, "sensors");
        pages += 1;
        walked.extend(ids(&page));
        match next {
            Some(next) => {
                assert_eq!(page.len(), 7, "every page but the last is full");
                cursor = Some(next);
            }
            None => break,
        }
    }
    assert_eq!(pages, 288usize.div_ceil(7));
    assert_eq!(walked, ids(&whole));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walking_the_sensors_while_new_ones_appear_neither_skips_nor_repeats_one() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    let (_, whole) = app.get("/api/v1/sensors").await;
    let before = ids(&items(&whole, "sensors").0);

    let (mut walked, mut cursor, mut page_no) = (Vec::new(), None, 0);
    loop {
        let (_, body) = app
            .get(&page_path("/api/v1/sensors", 25, cursor.as_deref()))
            .await;
        let (page, next) = items(&body, "sensors");
        walked.extend(ids(&page));
        let Some(next) = next else { break };
        cursor = Some(next);
        // Unregistered sensors appear on both sides of where the walk stands, and a
        // registered sensor reports (its status changes).
        for id in [format!("aaa-{page_no}"), format!("zzz-{page_no}")] {
            p.publish(
                &format!("city/traffic/hai-chau/{id}"),
                r#"{"vehicle_count": 1}"#,
            )
            .await;
        }
        p.publish("city/traffic/hai-chau/tl-0042", r#"{"vehicle_count": 2}"#)
            .await;
        eventually("the new sensors are listed", || async {
            app.get(&format!("/api/v1/sensors/zzz-{page_no}")).await.0 == 200
        })
        .await;
        page_no += 1;
    }
    assert_once_in_order(&walked, &before);
    assert!(
        walked.iter().any(|id| id.contains("zzz-")),
        "sensors added ahead are seen"
    );
}

async fn with_rules() -> TestApp {
    let dir = std::sync::Arc::new(tempfile::tempdir().expect("tempdir"));
    spawn_app_with_rules(dir, PM25_STATION_RULE, &[]).await
}

/// Sends one PM2.5 reading from `aq-{n}` (aq-0001..0006 lie in hai-van, 0007..0012 in
/// lien-chieu, 0013..0018 in thanh-khe).
async fn pm25(p: &crate::helpers::Publisher, n: u32, value: f64) {
    let district = ["hai-van", "lien-chieu", "thanh-khe"][((n - 1) / 6) as usize];
    p.publish(
        &format!("city/environment/{district}/aq-{n:04}"),
        format!(r#"{{"pm25": {value}}}"#),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walking_the_alerts_while_they_open_and_resolve_neither_skips_nor_repeats_one() {
    let app = with_rules().await;
    let p = app.publisher().await;
    for n in 1..=12 {
        pm25(&p, n, 180.0).await;
    }
    eventually("twelve alerts fire", || async {
        app.get("/api/v1/alerts").await.1["count"] == 12
    })
    .await;
    let (_, whole) = app.get("/api/v1/alerts").await;
    let before = ids(&items(&whole, "alerts").0);
    let numbers: Vec<i64> = before.iter().filter_map(|id| id.parse().ok()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "newest id first: {numbers:?}"
    );

    let (mut walked, mut cursor, mut page_no) = (Vec::new(), None, 0);
    loop {
        let (_, body) = app
            .get(&page_path("/api/v1/alerts", 5, cursor.as_deref()))
            .await;
        let (page, next) = items(&body, "alerts");
        walked.extend(ids(&page));
        let Some(next) = next else { break };
        cursor = Some(next);
        // One alert resolves (its last change moves to now) and a new one opens.
        pm25(&p, 1 + page_no * 6, 50.0).await;
        pm25(&p, 13 + page_no, 180.0).await;
        let open = 12 + page_no as u64 + 1;
        eventually("the alerts change", || async {
            let (_, all) = app.get("/api/v1/alerts").await;
            let resolved = app.get("/api/v1/alerts?state=resolved").await.1["count"].clone();
            all["count"] == open && resolved == page_no as u64 + 1
        })
        .await;
        page_no += 1;
    }
    assert!(page_no >= 2, "the walk took several pages");
    assert_once_in_order(&walked, &before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_out_of_range_or_a_foreign_cursor_is_invalid_query_saying_what_is_allowed() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let (_, first) = app.get("/api/v1/sensors?limit=1").await;
    let sensor_cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    for (path, says) in [
        ("/api/v1/sensors?limit=0".to_owned(), "from 1 to 5000"),
        ("/api/v1/sensors?limit=5001".to_owned(), "from 1 to 5000"),
        ("/api/v1/sensors?limit=ten".to_owned(), "from 1 to 5000"),
        ("/api/v1/alerts?limit=0".to_owned(), "from 1 to 5000"),
        ("/api/v1/alerts?limit=5001".to_owned(), "from 1 to 5000"),
        ("/api/v1/sensors?cursor=garbage".to_owned(), "next_cursor"),
        ("/api/v1/alerts?cursor=garbage".to_owned(), "next_cursor"),
        (
            format!("/api/v1/alerts?cursor={sensor_cursor}"),
            "next_cursor",
        ),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_query")),
            "{path}: {body}"
        );
        let msg = body["message"].as_str().unwrap_or("");
        assert!(msg.contains(says), "{path}: {msg}");
    }
    assert_eq!(app.get("/api/v1/sensors?limit=5000").await.0, 200);
    assert_eq!(app.get("/api/v1/alerts?limit=5000").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scoped_caller_pages_through_its_own_sensors_only() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let key = app
        .create_key("department", &["domain:traffic", "district:hai-chau"])
        .await;
    let http = client_with_token(&key);
    let (mut walked, mut sizes, mut cursor) = (Vec::new(), Vec::new(), None);
    loop {
        let path = page_path("/api/v1/sensors", 5, cursor.as_deref());
        let (status, body) = call(&app, &http, "GET", &path, None).await;
        assert_eq!(status, 200, "{body}");
        let (page, next) = items(&body, "sensors");
        assert!(page
            .iter()
            .all(|s| s["domain"] == "traffic" && s["district"] == "hai-chau"));
        sizes.push(page.len());
        walked.extend(ids(&page));
        let Some(next) = next else { break };
        cursor = Some(next);
    }
    assert_eq!(
        sizes,
        [5, 5, 2],
        "the 12 traffic sensors of hai-chau, pages full"
    );
    let (_, whole) = call(&app, &http, "GET", "/api/v1/sensors", None).await;
    assert_eq!(walked, ids(&items(&whole, "sensors").0));
}

/// Sends a road reading from `id` in `district`.
async fn road(p: &crate::helpers::Publisher, district: &str, id: &str) {
    p.publish(
        &format!("city/traffic/{district}/{id}"),
        r#"{"vehicle_count": 12, "avg_speed_kmh": 30}"#,
    )
    .await;
}

/// Walks `path` `limit` items at a time: the road ids of every page, and each page's size.
async fn walk_roads(
    app: &TestApp,
    path: &str,
    limit: usize,
    mut between_pages: impl FnMut(usize) -> Vec<(&'static str, String)>,
    p: &crate::helpers::Publisher,
) -> (Vec<String>, Vec<usize>) {
    let (mut walked, mut sizes, mut cursor) = (Vec::new(), Vec::new(), None);
    loop {
        let (status, body) = app.get(&page_path(path, limit, cursor.as_deref())).await;
        assert_eq!(status, 200, "{body}");
        let page = body["roads"].as_array().cloned().unwrap_or_default();
        assert_eq!(body["domain"], "traffic", "{body}");
        sizes.push(page.len());
        walked.extend(ids(&page));
        let Some(next) = body["next_cursor"].as_str().map(str::to_owned) else {
            assert!(body["next_cursor"].is_null(), "{body}");
            break;
        };
        cursor = Some(next);
        for (district, id) in between_pages(sizes.len()) {
            road(p, district, &id).await;
            eventually("the new road is listed", || async {
                let (_, all) = app.get("/api/v1/indicators/traffic?limit=5000").await;
                all.to_string().contains(&format!("\"{id}\""))
            })
            .await;
        }
    }
    (walked, sizes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indicator_items_page_and_a_walk_neither_skips_nor_repeats_a_road() {
    let app = spawn_app(BrokerKind::Embedded).await;
    let p = app.publisher().await;
    for n in 37..=60 {
        let district = if n <= 48 { "hai-chau" } else { "son-tra" };
        road(&p, district, &format!("tl-{n:04}")).await;
    }
    road(&p, "son-tra", "diy-road-0").await;
    eventually("25 roads are listed", || async {
        let (_, body) = app.get("/api/v1/indicators/traffic").await;
        body["roads"].as_array().map(Vec::len) == Some(25)
    })
    .await;
    let (_, whole) = app.get("/api/v1/indicators/traffic").await;
    assert!(whole["next_cursor"].is_null(), "25 fit the default page");
    let before = ids(whole["roads"].as_array().expect("roads"));
    assert_eq!(before.last().map(String::as_str), Some("\"diy-road-0\""));

    // New unregistered roads appear while the walk goes on; they follow the registry.
    let added = |page: usize| vec![("son-tra", format!("diy-road-{page}"))];
    let (walked, sizes) = walk_roads(&app, "/api/v1/indicators/traffic", 5, added, &p).await;
    assert!(
        sizes.len() >= 5 && sizes[..sizes.len() - 1].iter().all(|n| *n == 5),
        "{sizes:?}"
    );
    assert_once_in_order(&walked, &before);
    assert!(
        walked.iter().any(|id| id.contains("diy-road-2")),
        "roads added ahead are seen"
    );

    let none = |_| Vec::new();
    let path = "/api/v1/indicators/traffic?district=hai-chau";
    let (walked, sizes) = walk_roads(&app, path, 5, none, &p).await;
    assert_eq!(
        sizes,
        [5, 5, 2],
        "the 12 reporting roads of hai-chau, pages full"
    );
    let expected: Vec<String> = (37..=48).map(|n| format!("\"tl-{n:04}\"")).collect();
    assert_eq!(walked, expected);

    let (_, first) = app.get("/api/v1/sensors?limit=1").await;
    let sensor_cursor = first["next_cursor"].as_str().expect("cursor").to_owned();
    for (path, says) in [
        (
            format!("/api/v1/indicators/traffic?cursor={sensor_cursor}"),
            "next_cursor",
        ),
        (
            "/api/v1/indicators/traffic?limit=0".to_owned(),
            "from 1 to 5000",
        ),
        (
            "/api/v1/indicators/traffic?limit=5001".to_owned(),
            "from 1 to 5000",
        ),
    ] {
        let (status, body) = app.get(&path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_query")),
            "{path}: {body}"
        );
        assert!(
            body["message"].as_str().unwrap_or("").contains(says),
            "{path}: {body}"
        );
    }
}
