//! `[ingest]`: the pipeline's input queue and the decoder's limits. Documented with defaults
//! in `config/default.toml`.

use serde::Deserialize;

use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngestSettings {
    pub queue_capacity: usize,
    pub max_payload_bytes: usize,
    pub max_batch_readings: usize,
    pub max_future_skew_s: u64,
    pub rejection_log_size: usize,
    pub max_unregistered_sensors: usize,
}

impl IngestSettings {
    /// `max_packet_bytes`: the MQTT connection's limit (`mqtt.max_packet_bytes`), which no
    /// payload can exceed anyway.
    pub fn validate(&self, max_packet_bytes: usize) -> Result<(), Invalid> {
        range(
            "ingest.queue_capacity",
            self.queue_capacity as u64,
            1,
            1_000_000,
        )?;
        range(
            "ingest.max_payload_bytes",
            self.max_payload_bytes as u64,
            64,
            64 << 20,
        )?;
        if self.max_payload_bytes > max_packet_bytes {
            return Err(Invalid::new(
                "ingest.max_payload_bytes",
                self.max_payload_bytes,
                format!("at most mqtt.max_packet_bytes ({max_packet_bytes})"),
            ));
        }
        range(
            "ingest.max_batch_readings",
            self.max_batch_readings as u64,
            1,
            100_000,
        )?;
        range(
            "ingest.max_future_skew_s",
            self.max_future_skew_s,
            0,
            86_400,
        )?;
        range(
            "ingest.rejection_log_size",
            self.rejection_log_size as u64,
            1,
            100_000,
        )?;
        range(
            "ingest.max_unregistered_sensors",
            self.max_unregistered_sensors as u64,
            0,
            1_000_000,
        )
    }
}
