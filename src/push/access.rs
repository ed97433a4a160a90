//! Who is on a connection, and what it may subscribe to. A connection either authenticated in
//! its upgrade request (header or `ioc.bearer.<token>` subprotocol) or must send an `auth`
//! message first, within [`AUTH_DEADLINE`]. Stream names are resolved through [`ScopedCatalog`],
//! so a scoped key cannot name, or match by pattern, anything outside its scope.

use std::sync::Arc;
use std::time::Duration;

use super::stream::Catalog;
use crate::aggregate::LiveState;
use crate::auth::{Auth, Principal, Scope};

/// How long an unauthenticated connection may stay open without an `auth` message.
pub const AUTH_DEADLINE: Duration = Duration::from_secs(10);

/// The connection's identity, and the verifier for an `auth` message.
pub struct Authn {
    pub principal: Option<Principal>,
    pub auth: Arc<Auth>,
}

/// The city registry and the live state's sensors, for resolving stream names.
pub(super) struct LiveCatalog<'a>(pub &'a LiveState);

impl Catalog for LiveCatalog<'_> {
    fn domains(&self) -> Vec<String> {
        self.0
            .city()
            .domains
            .iter()
            .map(|d| d.name.clone())
            .collect()
    }
    fn districts(&self) -> Vec<String> {
        self.0
            .city()
            .districts
            .iter()
            .map(|d| d.id.clone())
            .collect()
    }
    fn has_sensor(&self, id: &str) -> bool {
        self.0.city().sensor(id).is_some() || self.0.sensor(id, 0).is_some()
    }
}

/// A catalog seen through a caller's scope: what is outside it does not exist.
pub(super) struct ScopedCatalog<'a> {
    pub live: &'a LiveState,
    pub scope: &'a Scope,
}

impl Catalog for ScopedCatalog<'_> {
    fn domains(&self) -> Vec<String> {
        let mut d = LiveCatalog(self.live).domains();
        d.retain(|x| self.scope.allows_domain(x));
        d
    }
    fn districts(&self) -> Vec<String> {
        let mut d = LiveCatalog(self.live).districts();
        d.retain(|x| self.scope.allows_district(x));
        d
    }
    fn has_sensor(&self, id: &str) -> bool {
        let city = self.live.city();
        match city.sensor(id) {
            Some(s) => self
                .scope
                .allows(&city.domain(s.domain).name, &city.district(s.district).id),
            None => self
                .live
                .sensor(id, 0)
                .is_some_and(|d| self.scope.allows(&d.summary.domain, &d.summary.district)),
        }
    }
    fn city_wide(&self) -> bool {
        self.scope.all_districts()
    }
    fn whole_city(&self) -> bool {
        self.scope.is_unrestricted()
    }
}
