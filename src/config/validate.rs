//! Validation of the whole settings: each section by its own stage's `validate()`, in the
//! order of the file, with the checks that span sections passed what they compare against.
//! The first problem is returned, naming the key, the value and the rule.

use super::{ConfigError, Settings};

impl Settings {
    /// Checks every value against what is allowed; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.http.validate()?;
        self.mqtt.validate()?;
        self.broker.validate(self.uses_embedded_broker())?;
        self.auth.validate()?;
        self.ingest.validate(self.mqtt.max_packet_bytes)?;
        self.aggregate.validate()?;
        self.store.validate()?;
        self.indicators.validate()?;
        self.reports.validate()?;
        self.notify.validate()?;
        self.incidents.validate()?;
        self.events.validate()?;
        self.export.influxdb.validate()?;
        self.push.validate()?;
        self.cluster.validate(self.uses_embedded_broker())?;
        Ok(())
    }
}
