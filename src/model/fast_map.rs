//! The hash map of the hot path: every message looks its sensor up by id several times (the
//! registry, the store writer's keys, the live state, the alert engine). SipHash, the
//! standard map's default, was a visible share of the process's time at 50k messages/s;
//! foldhash is several times faster and still seeded per process. Its keys are ids the
//! registry and the rules define, and at most `ingest.max_unregistered_sensors` ids first seen on
//! the wire.

use std::collections::HashMap;

/// A `HashMap` with foldhash's fast, per-process-seeded hasher.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
