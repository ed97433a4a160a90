//! The last few hundred rejections, kept for `GET /api/v1/ingest/rejections`.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use crate::model::{Reason, Rejection};

#[derive(Debug, Clone, Serialize)]
pub struct RejectionRecord {
    /// Receive time, unix ms.
    pub received_at: i64,
    /// The topic, shortened to 200 bytes.
    pub topic: String,
    pub sensor: Option<String>,
    #[serde(flatten)]
    pub rejection: Rejection,
}

/// A bounded ring: pushing beyond `capacity` forgets the oldest. A std `Mutex` because it is
/// held for a push or a copy, never across an await.
pub struct RejectionLog {
    capacity: usize,
    recent: Mutex<VecDeque<RejectionRecord>>,
}

impl RejectionLog {
    pub fn new(capacity: usize) -> Self {
        RejectionLog {
            capacity,
            recent: Mutex::new(VecDeque::with_capacity(capacity)),
        }
    }

    pub fn push(&self, record: RejectionRecord) {
        let mut recent = crate::shell::lock::lock(&self.recent);
        if recent.len() == self.capacity {
            recent.pop_front();
        }
        recent.push_back(record);
    }

    /// Up to `limit` records, newest first, optionally of one reason.
    pub fn recent(&self, reason: Option<Reason>, limit: usize) -> Vec<RejectionRecord> {
        let recent = crate::shell::lock::lock(&self.recent);
        recent
            .iter()
            .rev()
            .filter(|r| reason.is_none_or(|want| r.rejection.reason == want))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: i64, reason: Reason) -> RejectionRecord {
        RejectionRecord {
            received_at: i,
            topic: "t".into(),
            sensor: None,
            rejection: Rejection::whole(reason, "x"),
        }
    }

    #[test]
    fn the_log_keeps_the_newest_records_up_to_its_capacity() {
        let log = RejectionLog::new(3);
        for i in 0..5 {
            log.push(record(
                i,
                if i % 2 == 0 {
                    Reason::MalformedJson
                } else {
                    Reason::OutOfRange
                },
            ));
        }
        let times: Vec<i64> = log.recent(None, 10).iter().map(|r| r.received_at).collect();
        assert_eq!(times, [4, 3, 2]);
        let json: Vec<i64> = log
            .recent(Some(Reason::MalformedJson), 10)
            .iter()
            .map(|r| r.received_at)
            .collect();
        assert_eq!(json, [4, 2]);
        assert_eq!(log.recent(None, 1).len(), 1);
    }
}
