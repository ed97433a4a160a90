//! A whole `ioc` on free ports with a temporary store, for the tests that need the real thing.

use std::net::SocketAddr;
use std::time::Duration;

use ioc::config::{load, Overrides};
use tokio_util::sync::CancellationToken;

use crate::helpers::free_port;

pub struct Ioc {
    pub http: SocketAddr,
    pub mqtt_port: u16,
    /// The one-run admin token a loopback ioc without keys makes.
    pub token: String,
    client: reqwest::Client,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
    /// The store lives here, not in the package.
    _data: tempfile::TempDir,
}

impl Ioc {
    /// Starts ioc (embedded broker included) and waits until it is ready.
    pub async fn start() -> Ioc {
        let data = tempfile::tempdir().expect("tempdir");
        let env = [
            ("IOC__HTTP__LISTEN", "127.0.0.1:0".to_owned()),
            ("IOC__HTTP__WORKERS", "1".to_owned()),
            ("IOC__BROKER__LISTEN", format!("127.0.0.1:{}", free_port())),
            (
                "IOC__MQTT__CLIENT_ID",
                format!("ioc-sim-test-{}-{}", std::process::id(), free_port()),
            ),
            ("IOC__LOG__FILTER", "warn,rumqttd=off".to_owned()),
            (
                "IOC__STORE__PATH",
                data.path().join("ioc.db").display().to_string(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let s = load(&Overrides { file: None, env }).expect("settings");
        let app = ioc::Application::build(s).await.expect("ioc starts");
        let ioc = Ioc {
            http: app.http_addr(),
            mqtt_port: app.mqtt_addr().1,
            token: app.bootstrap_token().expect("one-run token").to_owned(),
            client: reqwest::Client::new(),
            shutdown: app.shutdown_token(),
            task: tokio::spawn(async move {
                let _ = app.run_until_stopped().await;
            }),
            _data: data,
        };
        for _ in 0..200 {
            if ioc.get("/readyz").await.status().as_u16() == 200 {
                tokio::time::sleep(Duration::from_millis(200)).await;
                return ioc;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for ioc to be ready");
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{path}", self.http))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("ioc answers")
    }

    /// The sum of a Prometheus counter's series whose labels contain each of `labels`.
    pub async fn counter(&self, name: &str, labels: &[&str]) -> f64 {
        let text = self.get("/metrics").await.text().await.expect("metrics");
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")))
            .filter(|l| labels.iter().all(|want| l.contains(want)))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}
