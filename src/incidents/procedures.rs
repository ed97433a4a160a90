//! The standard operating procedures: each incident category's steps and service levels, and
//! the departments incidents are assigned to. Read from `config/procedures.toml` (built in)
//! or `incidents.procedures`; a bad file stops startup with the key and what is allowed.

use serde::{Deserialize, Serialize};

use crate::model::is_valid_id;

/// The procedures built into the binary: `config/procedures.toml`.
pub const BUILTIN_PROCEDURES: &str = include_str!("../../config/procedures.toml");

/// The category an incident gets when nothing more specific matches.
pub const OTHER: &str = "other";

/// One step of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub step: String,
    #[serde(rename = "vi")]
    pub text_vi: String,
    #[serde(rename = "en")]
    pub text_en: String,
    #[serde(default)]
    pub optional: bool,
}

/// One category of incident and its procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    /// The city domain it belongs to: a department key scoped to domains sees its categories.
    pub domain: String,
    /// The department usually assigned (a suggestion shown to the operator).
    #[serde(default)]
    pub department: Option<String>,
    /// Minutes (a fraction allowed) from opening to assignment before the SLA is breached;
    /// 0: no target.
    #[serde(default)]
    pub assign_within_min: f64,
    /// Minutes from opening to resolution before the SLA is breached; 0: no target.
    #[serde(default)]
    pub resolve_within_min: f64,
    /// Alert rules whose alerts open incidents of this category (checked before `signals`).
    #[serde(default)]
    pub rules: Vec<String>,
    /// Signals whose alerts open incidents of this category.
    #[serde(default)]
    pub signals: Vec<String>,
    /// Event categories (citizen reports) and classes (camera detections) of this category.
    #[serde(default)]
    pub events: Vec<String>,
    pub steps: Vec<Step>,
}

/// A department incidents are assigned to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
}

/// The parsed file. Always has the `other` category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Procedures {
    pub departments: Vec<Department>,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProceduresError {
    #[error("cannot read the procedures file {path}: {cause}")]
    Read { path: String, cause: String },
    #[error("the procedures file is not valid TOML for procedures: {0}")]
    Syntax(String),
    #[error("procedures: {key} = {got}: {want}")]
    Invalid {
        key: String,
        got: String,
        want: String,
    },
}

fn invalid(key: String, got: impl std::fmt::Debug, want: &str) -> ProceduresError {
    ProceduresError::Invalid {
        key,
        got: format!("{got:?}"),
        want: want.to_owned(),
    }
}

impl Procedures {
    pub fn builtin() -> Result<Procedures, ProceduresError> {
        Procedures::parse(BUILTIN_PROCEDURES)
    }

    /// Reads `path`, or the built-in file when `path` is empty.
    pub fn load(path: &str) -> Result<Procedures, ProceduresError> {
        if path.is_empty() {
            return Procedures::builtin();
        }
        let text = std::fs::read_to_string(path).map_err(|e| ProceduresError::Read {
            path: path.to_owned(),
            cause: e.to_string(),
        })?;
        Procedures::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Procedures, ProceduresError> {
        let p: Procedures =
            toml::from_str(text).map_err(|e| ProceduresError::Syntax(e.to_string()))?;
        p.check()?;
        Ok(p)
    }

    fn check(&self) -> Result<(), ProceduresError> {
        let id = "1 to 64 of a-z 0-9 - _ ., unique";
        for (i, d) in self.departments.iter().enumerate() {
            let dup = self.departments[..i].iter().any(|o| o.id == d.id);
            if !is_valid_id(&d.id) || dup {
                return Err(invalid(format!("departments[{i}].id"), &d.id, id));
            }
        }
        for (i, c) in self.categories.iter().enumerate() {
            let dup = self.categories[..i].iter().any(|o| o.id == c.id);
            if !is_valid_id(&c.id) || dup {
                return Err(invalid(format!("categories[{i}].id"), &c.id, id));
            }
            for (k, v) in [
                ("assign_within_min", c.assign_within_min),
                ("resolve_within_min", c.resolve_within_min),
            ] {
                if !(0.0..=525_600.0).contains(&v) {
                    return Err(invalid(
                        format!("categories[{i}].{k}"),
                        v,
                        "0 (no target) to 525600 minutes (a year)",
                    ));
                }
            }
            if let Some(d) = c
                .department
                .as_ref()
                .filter(|d| self.department(d).is_none())
            {
                let known = "a department id of [[departments]]";
                return Err(invalid(format!("categories[{i}].department"), d, known));
            }
            for (j, s) in c.steps.iter().enumerate() {
                let dup = c.steps[..j].iter().any(|o| o.step == s.step);
                if !is_valid_id(&s.step) || dup {
                    return Err(invalid(
                        format!("categories[{i}].steps[{j}].step"),
                        &s.step,
                        id,
                    ));
                }
            }
        }
        if self.category(OTHER).is_none() {
            let want = "a category with id \"other\" (the one an incident falls back to)";
            return Err(invalid("categories".into(), "no \"other\"", want));
        }
        Ok(())
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    /// The category of an alert of `rule` on `signal`: by rule first, then by signal, else
    /// `other`.
    pub fn for_alert(&self, rule: &str, signal: &str) -> &str {
        let by = |f: &dyn Fn(&Category) -> bool| self.categories.iter().find(|c| f(c));
        by(&|c| c.rules.iter().any(|r| r == rule))
            .or_else(|| by(&|c| c.signals.iter().any(|s| s == signal)))
            .map_or(OTHER, |c| c.id.as_str())
    }

    /// The category of an event of category or class `what`, else `other`.
    pub fn for_event(&self, what: &str) -> &str {
        self.categories
            .iter()
            .find(|c| c.events.iter().any(|e| e == what))
            .map_or(OTHER, |c| c.id.as_str())
    }

    pub fn category_ids(&self) -> String {
        let ids: Vec<&str> = self.categories.iter().map(|c| c.id.as_str()).collect();
        ids.join(", ")
    }

    pub fn department_ids(&self) -> String {
        let ids: Vec<&str> = self.departments.iter().map(|d| d.id.as_str()).collect();
        ids.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_procedures_parse_and_map_alerts_and_events() {
        let p = Procedures::builtin().expect("built-in procedures");
        assert_eq!(
            p.for_alert("water-level-warning-3", "water_level_cm"),
            "flood"
        );
        assert_eq!(p.for_alert("pm25-high-hai-chau", "pm25"), "air_pollution");
        assert_eq!(p.for_alert("x", "unknown"), OTHER);
        assert_eq!(p.for_event("flooding"), "flood");
        assert!(p.department("environment").is_some());
        let air = p.category("air_pollution").expect("air");
        assert_eq!(air.department.as_deref(), Some("environment"));
    }

    #[test]
    fn a_bad_file_names_the_key() {
        let base = Procedures::builtin().expect("built-in");
        let mut dup = base.clone();
        dup.categories.push(dup.categories[0].clone());
        let text = toml::to_string(&dup).expect("toml");
        let e = Procedures::parse(&text).expect_err("duplicate category");
        assert!(e.to_string().contains("categories["), "{e}");
        let mut dept = base.clone();
        dept.categories[0].department = Some("nobody".into());
        let e = Procedures::parse(&toml::to_string(&dept).expect("toml")).expect_err("dept");
        assert!(e.to_string().contains("department"), "{e}");
        let mut other = base;
        other.categories.retain(|c| c.id != OTHER);
        let e = Procedures::parse(&toml::to_string(&other).expect("toml")).expect_err("other");
        assert!(e.to_string().contains("other"), "{e}");
        let e = Procedures::parse("[[categories]]\nid = \"x\"\nsurprise = 1\n").expect_err("key");
        assert!(e.to_string().contains("surprise"), "{e}");
    }
}
