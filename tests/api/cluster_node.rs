//! A real `ioc` process as a node of a cluster, for the cluster tests: its own store, HTTP
//! port, admin key and settings, started, killed and restarted by the test.

use std::process::{Child, Command, Stdio};

use serde_json::Value;

use super::cluster::INTERVAL_MS;
use crate::helpers::{client_with_token, create_key_cli, eventually, free_port};

/// One node: a real `ioc` process with its own store, HTTP port and admin key.
pub(crate) struct Node {
    pub(crate) child: Option<Child>,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) http: u16,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) client: reqwest::Client,
    pub(crate) token: String,
}

impl Node {
    pub(crate) fn start(cluster: &str, id: &str, districts: &[&str], broker: u16) -> Node {
        Node::start_env(cluster, id, districts, broker, None, &[])
    }

    /// A node whose alert rules file holds `rules` (when given), with `extra` settings too.
    pub(crate) fn start_env(
        cluster: &str,
        id: &str,
        districts: &[&str],
        broker: u16,
        rules: Option<&str>,
        extra: &[(&str, String)],
    ) -> Node {
        let dir = tempfile::tempdir().expect("tempdir");
        let token = create_key_cli(&dir.path().join("ioc.db"), "admin", &[]);
        let http = free_port();
        let env = [
            ("IOC__CLUSTER__NAME", cluster.to_owned()),
            ("IOC__CLUSTER__NODE_ID", id.to_owned()),
            ("IOC__CLUSTER__DISTRICTS", districts.join(",")),
            ("IOC__CLUSTER__SUMMARY_INTERVAL_MS", INTERVAL_MS.to_string()),
            ("IOC__MQTT__URL", format!("mqtt://127.0.0.1:{broker}")),
            ("IOC__MQTT__RECONNECT_INITIAL_MS", "50".to_owned()),
            ("IOC__MQTT__RECONNECT_MAX_MS", "400".to_owned()),
            ("IOC__HTTP__LISTEN", format!("127.0.0.1:{http}")),
            ("IOC__HTTP__WORKERS", "1".to_owned()),
            ("IOC__LOG__FILTER", "warn".to_owned()),
        ];
        let mut env: Vec<(String, String)> =
            env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        if let Some(rules) = rules {
            let path = dir.path().join("alerts.toml");
            std::fs::write(&path, rules).expect("write rules");
            env.push(("IOC__ALERTS__RULES_PATH".into(), path.display().to_string()));
        }
        let mut node = Node {
            child: None,
            dir,
            http,
            env,
            client: client_with_token(&token),
            token,
        };
        node.launch();
        node
    }

    pub(crate) fn launch(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_ioc"))
            .env_remove("RUST_LOG")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("IOC__STORE__PATH", self.dir.path().join("ioc.db"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ioc");
        self.child = Some(child);
    }

    pub(crate) async fn get(&self, path: &str) -> Value {
        let url = format!("http://127.0.0.1:{}{path}", self.http);
        match self.client.get(url).send().await {
            Ok(r) => r.json().await.unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    /// The status `token` gets for the KPI here.
    pub(crate) async fn status_with(&self, token: &str) -> u16 {
        let url = format!("http://127.0.0.1:{}/api/v1/kpi", self.http);
        match client_with_token(token).get(url).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        }
    }

    /// Creates a viewer key here through the API; returns its id and token.
    pub(crate) async fn create_key(&self) -> (String, String) {
        let body = serde_json::json!({"role": "viewer", "scope": [], "label": "replicated"});
        let (status, v) = self.post("/api/v1/admin/keys", body).await;
        assert_eq!(status, 201, "{v}");
        let id = v["key"]["id"].as_str().expect("id").to_owned();
        (id, v["token"].as_str().expect("token").to_owned())
    }

    pub(crate) async fn revoke(&self, id: &str) {
        let url = format!("http://127.0.0.1:{}/api/v1/admin/keys/{id}", self.http);
        let r = self.client.delete(url).send().await.expect("DELETE key");
        assert_eq!(r.status(), 204);
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let url = format!("http://127.0.0.1:{}{path}", self.http);
        let r = self
            .client
            .post(url)
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A WebSocket client subscribed to the `alerts` stream, past its snapshot.
    pub(crate) async fn alerts_stream(&self) -> crate::stream::Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!("ws://127.0.0.1:{}/api/v1/stream", self.http);
        let mut req = url.into_client_request().expect("request");
        let protocols = format!("ioc.v1, ioc.bearer.{}", self.token);
        let value = protocols.parse().expect("header value");
        req.headers_mut().insert("Sec-WebSocket-Protocol", value);
        let (mut ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("WebSocket");
        let streams = serde_json::json!({"op": "subscribe", "streams": ["alerts"]});
        crate::stream::send(&mut ws, streams).await;
        while crate::stream::next_json(&mut ws).await["type"] != "snapshot" {}
        ws
    }

    pub(crate) async fn decides_alerts(&self) -> bool {
        self.get("/readyz").await["cluster"]["decides_alerts"] == true
    }

    pub(crate) async fn ready(&self) {
        eventually("the node is ready", || async {
            self.get("/readyz").await["status"] == "ready"
        })
        .await;
    }

    /// SIGTERM, and waits for the graceful stop (ingest drained, rollups flushed).
    pub(crate) fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let _ = c.wait();
        }
    }

    pub(crate) fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("ioc.db")
    }

    /// SIGKILL: no goodbye; the broker publishes the node's last will.
    pub(crate) fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The demo city's district ids, split in two halves.
pub(crate) fn halves() -> (Vec<String>, Vec<String>) {
    let city = ioc::model::CityConfig::demo().expect("demo city");
    let ids: Vec<String> = city.districts.iter().map(|d| d.id.clone()).collect();
    let (a, b) = ids.split_at(ids.len() / 2);
    (a.to_vec(), b.to_vec())
}

/// A traffic sensor of `district` in the demo city.
pub(crate) fn traffic_sensor(district: &str) -> String {
    let city = ioc::model::CityConfig::demo().expect("demo city");
    city.sensors
        .iter()
        .find(|s| s.district == district && s.domain == "traffic")
        .map(|s| s.id.clone())
        .expect("a traffic sensor")
}

pub(crate) fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}
