//! Reports and indicator-history benchmark: a program that prints numbers, never a test.
//!
//! ```text
//! cargo bench --bench reports
//! IOC__CITY__PATH=city2880.toml cargo bench --bench reports   # another city (ioc-sim gen-city)
//! ```
//!
//! 1. A fresh store gets a month and a day of hourly readings of every metric of every sensor
//!    of the city (one reading per sensor-metric-hour), written through the pipeline's
//!    `ReadingWriter::write`; retention then closes the rollups and drops raw rows older than
//!    the raw horizon, as a store that ran for the month would look.
//! 2. Each report kind is produced for the whole month, city-wide and unscoped (the largest a
//!    request can ask), and written as JSON, CSV and XLSX: time and size.
//! 3. A second store gets a year of one air station's hourly readings; its daily VN_AQI for the
//!    year is read and computed as `/series?indicator=vn_aqi_daily` does, and the hourly one.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use ioc::config::{load, load_city, Overrides};
use ioc::model::{City, Reading, Zone};
use ioc::report::read::{rows, sensors, Whose};
use ioc::report::series::{compute, SeriesInput};
use ioc::report::{generate, to_xlsx, Indicator, Kind, Params, ReportRequest};
use ioc::store::{ReadingWriter, Resolution, Retention, SqliteStore};

const H: i64 = 3_600_000;
/// 2026-10-31T17:00:00Z = 2026-11-01 00:00 in Asia/Ho_Chi_Minh.
const NOV_1: i64 = 1_793_466_000_000;

fn main() -> anyhow::Result<()> {
    let env = Overrides {
        file: None,
        env: std::env::vars().collect(),
    };
    let settings = load(&env).context("settings")?;
    let city = Arc::new(City::from_config(&load_city(&settings).context("city")?)?);
    let tmp = tempfile::tempdir()?;
    let zone = Zone::named("Asia/Ho_Chi_Minh").map_err(anyhow::Error::msg)?;
    let params = Params::from(&settings.indicators);
    println!(
        "city: {} sensors; CPU threads available: {}",
        city.sensors.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let store = SqliteStore::open(
        &tmp.path().join("month.db"),
        city.clone(),
        settings.store.retention(),
        false,
    )?;
    let hours = 31 * 24 + 24;
    let t = Instant::now();
    let written = fill(&store, &city, NOV_1 - 24 * H, hours, |_| true)?;
    store.enforce_retention(NOV_1 + 30 * 24 * H)?;
    println!(
        "filled: {written} readings in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    println!("\n## A month report, city-wide (2026-11)");
    println!(
        "{:>15} {:>7} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "kind", "rows", "build ms", "json kB", "csv kB", "xlsx kB", "xlsx ms"
    );
    let everyone = |_: ioc::model::DomainIdx, _: ioc::model::DistrictIdx| true;
    for kind in Kind::ALL {
        let request = ReportRequest {
            kind,
            period: "2026-11",
            zone: &zone,
            district: None,
            in_scope: &everyone,
            params,
            now_ms: i64::MAX,
        };
        let t = Instant::now();
        let report = generate(&store, &city, &request)?;
        let build = t.elapsed().as_secs_f64() * 1000.0;
        let json = report.to_json().to_string().len();
        let csv = report.to_csv().len();
        let t = Instant::now();
        let xlsx = to_xlsx(&report)?.len();
        let xlsx_ms = t.elapsed().as_secs_f64() * 1000.0;
        let n = report.sections.first().map_or(0, |s| s.rows.len());
        println!(
            "{:>15} {n:>7} {build:>10.0} {:>10.0} {:>10.0} {:>10.0} {xlsx_ms:>10.0}",
            kind.name(),
            json as f64 / 1e3,
            csv as f64 / 1e3,
            xlsx as f64 / 1e3
        );
    }

    year_of_one_station(&city, &settings, tmp.path(), params)
}

/// One reading per sensor-metric-hour for `hours` hours from `from`, of the sensors `keep`
/// selects; returns how many were written.
fn fill(
    store: &SqliteStore,
    city: &City,
    from: i64,
    hours: i64,
    keep: impl Fn(&ioc::model::Sensor) -> bool,
) -> anyhow::Result<usize> {
    let mut batch = Vec::with_capacity(20_000);
    let mut written = 0;
    for h in 0..hours {
        let ts = from + h * H + H / 2;
        for s in city.sensors.iter().filter(|s| keep(s)) {
            for (i, &m) in city.domain(s.domain).metrics.iter().enumerate() {
                let metric = city.metric(m);
                let span = (metric.max - metric.min).min(200.0);
                let value = metric.min.max(0.0) + span * (0.2 + 0.1 * ((h + i as i64) % 7) as f64);
                batch.push(Reading {
                    sensor: s.id.clone(),
                    registered: true,
                    domain: s.domain,
                    district: s.district,
                    metric: m,
                    ts_ms: ts,
                    ts_received: false,
                    seq: None,
                    value,
                });
            }
            if batch.len() >= 20_000 {
                written += batch.len();
                store.write(&batch)?;
                batch.clear();
            }
        }
    }
    written += batch.len();
    store.write(&batch)?;
    Ok(written)
}

fn year_of_one_station(
    city: &Arc<City>,
    settings: &ioc::config::Settings,
    dir: &std::path::Path,
    params: Params,
) -> anyhow::Result<()> {
    let station = city
        .sensors
        .iter()
        .find(|s| s.id.starts_with("aq-"))
        .context("an air station (aq-…)")?;
    let store = SqliteStore::open(
        &dir.join("year.db"),
        city.clone(),
        settings.store.retention(),
        false,
    )?;
    let days = 365;
    let from = NOV_1 - days * 24 * H;
    fill(&store, city, from - 24 * H, (days + 1) * 24, |s| {
        s.id == station.id
    })?;
    store.enforce_retention(NOV_1)?;
    println!(
        "\n## A year of one station ({}), computed per request",
        station.id
    );
    println!(
        "{:>15} {:>8} {:>10} {:>10}",
        "indicator", "points", "read ms", "compute ms"
    );
    let zone = Zone::named("Asia/Ho_Chi_Minh").map_err(anyhow::Error::msg)?;
    let day_starts = zone.step_starts(ioc::model::CalendarStep::Days(1), from, NOV_1 + 1);
    for indicator in [Indicator::VnAqiDaily, Indicator::VnAqiHourly] {
        let whose = Whose::Sensor(station.id.to_string());
        let metrics = indicator.metrics(city, station.domain);
        let t = Instant::now();
        let found = rows(
            &store,
            &whose,
            &metrics,
            (from - 24 * H, NOV_1),
            Resolution::Hour,
        )?;
        let read = t.elapsed().as_secs_f64() * 1000.0;
        let input = SeriesInput {
            city,
            indicator,
            bucket_ms: H,
            from,
            to: NOV_1,
            days: &day_starts,
            default_free_flow_kmh: params.default_free_flow_kmh,
            default_sla_target_s: params.default_sla_target_s,
        };
        let t = Instant::now();
        let values = compute(&input, &sensors(city, &whose), &found);
        let took = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "{:>15} {:>8} {read:>10.1} {took:>10.1}",
            indicator.name(),
            values.values.len()
        );
    }
    Ok(())
}
