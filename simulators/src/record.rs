//! `ioc-sim record`: subscribe to a broker and write every message that passes, in arrival
//! order, as JSONL (receive time, topic, payload).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use tokio_util::sync::CancellationToken;

use crate::faults::FaultSet;
use crate::jsonl;
use crate::progress::Progress;
use crate::pump::PumpError;

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Pump(#[from] PumpError),
    #[error("cannot subscribe at {url}: {last}")]
    Subscribe { url: String, last: String },
}

/// A subscribed recorder; `run` writes until stopped.
pub struct Recorder {
    client: AsyncClient,
    eventloop: EventLoop,
    topics: Vec<String>,
    path: PathBuf,
    writer: BufWriter<File>,
}

impl Recorder {
    /// Connects, subscribes to `topics` with QoS 1, and returns once the broker acknowledged
    /// the subscription: from then on nothing published is missed.
    pub async fn subscribe(
        options: MqttOptions,
        topics: &[String],
        out: &Path,
    ) -> Result<Recorder, RecordError> {
        let url = format!(
            "{}:{}",
            options.broker_address().0,
            options.broker_address().1
        );
        let file = File::create(out).map_err(PumpError::io(out))?;
        // Incoming messages are written by the task that polls, so the channel only carries
        // our few subscribe and disconnect requests.
        let (client, mut eventloop) = AsyncClient::new(options, 16);
        let subscribe = async {
            let mut last = String::from("no answer");
            for _ in 0..100 {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        for t in topics {
                            client
                                .subscribe(t.as_str(), QoS::AtLeastOnce)
                                .await
                                .map_err(|e| e.to_string())?;
                        }
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => return Ok(()),
                    Ok(_) => {}
                    Err(e) => {
                        last = e.to_string();
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            Err(last)
        };
        match tokio::time::timeout(Duration::from_secs(10), subscribe).await {
            Ok(Ok(())) => Ok(Recorder {
                client,
                eventloop,
                topics: topics.to_vec(),
                path: out.to_owned(),
                writer: BufWriter::new(file),
            }),
            Ok(Err(last)) => Err(RecordError::Subscribe { url, last }),
            Err(_) => Err(RecordError::Subscribe {
                url,
                last: "timed out after 10 s".into(),
            }),
        }
    }

    /// Records until `stop` is cancelled or `limit` messages were written; returns the count.
    pub async fn run(
        mut self,
        stop: &CancellationToken,
        limit: Option<u64>,
        progress: bool,
    ) -> Result<u64, RecordError> {
        let mut bar = Progress::new(None, "msgs", progress);
        let mut written = 0;
        while limit.is_none_or(|l| written < l) {
            let event = tokio::select! {
                e = self.eventloop.poll() => e,
                _ = stop.cancelled() => break,
            };
            match event {
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let line = jsonl::encode(
                        crate::pacing::wall_clock_ms(),
                        &p.topic,
                        &p.payload,
                        FaultSet::default(),
                    );
                    writeln!(self.writer, "{line}").map_err(PumpError::io(&self.path))?;
                    written += 1;
                    bar.message(written);
                }
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    // A clean session forgets subscriptions: renew them after a reconnect.
                    for t in &self.topics {
                        let _ = self.client.try_subscribe(t.as_str(), QoS::AtLeastOnce);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "recorder connection error; reconnecting");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        self.writer.flush().map_err(PumpError::io(&self.path))?;
        bar.finish();
        let _ = self.client.try_disconnect();
        Ok(written)
    }
}
