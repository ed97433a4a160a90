//! `[export.influxdb]`: the InfluxDB 2 sink fed from the store's outbox. Documented with
//! defaults in `config/default.toml`.

use serde::Deserialize;

use crate::setting::{range, Invalid};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    pub influxdb: InfluxSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfluxSettings {
    pub url: String,
    pub org: String,
    pub bucket: String,
    pub token: String,
    pub batch_lines: usize,
    pub max_outbox_lines: u64,
    pub warn_outbox_fill: f64,
    pub retry_initial_ms: u64,
    pub retry_max_ms: u64,
}

impl InfluxSettings {
    /// True when readings are exported: `url` is set.
    pub fn enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.enabled() {
            self.validate_target()?;
        }
        range(
            "export.influxdb.batch_lines",
            self.batch_lines as u64,
            1,
            100_000,
        )?;
        range(
            "export.influxdb.max_outbox_lines",
            self.max_outbox_lines,
            1,
            1_000_000_000,
        )?;
        if !(self.warn_outbox_fill > 0.0 && self.warn_outbox_fill <= 1.0) {
            return Err(Invalid::new(
                "export.influxdb.warn_outbox_fill",
                self.warn_outbox_fill,
                "a fraction above 0 and at most 1",
            ));
        }
        range(
            "export.influxdb.retry_initial_ms",
            self.retry_initial_ms,
            10,
            60_000,
        )?;
        if self.retry_max_ms < self.retry_initial_ms || self.retry_max_ms > 3_600_000 {
            return Err(Invalid::new(
                "export.influxdb.retry_max_ms",
                self.retry_max_ms,
                format!(
                    "at least export.influxdb.retry_initial_ms ({}) and at most 3600000",
                    self.retry_initial_ms
                ),
            ));
        }
        Ok(())
    }

    /// Where to write: an http(s) URL, an org and a bucket.
    fn validate_target(&self) -> Result<(), Invalid> {
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Invalid::new(
                "export.influxdb.url",
                format!("{url:?}"),
                "http://host:8086 or https://…, or empty to turn export off",
            ));
        }
        for (key, v) in [
            ("export.influxdb.org", &self.org),
            ("export.influxdb.bucket", &self.bucket),
        ] {
            if v.trim().is_empty() {
                return Err(Invalid::new(
                    key,
                    "\"\"",
                    "required when export.influxdb.url is set",
                ));
            }
        }
        Ok(())
    }
}
