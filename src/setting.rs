//! What every stage's settings type shares: the error of a value outside what is allowed,
//! which names the key, the value and the rule, and the range checks that make one.
//!
//! Each stage owns the type of its `[section]` and its `validate()`; `config/` only loads,
//! layers and composes them. This module sits at the bottom with `model`: it imports no other
//! module of the crate.

use std::fmt::Display;

/// A config key whose value is outside what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config key `{key}` = {value}: {allowed}")]
pub struct Invalid {
    pub key: String,
    pub value: String,
    pub allowed: String,
}

impl Invalid {
    pub fn new(key: &str, value: impl Display, allowed: impl Into<String>) -> Self {
        Invalid {
            key: key.to_owned(),
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// `v` within `lo..=hi`, or an error that names `key` and the range.
pub fn range(key: &str, v: u64, lo: u64, hi: u64) -> Result<(), Invalid> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else if hi == u64::MAX {
        Err(Invalid::new(key, v, format!("at least {lo}")))
    } else {
        Err(Invalid::new(key, v, format!("{lo} to {hi}")))
    }
}

/// `v` at least 1.
pub fn positive(key: &str, v: u64) -> Result<(), Invalid> {
    range(key, v, 1, u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_out_of_range_names_its_key_value_and_range() {
        assert_eq!(range("a.b", 5, 1, 10), Ok(()));
        let e = range("push.queue_frames", 0, 1, 65_536).expect_err("0 is below 1");
        assert_eq!(
            e.to_string(),
            "config key `push.queue_frames` = 0: 1 to 65536"
        );
        let e = positive("http.shutdown_timeout_s", 0).expect_err("0 is not positive");
        assert_eq!(e.allowed, "at least 1");
    }
}
