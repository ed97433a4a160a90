use super::*;

/// Two districts and two domains; `scoped` limits the districts (as a district-scoped
/// key's catalog does) and `one_domain` the domains.
struct Scoped {
    districts: &'static [&'static str],
    one_domain: bool,
}

impl Catalog for Scoped {
    fn domains(&self) -> Vec<String> {
        let all = ["traffic", "environment"];
        let n = if self.one_domain { 1 } else { 2 };
        all[..n].iter().map(|d| (*d).to_owned()).collect()
    }
    fn districts(&self) -> Vec<String> {
        self.districts.iter().map(|d| (*d).to_owned()).collect()
    }
    fn has_sensor(&self, _: &str) -> bool {
        false
    }
    fn city_wide(&self) -> bool {
        self.districts.len() == 2
    }
    fn whole_city(&self) -> bool {
        self.city_wide() && !self.one_domain
    }
    fn all_domains(&self) -> bool {
        !self.one_domain
    }
}

const CITY_WIDE: Scoped = Scoped {
    districts: &["hai-chau", "son-tra"],
    one_domain: false,
};
const HAI_CHAU: Scoped = Scoped {
    districts: &["hai-chau"],
    one_domain: false,
};

fn names(spec: &str, catalog: &Scoped) -> Result<Vec<String>, ProtocolError> {
    Ok(resolve(spec, catalog)?
        .into_iter()
        .map(|n| n.name.to_string())
        .collect())
}

#[test]
fn a_district_status_stream_is_named_after_its_district_and_counts_as_sensor_status() {
    let n = StreamName::sensor_status_in("hai-chau");
    assert_eq!(&*n.name, "sensor-status/hai-chau");
    assert_eq!(n.kind, StreamKind::SensorStatus);
    assert_eq!(kind_label(&n.name), "sensor_status");
    assert_eq!(
        names("sensor-status/son-tra", &CITY_WIDE),
        Ok(vec!["sensor-status/son-tra".to_owned()])
    );
}

#[test]
fn a_district_status_pattern_names_every_district_in_scope() {
    assert_eq!(
        names("sensor-status/*", &CITY_WIDE),
        Ok(vec![
            "sensor-status/hai-chau".to_owned(),
            "sensor-status/son-tra".to_owned()
        ])
    );
    assert_eq!(
        names("sensor-status/*", &HAI_CHAU),
        Ok(vec!["sensor-status/hai-chau".to_owned()])
    );
}

#[test]
fn a_district_scoped_caller_may_follow_its_districts_status_but_not_the_whole_city() {
    assert_eq!(
        names("sensor-status/hai-chau", &HAI_CHAU),
        Ok(vec!["sensor-status/hai-chau".to_owned()])
    );
    assert_eq!(
        names("sensor-status", &HAI_CHAU),
        Err(forbidden("sensor-status", WHOLE_CITY))
    );
    assert_eq!(
        names("sensor-status/son-tra", &HAI_CHAU),
        Err(ProtocolError::UnknownDistrict("son-tra".into())),
        "outside the scope is answered as unknown"
    );
}

#[test]
fn an_unknown_district_or_a_deeper_name_is_refused() {
    assert_eq!(
        names("sensor-status/atlantis", &CITY_WIDE),
        Err(ProtocolError::UnknownDistrict("atlantis".into()))
    );
    let code = |s: &str| resolve(s, &CITY_WIDE).map(|_| ()).unwrap_err().code();
    assert_eq!(code("sensor-status/hai-chau/x"), "invalid_stream");
    assert_eq!(code("sensor-status/"), "unknown_district");
}

#[test]
fn a_caller_limited_to_some_domains_may_not_follow_a_districts_status_of_every_domain() {
    let traffic_only = Scoped {
        districts: &["hai-chau"],
        one_domain: true,
    };
    assert_eq!(
        names("sensor-status/hai-chau", &traffic_only),
        Err(forbidden("sensor-status/hai-chau", EVERY_DOMAIN))
    );
    let refused = names("sensor-status/*", &traffic_only).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "stream \"sensor-status/*\" holds the sensors of every domain; this key is limited to \
         some domains (subscribe to sensor/{id} or indicators/{domain}/{district} instead)",
        "the reason is the key's domains, not the city"
    );
}
