//! `[mqtt]` (the connection ingest makes) and `[broker]` (the embedded broker). Every key is
//! documented with its default in `config/default.toml`.

use std::net::SocketAddr;

use serde::Deserialize;

use super::BrokerUrl;
use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttSettings {
    pub url: String,
    pub client_id: String,
    pub topic_prefix: String,
    pub username: String,
    pub password: String,
    pub ca_path: String,
    pub client_cert_path: String,
    pub client_key_path: String,
    pub keep_alive_s: u64,
    pub max_packet_bytes: usize,
    pub inflight: u16,
    pub reconnect_initial_ms: u64,
    pub reconnect_max_ms: u64,
}

impl MqttSettings {
    /// True when `ioc` must start its own broker: no external broker URL is configured.
    pub fn uses_embedded_broker(&self) -> bool {
        self.url.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if !self.uses_embedded_broker() {
            BrokerUrl::parse(&self.url)
                .map_err(|e| Invalid::new("mqtt.url", format!("{:?}", self.url), e.to_string()))?;
        }
        if self.client_id.is_empty() || self.client_id.len() > 64 {
            return Err(Invalid::new(
                "mqtt.client_id",
                format!("{:?}", self.client_id),
                "1 to 64 characters; it must stay the same across restarts for the persistent session",
            ));
        }
        self.validate_topic_prefix()?;
        self.validate_credentials()?;
        range("mqtt.keep_alive_s", self.keep_alive_s, 5, 3600)?;
        range(
            "mqtt.max_packet_bytes",
            self.max_packet_bytes as u64,
            1024,
            256 << 20,
        )?;
        range("mqtt.inflight", u64::from(self.inflight), 1, 65535)?;
        range(
            "mqtt.reconnect_initial_ms",
            self.reconnect_initial_ms,
            10,
            60_000,
        )?;
        if self.reconnect_max_ms < self.reconnect_initial_ms || self.reconnect_max_ms > 600_000 {
            return Err(Invalid::new(
                "mqtt.reconnect_max_ms",
                self.reconnect_max_ms,
                format!(
                    "at least mqtt.reconnect_initial_ms ({}) and at most 600000",
                    self.reconnect_initial_ms
                ),
            ));
        }
        Ok(())
    }

    fn validate_topic_prefix(&self) -> Result<(), Invalid> {
        let p = &self.topic_prefix;
        let ok =
            !p.is_empty() && !p.contains(['+', '#']) && !p.starts_with('/') && !p.ends_with('/');
        if ok {
            return Ok(());
        }
        Err(Invalid::new(
            "mqtt.topic_prefix",
            format!("{p:?}"),
            "a non-empty topic level path without wildcards or leading/trailing '/'",
        ))
    }

    fn validate_credentials(&self) -> Result<(), Invalid> {
        if self.username.is_empty() && !self.password.is_empty() {
            return Err(Invalid::new(
                "mqtt.password",
                "(set)",
                "a password needs mqtt.username as well",
            ));
        }
        if self.client_cert_path.is_empty() != self.client_key_path.is_empty() {
            return Err(Invalid::new(
                "mqtt.client_key_path",
                format!("{:?}", self.client_key_path),
                "client_cert_path and client_key_path are set together or not at all",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerSettings {
    pub listen: SocketAddr,
    pub max_connections: usize,
    pub max_payload_bytes: usize,
    pub max_inflight: usize,
    /// Bound of rumqttd's in-memory log of ioc's subscription: segment size × segment count.
    pub max_segment_bytes: usize,
    pub max_segment_count: usize,
    pub username: String,
    pub password: String,
}

impl BrokerSettings {
    /// `embedded`: this broker will run (`mqtt.url` is empty), so its address matters.
    pub fn validate(&self, embedded: bool) -> Result<(), Invalid> {
        range(
            "broker.max_connections",
            self.max_connections as u64,
            1,
            1_000_000,
        )?;
        range(
            "broker.max_payload_bytes",
            self.max_payload_bytes as u64,
            1024,
            256 << 20,
        )?;
        range("broker.max_inflight", self.max_inflight as u64, 1, 65535)?;
        // rumqttd panics on a segment under 1 KiB.
        range(
            "broker.max_segment_bytes",
            self.max_segment_bytes as u64,
            1024,
            1 << 30,
        )?;
        range(
            "broker.max_segment_count",
            self.max_segment_count as u64,
            1,
            1024,
        )?;
        if self.username.is_empty() != self.password.is_empty() {
            return Err(Invalid::new(
                "broker.password",
                if self.password.is_empty() {
                    "(empty)"
                } else {
                    "(set)"
                },
                "broker.username and broker.password are set together or not at all",
            ));
        }
        if embedded && self.username.is_empty() && !self.listen.ip().is_loopback() {
            return Err(Invalid::new(
                "broker.listen",
                self.listen,
                "a non-loopback address needs broker.username and broker.password, so only \
                 known publishers can write; or listen on 127.0.0.1",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broker() -> BrokerSettings {
        BrokerSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 1883)),
            max_connections: 10,
            max_payload_bytes: 1 << 20,
            max_inflight: 100,
            max_segment_bytes: 8 << 20,
            max_segment_count: 4,
            username: String::new(),
            password: String::new(),
        }
    }

    #[test]
    fn the_broker_log_bound_is_checked_with_the_key_named() {
        assert_eq!(broker().validate(true), Ok(()));
        // rumqttd panics on a segment under 1 KiB; a count of 0 would keep nothing.
        let small = BrokerSettings {
            max_segment_bytes: 1023,
            ..broker()
        };
        let none = BrokerSettings {
            max_segment_count: 0,
            ..broker()
        };
        let key = |s: BrokerSettings| s.validate(true).err().map(|e| e.key);
        assert_eq!(key(small).as_deref(), Some("broker.max_segment_bytes"));
        assert_eq!(key(none).as_deref(), Some("broker.max_segment_count"));
    }
}
