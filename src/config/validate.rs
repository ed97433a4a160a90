//! Validation of the whole settings: every value against what is allowed, with a message that
//! names the key, the value and the rule.

use super::{ConfigError, Settings};

impl Settings {
    /// Checks every value against what is allowed; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        positive("http.shutdown_timeout_s", self.http.shutdown_timeout_s)?;
        if self.http.workers > 256 {
            return Err(ConfigError::invalid(
                "http.workers",
                self.http.workers,
                "0 (one per core) to 256",
            ));
        }
        let m = &self.mqtt;
        if !m.url.trim().is_empty() {
            crate::ingest::BrokerUrl::parse(&m.url).map_err(|e| {
                ConfigError::invalid("mqtt.url", format!("{:?}", m.url), e.to_string())
            })?;
        }
        if m.client_id.is_empty() || m.client_id.len() > 64 {
            return Err(ConfigError::invalid(
                "mqtt.client_id",
                format!("{:?}", m.client_id),
                "1 to 64 characters; it must stay the same across restarts for the persistent session",
            ));
        }
        let prefix_ok = !m.topic_prefix.is_empty()
            && !m.topic_prefix.contains(['+', '#'])
            && !m.topic_prefix.starts_with('/')
            && !m.topic_prefix.ends_with('/');
        if !prefix_ok {
            return Err(ConfigError::invalid(
                "mqtt.topic_prefix",
                format!("{:?}", m.topic_prefix),
                "a non-empty topic level path without wildcards or leading/trailing '/'",
            ));
        }
        if m.username.is_empty() && !m.password.is_empty() {
            return Err(ConfigError::invalid(
                "mqtt.password",
                "(set)",
                "a password needs mqtt.username as well",
            ));
        }
        if m.client_cert_path.is_empty() != m.client_key_path.is_empty() {
            return Err(ConfigError::invalid(
                "mqtt.client_key_path",
                format!("{:?}", m.client_key_path),
                "client_cert_path and client_key_path are set together or not at all",
            ));
        }
        range("mqtt.keep_alive_s", m.keep_alive_s, 5, 3600)?;
        range(
            "mqtt.max_packet_bytes",
            m.max_packet_bytes as u64,
            1024,
            256 << 20,
        )?;
        range("mqtt.inflight", u64::from(m.inflight), 1, 65535)?;
        range(
            "mqtt.reconnect_initial_ms",
            m.reconnect_initial_ms,
            10,
            60_000,
        )?;
        if m.reconnect_max_ms < m.reconnect_initial_ms || m.reconnect_max_ms > 600_000 {
            return Err(ConfigError::invalid(
                "mqtt.reconnect_max_ms",
                m.reconnect_max_ms,
                format!(
                    "at least mqtt.reconnect_initial_ms ({}) and at most 600000",
                    m.reconnect_initial_ms
                ),
            ));
        }
        let b = &self.broker;
        range(
            "broker.max_connections",
            b.max_connections as u64,
            1,
            1_000_000,
        )?;
        range(
            "broker.max_payload_bytes",
            b.max_payload_bytes as u64,
            1024,
            256 << 20,
        )?;
        range("broker.max_inflight", b.max_inflight as u64, 1, 65535)?;
        super::validate_access::validate_broker(self)?;
        super::validate_access::validate_http(&self.http)?;
        super::validate_access::validate_auth(&self.auth)?;
        let i = &self.ingest;
        range(
            "ingest.queue_capacity",
            i.queue_capacity as u64,
            1,
            1_000_000,
        )?;
        range(
            "ingest.max_payload_bytes",
            i.max_payload_bytes as u64,
            64,
            64 << 20,
        )?;
        if i.max_payload_bytes > m.max_packet_bytes {
            return Err(ConfigError::invalid(
                "ingest.max_payload_bytes",
                i.max_payload_bytes,
                format!("at most mqtt.max_packet_bytes ({})", m.max_packet_bytes),
            ));
        }
        range(
            "ingest.max_batch_readings",
            i.max_batch_readings as u64,
            1,
            100_000,
        )?;
        range("ingest.max_future_skew_s", i.max_future_skew_s, 0, 86_400)?;
        range(
            "ingest.rejection_log_size",
            i.rejection_log_size as u64,
            1,
            100_000,
        )?;
        range(
            "ingest.max_unregistered_sensors",
            i.max_unregistered_sensors as u64,
            0,
            1_000_000,
        )?;
        let a = &self.aggregate;
        range(
            "aggregate.late_after_intervals",
            u64::from(a.late_after_intervals),
            1,
            1000,
        )?;
        if a.offline_after_intervals <= a.late_after_intervals {
            return Err(ConfigError::invalid(
                "aggregate.offline_after_intervals",
                a.offline_after_intervals,
                format!(
                    "greater than aggregate.late_after_intervals ({})",
                    a.late_after_intervals
                ),
            ));
        }
        let st = &self.store;
        if st.path.as_os_str().is_empty() {
            return Err(ConfigError::invalid(
                "store.path",
                "\"\"",
                "a file path for the SQLite database",
            ));
        }
        if !matches!(st.fsync.as_str(), "full" | "normal") {
            return Err(ConfigError::invalid(
                "store.fsync",
                format!("{:?}", st.fsync),
                "\"full\" or \"normal\"",
            ));
        }
        range("store.raw_retention_days", st.raw_retention_days, 1, 3650)?;
        if st.rollup_1m_retention_days < st.raw_retention_days
            || st.rollup_1m_retention_days > 36_500
        {
            return Err(ConfigError::invalid(
                "store.rollup_1m_retention_days",
                st.rollup_1m_retention_days,
                format!(
                    "at least store.raw_retention_days ({}) and at most 36500",
                    st.raw_retention_days
                ),
            ));
        }
        if st.rollup_1h_retention_days < st.rollup_1m_retention_days
            || st.rollup_1h_retention_days > 36_500
        {
            return Err(ConfigError::invalid(
                "store.rollup_1h_retention_days",
                st.rollup_1h_retention_days,
                format!(
                    "at least store.rollup_1m_retention_days ({}) and at most 36500",
                    st.rollup_1m_retention_days
                ),
            ));
        }
        range(
            "store.retention_interval_s",
            st.retention_interval_s,
            1,
            86_400,
        )?;
        range(
            "store.max_batch_readings",
            st.max_batch_readings as u64,
            1,
            1_000_000,
        )?;
        range(
            "store.writer_queue_messages",
            st.writer_queue_messages as u64,
            1,
            1_000_000,
        )?;
        range(
            "store.max_points",
            st.max_points.max(0) as u64,
            10,
            1_000_000,
        )?;
        let ind = &self.indicators;
        let levels = [
            ind.congestion_moderate,
            ind.congestion_heavy,
            ind.congestion_jammed,
        ];
        if !(0.0 < levels[0] && levels[0] < levels[1] && levels[1] < levels[2] && levels[2] <= 1.0)
        {
            return Err(ConfigError::invalid(
                "indicators.congestion_jammed",
                format!("{levels:?} (moderate, heavy, jammed)"),
                "rising thresholds with 0 < moderate < heavy < jammed <= 1",
            ));
        }
        if !(ind.default_free_flow_kmh > 0.0 && ind.default_free_flow_kmh <= 200.0) {
            return Err(ConfigError::invalid(
                "indicators.default_free_flow_kmh",
                ind.default_free_flow_kmh,
                "above 0 and at most 200 km/h",
            ));
        }
        if ind.default_sla_target_s.is_nan() || ind.default_sla_target_s <= 0.0 {
            return Err(ConfigError::invalid(
                "indicators.default_sla_target_s",
                ind.default_sla_target_s,
                "a positive number of seconds",
            ));
        }
        range(
            "indicators.alert_eval_interval_s",
            ind.alert_eval_interval_s,
            1,
            3600,
        )?;
        let ix = &self.export.influxdb;
        if ix.enabled() {
            let url = ix.url.trim();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::invalid(
                    "export.influxdb.url",
                    format!("{url:?}"),
                    "http://host:8086 or https://…, or empty to turn export off",
                ));
            }
            for (key, v) in [
                ("export.influxdb.org", &ix.org),
                ("export.influxdb.bucket", &ix.bucket),
            ] {
                if v.trim().is_empty() {
                    return Err(ConfigError::invalid(
                        key,
                        "\"\"",
                        "required when export.influxdb.url is set",
                    ));
                }
            }
        }
        range(
            "export.influxdb.batch_lines",
            ix.batch_lines as u64,
            1,
            100_000,
        )?;
        range(
            "export.influxdb.max_outbox_lines",
            ix.max_outbox_lines,
            1,
            1_000_000_000,
        )?;
        if !(ix.warn_outbox_fill > 0.0 && ix.warn_outbox_fill <= 1.0) {
            return Err(ConfigError::invalid(
                "export.influxdb.warn_outbox_fill",
                ix.warn_outbox_fill,
                "a fraction above 0 and at most 1",
            ));
        }
        range(
            "export.influxdb.retry_initial_ms",
            ix.retry_initial_ms,
            10,
            60_000,
        )?;
        if ix.retry_max_ms < ix.retry_initial_ms || ix.retry_max_ms > 3_600_000 {
            return Err(ConfigError::invalid(
                "export.influxdb.retry_max_ms",
                ix.retry_max_ms,
                format!(
                    "at least export.influxdb.retry_initial_ms ({}) and at most 3600000",
                    ix.retry_initial_ms
                ),
            ));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(ConfigError::invalid(
                "log.format",
                format!("{:?}", self.log.format),
                "\"text\" or \"json\"",
            ));
        }
        validate_push(&self.push)?;
        Ok(())
    }
}

fn validate_push(p: &super::settings::PushSettings) -> Result<(), ConfigError> {
    range(
        "push.max_connections",
        p.max_connections as u64,
        1,
        1_000_000,
    )?;
    range(
        "push.max_subscriptions",
        p.max_subscriptions as u64,
        1,
        10_000,
    )?;
    range(
        "push.max_message_bytes",
        p.max_message_bytes as u64,
        64,
        65_536,
    )?;
    range(
        "push.subscribe_per_s",
        u64::from(p.subscribe_per_s),
        1,
        10_000,
    )?;
    range(
        "push.subscribe_burst",
        u64::from(p.subscribe_burst),
        1,
        10_000,
    )?;
    range(
        "push.max_bad_messages",
        u64::from(p.max_bad_messages),
        1,
        10_000,
    )?;
    range("push.queue_frames", p.queue_frames as u64, 1, 65_536)?;
    range("push.resume_buffer", p.resume_buffer as u64, 1, 65_536)?;
    range("push.min_interval_ms", p.min_interval_ms, 10, 60_000)?;
    range(
        "push.refresh_ms",
        p.refresh_ms,
        p.min_interval_ms,
        3_600_000,
    )?;
    range("push.ping_interval_ms", p.ping_interval_ms, 10, 600_000)?;
    if p.client_timeout_ms <= p.ping_interval_ms || p.client_timeout_ms > 3_600_000 {
        return Err(ConfigError::invalid(
            "push.client_timeout_ms",
            p.client_timeout_ms,
            format!(
                "more than push.ping_interval_ms ({}) and at most 3600000",
                p.ping_interval_ms
            ),
        ));
    }
    range("push.send_timeout_ms", p.send_timeout_ms, 10, 600_000)?;
    Ok(())
}

fn positive(key: &str, v: u64) -> Result<(), ConfigError> {
    range(key, v, 1, u64::MAX)
}

pub(super) fn range(key: &str, v: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else if hi == u64::MAX {
        Err(ConfigError::invalid(key, v, format!("at least {lo}")))
    } else {
        Err(ConfigError::invalid(key, v, format!("{lo} to {hi}")))
    }
}
