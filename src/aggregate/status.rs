use serde::Serialize;

/// Whether a sensor reports as often as its registry entry says it should.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorStatus {
    Online,
    Late,
    Offline,
    /// Registered, but nothing received since `ioc` started.
    NeverSeen,
}

impl SensorStatus {
    pub fn parse(s: &str) -> Option<SensorStatus> {
        match s {
            "online" => Some(SensorStatus::Online),
            "late" => Some(SensorStatus::Late),
            "offline" => Some(SensorStatus::Offline),
            "never_seen" => Some(SensorStatus::NeverSeen),
            _ => None,
        }
    }
}

/// How many expected intervals of silence make a sensor late, then offline: the
/// `[aggregate]` settings (documented with defaults in `config/default.toml`).
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusThresholds {
    pub late_after_intervals: u32,
    pub offline_after_intervals: u32,
}

impl StatusThresholds {
    pub fn validate(&self) -> Result<(), crate::setting::Invalid> {
        crate::setting::range(
            "aggregate.late_after_intervals",
            u64::from(self.late_after_intervals),
            1,
            1000,
        )?;
        if self.offline_after_intervals <= self.late_after_intervals {
            return Err(crate::setting::Invalid::new(
                "aggregate.offline_after_intervals",
                self.offline_after_intervals,
                format!(
                    "greater than aggregate.late_after_intervals ({})",
                    self.late_after_intervals
                ),
            ));
        }
        Ok(())
    }

    pub fn classify(
        &self,
        last_seen_ms: Option<i64>,
        interval_ms: i64,
        now_ms: i64,
    ) -> SensorStatus {
        let Some(seen) = last_seen_ms else {
            return SensorStatus::NeverSeen;
        };
        let silent = now_ms.saturating_sub(seen);
        if silent > interval_ms.saturating_mul(i64::from(self.offline_after_intervals)) {
            SensorStatus::Offline
        } else if silent > interval_ms.saturating_mul(i64::from(self.late_after_intervals)) {
            SensorStatus::Late
        } else {
            SensorStatus::Online
        }
    }
}
