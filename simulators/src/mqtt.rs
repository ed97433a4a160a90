//! The publishing MQTT connection: connects (plain or TLS, with ioc's credentials settings),
//! publishes in order, and on `finish` waits until the broker has acknowledged every QoS 1
//! message, so a run that returns has delivered what it counted.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ioc::ingest::MqttSettings;
use ioc::ingest::{mqtt_options, BrokerUrl};
use rumqttc::{AsyncClient, Event, MqttOptions, Outgoing, Packet, QoS};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How long to wait for the first CONNACK and, at the end, for the last PUBACK.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MqttError {
    #[error("broker URL {url:?}: {cause}")]
    Url {
        url: String,
        cause: ioc::ingest::BrokerUrlError,
    },
    #[error("MQTT options: {0}")]
    Options(#[from] ioc::ingest::OptionsError),
    #[error("no connection to {url} within {}s (last error: {last})", CONNECT_TIMEOUT.as_secs())]
    Connect { url: String, last: String },
    #[error("the MQTT connection task stopped")]
    Closed,
    #[error("the broker acknowledged {acked} of {sent} messages within {}s", DRAIN_TIMEOUT.as_secs())]
    Unacknowledged { acked: u64, sent: u64 },
}

/// MQTT options for `broker`, with TLS and credentials from ioc's `[mqtt]` settings and a
/// clean session (a simulator or recorder needs no session kept across restarts).
pub fn options(
    settings: &MqttSettings,
    broker: &str,
    client_id: &str,
) -> Result<MqttOptions, MqttError> {
    let url = BrokerUrl::parse(broker).map_err(|cause| MqttError::Url {
        url: broker.to_owned(),
        cause,
    })?;
    let mut m = settings.clone();
    client_id.clone_into(&mut m.client_id);
    let mut o = mqtt_options(&m, &url)?;
    o.set_clean_session(true);
    Ok(o)
}

/// Polls a rumqttc event loop with a capped backoff on errors (rumqttc has no delay of its own).
/// Reports connection state and counts PUBACKs; ends after our DISCONNECT is sent.
struct Driver {
    acks: Arc<AtomicU64>,
    connected: watch::Sender<bool>,
    last_error: Arc<Mutex<String>>,
}

impl Driver {
    async fn run(self, mut eventloop: rumqttc::EventLoop) {
        let mut backoff = Duration::from_millis(50);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    backoff = Duration::from_millis(50);
                    let _ = self.connected.send(true);
                }
                Ok(Event::Incoming(Packet::PubAck(_))) => {
                    self.acks.fetch_add(1, Ordering::SeqCst);
                }
                Ok(Event::Outgoing(Outgoing::Disconnect)) => return,
                Ok(_) => {}
                Err(e) => {
                    let _ = self.connected.send(false);
                    tracing::warn!(error = %e, "MQTT connection error; retrying in {backoff:?}");
                    *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = e.to_string();
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

pub struct Publisher {
    client: AsyncClient,
    qos: QoS,
    sent: u64,
    acks: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Publisher {
    /// Connects and returns once the broker has accepted the connection.
    pub async fn connect(options: MqttOptions, qos: QoS) -> Result<Publisher, MqttError> {
        let url = format!(
            "{}:{}",
            options.broker_address().0,
            options.broker_address().1
        );
        // The request channel is the back-pressure point: `publish` waits while it is full.
        let (client, eventloop) = AsyncClient::new(options, 1000);
        let acks = Arc::new(AtomicU64::new(0));
        let (connected, mut is_connected) = watch::channel(false);
        let last_error = Arc::new(Mutex::new(String::from("none")));
        let driver = Driver {
            acks: acks.clone(),
            connected,
            last_error: last_error.clone(),
        };
        let task = tokio::spawn(driver.run(eventloop));
        let up = tokio::time::timeout(CONNECT_TIMEOUT, is_connected.wait_for(|c| *c)).await;
        if !matches!(up, Ok(Ok(_))) {
            task.abort();
            let last = last_error.lock().unwrap_or_else(|p| p.into_inner()).clone();
            return Err(MqttError::Connect { url, last });
        }
        Ok(Publisher {
            client,
            qos,
            sent: 0,
            acks,
            task,
        })
    }

    pub async fn publish(&mut self, topic: &str, payload: Vec<u8>) -> Result<(), MqttError> {
        self.client
            .publish(topic, self.qos, false, payload)
            .await
            .map_err(|_| MqttError::Closed)?;
        self.sent += 1;
        Ok(())
    }

    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Waits for every PUBACK (QoS 1), then disconnects. Returns the messages sent.
    pub async fn finish(self) -> Result<u64, MqttError> {
        if self.qos != QoS::AtMostOnce {
            let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
            while self.acks.load(Ordering::SeqCst) < self.sent {
                if tokio::time::Instant::now() > deadline {
                    return Err(MqttError::Unacknowledged {
                        acked: self.acks.load(Ordering::SeqCst),
                        sent: self.sent,
                    });
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        // DISCONNECT goes through the same queue, after every publish.
        if self.client.disconnect().await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        }
        Ok(self.sent)
    }
}
