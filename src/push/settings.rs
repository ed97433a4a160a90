//! `[push]`: the WebSocket endpoint's limits and pace. Every key is documented with its
//! default in `config/default.toml`; durations are methods.

use std::time::Duration;

use serde::Deserialize;

use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSettings {
    pub max_connections: usize,
    pub max_subscriptions: usize,
    pub max_message_bytes: usize,
    pub subscribe_per_s: u32,
    pub subscribe_burst: u32,
    pub max_bad_messages: u32,
    pub queue_frames: usize,
    pub resume_buffer: usize,
    pub min_interval_ms: u64,
    pub refresh_ms: u64,
    pub ping_interval_ms: u64,
    pub client_timeout_ms: u64,
    pub send_timeout_ms: u64,
    pub max_pending: usize,
    pub max_pending_per_ip: usize,
    pub pending_max_bytes: usize,
    pub auth_timeout_ms: u64,
}

/// Streams a control-room page follows beside the indicators: `kpi`, `alerts`,
/// `sensor-status`, an open district's status, and a few sensors.
const PAGE_STREAMS: usize = 16;

impl PushSettings {
    /// These settings with `max_subscriptions` raised, where the city needs it, so that one
    /// connection can follow every indicator stream (`domains × (districts + 1)`) and the
    /// page's other streams. Otherwise a city of more than about 80 districts would refuse the
    /// dashboard's `indicators` subscription whole. Per connection that costs one entry per
    /// stream, which a whole-city page needs anyway.
    pub fn fitted_to(mut self, domains: usize, districts: usize) -> PushSettings {
        let city = domains * (districts + 1) + PAGE_STREAMS;
        self.max_subscriptions = self.max_subscriptions.max(city);
        self
    }

    pub fn min_interval(&self) -> Duration {
        Duration::from_millis(self.min_interval_ms)
    }
    pub fn refresh(&self) -> Duration {
        Duration::from_millis(self.refresh_ms)
    }
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms)
    }
    pub fn client_timeout(&self) -> Duration {
        Duration::from_millis(self.client_timeout_ms)
    }
    pub fn send_timeout(&self) -> Duration {
        Duration::from_millis(self.send_timeout_ms)
    }
    pub fn auth_timeout(&self) -> Duration {
        Duration::from_millis(self.auth_timeout_ms)
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        let counts = [
            (
                "push.max_connections",
                self.max_connections as u64,
                1,
                1_000_000,
            ),
            (
                "push.max_subscriptions",
                self.max_subscriptions as u64,
                1,
                10_000,
            ),
            (
                "push.max_message_bytes",
                self.max_message_bytes as u64,
                64,
                65_536,
            ),
            (
                "push.subscribe_per_s",
                u64::from(self.subscribe_per_s),
                1,
                10_000,
            ),
            (
                "push.subscribe_burst",
                u64::from(self.subscribe_burst),
                1,
                10_000,
            ),
            (
                "push.max_bad_messages",
                u64::from(self.max_bad_messages),
                1,
                10_000,
            ),
            ("push.queue_frames", self.queue_frames as u64, 1, 65_536),
            ("push.resume_buffer", self.resume_buffer as u64, 1, 65_536),
            ("push.min_interval_ms", self.min_interval_ms, 10, 60_000),
            (
                "push.refresh_ms",
                self.refresh_ms,
                self.min_interval_ms,
                3_600_000,
            ),
            ("push.ping_interval_ms", self.ping_interval_ms, 10, 600_000),
        ];
        for (key, v, lo, hi) in counts {
            range(key, v, lo, hi)?;
        }
        if self.client_timeout_ms <= self.ping_interval_ms || self.client_timeout_ms > 3_600_000 {
            return Err(Invalid::new(
                "push.client_timeout_ms",
                self.client_timeout_ms,
                format!(
                    "more than push.ping_interval_ms ({}) and at most 3600000",
                    self.ping_interval_ms
                ),
            ));
        }
        range("push.send_timeout_ms", self.send_timeout_ms, 10, 600_000)?;
        self.validate_pending()
    }

    /// The budget of connections that have not authenticated yet (push/pending.rs).
    fn validate_pending(&self) -> Result<(), Invalid> {
        range("push.max_pending", self.max_pending as u64, 1, 100_000)?;
        range(
            "push.max_pending_per_ip",
            self.max_pending_per_ip as u64,
            1,
            self.max_pending as u64,
        )?;
        // One `auth` message must fit, or no client could authenticate by message.
        range(
            "push.pending_max_bytes",
            self.pending_max_bytes as u64,
            self.max_message_bytes as u64 + 14,
            1_048_576,
        )?;
        range("push.auth_timeout_ms", self.auth_timeout_ms, 100, 60_000)
    }
}
