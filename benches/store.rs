//! Store benchmark: a program that prints numbers, never a test that asserts timings.
//!
//! ```text
//! cargo bench --bench store [-- [--readings N] [--reps N] [--max-secs S] [--dir PATH] [--writes-only]]
//! IOC__CITY__PATH=big.toml cargo bench --bench store -- --writes-only   # another city
//! ```
//!
//! 1. **Durable write rate.** The demo city's 288 sensors (or the city `IOC__CITY__PATH` names,
//!    e.g. one from `ioc-sim gen-city --sensors N`) report at their configured intervals
//!    (traffic every 15 s, queues every 30 s, environment every 60 s: 3,168 readings per
//!    simulated minute); the stream is written through `ReadingWriter::write` into a fresh
//!    `SqliteStore` per configuration (batch size × fsync mode × export outbox on/off). One
//!    reading is one metric value of one sensor, so readings/s = points/s. Only the `write`
//!    calls are timed.
//! 2. **History queries.** A fresh store gets 7 days of one district's traffic sensors at their
//!    real 15 s interval (12 sensors × 3 metrics × 40,320 readings); then `rows` + `fold` is
//!    timed for 7 days of 1-minute rollups of one sensor-metric and for the district aggregate
//!    over 24 h, from the 1-minute rollups (5 min step) and from raw readings (1 min step).
//!
//! Everything lives in a temp dir (under `--dir`, default the system temp dir) removed at exit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ioc::config::{load, load_city, Overrides};
use ioc::model::{City, DistrictIdx, DomainIdx, MetricIdx, Reading};
use ioc::store::{
    fold, Agg, ReadingWriter, Resolution, RetentionPolicy, Scope, SeriesQuery, SeriesReader,
    SqliteStore,
};

/// 2025-11-23T06:00:00Z, on an hour boundary: the first simulated timestamp.
const T0: i64 = 1_763_877_600_000;
const MINUTE: i64 = 60_000;
const DAY: i64 = 86_400_000;
/// The simulated clock advances by the shortest sensor interval of the demo city.
const TICK_MS: i64 = 15_000;

struct Args {
    /// Readings written per write configuration (the main figure).
    readings: usize,
    /// Timed repetitions per query.
    reps: usize,
    /// A write configuration stops early after this long (batch size 1 with fsync is slow).
    max_secs: f64,
    /// Where the temp dir is created: the filesystem measured.
    dir: Option<PathBuf>,
    /// Only the write rates (a big city's query store would take long to fill).
    writes_only: bool,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        readings: 1_000_000,
        reps: 50,
        max_secs: 30.0,
        dir: None,
        writes_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match a.as_str() {
            // cargo bench passes --bench to harness = false targets.
            "--bench" => {}
            "--readings" => args.readings = value("--readings")?.parse()?,
            "--reps" => args.reps = value("--reps")?.parse()?,
            "--max-secs" => args.max_secs = value("--max-secs")?.parse()?,
            "--dir" => args.dir = Some(value("--dir")?.into()),
            "--writes-only" => args.writes_only = true,
            n if n.parse::<usize>().is_ok() => args.readings = n.parse()?,
            other => bail!("unknown argument {other:?}; expected [--readings N] [--reps N] [--max-secs S] [--dir PATH] [--writes-only]"),
        }
    }
    Ok(args)
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    // IOC__CITY__PATH selects another city, e.g. one from `ioc-sim gen-city --sensors N`.
    let env = Overrides {
        file: None,
        env: std::env::vars().collect(),
    };
    let settings = load(&env).context("settings")?;
    let city = Arc::new(City::from_config(&load_city(&settings).context("city")?)?);
    let retention = settings.store.retention();
    let tmp = match &args.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    print_machine(tmp.path(), &city);

    println!("\n## Durable write rate (ReadingWriter::write, fresh store per line, stream of the whole city)");
    println!(
        "{:>7} {:>6} {:>7} {:>10} {:>9} {:>13} {:>13} {:>12} {:>10} {:>13}",
        "batch",
        "fsync",
        "outbox",
        "readings",
        "secs",
        "readings/s",
        "last-25%/s",
        "ms/commit",
        "file B/rdg",
        "written B/rdg"
    );
    // (batch size, fsync = full, export outbox on). The store's default batch is 20,000.
    let configs: [(usize, bool, bool); 7] = [
        (1, true, false),
        (100, true, false),
        (1000, true, false),
        (20_000, true, false),
        (20_000, true, true),
        (1000, false, false),
        (20_000, false, false),
    ];
    for (i, (batch, full, outbox)) in configs.into_iter().enumerate() {
        let path = tmp.path().join(format!("write-{i}.db"));
        let store = SqliteStore::open(&path, city.clone(), retention, full)?;
        if outbox {
            // Room for every line: nothing is dropped, every fresh reading is enqueued.
            store.enable_outbox(u64::MAX)?;
        }
        let r = write_stream(
            &store,
            &mut CityStream::new(&city),
            args.readings,
            batch,
            Duration::from_secs_f64(args.max_secs),
        )?;
        drop(store);
        let bytes = db_bytes(&path);
        let fsync = if full { "full" } else { "normal" };
        let outbox = if outbox { "on" } else { "off" };
        let cut = if r.written < args.readings {
            " (time-boxed)"
        } else {
            ""
        };
        println!(
            "{batch:>7} {fsync:>6} {outbox:>7} {:>10} {:>9.2} {:>13.0} {:>13.0} {:>12.2} {:>10.0} {:>13.0}{cut}",
            r.written,
            r.elapsed.as_secs_f64(),
            r.written as f64 / r.elapsed.as_secs_f64(),
            r.last_quarter_rate,
            r.elapsed.as_secs_f64() * 1000.0 / r.commits as f64,
            bytes as f64 / r.written as f64,
            r.written_bytes as f64 / r.written as f64,
        );
    }

    if !args.writes_only {
        queries(&city, retention, tmp.path(), args.reps)?;
    }
    tmp.close().context("removing the temp dir")?;
    Ok(())
}

fn print_machine(dir: &Path, city: &City) {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let rustc =
        std::process::Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
    let command: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    println!("# ioc store benchmark");
    println!(
        "command:    cargo bench --bench store{}",
        if command.is_empty() {
            String::new()
        } else {
            format!(" -- {}", command.join(" "))
        }
    );
    println!("machine:    {cores} cores, {cpu}");
    println!(
        "toolchain:  {rustc}, SQLite {}, profile {}",
        rusqlite::version(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("data dir:   {} ({})", dir.display(), filesystem(dir));
    // Others' builds share the cores: the load average says how quiet the machine was.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load avg:   {} (1, 5, 15 min) at start",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let metrics: usize = city
        .sensors
        .iter()
        .map(|s| city.domain(s.domain).metrics.len())
        .sum();
    println!(
        "city:       {} sensors, {metrics} sensor-metrics, {} readings per simulated minute",
        city.sensors.len(),
        per_minute(city)
    );
}

/// The filesystem type of the longest mount point containing `dir` (fsync cost depends on it).
fn filesystem(dir: &Path) -> String {
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_owned());
    mounts
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 2 && dir.starts_with(f[1]))
                .then(|| (f[1].len(), format!("{} on {}", f[2], f[0])))
        })
        .max_by_key(|(len, _)| *len)
        .map_or_else(|| "unknown filesystem".into(), |(_, fs)| fs)
}

fn per_minute(city: &City) -> i64 {
    city.sensors
        .iter()
        .map(|s| city.domain(s.domain).metrics.len() as i64 * (MINUTE / s.interval_ms.max(1)))
        .sum()
}

/// The demo city reporting in real time order: at each tick, every sensor whose interval has
/// come round reports all the metrics of its domain.
struct CityStream<'a> {
    city: &'a City,
    sensors: Vec<usize>,
    tick: i64,
    rng: u64,
    pending: std::vec::IntoIter<Reading>,
}

impl<'a> CityStream<'a> {
    fn new(city: &'a City) -> CityStream<'a> {
        Self::of(city, (0..city.sensors.len()).collect(), T0)
    }

    fn of(city: &'a City, sensors: Vec<usize>, from_ms: i64) -> CityStream<'a> {
        CityStream {
            city,
            sensors,
            tick: from_ms,
            rng: 0x9E37_79B9_7F4A_7C15,
            pending: Vec::new().into_iter(),
        }
    }

    /// xorshift64: plausible values without a dependency.
    fn next_unit(&mut self) -> f64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng >> 11) as f64 / (1u64 << 53) as f64
    }

    fn fill(&mut self) {
        let mut out = Vec::new();
        for i in 0..self.sensors.len() {
            let s = &self.city.sensors[self.sensors[i]];
            if (self.tick - T0) % s.interval_ms.max(1) != 0 {
                continue;
            }
            for &m in &self.city.domain(s.domain).metrics {
                let metric = self.city.metric(m);
                let value = metric.min + (metric.max - metric.min) * 0.2 * self.next_unit();
                out.push(reading(s, m, self.tick, (value * 10.0).round() / 10.0));
            }
        }
        self.tick += TICK_MS;
        self.pending = out.into_iter();
    }
}

impl Iterator for CityStream<'_> {
    type Item = Reading;

    fn next(&mut self) -> Option<Reading> {
        loop {
            if let Some(r) = self.pending.next() {
                return Some(r);
            }
            self.fill();
        }
    }
}

fn reading(s: &ioc::model::Sensor, metric: MetricIdx, ts_ms: i64, value: f64) -> Reading {
    Reading {
        sensor: s.id.clone(),
        registered: true,
        domain: s.domain,
        district: s.district,
        metric,
        ts_ms,
        ts_received: false,
        seq: None,
        value,
    }
}

struct WriteRun {
    written: usize,
    commits: usize,
    elapsed: Duration,
    /// Readings/s over the last quarter of the readings written: is the rate sustained as the
    /// file grows?
    last_quarter_rate: f64,
    /// Bytes this process handed to `write(2)` during the run (`wchar` of /proc/self/io):
    /// WAL frames and checkpoints, i.e. the write amplification of a reading.
    written_bytes: u64,
}

/// Writes up to `total` readings of `stream` in batches of `batch`, timing only `ReadingWriter::write`
/// and `ReadingWriter::sync`, and the closing rollup flush.
fn write_stream(
    store: &SqliteStore,
    stream: &mut CityStream,
    total: usize,
    batch: usize,
    max: Duration,
) -> anyhow::Result<WriteRun> {
    let mut run = WriteRun {
        written: 0,
        commits: 0,
        elapsed: Duration::ZERO,
        last_quarter_rate: 0.0,
        written_bytes: 0,
    };
    let mut commits: Vec<(usize, Duration)> = Vec::new();
    let wchar_before = wchar();
    while run.written < total && run.elapsed < max {
        let readings: Vec<Reading> = stream
            .by_ref()
            .take(batch.min(total - run.written))
            .collect();
        let start = Instant::now();
        let report = store.write(&readings)?;
        // In ioc the sync runs on its own thread, overlapping the next write; here it is
        // timed in line (a no-op with fsync = normal), the worst case.
        store.sync()?;
        let took = start.elapsed();
        if report.duplicates() > 0 {
            bail!(
                "{} readings of a batch were taken for duplicates",
                report.duplicates()
            );
        }
        run.elapsed += took;
        run.written += readings.len();
        run.commits += 1;
        commits.push((readings.len(), took));
    }
    // The store folds rollups in memory and writes them every `rollup_flush_interval_s` and
    // at close: the closing flush is timed too, as part of the last commit.
    let start = Instant::now();
    store.flush_rollups()?;
    store.sync()?;
    let took = start.elapsed();
    run.elapsed += took;
    if let Some(last) = commits.last_mut() {
        last.1 += took;
    }
    run.written_bytes = wchar().saturating_sub(wchar_before);
    let (mut n, mut t) = (0usize, Duration::ZERO);
    for (len, took) in commits.iter().rev() {
        if n >= run.written / 4 {
            break;
        }
        n += len;
        t += *took;
    }
    run.last_quarter_rate = n as f64 / t.as_secs_f64();
    Ok(run)
}

/// Bytes this process has passed to write-like system calls so far (0 where unknown).
fn wchar() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("wchar:").and_then(|v| v.trim().parse().ok()))
        })
        .unwrap_or(0)
}

/// The database file plus its WAL, in bytes.
fn db_bytes(path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    size(path) + size(&path.with_extension("db-wal"))
}

fn queries(
    city: &Arc<City>,
    retention: RetentionPolicy,
    dir: &Path,
    reps: usize,
) -> anyhow::Result<()> {
    let traffic: DomainIdx = city
        .domain_idx("traffic")
        .context("the demo city has a traffic domain")?;
    let district: DistrictIdx = city
        .sensors
        .iter()
        .find(|s| s.domain == traffic)
        .map(|s| s.district)
        .context("a traffic sensor")?;
    let group: Vec<usize> = (0..city.sensors.len())
        .filter(|&i| city.sensors[i].domain == traffic && city.sensors[i].district == district)
        .collect();
    let metric = city
        .metric_idx(traffic, "vehicle_count")
        .context("vehicle_count")?;
    let sensor = city.sensors[group[0]].id.to_string();
    let district_id = &city.district(district).id;

    let path = dir.join("query.db");
    let store = SqliteStore::open(&path, city.clone(), retention, false)?;
    let history: usize = group
        .iter()
        .map(|&i| {
            city.domain(city.sensors[i].domain).metrics.len()
                * (7 * DAY / city.sensors[i].interval_ms) as usize
        })
        .sum();
    let start = Instant::now();
    let w = write_stream(
        &store,
        &mut CityStream::of(city, group.clone(), T0),
        history,
        20_000,
        Duration::MAX,
    )?;
    println!(
        "\n## History queries (rows + fold, {reps} timed runs after 3 warm-ups; p50 / p95 / max in ms)\nstore: 7 days of {} traffic sensors of district {district_id} at 15 s, {} readings, {} MB, written in {:.1} s",
        group.len(),
        w.written,
        db_bytes(&path) / 1_000_000,
        start.elapsed().as_secs_f64()
    );
    let end = T0 + 7 * DAY;
    let cases = [
        (
            "sensor 7 d, 1-min rollups, step 1 min",
            Scope::Sensor(sensor.clone()),
            7 * DAY,
            Resolution::Minute,
            MINUTE,
            "20",
        ),
        (
            "district 24 h, 1-min rollups, step 5 min",
            Scope::Group {
                domain: traffic,
                district: Some(district),
            },
            DAY,
            Resolution::Minute,
            5 * MINUTE,
            "100",
        ),
        (
            "district 24 h, raw, step 1 min",
            Scope::Group {
                domain: traffic,
                district: Some(district),
            },
            DAY,
            Resolution::Raw,
            MINUTE,
            "100",
        ),
    ];
    println!(
        "{:<42} {:>7} {:>6} {:>22} {:>22} {:>8}",
        "query", "rows", "points", "rows() p50/p95/max", "total p50/p95/max", "target"
    );
    for (name, scope, span, resolution, step, target) in cases {
        let q = SeriesQuery {
            scope,
            metric,
            from_ms: end - span,
            to_ms: end,
        };
        let (mut rows_ms, mut total_ms) = (Vec::new(), Vec::new());
        let (mut n_rows, mut n_points) = (0, 0);
        for rep in 0..reps + 3 {
            let start = Instant::now();
            let rows = store.rows(&q, resolution)?;
            let read = start.elapsed();
            let points = fold(&rows, step, Agg::Mean);
            let total = start.elapsed();
            if rep >= 3 {
                rows_ms.push(read.as_secs_f64() * 1000.0);
                total_ms.push(total.as_secs_f64() * 1000.0);
            }
            (n_rows, n_points) = (rows.len(), points.len());
        }
        if n_points == 0 {
            bail!("query {name:?} found no data: the benchmark's data set is wrong");
        }
        println!(
            "{name:<42} {n_rows:>7} {n_points:>6} {:>22} {:>22} {:>5} ms",
            summary(&mut rows_ms),
            summary(&mut total_ms),
            target
        );
    }
    Ok(())
}

/// "p50 / p95 / max" of `ms`.
fn summary(ms: &mut [f64]) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    format!("{:.2} / {:.2} / {:.2}", at(0.5), at(0.95), at(1.0))
}
