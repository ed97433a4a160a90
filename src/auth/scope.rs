//! What part of the city a key may see: some domains, some districts, or everything. A scoped
//! caller sees only sensors, indicators and alerts inside both sets; aggregates over the whole
//! city are recomputed over its part or withheld.

use std::collections::BTreeSet;

use serde::Serialize;

/// Empty sets mean "all". Text form: `domain:traffic,district:hai-chau` (empty for all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub domains: BTreeSet<String>,
    pub districts: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("scope entry {0:?} is not `domain:<name>` or `district:<id>`")]
    Malformed(String),
    #[error("scope names unknown domain {0:?}; known domains: {1}")]
    UnknownDomain(String, String),
    #[error("scope names unknown district {0:?}")]
    UnknownDistrict(String),
}

impl Scope {
    /// Parses entries like `domain:traffic` or `district:hai-chau`; each entry may itself be
    /// a comma-separated list (the stored text form).
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Scope, ScopeError> {
        let mut scope = Scope::default();
        for entry in entries.into_iter().flat_map(|e| e.split(',')) {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            match entry.split_once(':') {
                Some(("domain", name)) if !name.trim().is_empty() => {
                    scope.domains.insert(name.trim().to_owned());
                }
                Some(("district", id)) if !id.trim().is_empty() => {
                    scope.districts.insert(id.trim().to_owned());
                }
                _ => return Err(ScopeError::Malformed(crate::model::truncate(entry, 80))),
            }
        }
        Ok(scope)
    }

    /// Every name must exist in the city (checked when a key is created).
    pub fn check(&self, city: &crate::model::City) -> Result<(), ScopeError> {
        if let Some(d) = self.domains.iter().find(|d| city.domain_idx(d).is_none()) {
            return Err(ScopeError::UnknownDomain(d.clone(), city.domain_names()));
        }
        if let Some(d) = self
            .districts
            .iter()
            .find(|d| city.district_idx(d).is_none())
        {
            return Err(ScopeError::UnknownDistrict(d.clone()));
        }
        Ok(())
    }

    pub fn is_unrestricted(&self) -> bool {
        self.domains.is_empty() && self.districts.is_empty()
    }

    /// True when the caller sees every district (it may still be limited to some domains),
    /// so city-wide aggregates of an allowed domain are within its scope.
    pub fn all_districts(&self) -> bool {
        self.districts.is_empty()
    }

    pub fn allows_domain(&self, domain: &str) -> bool {
        self.domains.is_empty() || self.domains.contains(domain)
    }

    pub fn allows_district(&self, district: &str) -> bool {
        self.districts.is_empty() || self.districts.contains(district)
    }

    /// One sensor, alert or per-district aggregate of `domain` in `district`.
    pub fn allows(&self, domain: &str, district: &str) -> bool {
        self.allows_domain(domain) && self.allows_district(district)
    }

    /// An item that may be city-wide (`district` is `None`): only for callers that see every
    /// district.
    pub fn allows_area(&self, domain: &str, district: Option<&str>) -> bool {
        self.allows_domain(domain)
            && district.map_or(self.all_districts(), |d| self.allows_district(d))
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .domains
            .iter()
            .map(|d| format!("domain:{d}"))
            .chain(self.districts.iter().map(|d| format!("district:{d}")))
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let s =
            Scope::parse(["domain:traffic", "district:hai-chau,district:son-tra"]).expect("scope");
        assert_eq!(
            s.to_string(),
            "domain:traffic,district:hai-chau,district:son-tra"
        );
        assert_eq!(Scope::parse([s.to_string().as_str()]).expect("scope"), s);
        assert!(Scope::parse([""]).expect("scope").is_unrestricted());
    }

    #[test]
    fn refuses_malformed_entries() {
        for bad in ["traffic", "domain:", "city:x", ":x"] {
            assert!(
                matches!(Scope::parse([bad]), Err(ScopeError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn filters() {
        let s = Scope::parse(["district:hai-chau"]).expect("scope");
        assert!(s.allows("traffic", "hai-chau"));
        assert!(!s.allows("traffic", "son-tra"));
        assert!(
            !s.allows_area("traffic", None),
            "city-wide needs every district"
        );
        let d = Scope::parse(["domain:environment"]).expect("scope");
        assert!(d.allows_area("environment", None));
        assert!(!d.allows_area("traffic", Some("hai-chau")));
    }
}
