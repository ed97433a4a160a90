//! End-to-end load benchmark: a program that prints numbers, never a test that asserts timings.
//!
//! ```text
//! cargo bench --bench e2e [-- --secs 10 --clients 1000 --conns 4 --qos 0,1 --target 0.9
//!                            --sizes 1,10,100 --sensors 288,2880,28800,100000,1000000
//!                            --rate MSGS_PER_S --no-max]
//! ```
//!
//! For each city size and each QoS. A size is the demo city's 288 sensors × each factor of
//! `--sizes`, or a synthetic city (`ioc-sim gen-city`, one district per 2,500 sensors, at least
//! 12) of each sensor count of `--sensors`; both may be given (factors run first), and with
//! neither the demo city runs alone:
//!
//! 1. **Broker alone.** A fresh Mosquitto, a subscriber that only counts, the load generator
//!    flat out: the messages/s Mosquitto delivers to one subscriber on this machine.
//! 2. **ioc flat out.** A fresh Mosquitto and the release `ioc` (external broker, SQLite store
//!    with `fsync = full`, PUBACK after commit), the same generator flat out: readings/s
//!    committed, the backlog at the start and end of the window, and after the generator
//!    stops, whether every published reading was stored.
//! 3. **ioc paced** at `--target` × the broker-alone rate (or `--rate`), with `--clients`
//!    WebSocket clients subscribed to `indicators/*/city`, `kpi` and the sensor status: the
//!    same, plus publish → client receipt latency p50 / p99 / max, the memory per idle
//!    connection, and `ioc`'s RSS per sensor, idle (before any reading) and at its peak.
//!
//! Each message is one sensor report carrying all of that sensor's metrics (`{"ts","seq",…}`,
//! 3 to 9 readings; 5.1 on average in the demo city): rates are given in messages/s and in
//! readings/s. CPU (% of one core) and peak RSS come from `/proc` for `ioc` and Mosquitto.

mod city;
mod load;
mod mqtt;
mod procs;
mod ws;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ioc::model::City;

use procs::{cpu_pct, stat, Stat};

struct Args {
    secs: u64,
    warmup: u64,
    clients: usize,
    conns: usize,
    qos: Vec<u8>,
    target: f64,
    sizes: Vec<usize>,
    /// Sensor counts of synthetic cities (`--sensors`).
    sensors: Vec<usize>,
    rate: Option<f64>,
    max: bool,
}

fn list<T: std::str::FromStr>(v: &str) -> anyhow::Result<Vec<T>> {
    v.split(',')
        .map(|x| x.trim().parse().ok().context("a comma-separated list"))
        .collect()
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        secs: 10,
        warmup: 3,
        clients: 1000,
        conns: 4,
        qos: vec![0, 1],
        target: 0.9,
        sizes: Vec::new(),
        sensors: Vec::new(),
        rate: None,
        max: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().context("a flag needs a value");
        match flag.as_str() {
            "--secs" => a.secs = value()?.parse()?,
            "--warmup" => a.warmup = value()?.parse()?,
            "--clients" => a.clients = value()?.parse()?,
            "--conns" => a.conns = value()?.parse::<usize>()?.max(1),
            "--qos" => a.qos = list(&value()?)?,
            "--target" => a.target = value()?.parse()?,
            "--sizes" => a.sizes = list(&value()?)?,
            "--sensors" => a.sensors = list(&value()?)?,
            "--rate" => a.rate = Some(value()?.parse()?),
            "--no-max" => a.max = false,
            "--bench" => {}
            other => bail!("unknown flag {other}"),
        }
    }
    if a.sizes.is_empty() && a.sensors.is_empty() {
        a.sizes = vec![1];
    }
    Ok(a)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Samples of both processes at the start and end of the measurement window.
struct Window {
    secs: f64,
    ioc: (Stat, Stat),
    broker: (Stat, Stat),
    /// This process: the load generator and the WebSocket clients.
    bench: (Stat, Stat),
}

impl Window {
    fn cpu_line(&self) -> String {
        format!(
            "ioc CPU {:>5.1}% peak RSS {:>6.1} MiB | mosquitto CPU {:>5.1}% peak RSS {:>6.1} MiB | bench (generator, clients) CPU {:>5.1}%",
            cpu_pct(self.ioc.0, self.ioc.1, self.secs),
            mib(self.ioc.1.peak_kib),
            cpu_pct(self.broker.0, self.broker.1, self.secs),
            mib(self.broker.1.peak_kib),
            cpu_pct(self.bench.0, self.bench.1, self.secs),
        )
    }
}

/// Mosquitto with a counting subscriber; returns messages/s delivered.
async fn broker_alone(a: &Args, city: &City, qos: u8) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let (broker, port) = procs::start_mosquitto(dir.path()).await?;
    let received = Arc::new(AtomicU64::new(0));
    let sub = tokio::spawn(mqtt::counting_subscriber(
        port,
        "city/+/+/+",
        qos,
        received.clone(),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (load, _tasks) = load::start(port, load::sensors(city), a.conns, qos, None, stop.clone());
    tokio::time::sleep(Duration::from_secs(a.warmup)).await;
    let (r0, p0, b0, t0) = (
        received.load(Ordering::Relaxed),
        load.messages.load(Ordering::Relaxed),
        stat(broker.pid())?,
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(a.secs)).await;
    let (r1, p1, b1, secs) = (
        received.load(Ordering::Relaxed),
        load.messages.load(Ordering::Relaxed),
        stat(broker.pid())?,
        t0.elapsed().as_secs_f64(),
    );
    stop.store(true, Ordering::Relaxed);
    let rate = (r1 - r0) as f64 / secs;
    println!(
        "  broker alone, flat out   | published {:>7.0} msg/s | delivered {:>7.0} msg/s to 1 counting subscriber | mosquitto CPU {:>5.1}% peak RSS {:>6.1} MiB",
        (p1 - p0) as f64 / secs,
        rate,
        cpu_pct(b0, b1, secs),
        mib(b1.peak_kib),
    );
    sub.abort();
    Ok(rate)
}

/// `ioc` behind Mosquitto: flat out (`rate` None) or paced, with `clients` WebSocket clients.
async fn ioc_run(
    a: &Args,
    city_path: Option<&Path>,
    city: &City,
    qos: u8,
    rate: Option<f64>,
    clients: usize,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (broker, port) = procs::start_mosquitto(dir.path()).await?;
    let ioc = procs::start_ioc(dir.path(), port, city_path).await?;
    let (ipid, bpid) = (ioc.proc.pid(), broker.pid());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle0 = stat(ipid)?;
    let rec = Arc::new(ws::Recorder::default());
    let district = city.districts.first().map_or("", |d| d.id.as_str());
    let tasks = ws::connect_all(ioc.http, &ioc.token, clients, district, &rec).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle1 = stat(ipid)?;
    let sensors = load::sensors(city);
    let per_msg = load::readings_per_message(&sensors);
    let stop = Arc::new(AtomicBool::new(false));
    let (load, load_tasks) = load::start(port, sensors, a.conns, qos, rate, stop.clone());
    tokio::time::sleep(Duration::from_secs(a.warmup)).await;
    rec.recording.store(true, Ordering::Relaxed);
    let published = || load.readings.load(Ordering::Relaxed);
    let me = std::process::id();
    let (p0, s0, i0, b0, g0, t0) = (
        published(),
        ioc.stored().await?,
        stat(ipid)?,
        stat(bpid)?,
        stat(me)?,
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(a.secs)).await;
    let (p1, s1, i1, b1, g1, secs) = (
        published(),
        ioc.stored().await?,
        stat(ipid)?,
        stat(bpid)?,
        stat(me)?,
        t0.elapsed().as_secs_f64(),
    );
    rec.recording.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    load::finished(load_tasks).await;
    let total = published();
    // Drain: wait until everything published is stored, or nothing moves for 5 s.
    let drain0 = Instant::now();
    let (mut stored, mut last_move) = (ioc.stored().await?, Instant::now());
    while stored < total && last_move.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = ioc.stored().await?;
        if now != stored {
            last_move = Instant::now();
        }
        stored = now;
    }
    let drain = drain0.elapsed().as_secs_f64();
    // CPU over the window; peak RSS over the whole run, drain included.
    let (ie, be) = (stat(ipid)?, stat(bpid)?);
    let w = Window {
        secs,
        ioc: (
            i0,
            Stat {
                ticks: i1.ticks,
                ..ie
            },
        ),
        broker: (
            b0,
            Stat {
                ticks: b1.ticks,
                ..be
            },
        ),
        bench: (g0, g1),
    };
    let stored_rate = (s1 - s0) as f64 / secs;
    let label = match rate {
        None => "ioc, flat out            ".to_owned(),
        Some(r) => format!("ioc, paced {r:>7.0} msg/s"),
    };
    println!(
        "  {label} | published {:>7.0} msg/s | stored {:>7.0} msg/s = {:>7.0} readings/s | backlog {:>8} → {:>8} readings | after stop: {} of {} readings stored ({} lost), drained in {:.1} s",
        (p1 - p0) as f64 / per_msg / secs,
        stored_rate / per_msg,
        stored_rate,
        p0.saturating_sub(s0),
        p1.saturating_sub(s1),
        stored,
        total,
        total.saturating_sub(stored),
        drain,
    );
    if clients > 0 {
        let lat = rec.take_sorted();
        println!(
            "    {clients} WebSocket clients ({} subscribed, {} error frames) | updates {:>6.0}/s, sensor status {:>5.0}/s | publish → client latency ms p50 {} p99 {} max {} ({} samples) | producer tick mean {:.1} ms | idle RSS {:.1} MiB + {:.1} KiB per connection",
            rec.connected.load(Ordering::Relaxed),
            rec.errors.load(Ordering::Relaxed),
            rec.updates.load(Ordering::Relaxed) as f64 / secs,
            rec.status_frames.load(Ordering::Relaxed) as f64 / secs,
            ws::percentile(&lat, 0.5),
            ws::percentile(&lat, 0.99),
            lat.last().copied().unwrap_or(0),
            lat.len(),
            ioc.metric("ioc_push_tick_duration_seconds_sum").await? * 1000.0
                / ioc.metric("ioc_push_tick_duration_seconds_count").await?.max(1.0),
            mib(idle0.rss_kib),
            idle1.rss_kib.saturating_sub(idle0.rss_kib) as f64 / clients as f64,
        );
    }
    let snap = "ioc_snapshot_tick_duration_seconds";
    println!(
        "    snapshot tick mean {:.1} ms, p99 ≤ {:.0} ms ({} ticks) | sensors recomputed since start: {:.0} after a reading, {:.0} by time alone",
        ioc.metric(&format!("{snap}_sum")).await? * 1000.0
            / ioc.metric(&format!("{snap}_count")).await?.max(1.0),
        ioc.quantile(snap, 0.99).await? * 1000.0,
        ioc.metric(&format!("{snap}_count")).await?,
        ioc.metric("ioc_snapshot_sensors_recomputed_total{cause=\"reading\"}").await?,
        ioc.metric("ioc_snapshot_sensors_recomputed_total{cause=\"time\"}").await?,
    );
    let sensors = city.sensors.len().max(1) as f64;
    println!(
        "    ioc RSS per sensor ({} sensors): idle {:.1} KiB ({:.1} MiB before any reading) | peak {:.1} KiB ({:.1} MiB)",
        city.sensors.len(),
        idle0.rss_kib as f64 / sensors,
        mib(idle0.rss_kib),
        w.ioc.1.peak_kib as f64 / sensors,
        mib(w.ioc.1.peak_kib),
    );
    let (commits, commit_s, batch, syncs, sync_s) = (
        ioc.metric("ioc_store_write_duration_seconds_count").await?,
        ioc.metric("ioc_store_write_duration_seconds_sum").await?,
        ioc.metric("ioc_store_batch_readings_sum").await?,
        ioc.metric("ioc_store_sync_duration_seconds_count").await?,
        ioc.metric("ioc_store_sync_duration_seconds_sum").await?,
    );
    println!(
        "    {} | ioc RSS at end {:.1} MiB | {commits:.0} commits, mean {:.1} ms, {:.0} readings each | {syncs:.0} fsyncs, mean {:.1} ms",
        w.cpu_line(),
        mib(w.ioc.1.rss_kib),
        commit_s * 1000.0 / commits.max(1.0),
        batch / commits.max(1.0),
        sync_s * 1000.0 / syncs.max(1.0),
    );
    if stored < total {
        println!(
            "    not stored: ioc decoded {:.0} readings (ioc_ingest_readings_total), {:.0} messages wait in its ingest queue, mqtt connected {:.0}, reconnects {:.0}",
            ioc.metric("ioc_ingest_readings_total").await?,
            ioc.metric("ioc_ingest_queue_messages").await?,
            ioc.metric("ioc_mqtt_connected").await?,
            ioc.metric("ioc_mqtt_reconnects_total").await?,
        );
    }
    let (n, first) = ioc.warnings();
    if n > 0 {
        println!("    ioc logged {n} warnings/errors, first: {first:?}");
    }
    for t in tasks {
        t.abort();
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    println!("# ioc end-to-end benchmark (Mosquitto → ioc → SQLite → WebSocket)");
    println!(
        "machine: {} cores | load avg at start: {} | {} s windows after {} s warm-up | {} publishing connections",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        procs::load_avg(),
        a.secs,
        a.warmup,
        a.conns
    );
    let dir = tempfile::tempdir()?;
    rt.block_on(async {
        let factors = a.sizes.iter().map(|&f| (f, None));
        let counts = a.sensors.iter().map(|&n| (0, Some(n)));
        for (factor, count) in factors.chain(counts).collect::<Vec<_>>() {
            let (path, what) = match count {
                None => (
                    city::scaled(dir.path(), factor)?,
                    format!("demo city x{factor}"),
                ),
                Some(n) => (Some(city::generated(dir.path(), n)?), "gen-city".to_owned()),
            };
            let loading = Instant::now();
            let city = city::load_from(path.as_deref())?;
            let load_s = loading.elapsed().as_secs_f64();
            let per_msg = load::readings_per_message(&load::sensors(&city));
            for &qos in &a.qos {
                println!(
                    "\n## {} sensors in {} districts ({what}; the bench loads it in {load_s:.2} s), QoS {qos}, one message per sensor report = {per_msg:.2} readings",
                    city.sensors.len(),
                    city.districts.len(),
                );
                let alone = broker_alone(&a, &city, qos).await?;
                if a.max {
                    ioc_run(&a, path.as_deref(), &city, qos, None, 0).await?;
                }
                let rate = a.rate.unwrap_or(alone * a.target);
                ioc_run(&a, path.as_deref(), &city, qos, Some(rate), a.clients).await?;
            }
        }
        println!("\nload avg at end: {}", procs::load_avg());
        Ok(())
    })
}
