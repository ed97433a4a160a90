//! What an import did with its lines: readings stored and duplicated, and rejections by
//! reason with the first example of each. Kept in the import's mark, so a resumed import ends
//! with the whole file's summary.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub lines: u64,
    pub stored: u64,
    pub duplicates: u64,
    /// By reason (a decoder reason such as `out_of_range`, or an import one such as
    /// `malformed_line`).
    pub rejections: BTreeMap<String, Rejected>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub count: u64,
    /// Where the first one was (`file:line`) and why.
    pub first: String,
}

impl Tally {
    pub fn reject(&mut self, reason: &str, at: impl FnOnce() -> String) {
        let entry = self.rejections.entry(reason.to_owned()).or_default();
        if entry.count == 0 {
            entry.first = at();
        }
        entry.count += 1;
    }

    pub fn rejected(&self) -> u64 {
        self.rejections.values().map(|r| r.count).sum()
    }

    pub fn add(&mut self, other: &Tally) {
        self.lines += other.lines;
        self.stored += other.stored;
        self.duplicates += other.duplicates;
        for (reason, r) in &other.rejections {
            let entry = self.rejections.entry(reason.clone()).or_default();
            if entry.count == 0 {
                entry.first = r.first.clone();
            }
            entry.count += r.count;
        }
    }

    /// The rejections as kept in a mark.
    pub fn rejections_json(&self) -> String {
        serde_json::to_string(&self.rejections).unwrap_or_default()
    }

    /// The rejections of a mark; a mark this build cannot read starts an empty count.
    pub fn rejections_from(json: &str) -> BTreeMap<String, Rejected> {
        serde_json::from_str(json).unwrap_or_default()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} lines: {} readings stored, {} already stored, {} rejections",
            self.lines,
            self.stored,
            self.duplicates,
            self.rejected()
        )?;
        for (reason, r) in &self.rejections {
            write!(f, "\n  {reason}: {} (first: {})", r.count, r.first)?;
        }
        Ok(())
    }
}
