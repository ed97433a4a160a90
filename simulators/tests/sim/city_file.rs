//! `gen-city`: synthetic city files load in `ioc` as they are, hold the demo city's mix, and
//! are the same for the same seed.

use ioc::model::{City, CityConfig};
use simulators::city_file::{city_text, expected_rate, CitySpec};
use simulators::generate::Generator;
use simulators::scenario::Scenario;

use crate::helpers::MONDAY_MS;

fn load(text: &str) -> City {
    let cfg: CityConfig = toml::from_str(text).expect("the generated file is a city file");
    City::from_config(&cfg).expect("the generated city is valid")
}

#[test]
fn a_generated_city_of_5000_sensors_loads_and_validates_as_ioc_reads_it() {
    let text = city_text(&CitySpec::new(5_000, 40, 1)).expect("generated");
    let city = load(&text);
    assert_eq!(city.sensors.len(), 5_000);
    assert_eq!(city.districts.len(), 40);
    assert_eq!(city.domain_names(), "traffic, environment, public_service");
    let of = |domain: &str| {
        let d = city.domain_idx(domain).expect("domain");
        city.sensors.iter().filter(|s| s.domain == d).count()
    };
    // The demo city's mix: 12 traffic, 8 environment, 4 public service per 24.
    assert_eq!(
        (of("traffic"), of("environment"), of("public_service")),
        (2500, 1667, 833)
    );
    for s in &city.sensors {
        let poly = &city.district(s.district).polygon;
        let (lons, lats): (Vec<f64>, Vec<f64>) = poly.iter().map(|[x, y]| (*x, *y)).unzip();
        let inside = |v: f64, of: &[f64]| {
            of.iter().copied().fold(f64::MAX, f64::min) < v
                && v < of.iter().copied().fold(f64::MIN, f64::max)
        };
        assert!(
            inside(s.lon, &lons) && inside(s.lat, &lats),
            "{} outside its district",
            s.id
        );
        assert!((15_000..=60_000).contains(&s.interval_ms), "{}", s.id);
        match &*s.id {
            id if id.starts_with("tl-") => assert!(s.free_flow_kmh.is_some()),
            id if id.starts_with("wl-") => assert!(s.warning_levels_cm.is_some()),
            id if id.starts_with("qs-") => assert!(s.sla_target_s.is_some()),
            _ => {}
        }
    }
    let rate = expected_rate(5_000);
    assert!((250.0..300.0).contains(&rate), "{rate} msg/s");
}

#[test]
fn the_same_seed_gives_the_same_file_and_another_seed_another() {
    let a = city_text(&CitySpec::new(300, 5, 7)).expect("generated");
    let b = city_text(&CitySpec::new(300, 5, 7)).expect("generated");
    let c = city_text(&CitySpec::new(300, 5, 8)).expect("generated");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn the_districts_tile_the_bounding_box_whatever_their_number() {
    for n in [1, 2, 7, 12, 40, 101] {
        let city = load(&city_text(&CitySpec::new(n * 3, n, 1)).expect("generated"));
        let area: f64 = city
            .districts
            .iter()
            .map(|d| (d.polygon[1][0] - d.polygon[0][0]) * (d.polygon[0][1] - d.polygon[2][1]))
            .sum();
        assert!(
            (area - 0.18 * 0.16).abs() < 1e-6,
            "{n} districts cover {area}"
        );
    }
}

#[test]
fn the_demo_scenario_drives_every_sensor_of_a_generated_city() {
    let city = load(&city_text(&CitySpec::new(2_400, 12, 1)).expect("generated"));
    let scenario = Scenario::demo().expect("demo scenario");
    let mut g = Generator::new(scenario, &city, "city", MONDAY_MS, Some(MONDAY_MS + 60_000))
        .expect("generator");
    assert_eq!(g.skipped_sensors(), 0);
    assert!(g.by_ref().count() > 0);
    // Every sensor takes a reading once or more within a minute (intervals are 15 to 60 s).
    assert!(g.stats().readings >= 2_400, "{:?}", g.stats());
}

#[test]
fn a_bad_district_count_or_bounding_box_is_refused() {
    assert!(city_text(&CitySpec::new(10, 0, 1)).is_err());
    assert!(city_text(&CitySpec::new(10, 10_001, 1)).is_err());
    let mut spec = CitySpec::new(10, 2, 1);
    spec.bbox = [108.2, 16.0, 108.1, 16.1];
    assert!(city_text(&spec).is_err());
}
