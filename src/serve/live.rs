//! [`LiveView`]: what the read routes see of the live state — sensors and windows — and of
//! the latest snapshot — the computed indicators — always through the caller's scope.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLockReadGuard};

use serde::Serialize;

use crate::aggregate::{LiveState, SensorFilter, SensorKey, SensorSummary, SharedLive};
use crate::auth::Principal;
use crate::indicators::{with_items, Areas, CityIndicators};
use crate::model::{truncate, DistrictIdx, DomainIdx};
use crate::shell::now_ms;
use crate::snapshot::{entry_key, Snapshot, SnapshotRx};

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
            Some(Cursor::Alert(_) | Cursor::Item(_)) => return Err(PageError::Cursor.into()),
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
    /// one page of its sensors' items (of `district` only, when given), and the page's
    /// `next_cursor`. City-wide figures are those of the caller's part of the city.
    pub fn indicator_page(
        &self,
        principal: &Principal,
        domain: Option<DomainIdx>,
        district: Option<DistrictIdx>,
        page: &Page,
    ) -> Result<(CityIndicators, Option<String>), ApiError> {
        let after = match &page.after {
            None => None,
            Some(Cursor::Item(key)) => Some(key),
            Some(Cursor::Sensor(_) | Cursor::Alert(_)) => return Err(PageError::Cursor.into()),
        };
        let snap = self.snapshot();
        let want = want(&snap, principal, domain);
        let areas = snap.scoped_areas(&want);
        let listed = |dom, dist| want(dom, dist) && district.is_none_or(|d| d == dist);
        let mut entries = snap
            .item_entries(listed, after, page.fetch())
            .map_err(|e| ApiError::InvalidQuery(e.to_string()))?;
        let next = page.finish(&mut entries, |e| Cursor::Item(entry_key(e)));
        let items = with_items(areas, entries.iter().map(|e| &*e.part));
        Ok((items, next))
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
    /// (`[lon, lat]`) and the number of their registered sensors in scope, its domains with
    /// the slowest expected interval of their sensors, and — when `with_sensors` — its
    /// registered sensors with their positions (100,000 of them in a large city).
    pub fn layout(&self, principal: &Principal, with_sensors: bool) -> CityLayout {
        let live = self.read();
        let city = live.city();
        let scope = &principal.scope;
        let in_scope = city
            .sensors
            .iter()
            .filter(|s| scope.allows(&city.domain(s.domain).name, &city.district(s.district).id));
        let mut counts = vec![0_usize; city.districts.len()];
        let mut slowest = vec![0_i64; city.domains.len()];
        for s in in_scope.clone() {
            counts[usize::from(s.district.0)] += 1;
            let d = &mut slowest[usize::from(s.domain.0)];
            *d = (*d).max(s.interval_ms);
        }
        CityLayout {
            name: city.name.clone(),
            domains: city
                .domains
                .iter()
                .map(|d| d.name.clone())
                .filter(|d| scope.allows_domain(d))
                .collect(),
            domain_interval_s: city
                .domains
                .iter()
                .zip(&slowest)
                .filter(|(d, ms)| scope.allows_domain(&d.name) && **ms > 0)
                .map(|(d, ms)| (d.name.clone(), *ms as f64 / 1000.0))
                .collect(),
            districts: city
                .districts
                .iter()
                .zip(counts)
                .filter(|(d, _)| scope.allows_district(&d.id))
                .map(|(d, sensor_count)| DistrictLayout {
                    id: d.id.clone(),
                    name: d.name.clone(),
                    polygon: d.polygon.clone(),
                    sensor_count,
                })
                .collect(),
            sensors: with_sensors.then(|| {
                in_scope
                    .map(|s| SensorLayout {
                        id: s.id.to_string(),
                        name: s.name.clone(),
                        domain: city.domain(s.domain).name.clone(),
                        district: city.district(s.district).id.clone(),
                        lat: s.lat,
                        lon: s.lon,
                        expected_interval_s: s.interval_ms as f64 / 1000.0,
                    })
                    .collect()
            }),
        }
    }
}

/// The cells a caller sees: `domain` (when given) inside its scope.
pub(crate) fn want<'a>(
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

/// `GET /api/v1/city`: the layout the dashboard draws (docs/api.md).
#[derive(Debug, Serialize)]
pub struct CityLayout {
    pub name: String,
    pub domains: Vec<String>,
    /// Per domain, the slowest expected interval of its registered sensors in scope (seconds):
    /// what the page's freshness needs without the sensor list.
    pub domain_interval_s: BTreeMap<String, f64>,
    pub districts: Vec<DistrictLayout>,
    /// Omitted with `?sensors=false`: a large city's page loads a district's sensors when it
    /// opens one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensors: Option<Vec<SensorLayout>>,
}

#[derive(Debug, Serialize)]
pub struct DistrictLayout {
    pub id: String,
    pub name: String,
    /// `[lon, lat]` pairs.
    pub polygon: Vec<[f64; 2]>,
    /// Registered sensors of the district in the caller's scope.
    pub sensor_count: usize,
}

#[derive(Debug, Serialize)]
pub struct SensorLayout {
    pub id: String,
    pub name: String,
    pub domain: String,
    pub district: String,
    pub lat: f64,
    pub lon: f64,
    pub expected_interval_s: f64,
}
