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

/// How many expected intervals of silence make a sensor late, then offline.
#[derive(Debug, Clone, Copy)]
pub struct StatusThresholds {
    pub late_after_intervals: u32,
    pub offline_after_intervals: u32,
}

impl StatusThresholds {
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
