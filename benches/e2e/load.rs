//! The load generator: the city's sensors, each sending one message per report that carries
//! that sensor's metrics (`{"ts":…,"seq":…,"metric":value,…}`, DESIGN.md's contract), spread
//! over several MQTT connections, paced to a target rate or flat out.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ioc::model::City;
use ioc::shell::now_ms;
use tokio::io::AsyncWriteExt;

use super::mqtt;

/// (metric, calm low, calm high, decimals, jitter): each sensor gets a base value in the calm
/// range (well inside the alert rules of `config/alerts.toml`) and reports it with ±`jitter`
/// relative noise. Metrics watched by rate-of-change rules (speed, water level) hold still: at
/// hundreds of reports per sensor per second, sensor noise would read as a steep rate.
type Metric = (&'static str, f64, f64, u8, f64);
const TRAFFIC: &[Metric] = &[
    ("vehicle_count", 10.0, 30.0, 0, 0.1),
    ("avg_speed_kmh", 45.0, 60.0, 1, 0.0),
    ("occupancy_pct", 10.0, 30.0, 1, 0.05),
];
const AIR: &[Metric] = &[
    ("pm25", 10.0, 30.0, 1, 0.02),
    ("pm10", 20.0, 50.0, 1, 0.02),
    ("no2", 10.0, 40.0, 1, 0.02),
    ("o3", 20.0, 60.0, 1, 0.02),
    ("so2", 2.0, 10.0, 1, 0.02),
    ("co", 300.0, 800.0, 0, 0.02),
    ("temperature_c", 26.0, 30.0, 1, 0.01),
    ("humidity_pct", 60.0, 80.0, 1, 0.01),
    ("noise_db", 50.0, 60.0, 1, 0.02),
];
const WATER: &[Metric] = &[
    ("water_level_cm", 60.0, 100.0, 1, 0.0),
    ("rainfall_mm", 0.0, 1.0, 1, 0.0),
];
const QUEUE: &[Metric] = &[
    ("waiting", 5.0, 20.0, 0, 0.1),
    ("served_last_5m", 5.0, 15.0, 0, 0.1),
    ("avg_wait_s", 200.0, 600.0, 0, 0.02),
    ("counters_open", 3.0, 6.0, 0, 0.0),
];

pub struct SimSensor {
    topic: Vec<u8>,
    metrics: &'static [Metric],
    base: Vec<f64>,
    last_ts: i64,
    seq: u64,
}

/// Every sensor of the city with the metrics its kind reports (water stations: `wl-*`).
pub fn sensors(city: &City) -> Vec<SimSensor> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    city.sensors
        .iter()
        .map(|s| {
            let domain = city.domain(s.domain).name.as_str();
            let metrics = match domain {
                "traffic" => TRAFFIC,
                "public_service" => QUEUE,
                _ if s.id.starts_with("wl-") => WATER,
                _ => AIR,
            };
            let topic = format!("city/{domain}/{}/{}", city.district(s.district).id, s.id);
            let base = metrics
                .iter()
                .map(|&(_, lo, hi, _, _)| lo + (hi - lo) * rng.unit())
                .collect();
            SimSensor {
                topic: topic.into_bytes(),
                metrics,
                base,
                last_ts: 0,
                seq: 0,
            }
        })
        .collect()
}

/// Mean readings per message over `sensors` (every sensor reports equally often).
pub fn readings_per_message(sensors: &[SimSensor]) -> f64 {
    sensors.iter().map(|s| s.metrics.len()).sum::<usize>() as f64 / sensors.len().max(1) as f64
}

/// What the generator did, shared with the bench.
#[derive(Default)]
pub struct Counters {
    pub messages: AtomicU64,
    pub readings: AtomicU64,
    pub acks: Arc<AtomicU64>,
}

/// One publishing connection. `rate`: messages/s for this connection, `None` = flat out.
pub struct Conn {
    pub port: u16,
    pub id: usize,
    pub qos: u8,
    pub rate: Option<f64>,
    pub sensors: Vec<SimSensor>,
}

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl Conn {
    pub async fn run(mut self, stop: Arc<AtomicBool>, c: Arc<Counters>) -> anyhow::Result<()> {
        let client = format!("e2e-load-{}-{}", std::process::id(), self.id);
        let (rd, mut wr) = mqtt::connect(self.port, &client).await?.into_split();
        tokio::spawn(mqtt::count_acks(rd, c.acks.clone()));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (self.id as u64 + 1));
        let (mut buf, mut payload) = (Vec::with_capacity(1 << 20), Vec::with_capacity(512));
        let (started, mut sent, mut next, mut pkid) = (Instant::now(), 0u64, 0usize, 0u16);
        let mut tick = tokio::time::interval(Duration::from_millis(2));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !stop.load(Ordering::Relaxed) {
            let due = match self.rate {
                Some(rate) => {
                    tick.tick().await;
                    let want = (rate * started.elapsed().as_secs_f64()) as u64;
                    want.saturating_sub(sent).min(8192)
                }
                None => 512,
            };
            // QoS 1: keep the broker's unacknowledged window bounded (packet ids wrap at 65,535).
            if self.qos > 0 && sent.saturating_sub(c.acks.load(Ordering::Relaxed)) > 30_000 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                continue;
            }
            let now = now_ms();
            let (mut readings, mut n) = (0u64, 0u64);
            buf.clear();
            for _ in 0..due {
                let count = self.sensors.len();
                let s = &mut self.sensors[next % count];
                next += 1;
                // Unique per sensor and millisecond, so no reading is a duplicate of another.
                s.last_ts = now.max(s.last_ts + 1);
                s.seq += 1;
                payload.clear();
                let _ = write!(payload, "{{\"ts\":{},\"seq\":{}", s.last_ts, s.seq);
                for (&(name, _, _, decimals, jitter), base) in s.metrics.iter().zip(&s.base) {
                    let v = base * (1.0 + jitter * (2.0 * rng.unit() - 1.0));
                    let _ = write!(payload, ",\"{name}\":{v:.*}", usize::from(decimals));
                }
                payload.push(b'}');
                pkid = pkid.checked_add(1).unwrap_or(1);
                mqtt::publish(&mut buf, self.qos, pkid, &s.topic, &payload);
                readings += s.metrics.len() as u64;
                n += 1;
            }
            if n == 0 {
                continue;
            }
            wr.write_all(&buf).await?;
            sent += n;
            c.messages.fetch_add(n, Ordering::Relaxed);
            c.readings.fetch_add(readings, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Starts `conns` connections sharing `rate` messages/s (`None`: flat out); sensors are dealt
/// round-robin so each sensor is published by exactly one connection.
pub fn start(
    port: u16,
    mut sensors: Vec<SimSensor>,
    conns: usize,
    qos: u8,
    rate: Option<f64>,
    stop: Arc<AtomicBool>,
) -> (Arc<Counters>, Vec<tokio::task::JoinHandle<()>>) {
    let counters = Arc::new(Counters::default());
    let mut tasks = Vec::with_capacity(conns);
    let mut groups: Vec<Vec<SimSensor>> = (0..conns).map(|_| Vec::new()).collect();
    for (i, s) in sensors.drain(..).enumerate() {
        groups[i % conns].push(s);
    }
    for (id, group) in groups.into_iter().enumerate() {
        let conn = Conn {
            port,
            id,
            qos,
            rate: rate.map(|r| r / conns as f64),
            sensors: group,
        };
        let (stop, c) = (stop.clone(), counters.clone());
        tasks.push(tokio::spawn(async move {
            let stopped = stop.clone();
            if let Err(e) = conn.run(stop, c).await {
                if stopped.load(Ordering::Relaxed) {
                    return; // the broker went away after the run
                }
                eprintln!("load connection {id}: {e:#}");
            }
        }));
    }
    (counters, tasks)
}

/// Waits (at most 10 s) until every connection has finished its last write after `stop`.
pub async fn finished(tasks: Vec<tokio::task::JoinHandle<()>>) {
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::future::join_all(tasks),
    )
    .await;
}
