//! Two partitions of two replicas each (four real `ioc` processes, each with its own store) on
//! Debian's Mosquitto. 100,000 QoS 1 messages are published across all districts while one
//! replica of each partition is SIGKILLed and later restarted. Afterwards every replica holds
//! every reading of its partition exactly once, none of the other's, and exact rollups.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cluster::Node;
use crate::helpers::{Mosquitto, Publisher};

const MESSAGES: usize = 100_000;

/// What a partition should hold: messages (one reading each) and the sum of their values.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Expected {
    rows: i64,
    sum: f64,
}

/// Rows of `readings`, and the rollups' counts and sums, in a stopped node's store; plus the
/// rows of sensors outside `districts`.
fn held(db: &std::path::Path, districts: &[String]) -> (Expected, Expected, Expected, i64) {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = rusqlite::Connection::open_with_flags(db, flags).expect("open the store");
    let one = |sql: &str| -> (i64, f64) {
        conn.query_row(sql, [], |r| {
            Ok((r.get(0)?, r.get::<_, Option<f64>>(1)?.unwrap_or(0.0)))
        })
        .expect(sql)
    };
    let (rows, _) = one("SELECT count(*), 0.0 FROM readings");
    let (m, msum) = one("SELECT sum(count), sum(sum) FROM rollup_1m");
    let (h, hsum) = one("SELECT sum(count), sum(sum) FROM rollup_1h");
    let list = districts
        .iter()
        .map(|d| format!("'{d}'"))
        .collect::<Vec<_>>()
        .join(",");
    let (foreign, _) = one(&format!(
        "SELECT count(*), 0.0 FROM readings r JOIN sensors s USING (sensor_key) \
         WHERE s.district NOT IN ({list})"
    ));
    let e = |rows, sum| Expected { rows, sum };
    (e(rows, 0.0), e(m, msum), e(h, hsum), foreign)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_holds_its_partitions_readings_exactly_once_across_sigkills() {
    let broker = Mosquitto::start();
    let cluster = format!("c{}", std::process::id());
    let city = ioc::model::CityConfig::demo().expect("demo city");
    let ids: Vec<String> = city.districts.iter().map(|d| d.id.clone()).collect();
    let halves = [ids[..ids.len() / 2].to_vec(), ids[ids.len() / 2..].to_vec()];
    let mut nodes = vec![
        Node::start(&cluster, "north-1", &str_refs(&halves[0]), broker.port),
        Node::start(&cluster, "north-2", &str_refs(&halves[0]), broker.port),
        Node::start(&cluster, "south-1", &str_refs(&halves[1]), broker.port),
        Node::start(&cluster, "south-2", &str_refs(&halves[1]), broker.port),
    ];
    for n in &nodes {
        n.ready().await;
    }
    let sensors: Vec<_> = city
        .sensors
        .iter()
        .filter(|s| s.domain == "traffic")
        .collect();
    let base = (ioc::shell::now_ms() - 3_600_000) / 60_000 * 60_000;
    let p = Publisher::connect(broker.port).await;
    let mut expected = [Expected::default(); 2];
    for k in 0..MESSAGES {
        let s = sensors[k % sensors.len()];
        let round = (k / sensors.len()) as i64;
        let value = (k % 97) as f64;
        let half = usize::from(!halves[0].contains(&s.district));
        expected[half].rows += 1;
        expected[half].sum += value;
        let payload = format!(
            r#"{{"ts": {}, "seq": {}, "vehicle_count": {value}}}"#,
            base + round * 1000,
            round + 1
        );
        p.publish(&format!("city/traffic/{}/{}", s.district, s.id), payload)
            .await;
        if k == MESSAGES / 3 {
            nodes[1].kill();
            nodes[3].kill();
        }
        if k == 2 * MESSAGES / 3 {
            nodes[1].launch();
            nodes[3].launch();
        }
    }
    p.wait_acked(MESSAGES).await;
    for n in &nodes {
        n.ready().await;
    }
    // Everything the broker holds for each node is delivered and stored (read beside the
    // running node: the store is in WAL mode); then each stops gracefully, flushing rollups.
    for (i, n) in nodes.iter().enumerate() {
        let want = expected[i / 2].rows;
        let mut rows = 0;
        for _ in 0..240 {
            rows = raw_rows(&n.db());
            if rows >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(rows, want, "node {i} stored its partition within 60 s");
    }
    for n in &mut nodes {
        n.stop();
    }
    let mut report = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let want = expected[i / 2];
        let (raw, m1, h1, foreign) = held(&n.db(), &halves[i / 2]);
        report.insert(i, (raw.rows, m1.rows, h1.rows, foreign));
        assert_eq!(
            raw.rows, want.rows,
            "node {i}: every reading of its partition, once"
        );
        assert_eq!(foreign, 0, "node {i}: none of the other partition's");
        assert_eq!(
            (m1.rows, m1.sum),
            (want.rows, want.sum),
            "node {i}: 1-minute rollups"
        );
        assert_eq!(
            (h1.rows, h1.sum),
            (want.rows, want.sum),
            "node {i}: 1-hour rollups"
        );
    }
    eprintln!("rows, 1m counts, 1h counts, foreign rows per node: {report:?}");
}

fn raw_rows(db: &std::path::Path) -> i64 {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    rusqlite::Connection::open_with_flags(db, flags)
        .and_then(|c| c.query_row("SELECT count(*) FROM readings", [], |r| r.get(0)))
        .unwrap_or(0)
}

fn str_refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
