use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::model::{City, CityConfig, DecoderLimits};
use crate::pipeline::Validator;
use crate::store::{RetentionPolicy, SqliteStore};

const TS: i64 = 1_796_058_000_000; // 2026-12-01T00:00:00+07:00
const NOW: i64 = TS + 86_400_000;
const RET: RetentionPolicy = RetentionPolicy {
    raw_ms: i64::MAX / 4,
    rollup_1m_ms: i64::MAX / 4,
    rollup_1h_ms: i64::MAX / 4,
};

fn city() -> Arc<City> {
    Arc::new(City::from_config(&CityConfig::demo().expect("demo")).expect("valid"))
}

fn validator(city: &Arc<City>) -> Validator {
    let limits = DecoderLimits {
        topic_prefix: "city".into(),
        max_payload_bytes: 65_536,
        max_batch_readings: 1000,
        max_future_skew_ms: 300_000,
    };
    Validator::new(city.clone(), limits, 100)
}

fn options(format: Option<Format>) -> Options {
    Options {
        format,
        precision: Precision::Ms,
        again: false,
        progress: false,
    }
}

fn store(dir: &Path, city: &Arc<City>) -> SqliteStore {
    SqliteStore::open(&dir.join("ioc.db"), city.clone(), RET, false).expect("store")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn import(store: &SqliteStore, city: &Arc<City>, files: &[PathBuf], o: Options) -> Vec<FileReport> {
    Importer::new(store, validator(city), o, NOW)
        .expect("importer")
        .run(files, |_| {})
        .expect("import")
}

/// The sum of a sensor's metric over the day, from the hour rollups.
fn day_sum(store: &SqliteStore, sensor: &str, metric: &str) -> f64 {
    use crate::store::{Resolution, SeriesQuery, SeriesReader};
    let city = city();
    let domain = city.sensor(sensor).expect("sensor").domain;
    let q = SeriesQuery {
        metric: city.metric_idx(domain, metric).expect("metric"),
        scope: crate::store::Scope::Sensor(sensor.into()),
        from_ms: TS - 86_400_000,
        to_ms: NOW,
    };
    store
        .rows(&q, Resolution::Hour)
        .expect("rows")
        .iter()
        .map(|r| r.sum)
        .sum()
}

#[test]
fn the_three_formats_store_the_same_readings_and_reject_with_reasons() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let jsonl = format!(
        "{{\"at_ms\":{TS},\"topic\":\"city/environment/hai-van/aq-0001\",\"payload\":\"{{\\\"ts\\\":{TS},\\\"pm25\\\":30}}\"}}\n\
         not json\n\
         {{\"at_ms\":{TS},\"topic\":\"city/environment/hai-van/aq-0001\",\"payload\":\"{{\\\"ts\\\":{TS},\\\"pm25\\\":-5}}\"}}\n"
    );
    let csv = format!(
        "value,ts,sensor,metric\n12.5,{},aq-0002,pm25\n1,{TS},nobody-knows,pm25\nabc,{TS},aq-0002,pm25\n",
        TS + 60_000
    );
    let lp = format!(
        "# comment\nenvironment,district=hai-van,sensor=aq-0003 pm25=7.5,no2=20i {TS}\n\
         environment,district=hai-van,sensor=aq-0003 pm25=1\n"
    );
    let files = [
        write(dir.path(), "a.jsonl", &jsonl),
        write(dir.path(), "b.csv", &csv),
        write(dir.path(), "c.lp", &lp),
    ];
    let s = store(dir.path(), &city);
    let reports = import(&s, &city, &files, options(None));
    let reasons = |i: usize| -> Vec<(String, u64)> {
        let t: &Tally = &reports[i].tally;
        t.rejections
            .iter()
            .map(|(k, v)| (k.clone(), v.count))
            .collect()
    };
    assert_eq!(reports[0].tally.stored, 1);
    assert_eq!(
        reasons(0),
        [("malformed_line".into(), 1), ("out_of_range".into(), 1)]
    );
    assert!(reports[0].tally.rejections["malformed_line"]
        .first
        .contains("a.jsonl:2"));
    assert_eq!(reports[1].tally.stored, 1);
    assert_eq!(
        reasons(1),
        [
            ("non_numeric_value".into(), 1),
            ("unknown_sensor".into(), 1)
        ]
    );
    assert_eq!(reports[2].tally.stored, 2);
    assert_eq!(reasons(2), [("malformed_line".into(), 1)]);
    assert_eq!(day_sum(&s, "aq-0001", "pm25"), 30.0);
    assert_eq!(day_sum(&s, "aq-0002", "pm25"), 12.5);
    assert_eq!(day_sum(&s, "aq-0003", "no2"), 20.0);
}

#[test]
fn a_finished_file_is_skipped_an_interrupted_one_resumed_and_a_changed_one_counted_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let rows: String = (0..100)
        .map(|i| format!("tl-0001,vehicle_count,{},{}\n", TS + i * 60_000, i))
        .collect();
    let file = write(dir.path(), "t.csv", &rows);
    let s = store(dir.path(), &city);
    let first = import(&s, &city, std::slice::from_ref(&file), options(None));
    assert_eq!(
        (first[0].resumed, first[0].tally.stored),
        (Resumed::Fresh, 100)
    );
    let again = import(&s, &city, std::slice::from_ref(&file), options(None));
    assert_eq!(again[0].resumed, Resumed::AlreadyDone);
    assert_eq!(day_sum(&s, "tl-0001", "vehicle_count"), 4950.0);

    // Interrupted after the first 40 lines: what the mark says is all that happened.
    let half = write(dir.path(), "h.csv", &rows);
    let canonical = std::fs::canonicalize(&half).expect("canonical");
    let meta = std::fs::metadata(&half).expect("meta");
    let first_40: usize = rows.lines().take(40).map(|l| l.len() + 1).sum();
    let fresh_store = tempfile::tempdir().expect("tempdir");
    let s2 = store(fresh_store.path(), &city);
    let modified_ms = meta
        .modified()
        .expect("mtime")
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64;
    let parsed = crate::store::ImportMark {
        file: canonical.to_string_lossy().into_owned(),
        size: meta.len(),
        modified_ms,
        offset: first_40 as u64,
        lines: 40,
        stored: 40,
        rejections: "{}".into(),
        ..Default::default()
    };
    let mut v = validator(&city);
    let mut readings = Vec::new();
    for line in rows.lines().take(40) {
        let (sensor, metric, ts, value) = {
            let c: Vec<&str> = line.split(',').collect();
            (c[0], c[1], c[2], c[3])
        };
        let payload = format!("{{\"ts\":{ts},\"{metric}\":{value}}}");
        let topic = format!("city/traffic/hai-van/{sensor}");
        readings.extend(v.decode(&topic, payload.as_bytes(), NOW).readings);
    }
    s2.write_marked(&readings, |_| parsed.clone())
        .expect("write");
    let resumed = import(&s2, &city, &[half], options(None));
    assert_eq!(resumed[0].resumed, Resumed::After { lines: 40 });
    assert_eq!(
        (resumed[0].tally.lines, resumed[0].tally.stored),
        (100, 100)
    );
    assert_eq!(day_sum(&s2, "tl-0001", "vehicle_count"), 4950.0);

    // Changed since: read from the start, and what was stored already is stored once.
    std::fs::write(
        &file,
        format!("{rows}tl-0001,vehicle_count,{},1000\n", TS + 100 * 60_000),
    )
    .expect("append");
    let changed = import(&s, &city, &[file], options(None));
    assert_eq!(changed[0].resumed, Resumed::Changed);
    assert_eq!(
        (changed[0].tally.stored, changed[0].tally.duplicates),
        (1, 100)
    );
    assert_eq!(day_sum(&s, "tl-0001", "vehicle_count"), 5950.0);
}

#[test]
fn a_partition_refuses_readings_of_districts_it_does_not_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let file = write(dir.path(), "p.csv", &format!("aq-0001,pm25,{TS},10\n"));
    let s = store(dir.path(), &city);
    let owned = vec![false; city.districts.len()];
    let reports = Importer::new(&s, validator(&city), options(None), NOW)
        .expect("importer")
        .only_districts(owned)
        .run(&[file], |_| {})
        .expect("import");
    assert_eq!(reports[0].tally.stored, 0);
    assert_eq!(reports[0].tally.rejections[NOT_OWNED].count, 1);
}

#[test]
fn a_second_writer_on_the_same_store_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let _first = store(dir.path(), &city);
    // The lock is per open file: a second open in this process stands for another process.
    let second = SqliteStore::open(&dir.path().join("ioc.db"), city, RET, false);
    let err = second.err().expect("refused").to_string();
    assert!(err.contains("in use by another ioc process"), "{err}");
}

#[test]
fn a_file_of_unknown_format_is_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let file = write(dir.path(), "x.txt", "whatever\n");
    let s = store(dir.path(), &city);
    let err = Importer::new(&s, validator(&city), options(None), NOW)
        .expect("importer")
        .run(&[file], |_| {})
        .expect_err("refused");
    assert!(err.to_string().contains("--format"), "{err}");
}

#[test]
fn line_protocol_escapes_and_number_kinds_parse() {
    let p = lp::parse(r#"env\ x,district=a\,b,sensor=s\=1 f\ 1=1.5,g=2i,h=3u,s="x y" 12"#)
        .expect("parses");
    assert_eq!(p.measurement, "env x");
    assert_eq!(p.tag("district"), Some("a,b"));
    assert_eq!(p.tag("sensor"), Some("s=1"));
    assert_eq!(p.fields[0], ("f 1".into(), lp::FieldValue::Number(1.5)));
    assert_eq!(p.fields[1].1, lp::FieldValue::Number(2.0));
    assert_eq!(p.fields[2].1, lp::FieldValue::Number(3.0));
    assert_eq!(p.fields[3].1, lp::FieldValue::Other("x y".into()));
    assert_eq!(p.timestamp, Some(12));
    assert!(lp::parse("only_measurement").is_err());
    assert!(lp::parse("m f=1 notatime").is_err());
}

#[test]
fn a_csv_import_resumed_past_its_header_keeps_the_header_s_column_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let city = city();
    let text = format!(
        "# exported by the old system\nvalue,ts,metric,sensor\n5,{TS},vehicle_count,tl-0001\n7,{},vehicle_count,tl-0001\n",
        TS + 60_000
    );
    let file = write(dir.path(), "r.csv", &text);
    let s = store(dir.path(), &city);
    let meta = std::fs::metadata(&file).expect("meta");
    let through_first_row = text.lines().take(3).map(|l| l.len() + 1).sum::<usize>();
    let mark = crate::store::ImportMark {
        file: std::fs::canonicalize(&file)
            .expect("canonical")
            .to_string_lossy()
            .into_owned(),
        size: meta.len(),
        modified_ms: meta
            .modified()
            .expect("mtime")
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64,
        offset: through_first_row as u64,
        lines: 3,
        rejections: "{}".into(),
        ..Default::default()
    };
    s.write_marked(&[], |_| mark.clone()).expect("mark");
    let reports = import(&s, &city, &[file], options(None));
    assert_eq!(reports[0].resumed, Resumed::After { lines: 3 });
    assert_eq!(reports[0].tally.rejected(), 0, "{}", reports[0].tally);
    assert_eq!(day_sum(&s, "tl-0001", "vehicle_count"), 7.0);
}
