//! WebSocket push benchmark: a program that prints numbers, never a test that asserts timings.
//!
//! ```text
//! ulimit -n 20000   # 10,000 clients need as many descriptors in each process
//! cargo bench --bench ws [-- [--clients 1,1000,10000] [--rate 10000] [--secs 10]]
//! ```
//!
//! For each client count N, the `ioc` binary is started as its own process (embedded broker,
//! store in a temp dir), so its RSS and CPU are measured apart from the clients:
//!
//! 1. N WebSocket clients connect and subscribe to the city's indicators
//!    (`indicators/*/city` and `kpi`). With no readings flowing, the server's RSS growth
//!    divided by N is the memory per idle connection.
//! 2. A publisher sends the demo city's traffic sensors' readings over MQTT (QoS 1) at
//!    `--rate` readings/s (3 metrics per message), each stamped with its publish time as `ts`.
//!    Every client records, for each update, now − `as_of` (the newest source time it
//!    reflects): publish-to-receipt latency of the freshest reading, on one clock.
//! 3. It prints the readings acknowledged per second, updates delivered per second, latency
//!    p50 / p99 / max, server RSS and server CPU (share of one core) during the load.
//!
//! Clients and server share the machine: the clients' CPU is not the server's, but it competes.
//! On a larger machine, `IOC_BENCH_SERVER_CPUS=0,1` pins the server to two cores (taskset) and
//! `taskset -c 2-15 cargo bench …` keeps the clients off them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use futures_util::{SinkExt, StreamExt};
use ioc::config::{load, load_city, Overrides};
use ioc::model::City;
use ioc::shell::now_ms;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio_tungstenite::tungstenite::Message;

struct Args {
    clients: Vec<usize>,
    rate: u64,
    secs: u64,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        clients: vec![1, 1000, 10000],
        rate: 10_000,
        secs: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().context("a flag needs a value");
        match flag.as_str() {
            "--clients" => {
                a.clients = value()?
                    .split(',')
                    .map(|n| n.parse().context("--clients"))
                    .collect::<anyhow::Result<_>>()?
            }
            "--rate" => a.rate = value()?.parse()?,
            "--secs" => a.secs = value()?.parse()?,
            "--bench" => {}
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

struct Server {
    child: Child,
    http: u16,
    mqtt: u16,
    /// A viewer key made with `ioc keys create` before the start.
    token: Arc<str>,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_server() -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let (http, mqtt) = (free_port()?, free_port()?);
    // IOC_BENCH_SERVER=path runs another ioc binary; IOC_BENCH_SERVER_CPUS=0,1 pins the server
    // with taskset, so clients on other cores do not compete with it.
    let binary =
        std::env::var("IOC_BENCH_SERVER").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ioc").to_owned());
    let db = dir.path().join("ioc.db");
    let made = Command::new(&binary)
        .env("IOC__STORE__PATH", &db)
        .args(["keys", "create", "--role", "viewer", "--label", "ws bench"])
        .output()
        .context("run ioc keys create")?;
    anyhow::ensure!(
        made.status.success(),
        "ioc keys create: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let token: Arc<str> = String::from_utf8(made.stdout)?.trim().into();
    let mut command = match std::env::var("IOC_BENCH_SERVER_CPUS") {
        Ok(cpus) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpus).arg(&binary);
            c
        }
        Err(_) => Command::new(&binary),
    };
    let child = command
        .env("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}"))
        .env("IOC__BROKER__LISTEN", format!("127.0.0.1:{mqtt}"))
        .env("IOC__STORE__PATH", &db)
        .env("IOC__PUSH__MAX_CONNECTIONS", "20000")
        // Thousands of clients connect from one address within seconds.
        .env("IOC__HTTP__RATE_PER_IP_PER_S", "100000")
        .env("IOC__HTTP__RATE_PER_IP_BURST", "100000")
        .env("IOC__HTTP__RATE_PER_KEY_PER_S", "100000")
        .env("IOC__HTTP__RATE_PER_KEY_BURST", "100000")
        .env("IOC__LOG__FILTER", "error,rumqttd=off")
        .stdout(Stdio::null())
        .spawn()
        .context("start the ioc binary")?;
    let server = Server {
        child,
        http,
        mqtt,
        token,
        _dir: dir,
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{http}/readyz"))
            .send()
            .await
        {
            if r.status().is_success() {
                return Ok(server);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("ioc did not become ready in 20 s")
}

/// (RSS in KiB, CPU ticks user + system) of a process.
fn proc_stats(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    Ok((rss, ticks))
}

/// Latencies (ms) and update counts recorded by every client.
#[derive(Default)]
struct Recorder {
    latencies: Mutex<Vec<u32>>,
    updates: AtomicU64,
}

/// The `as_of` of an update frame, found without parsing the whole frame.
fn update_as_of(text: &str) -> Option<i64> {
    if !text.starts_with(r#"{"type":"update""#) {
        return None;
    }
    let rest = &text[text.find(r#""as_of":"#)? + 8..];
    rest[..rest.find(',')?].parse().ok()
}

async fn client(
    port: u16,
    token: Arc<str>,
    rec: Arc<Recorder>,
    recording: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{port}/api/v1/stream").into_client_request()?;
    let protocols = format!("ioc.v1, ioc.bearer.{token}");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocols.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    let sub = r#"{"op":"subscribe","streams":["indicators/*/city","kpi"]}"#;
    ws.send(Message::text(sub)).await?;
    while let Some(msg) = ws.next().await {
        let Message::Text(t) = msg? else { continue };
        if let Some(as_of) = update_as_of(&t) {
            if recording.load(Ordering::Relaxed) {
                let ms = (now_ms() - as_of).max(0) as u32;
                rec.latencies
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(ms);
                rec.updates.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

/// Publishes the traffic sensors' readings at `rate` readings/s until `stop`; returns the
/// PUBACK counter (3 readings each).
async fn publisher(
    port: u16,
    sensors: Vec<(String, String)>,
    rate: u64,
    stop: Arc<AtomicBool>,
) -> anyhow::Result<Arc<AtomicU64>> {
    let mut o = MqttOptions::new(
        format!("ws-bench-{}", std::process::id()),
        "127.0.0.1",
        port,
    );
    o.set_inflight(1000);
    let (client, mut eventloop) = AsyncClient::new(o, 10_000);
    let acks = Arc::new(AtomicU64::new(0));
    let counter = acks.clone();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    });
    tokio::spawn(async move {
        let msgs_per_tick = (rate / 3 / 100).max(1);
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let mut i = 0usize;
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            for _ in 0..msgs_per_tick {
                let (district, id) = &sensors[i % sensors.len()];
                i += 1;
                let payload = format!(
                    r#"{{"ts":{},"vehicle_count":{},"avg_speed_kmh":{},"occupancy_pct":{}}}"#,
                    now_ms(),
                    i % 40,
                    20 + i % 40,
                    i % 90
                );
                let topic = format!("city/traffic/{district}/{id}");
                if client
                    .publish(topic, QoS::AtLeastOnce, false, payload)
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    });
    Ok(acks)
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn run_one(n: usize, a: &Args, sensors: &[(String, String)]) -> anyhow::Result<()> {
    let server = start_server().await?;
    let pid = server.child.id();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (rss0, _) = proc_stats(pid)?;
    let rec = Arc::new(Recorder::default());
    let recording = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(n);
    for chunk in 0..n.div_ceil(200) {
        for _ in (chunk * 200)..((chunk + 1) * 200).min(n) {
            tasks.push(tokio::spawn(client(
                server.http,
                server.token.clone(),
                rec.clone(),
                recording.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let failed = tasks.iter().filter(|t| t.is_finished()).count();
    let (rss_idle, _) = proc_stats(pid)?;

    let stop = Arc::new(AtomicBool::new(false));
    let acks = publisher(server.mqtt, sensors.to_vec(), a.rate, stop.clone()).await?;
    tokio::time::sleep(Duration::from_secs(2)).await; // warm-up
    recording.store(true, Ordering::Relaxed);
    let (acks0, (_, cpu0), t0) = (
        acks.load(Ordering::Relaxed),
        proc_stats(pid)?,
        Instant::now(),
    );
    tokio::time::sleep(Duration::from_secs(a.secs)).await;
    let (acks1, (rss_load, cpu1), wall) =
        (acks.load(Ordering::Relaxed), proc_stats(pid)?, t0.elapsed());
    recording.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    let updates = rec.updates.load(Ordering::Relaxed);
    let mut lat = std::mem::take(&mut *rec.latencies.lock().unwrap_or_else(|p| p.into_inner()));
    lat.sort_unstable();
    let secs = wall.as_secs_f64();
    println!(
        "{n:>6} clients ({failed} failed) | readings acked {:>7.0}/s | updates delivered {:>9.0}/s | latency ms p50 {:>4} p99 {:>4} max {:>5} ({} samples) | server RSS {:>6.1} MiB before, +{:>5.1} KiB/idle conn, {:>6.1} MiB under load | server CPU {:>5.1}% of a core",
        (acks1 - acks0) as f64 * 3.0 / secs,
        updates as f64 / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0),
        lat.len(),
        rss0 as f64 / 1024.0,
        (rss_idle.saturating_sub(rss0)) as f64 / n.max(1) as f64,
        rss_load as f64 / 1024.0,
        (cpu1 - cpu0) as f64 / 100.0 / secs * 100.0,
    );
    for t in tasks {
        t.abort();
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let a = args()?;
    let settings = load(&Overrides {
        file: None,
        env: Vec::new(),
    })?;
    let city = City::from_config(&load_city(&settings)?)?;
    let traffic = city.domain_idx("traffic").context("a traffic domain")?;
    let sensors: Vec<(String, String)> = city
        .sensors
        .iter()
        .filter(|s| s.domain == traffic)
        .map(|s| (city.district(s.district).id.clone(), s.id.to_string()))
        .collect();
    println!(
        "WebSocket push: {} readings/s over MQTT from {} traffic sensors, {} s per run",
        a.rate,
        sensors.len(),
        a.secs
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        for &n in &a.clients {
            run_one(n, &a, &sensors).await?;
        }
        Ok(())
    })
}
