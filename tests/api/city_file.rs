//! `ioc check-config` (the real binary) on city files the probe of issue 19 got through:
//! a district named `city`, degenerate or self-intersecting polygons, ids made of dots, and a
//! missing file; and a time zone that is not an IANA name.

use std::process::Command;

/// The binary checking a city file; nothing is opened but the files.
fn check_config(city: &std::path::Path) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ioc"))
        .env_remove("RUST_LOG")
        .env("IOC__LOG__FILTER", "warn")
        .env(
            "IOC__STORE__PATH",
            "/nonexistent/ioc-city-file-store/ioc.db",
        )
        .env("IOC__CITY__PATH", city)
        .arg("check-config")
        .output()
        .expect("run ioc");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A one-district city whose district and sensor are given.
fn city_file(
    dir: &tempfile::TempDir,
    district_id: &str,
    polygon: &str,
    sensor_id: &str,
) -> std::path::PathBuf {
    let path = dir.path().join("city.toml");
    std::fs::write(
        &path,
        format!(
            r#"name = "t"
[[domains]]
name = "traffic"
metrics = [{{ name = "vehicle_count", unit = "vehicles", min = 0, max = 100 }}]
[[districts]]
id = "{district_id}"
name = "D1"
polygon = {polygon}
[[sensors]]
id = "{sensor_id}"
domain = "traffic"
district = "{district_id}"
name = "S1"
lat = 0.5
lon = 0.5
interval_s = 10
"#
        ),
    )
    .expect("write city file");
    path
}

const SQUARE: &str = "[[0, 0], [1, 0], [1, 1], [0, 1]]";

#[test]
fn check_config_accepts_a_sound_city_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, err) = check_config(&city_file(&dir, "d1", SQUARE, "s1"));
    assert!(ok, "{err}");
}

#[test]
fn check_config_refuses_a_district_named_city() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, err) = check_config(&city_file(&dir, "city", SQUARE, "s1"));
    assert!(!ok);
    assert!(
        err.contains("districts[0].id") && err.contains("\"city\""),
        "{err}"
    );
}

#[test]
fn check_config_refuses_a_polygon_of_fewer_than_three_distinct_points() {
    let dir = tempfile::tempdir().expect("tempdir");
    let polygon = "[[0, 0], [1, 1], [0, 0], [1, 1]]";
    let (ok, err) = check_config(&city_file(&dir, "d1", polygon, "s1"));
    assert!(!ok);
    assert!(
        err.contains("districts[0].polygon") && err.contains("2 distinct points"),
        "{err}"
    );
}

#[test]
fn check_config_refuses_a_self_intersecting_polygon() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bow_tie = "[[0, 0], [1, 1], [1, 0], [0, 1]]";
    let (ok, err) = check_config(&city_file(&dir, "d1", bow_tie, "s1"));
    assert!(!ok);
    assert!(
        err.contains("districts[0].polygon") && err.contains("intersect"),
        "{err}"
    );
}

#[test]
fn check_config_refuses_ids_made_only_of_dots() {
    for id in [".", ".."] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (ok, err) = check_config(&city_file(&dir, "d1", SQUARE, id));
        assert!(!ok, "sensor id {id:?} accepted");
        assert!(
            err.contains("sensors[0].id") && err.contains("dots only"),
            "{err}"
        );
        let (ok, err) = check_config(&city_file(&dir, id, SQUARE, "s1"));
        assert!(!ok, "district id {id:?} accepted");
        assert!(err.contains("districts[0].id"), "{err}");
    }
}

#[test]
fn check_config_names_city_path_when_the_city_file_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-city.toml");
    let (ok, err) = check_config(&missing);
    assert!(!ok);
    assert!(
        err.contains("city.path") && err.contains("no-such-city.toml"),
        "{err}"
    );
}

#[test]
fn check_config_refuses_a_time_zone_that_is_not_an_iana_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = city_file(&dir, "d1", SQUARE, "s1");
    let text = std::fs::read_to_string(&path).expect("read");
    let zoned = text.replacen("name = \"t\"", "name = \"t\"\ntimezone = \"GMT+7\"", 1);
    std::fs::write(&path, zoned).expect("write");
    let (ok, err) = check_config(&path);
    assert!(!ok);
    assert!(
        err.contains("timezone") && err.contains("\"GMT+7\"") && err.contains("IANA"),
        "{err}"
    );
    let named = text.replacen(
        "name = \"t\"",
        "name = \"t\"\ntimezone = \"Europe/Berlin\"",
        1,
    );
    std::fs::write(&path, named).expect("write");
    let (ok, err) = check_config(&path);
    assert!(ok, "{err}");
}
