//! City-wide history on a partition, from the store every node exports to: two real
//! partitions export to Debian's VictoriaMetrics; a query on one answers its own district from
//! its store, and the other's district, a sensor there and the whole city from
//! VictoriaMetrics, marked with that source and pooled as the local store pools. Indicator
//! history and reports, computed from the local rollups, cover only its own districts: another
//! district is refused with `not_owned`, the city is marked partial or names the others.

use serde_json::{json, Value};

use crate::cluster::{halves, strs, traffic_sensor, Node};
use crate::export::{export_env, Victoria};
use crate::helpers::{eventually, Mosquitto, Publisher};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_answers_other_districts_and_the_city_from_victoriametrics() {
    let broker = Mosquitto::start();
    // The replicas of a partition export the same points: VictoriaMetrics keeps one.
    let vm = Victoria::start_with(&["-dedup.minScrapeInterval=1ms"]);
    let url = format!("http://127.0.0.1:{}", vm.port);
    let mut extra: Vec<(&str, String)> = export_env(&url);
    extra.push(("IOC__CLUSTER__HISTORY_URL", url.clone()));
    let cluster = format!("h{}", std::process::id());
    let (da, db) = halves();
    let a = Node::start_env(&cluster, "a", &strs(&da), broker.port, None, &extra);
    let b = Node::start_env(&cluster, "b", &strs(&db), broker.port, None, &extra);
    a.ready().await;
    b.ready().await;

    let hour = 3_600_000;
    let from = ioc::shell::now_ms() / hour * hour - 2 * hour;
    let (sa, sb) = (traffic_sensor(&da[0]), traffic_sensor(&db[0]));
    let p = Publisher::connect(broker.port).await;
    for (district, sensor, values) in [(&da[0], &sa, [10, 20]), (&db[0], &sb, [30, 50])] {
        for (i, v) in values.iter().enumerate() {
            let ts = from + 600_000 * (i as i64 + 1);
            let payload = format!(r#"{{"ts": {ts}, "seq": {}, "vehicle_count": {v}}}"#, i + 1);
            p.publish(&format!("city/traffic/{district}/{sensor}"), payload)
                .await;
        }
    }
    p.wait_acked(4).await;
    eventually("VictoriaMetrics holds the four readings", || async {
        vm.samples().await.len() == 4
    })
    .await;

    let series = |q: String| {
        let a = &a;
        async move {
            a.get(&format!(
                "/api/v1/series?metric=vehicle_count&from={from}&to={}&step=1h&{q}",
                from + hour
            ))
            .await
        }
    };
    let point = |v: &Value| v["points"][0].clone();
    let city = series("domain=traffic&agg=mean".into()).await;
    assert_eq!(city["source"], "victoriametrics", "{city}");
    assert_eq!(
        point(&city),
        json!([from, 27.5]),
        "the mean of all four readings"
    );
    let sum = series("domain=traffic&agg=sum".into()).await;
    assert_eq!(
        point(&sum),
        json!([from, 110.0]),
        "each reading once: {sum}"
    );
    let theirs = series(format!("domain=traffic&district={}&agg=mean", db[0])).await;
    assert_eq!(
        (theirs["source"].clone(), point(&theirs)),
        (json!("victoriametrics"), json!([from, 40.0]))
    );
    let sensor = series(format!("sensor={sb}&agg=max")).await;
    assert_eq!(
        (sensor["source"].clone(), point(&sensor)),
        (json!("victoriametrics"), json!([from, 50.0]))
    );
    let mine = series(format!("domain=traffic&district={}&agg=mean", da[0])).await;
    assert_ne!(
        mine["source"], "victoriametrics",
        "its own district from its own store: {mine}"
    );
    assert_eq!(point(&mine), json!([from, 15.0]));
    let last = series("domain=traffic&agg=last".into()).await;
    assert_eq!(last["code"], "invalid_query", "{last}");
    let b_city = b
        .get(&format!(
            "/api/v1/series?domain=traffic&metric=vehicle_count&from={from}&to={}&step=1h",
            from + hour
        ))
        .await;
    assert_eq!(
        point(&b_city),
        json!([from, 27.5]),
        "the same city on the other partition"
    );

    // Computed from the local rollups: only this partition's districts.
    let span = format!("from={from}&to={}", from + hour);
    let refused = a
        .get(&format!(
            "/api/v1/series?indicator=flow_vph&district={}&{span}",
            db[0]
        ))
        .await;
    assert_eq!(refused["code"], "not_owned", "{refused}");
    let own = a
        .get(&format!(
            "/api/v1/series?indicator=flow_vph&district={}&{span}",
            da[0]
        ))
        .await;
    assert_eq!(own["partial"], false, "{own}");
    let whole = a
        .get(&format!("/api/v1/series?indicator=flow_vph&{span}"))
        .await;
    assert_eq!(
        whole["partial"], true,
        "the city from one partition: {whole}"
    );
    let today = ioc::model::Zone::named("Asia/Ho_Chi_Minh")
        .expect("zone")
        .date_of(from);
    let report = a
        .get(&format!(
            "/api/v1/reports/traffic?date={today}&district={}",
            db[0]
        ))
        .await;
    assert_eq!(report["code"], "not_owned", "{report}");
    let report = a
        .get(&format!("/api/v1/reports/traffic?date={today}"))
        .await;
    let elsewhere: Vec<&str> = report["elsewhere"]
        .as_array()
        .expect("elsewhere")
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert_eq!(elsewhere, strs(&db), "{report}");
    let rows = report["rows"].as_array().expect("rows");
    assert!(
        rows.iter()
            .all(|r| da.contains(&r["district"].as_str().unwrap_or("").to_owned())),
        "{report}"
    );
}
