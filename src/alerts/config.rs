//! Parsing `config/alerts.toml` into a [`RuleSet`]: every rule is checked key by key, and an
//! error names the rule (its index in `[[rules]]` and its id), the key, the value and what is
//! allowed.

use std::collections::HashSet;
use std::fmt::Display;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::rule::{Condition, Direction, Levels, Rule, RuleSet, Scope, Severity};
use super::subject::Level;

/// The rule file shipped with the binary (`config/alerts.toml`).
pub const BUILTIN_RULES: &str = include_str!("../../config/alerts.toml");

const DEFAULT_FLAP_WINDOW_S: i64 = 600;
const DAY_S: i64 = 86_400;

/// Why the rule file could not be used. Every variant names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read alert rules {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("alert rules are not valid TOML: {0}")]
    Toml(String),
    #[error("alert rules: key `{key}` = {value}: {allowed}")]
    File {
        key: String,
        value: String,
        allowed: String,
    },
    #[error("alert rule rules[{index}] (id {id:?}): key `{key}` = {value}: {allowed}")]
    Rule {
        index: usize,
        id: String,
        key: String,
        value: String,
        allowed: String,
    },
}

impl RuleSet {
    /// The rules shipped in `config/alerts.toml`.
    pub fn builtin() -> Result<RuleSet, RulesError> {
        RuleSet::parse(BUILTIN_RULES)
    }

    /// Reads and parses a rule file.
    pub fn load(path: &Path) -> Result<RuleSet, RulesError> {
        let text = std::fs::read_to_string(path).map_err(|cause| RulesError::Read {
            path: path.to_owned(),
            cause,
        })?;
        RuleSet::parse(&text)
    }

    /// Parses the text of a rule file. The first problem found is returned.
    pub fn parse(text: &str) -> Result<RuleSet, RulesError> {
        let top: Table = text
            .parse()
            .map_err(|e: toml::de::Error| RulesError::Toml(e.to_string()))?;
        let file_err = |key: &str, value: &dyn Display, allowed: &str| RulesError::File {
            key: key.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        };
        if let Some(key) = top
            .keys()
            .find(|k| !matches!(k.as_str(), "defaults" | "rules"))
        {
            return Err(file_err(
                key,
                &"…",
                "top-level keys are `defaults` and `rules`",
            ));
        }
        let mut flap_default = DEFAULT_FLAP_WINDOW_S;
        if let Some(d) = top.get("defaults") {
            let d = d
                .as_table()
                .ok_or_else(|| file_err("defaults", d, "a table"))?;
            for (k, v) in d {
                if k != "flap_window_s" {
                    return Err(file_err(
                        &format!("defaults.{k}"),
                        v,
                        "known: flap_window_s",
                    ));
                }
                flap_default = v
                    .as_integer()
                    .filter(|s| (0..=DAY_S).contains(s))
                    .ok_or_else(|| {
                        file_err("defaults.flap_window_s", v, "whole seconds, 0 to 86400")
                    })?;
            }
        }
        let rules = match top.get("rules") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.as_slice().to_vec(),
            Some(v) => return Err(file_err("rules", v, "an array of tables: [[rules]]")),
        };
        let mut seen = HashSet::new();
        let mut parsed = Vec::with_capacity(rules.len());
        for (index, v) in rules.iter().enumerate() {
            let rule = parse_rule(index, v, flap_default)?;
            if !seen.insert(rule.id.clone()) {
                return Err(RulesError::Rule {
                    index,
                    id: rule.id.clone(),
                    key: "id".into(),
                    value: format!("{:?}", rule.id),
                    allowed: "each rule id once; this one is used by an earlier rule".into(),
                });
            }
            parsed.push(rule);
        }
        Ok(RuleSet::new(parsed))
    }
}

fn parse_rule(index: usize, v: &Value, flap_default: i64) -> Result<Rule, RulesError> {
    let empty = Table::new();
    let table = v.as_table();
    let mut f = Fields::new(index, table.unwrap_or(&empty));
    if table.is_none() {
        return Err(f.err("", v, "each [[rules]] entry is a table"));
    }
    let id = f.string("id")?;
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
    {
        return Err(f.err("id", format!("{id:?}"), "1 to 64 of a-z 0-9 - _ ."));
    }
    f.id = id.clone();
    let description = f.opt_string("description")?.unwrap_or_else(|| id.clone());
    let signal = f.string("signal")?;
    if signal.is_empty() {
        return Err(f.err("signal", "\"\"", "a metric or indicator name"));
    }
    let sev = f.string("severity")?;
    let severity = Severity::parse(&sev).ok_or_else(|| {
        f.err(
            "severity",
            format!("{sev:?}"),
            "critical, major, minor, warning",
        )
    })?;
    let scope = parse_scope(&mut f)?;
    let kind = f.string("kind")?;
    let condition = match kind.as_str() {
        "threshold" => Condition::Threshold {
            levels: parse_levels(&mut f)?,
        },
        "rate" => Condition::Rate {
            levels: parse_levels(&mut f)?,
            window_ms: f.secs("window_s", 60, DAY_S)?.unwrap_or(600) * 1000,
        },
        "staleness" => Condition::Staleness {
            after_ms: f
                .secs("after_s", 1, 7 * DAY_S)?
                .ok_or_else(|| f.err("after_s", "(missing)", "whole seconds, 1 to 604800"))?
                * 1000,
        },
        other => {
            return Err(f.err("kind", format!("{other:?}"), "threshold, rate, staleness"));
        }
    };
    let for_ms = f.secs("for_s", 0, DAY_S)?.unwrap_or(0) * 1000;
    let flap_window_ms = f.secs("flap_window_s", 0, DAY_S)?.unwrap_or(flap_default) * 1000;
    let public = f.opt_bool("public")?.unwrap_or(false);
    f.finish(&kind)?;
    Ok(Rule {
        id,
        description,
        signal,
        severity,
        scope,
        condition,
        for_ms,
        flap_window_ms,
        public,
    })
}

fn parse_scope(f: &mut Fields<'_>) -> Result<Scope, RulesError> {
    let Some(v) = f.take("scope") else {
        return Ok(Scope::default());
    };
    let t = v
        .as_table()
        .ok_or_else(|| f.err("scope", v, "an inline table, e.g. { domain = \"traffic\" }"))?;
    let mut scope = Scope::default();
    for (k, v) in t {
        let key = format!("scope.{k}");
        let s = v
            .as_str()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| f.err(&key, v, "a non-empty string"))?;
        match k.as_str() {
            "domain" => scope.domain = Some(s.to_owned()),
            "district" => scope.district = Some(s.to_owned()),
            "sensor" => scope.sensor = Some(s.to_owned()),
            "level" => {
                scope.level =
                    Some(Level::parse(s).ok_or_else(|| f.err(&key, v, "sensor, district, city"))?)
            }
            _ => return Err(f.err(&key, v, "scope keys: domain, district, sensor, level")),
        }
    }
    if scope.sensor.is_some() && scope.level.is_some_and(|l| l != Level::Sensor) {
        return Err(f.err(
            "scope.level",
            "…",
            "a rule scoped to one sensor has level sensor",
        ));
    }
    Ok(scope)
}

fn parse_levels(f: &mut Fields<'_>) -> Result<Levels, RulesError> {
    let dir = f.string("direction")?;
    let direction = match dir.as_str() {
        "above" => Direction::Above,
        "below" => Direction::Below,
        _ => return Err(f.err("direction", format!("{dir:?}"), "above, below")),
    };
    let raise = f.number("raise")?;
    let clear = f.number("clear")?;
    let ok = match direction {
        Direction::Above => clear < raise,
        Direction::Below => clear > raise,
    };
    if !ok {
        let side = if direction == Direction::Above {
            "below"
        } else {
            "above"
        };
        return Err(f.err(
            "clear",
            clear,
            &format!("strictly {side} raise ({raise}) for direction {dir}"),
        ));
    }
    Ok(Levels {
        direction,
        raise,
        clear,
    })
}

/// Reads one rule table key by key, remembering which keys were used so that unknown ones
/// are reported instead of ignored.
struct Fields<'a> {
    index: usize,
    id: String,
    table: &'a Table,
    used: HashSet<&'static str>,
}

impl<'a> Fields<'a> {
    fn new(index: usize, table: &'a Table) -> Fields<'a> {
        Fields {
            index,
            id: "?".into(),
            table,
            used: HashSet::new(),
        }
    }

    fn err(&self, key: &str, value: impl Display, allowed: &str) -> RulesError {
        RulesError::Rule {
            index: self.index,
            id: self.id.clone(),
            key: key.to_owned(),
            value: value.to_string(),
            allowed: allowed.to_owned(),
        }
    }

    fn take(&mut self, key: &'static str) -> Option<&'a Value> {
        self.used.insert(key);
        self.table.get(key)
    }

    fn opt_string(&mut self, key: &'static str) -> Result<Option<String>, RulesError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(self.err(key, v, "a string")),
        }
    }

    fn string(&mut self, key: &'static str) -> Result<String, RulesError> {
        self.opt_string(key)?
            .ok_or_else(|| self.err(key, "(missing)", "required, a string"))
    }

    fn opt_bool(&mut self, key: &'static str) -> Result<Option<bool>, RulesError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(v) => Err(self.err(key, v, "true or false")),
        }
    }

    fn number(&mut self, key: &'static str) -> Result<f64, RulesError> {
        match self.take(key) {
            Some(Value::Integer(i)) => Ok(*i as f64),
            Some(Value::Float(x)) if x.is_finite() => Ok(*x),
            Some(v) => Err(self.err(key, v, "a finite number")),
            None => Err(self.err(key, "(missing)", "required, a number")),
        }
    }

    /// Optional whole seconds within `min..=max`.
    fn secs(&mut self, key: &'static str, min: i64, max: i64) -> Result<Option<i64>, RulesError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Integer(i)) if (min..=max).contains(i) => Ok(Some(*i)),
            Some(v) => Err(self.err(key, v, &format!("whole seconds, {min} to {max}"))),
        }
    }

    /// Fails on the first key that this kind of rule does not read.
    fn finish(self, kind: &str) -> Result<(), RulesError> {
        match self
            .table
            .iter()
            .find(|(k, _)| !self.used.contains(k.as_str()))
        {
            None => Ok(()),
            Some((k, v)) => {
                let mut known: Vec<_> = self.used.iter().copied().collect();
                known.sort_unstable();
                Err(self.err(
                    k,
                    v,
                    &format!("not a key of a {kind} rule; known: {}", known.join(", ")),
                ))
            }
        }
    }
}
