//! [`LiveView`]: what the read routes see of the live state — sensors and windows — and of
//! the latest snapshot — the computed indicators — always through the caller's scope.

use std::sync::{Arc, RwLockReadGuard};

use serde_json::{json, Value};

use crate::aggregate::{LiveState, SensorFilter, SensorKey, SensorSummary, SharedLive};
use crate::auth::Principal;
use crate::indicators::{Areas, CityIndicators};
use crate::model::{truncate, DistrictIdx, DomainIdx};
use crate::shell::now_ms;
use crate::snapshot::{Snapshot, SnapshotRx};

use super::error::ApiError;
use super::page::{Cursor, Page, PageError};

/// The live state (sensors, windows) and the latest snapshot (indicators). Cheap to clone
/// (an `Arc` and a `watch` receiver), so the history service holds one too.
#[derive(Clone)]
pub struct LiveView {
    live: SharedLive,
    snapshots: SnapshotRx,
}

impl LiveView {
    pub fn new(live: SharedLive, snapshots: SnapshotRx) -> LiveView {
        LiveView { live, snapshots }
    }

    /// A read guard on the live state; hold it briefly (ingest waits for it). A poisoned lock
    /// still holds consistent data: every writer section is a sequence of plain field updates.
    pub fn read(&self) -> RwLockReadGuard<'_, LiveState> {
        crate::shell::lock::read(&self.live)
    }

    /// Resolves optional `domain` / `district` query values against the city registry, as the
    /// caller sees it: a name outside its scope is answered exactly like an unknown one, and
    /// the list of known domains names only those in scope.
    pub fn resolve(
        &self,
        principal: &Principal,
        domain: Option<&str>,
        district: Option<&str>,
    ) -> Result<(Option<DomainIdx>, Option<DistrictIdx>), ApiError> {
        let live = self.read();
        let city = live.city();
        let scope = &principal.scope;
        let domain = domain
            .map(|d| {
                city.domain_idx(d)
                    .filter(|_| scope.allows_domain(d))
                    .ok_or_else(|| {
                        let known: Vec<&str> = city
                            .domains
                            .iter()
                            .map(|x| x.name.as_str())
                            .filter(|n| scope.allows_domain(n))
                            .collect();
                        ApiError::UnknownDomain(truncate(d, 64), known.join(", "))
                    })
            })
            .transpose()?;
        let district = district
            .map(|d| {
                city.district_idx(d)
                    .filter(|_| scope.allows_district(d))
                    .ok_or_else(|| ApiError::UnknownDistrict(truncate(d, 64)))
            })
            .transpose()?;
        Ok((domain, district))
    }

    /// One page of the sensors matching `filter` inside the caller's scope, and the page's
    /// `next_cursor`. Scope is applied while paging, so every page but the last is full.
    pub fn sensor_page(
        &self,
        principal: &Principal,
        filter: SensorFilter,
        page: &Page,
    ) -> Result<(Vec<SensorSummary>, Option<String>), ApiError> {
        let after = match &page.after {
            None => None,
            Some(Cursor::Sensor(key)) => Some(key),
            Some(Cursor::Alert(_)) => return Err(PageError::Cursor.into()),
        };
        let scope = &principal.scope;
        let live = self.read();
        let city = live.city();
        let in_scope = |domain, district| {
            scope.is_unrestricted()
                || scope.allows(&city.domain(domain).name, &city.district(district).id)
        };
        let mut sensors = live
            .sensor_page(filter, in_scope, after, page.fetch(), now_ms())
            .map_err(|e| ApiError::InvalidQuery(e.to_string()))?;
        let next = page.finish(&mut sensors, |s| Cursor::Sensor(SensorKey::of(s)));
        Ok((sensors, next))
    }

    /// The latest snapshot (an `Arc` clone: no lock on the live state, no recomputation).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshots.borrow().clone()
    }

    /// The indicators of `domain` (all domains when `None`) inside the caller's scope, with
    /// every sensor's item: city-wide figures are then those of the caller's part of the city.
    pub fn indicators(&self, principal: &Principal, domain: Option<DomainIdx>) -> CityIndicators {
        let snap = self.snapshot();
        snap.indicators(want(&snap, principal, domain))
    }

    /// The areas' indicators of `domain` inside the caller's scope, without per-sensor items:
    /// `districts × domains` merges of the snapshot's partials.
    pub fn areas(
        &self,
        principal: &Principal,
        domain: Option<DomainIdx>,
    ) -> (Arc<Snapshot>, Areas) {
        let snap = self.snapshot();
        let areas = if domain.is_none() && principal.scope.is_unrestricted() {
            snap.areas().clone()
        } else {
            snap.scoped_areas(want(&snap, principal, domain))
        };
        (snap, areas)
    }

    /// The city's layout as the caller sees it: districts of its scope with their polygons
    /// (`[lon, lat]`), its domains, and its registered sensors with their positions.
    pub fn layout(&self, principal: &Principal) -> Value {
        let live = self.read();
        let city = live.city();
        let scope = &principal.scope;
        let districts: Vec<_> = city
            .districts
            .iter()
            .filter(|d| scope.allows_district(&d.id))
            .map(|d| json!({"id": d.id, "name": d.name, "polygon": d.polygon}))
            .collect();
        let sensors: Vec<_> = city
            .sensors
            .iter()
            .filter(|s| scope.allows(&city.domain(s.domain).name, &city.district(s.district).id))
            .map(|s| {
                json!({
                    "id": &*s.id,
                    "name": s.name,
                    "domain": city.domain(s.domain).name,
                    "district": city.district(s.district).id,
                    "lat": s.lat,
                    "lon": s.lon,
                    "expected_interval_s": s.interval_ms as f64 / 1000.0,
                })
            })
            .collect();
        let domains: Vec<&str> = city
            .domains
            .iter()
            .map(|d| d.name.as_str())
            .filter(|d| scope.allows_domain(d))
            .collect();
        json!({
            "name": city.name,
            "domains": domains,
            "districts": districts,
            "sensors": sensors,
        })
    }
}

/// The cells a caller sees: `domain` (when given) inside its scope.
fn want<'a>(
    snap: &'a Snapshot,
    principal: &'a Principal,
    domain: Option<DomainIdx>,
) -> impl Fn(DomainIdx, DistrictIdx) -> bool + 'a {
    let city = &snap.city;
    move |dom, dist| {
        domain.is_none_or(|d| d == dom)
            && (principal.scope.is_unrestricted()
                || principal
                    .scope
                    .allows(&city.domain(dom).name, &city.district(dist).id))
    }
}
