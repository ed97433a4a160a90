//! What each stream says, rendered from one snapshot. Pure: the producer renders the streams
//! someone subscribes to, and a first subscriber's stream is rendered on subscribe.

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Value};

use super::stream::{StreamKind, StreamName, CITY};
use crate::indicators::{Area, Areas};
use crate::snapshot::{SensorEntry, Snapshot};

/// One domain's indicators in one area (a district or the city): the computed indicators
/// (when the domain has them), sensor health and the window aggregates per metric.
pub fn indicators(snap: &Snapshot, domain: &str, area: &str) -> (Option<i64>, String) {
    fn pick<T: Serialize>(a: &Area<T>, area: &str) -> Value {
        if area == CITY {
            to_value(&a.city)
        } else {
            a.districts.get(area).map_or(Value::Null, to_value)
        }
    }
    let ind: &Areas = snap.areas();
    let computed = match domain {
        "traffic" => pick(&ind.traffic, area),
        "environment" => pick(&ind.environment, area),
        "public_service" => pick(&ind.public_service, area),
        _ => Value::Null,
    };
    let health = ind
        .health
        .get(domain)
        .map_or(Value::Null, |h| pick(h, area));
    let (as_of, metrics) = match snap.windows.domains.get(domain) {
        Some(d) if area == CITY => (d.as_of, to_value(&d.city)),
        Some(d) => match d.districts.get(area) {
            Some(m) => (m.values().filter_map(|x| x.as_of).max(), to_value(m)),
            None => (None, json!({})),
        },
        None => (None, json!({})),
    };
    let data = json!({"indicators": computed, "health": health, "windows": metrics});
    (as_of, data.to_string())
}

/// The KPI header without `generated_at` (so an unchanged header is not republished).
pub fn kpi(
    snap: &Snapshot,
    open: std::collections::BTreeMap<String, u64>,
) -> (Option<i64>, String) {
    let k = snap.kpi(snap.areas(), open, |_, _| true);
    let mut kv = to_value(&k);
    if let Value::Object(o) = &mut kv {
        o.remove("generated_at");
    }
    (k.as_of, kv.to_string())
}

/// Which sensors a status stream covers: the city, or one district.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusScope {
    City,
    District(u16),
}

impl StatusScope {
    /// The scope of a `sensor-status` or `sensor-status/{district}` stream.
    pub fn of(snap: &Snapshot, stream: &StreamName) -> Option<StatusScope> {
        if stream.kind != StreamKind::SensorStatus {
            return None;
        }
        match stream.name.strip_prefix("sensor-status/") {
            None => Some(StatusScope::City),
            Some(d) => snap
                .city
                .district_idx(d)
                .map(|i| StatusScope::District(i.0)),
        }
    }

    fn covers(self, e: &SensorEntry) -> bool {
        match self {
            StatusScope::City => true,
            StatusScope::District(d) => e.district.0 == d,
        }
    }
}

fn status_entry(snap: &Snapshot, e: &SensorEntry) -> Value {
    json!({
        "id": &*e.id,
        "domain": snap.city.domain(e.domain).name,
        "district": snap.city.district(e.district).id,
        "status": e.status,
    })
}

/// A status stream's whole state: `{"sensors": [...]}`, every sensor it covers. Costs one
/// pass over the sensors: rendered only for a snapshot, never per tick.
pub fn status_state(snap: &Snapshot, scope: StatusScope) -> String {
    let sensors: Vec<Value> = snap
        .entries()
        .filter(|e| scope.covers(e))
        .map(|e| status_entry(snap, e))
        .collect();
    json!({ "sensors": sensors }).to_string()
}

/// A status stream's update: `{"changed": [...]}`, the sensors whose status changed this
/// tick; `None` when none did. Costs the changes, not the city.
pub fn status_delta(snap: &Snapshot, scope: StatusScope) -> Option<String> {
    let changed: Vec<Value> = snap
        .changes
        .statuses
        .iter()
        .filter_map(|&i| snap.entry(i))
        .filter(|e| scope.covers(e))
        .map(|e| status_entry(snap, e))
        .collect();
    (!changed.is_empty()).then(|| json!({ "changed": changed }).to_string())
}

/// A lazy state rendering `scope`'s status list from `snap` when a snapshot needs it.
pub fn lazy_status(snap: &Arc<Snapshot>, scope: StatusScope) -> super::hub::State {
    let snap = snap.clone();
    super::hub::State::Lazy(Arc::new(move || status_state(&snap, scope)))
}

pub fn to_value<T: Serialize>(v: &T) -> Value {
    // Plain data structs with string keys: serialising them cannot fail.
    serde_json::to_value(v).unwrap_or(Value::Null)
}
