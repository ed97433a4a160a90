//! Who is on a connection, and what it may subscribe to. A connection either authenticated in
//! its upgrade request (header or `ioc.bearer.<token>` subprotocol) or must send an `auth`
//! message first, within `push.auth_timeout_ms`. Stream names are resolved through [`ScopedCatalog`],
//! so a scoped key cannot name, or match by pattern, anything outside its scope.

use std::sync::Arc;

use super::stream::Catalog;
use crate::aggregate::LiveState;
use crate::auth::{Auth, Principal, Scope};

/// The connection's identity, the credential it came with, and the verifier. The credential
/// is checked again at every heartbeat, so a revoked key or an expired token closes the
/// connection within one `push.ping_interval_ms`.
pub struct Authn {
    pub principal: Option<Principal>,
    pub token: Option<String>,
    pub auth: Arc<Auth>,
}

impl Authn {
    /// False once the credential no longer authenticates (revoked, expired).
    pub async fn still_valid(&self) -> bool {
        match &self.token {
            Some(t) => self.auth.check(t).await.is_ok(),
            None => true,
        }
    }
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
    fn all_domains(&self) -> bool {
        self.scope.domains.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::StatusThresholds;
    use crate::push::protocol::ProtocolError;
    use crate::push::stream::resolve;

    fn live() -> LiveState {
        let city =
            crate::model::City::from_config(&crate::model::CityConfig::demo().expect("demo"))
                .expect("city");
        let t = StatusThresholds {
            late_after_intervals: 2,
            offline_after_intervals: 5,
        };
        LiveState::new(Arc::new(city), t, 900.0)
    }

    fn names(spec: &str, live: &LiveState, scope: &Scope) -> Result<Vec<String>, ProtocolError> {
        let c = ScopedCatalog { live, scope };
        Ok(resolve(spec, &c)?
            .into_iter()
            .map(|n| n.name.to_string())
            .collect())
    }

    #[test]
    fn a_district_scope_sees_its_districts_only_and_no_city_wide_stream() {
        let live = live();
        let scope = Scope::parse(["domain:traffic", "district:hai-chau"]).expect("scope");
        assert_eq!(
            names("indicators", &live, &scope),
            Ok(vec!["indicators/traffic/hai-chau".to_owned()])
        );
        assert_eq!(
            names("indicators/traffic/son-tra", &live, &scope),
            Err(ProtocolError::UnknownDistrict("son-tra".into()))
        );
        assert!(matches!(
            names("indicators/environment", &live, &scope),
            Err(ProtocolError::UnknownDomain { known, .. }) if known == "traffic"
        ));
        assert!(matches!(
            names("indicators/traffic/city", &live, &scope),
            Err(ProtocolError::Forbidden { .. })
        ));
        for whole in ["kpi", "alerts", "sensor-status"] {
            assert!(matches!(
                names(whole, &live, &scope),
                Err(ProtocolError::Forbidden { stream, why }) if stream == whole && why.contains("whole city")
            ));
        }
        assert!(
            matches!(
                names("sensor-status/hai-chau", &live, &scope),
                Err(ProtocolError::Forbidden { why, .. }) if why.contains("every domain")
            ),
            "its district's status stream spans every domain"
        );
        let district_only = Scope::parse(["district:hai-chau"]).expect("scope");
        assert_eq!(
            names("sensor-status/*", &live, &district_only),
            Ok(vec!["sensor-status/hai-chau".to_owned()])
        );
        assert!(names("sensor/tl-0042", &live, &scope).is_ok());
        assert!(names("sensor/tl-0050", &live, &scope).is_err(), "son-tra");
        assert!(
            names("sensor/aq-0019", &live, &scope).is_err(),
            "environment"
        );
    }

    #[test]
    fn a_domain_scope_keeps_city_wide_indicators_of_its_domain() {
        let live = live();
        let scope = Scope::parse(["domain:environment"]).expect("scope");
        let all = names("indicators/*/city", &live, &scope).expect("resolves");
        assert_eq!(all, ["indicators/environment/city"]);
        assert!(matches!(
            names("kpi", &live, &scope),
            Err(ProtocolError::Forbidden { .. })
        ));
        let everything = Scope::default();
        assert!(names("kpi", &live, &everything).is_ok());
        assert_eq!(
            names("indicators/*/city", &live, &everything).map(|v| v.len()),
            Ok(live.city().domains.len())
        );
    }
}
