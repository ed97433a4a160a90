//! WebSocket clients that subscribe to the city's indicators, the KPIs and the sensor status,
//! and record, for every indicator or KPI update,
//! now − `as_of`: the age of the freshest reading it reflects. The generator stamps each
//! reading with its publish time, so this is publish → client receipt on one clock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use ioc::shell::now_ms;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::procs::ws_request;

#[derive(Default)]
pub struct Recorder {
    pub latencies: Mutex<Vec<u32>>,
    pub updates: AtomicU64,
    /// Frames of the district's sensor status (snapshot and updates), while recording.
    pub status_frames: AtomicU64,
    /// Error frames (a refused subscription, for one), at any time.
    pub errors: AtomicU64,
    pub recording: AtomicBool,
    pub connected: AtomicU64,
}

impl Recorder {
    /// Sorted latencies (ms) recorded so far; clears them.
    pub fn take_sorted(&self) -> Vec<u32> {
        let mut v = std::mem::take(&mut *self.latencies.lock().unwrap_or_else(|p| p.into_inner()));
        v.sort_unstable();
        v
    }
}

/// The `as_of` of an update frame, found without parsing the whole frame.
fn update_as_of(text: &str) -> Option<i64> {
    if !text.starts_with(r#"{"type":"update""#) {
        return None;
    }
    let rest = &text[text.find(r#""as_of":"#)? + 8..];
    rest[..rest.find(',')?].parse().ok()
}

/// The subscription of every client: the city's indicators, the KPIs, and the sensor status
/// of one district (`district`, the city's first).
fn subscription(district: &str) -> String {
    format!(
        r#"{{"op":"subscribe","streams":["indicators/*/city","kpi","sensor-status/{district}"]}}"#
    )
}

async fn client(
    port: u16,
    token: Arc<str>,
    sub: Arc<str>,
    rec: Arc<Recorder>,
) -> anyhow::Result<()> {
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_request(port, &token)?).await?;
    ws.send(Message::text(&*sub)).await?;
    rec.connected.fetch_add(1, Ordering::Relaxed);
    while let Some(msg) = ws.next().await {
        let Message::Text(t) = msg? else { continue };
        // Sensor status updates carry the time of a status change, not of a reading.
        if t.starts_with(r#"{"type":"error""#) {
            rec.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        if t.contains(r#""stream":"sensor-status"#) {
            if rec.recording.load(Ordering::Relaxed) {
                rec.status_frames.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        let Some(as_of) = update_as_of(&t) else {
            continue;
        };
        if rec.recording.load(Ordering::Relaxed) {
            let ms = (now_ms() - as_of).max(0) as u32;
            rec.latencies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(ms);
            rec.updates.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Connects `n` clients in waves of 200; returns their tasks once all are subscribed (or 20 s).
pub async fn connect_all(
    port: u16,
    token: &str,
    n: usize,
    district: &str,
    rec: &Arc<Recorder>,
) -> Vec<JoinHandle<()>> {
    let token: Arc<str> = token.into();
    let sub: Arc<str> = subscription(district).into();
    let mut tasks = Vec::with_capacity(n);
    for chunk in 0..n.div_ceil(200) {
        for _ in (chunk * 200)..((chunk + 1) * 200).min(n) {
            let (rec, token, sub) = (rec.clone(), token.clone(), sub.clone());
            tasks.push(tokio::spawn(async move {
                if let Err(e) = client(port, token, sub, rec).await {
                    eprintln!("websocket client: {e:#}");
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..200 {
        if rec.connected.load(Ordering::Relaxed) as usize >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tasks
}

pub fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
