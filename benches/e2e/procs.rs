//! The processes under test — Debian's Mosquitto and the release `ioc` binary — and what
//! `/proc` says about them. Every REST request and WebSocket connection to `ioc` is built by
//! `ioc_get` and `ws_request`, so authentication (a token) is a change in those two only.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;

pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process, killed when dropped.
pub struct Proc(pub Child);

impl Proc {
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn mosquitto_binary() -> PathBuf {
    ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("mosquitto"))
}

/// Starts Mosquitto on a free port with the limits of `docs/mosquitto.conf`: an unbounded
/// queue, so a lagging subscriber is never dropped from at QoS 1, and an in-flight window of
/// 20,000, so a backlog never delays its PINGRESP past ioc's keep-alive
/// (`IOC_BENCH_MOSQUITTO_INFLIGHT` sets another window, 0 for none, to compare).
pub async fn start_mosquitto(dir: &Path) -> anyhow::Result<(Proc, u16)> {
    let port = free_port()?;
    let inflight: u32 = match std::env::var("IOC_BENCH_MOSQUITTO_INFLIGHT") {
        Ok(v) => v
            .parse()
            .context("IOC_BENCH_MOSQUITTO_INFLIGHT: a number of messages")?,
        Err(_) => 20_000,
    };
    let conf = dir.join(format!("mosquitto-{port}.conf"));
    std::fs::write(
        &conf,
        format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages {inflight}\nmax_packet_size 1048576\nlog_dest stderr\nlog_type error\n"
        ),
    )?;
    let child = Command::new(mosquitto_binary())
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("start /usr/sbin/mosquitto (apt-get install mosquitto)")?;
    let proc = Proc(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok((proc, port));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("mosquitto did not listen on port {port} within 5 s")
}

pub struct Ioc {
    pub proc: Proc,
    pub log: PathBuf,
    pub http: u16,
    /// Sends `Authorization: Bearer <token>` with every request.
    pub client: reqwest::Client,
    /// A viewer key made with `ioc keys create` before the start.
    pub token: String,
}

/// Makes a viewer key in the store at `db` with the binary's own `ioc keys create`.
fn create_key(binary: &str, db: &Path) -> anyhow::Result<String> {
    let out = Command::new(binary)
        .env("IOC__STORE__PATH", db)
        .args(["keys", "create", "--role", "viewer", "--label", "e2e bench"])
        .output()
        .context("run ioc keys create")?;
    if !out.status.success() {
        bail!("ioc keys create: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?.trim().to_owned())
}

fn client_with_token(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// Starts the release `ioc` binary: external broker on `mqtt_port`, SQLite store in `dir`,
/// durable commits (`store.fsync = "full"`, the default), manual acknowledgements after commit.
/// Other `IOC__…` variables in the bench's environment pass through (for experiments).
pub async fn start_ioc(dir: &Path, mqtt_port: u16, city: Option<&Path>) -> anyhow::Result<Ioc> {
    let http = free_port()?;
    let binary =
        std::env::var("IOC_BENCH_SERVER").unwrap_or_else(|_| env!("CARGO_BIN_EXE_ioc").to_owned());
    // IOC_BENCH_SERVER_CPUS=0,1 pins ioc with taskset (on a machine with cores to spare).
    let mut command = match std::env::var("IOC_BENCH_SERVER_CPUS") {
        Ok(cpus) => {
            let mut c = Command::new("taskset");
            c.arg("-c").arg(cpus).arg(&binary);
            c
        }
        Err(_) => Command::new(&binary),
    };
    let db = dir.join(format!("ioc-{mqtt_port}.db"));
    let token = create_key(&binary, &db)?;
    command
        .env("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}"))
        // 1,000 WebSocket clients connect from one address within a second.
        .env("IOC__HTTP__RATE_PER_IP_PER_S", "100000")
        .env("IOC__HTTP__RATE_PER_IP_BURST", "100000")
        .env("IOC__HTTP__RATE_PER_KEY_PER_S", "100000")
        .env("IOC__HTTP__RATE_PER_KEY_BURST", "100000")
        .env("IOC__MQTT__URL", format!("mqtt://127.0.0.1:{mqtt_port}"))
        .env("IOC__MQTT__CLIENT_ID", format!("ioc-e2e-{mqtt_port}"))
        .env("IOC__STORE__PATH", &db)
        .env(
            "IOC__STORE__FSYNC",
            std::env::var("IOC__STORE__FSYNC").unwrap_or_else(|_| "full".to_owned()),
        )
        .env("IOC__PUSH__MAX_CONNECTIONS", "20000")
        .env("IOC__LOG__FILTER", "warn,rumqttd=off")
        .stdout(std::fs::File::create(
            dir.join(format!("ioc-{mqtt_port}.log")),
        )?);
    if let Some(city) = city {
        command.env("IOC__CITY__PATH", city);
    }
    let child = command.spawn().context("start the ioc binary")?;
    let ioc = Ioc {
        proc: Proc(child),
        log: dir.join(format!("ioc-{mqtt_port}.log")),
        http,
        client: client_with_token(&token)?,
        token,
    };
    for _ in 0..300 {
        if let Ok(r) = ioc_get(&ioc.client, http, "/readyz").send().await {
            if r.status().is_success() {
                return Ok(ioc);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("ioc did not become ready in 30 s")
}

/// The one place a REST request to `ioc` is built (add `.bearer_auth(token)` here).
pub fn ioc_get(client: &reqwest::Client, port: u16, path: &str) -> reqwest::RequestBuilder {
    client.get(format!("http://127.0.0.1:{port}{path}"))
}

/// The one place a WebSocket connection request to `ioc` is built: the token rides in the
/// `ioc.bearer.<token>` subprotocol, as a browser sends it.
pub fn ws_request(port: u16, token: &str) -> anyhow::Result<Request> {
    let mut req = format!("ws://127.0.0.1:{port}/api/v1/stream").into_client_request()?;
    let protocols = format!("ioc.v1, ioc.bearer.{token}");
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocols.parse()?);
    Ok(req)
}

impl Ioc {
    /// The warnings and errors `ioc` logged (the first few), and how many there were.
    pub fn warnings(&self) -> (usize, Vec<String>) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
            .map(str::to_owned)
            .collect();
        (lines.len(), lines.into_iter().take(3).collect())
    }

    /// Sum of the Prometheus series whose name and labels start with `series`.
    pub async fn metric(&self, series: &str) -> anyhow::Result<f64> {
        let text = ioc_get(&self.client, self.http, "/metrics")
            .send()
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| l.starts_with(series))
            .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum())
    }

    /// The `q` quantile of a histogram (seconds), as the upper bound of the bucket it falls
    /// in: Prometheus' buckets, so "≤ 25 ms" rather than an exact figure.
    pub async fn quantile(&self, histogram: &str, q: f64) -> anyhow::Result<f64> {
        let text = ioc_get(&self.client, self.http, "/metrics")
            .send()
            .await?
            .text()
            .await?;
        let prefix = format!("{histogram}_bucket{{le=\"");
        let buckets: Vec<(f64, f64)> = text
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|l| {
                let (le, rest) = l.split_once('"')?;
                let count = rest.rsplit_once(' ')?.1.parse::<f64>().ok()?;
                Some((le.parse::<f64>().unwrap_or(f64::INFINITY), count))
            })
            .collect();
        let total = buckets.last().map_or(0.0, |b| b.1);
        Ok(buckets
            .iter()
            .find(|(_, c)| *c >= q * total)
            .map_or(f64::NAN, |b| b.0))
    }

    /// Readings the store has committed as fresh.
    pub async fn stored(&self) -> anyhow::Result<u64> {
        Ok(self
            .metric("ioc_store_readings_total{result=\"stored\"}")
            .await? as u64)
    }
}

/// What `/proc` says about a process at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stat {
    pub rss_kib: u64,
    /// Peak RSS so far (`VmHWM`).
    pub peak_kib: u64,
    /// CPU time, user + system, in clock ticks (1/100 s).
    pub ticks: u64,
}

pub fn stat(pid: u32) -> anyhow::Result<Stat> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib = |key: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{key} in /proc/{pid}/status"))
    };
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let fields: Vec<&str> = text
        .rsplit_once(')')
        .context("/proc/pid/stat")?
        .1
        .split_whitespace()
        .collect();
    let tick = |i: usize| -> anyhow::Result<u64> {
        Ok(fields.get(i).context("/proc/pid/stat field")?.parse()?)
    };
    Ok(Stat {
        rss_kib: kib("VmRSS:")?,
        peak_kib: kib("VmHWM:")?,
        ticks: tick(11)? + tick(12)?,
    })
}

/// CPU use between two samples, in % of one core.
pub fn cpu_pct(a: Stat, b: Stat, secs: f64) -> f64 {
    b.ticks.saturating_sub(a.ticks) as f64 / secs
}

/// The 1-minute load average.
pub fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
