//! `[reports]`: the reports kept each night.

use serde::Deserialize;

use crate::setting::Invalid;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Keep each day's reports, made just after local midnight.
    pub daily: bool,
    /// Days kept reports stay before they are deleted.
    pub keep_days: u32,
    /// Where they are kept; empty: `reports/` beside the store's file.
    pub dir: String,
}

impl ReportSettings {
    pub fn validate(&self) -> Result<(), Invalid> {
        if !(1..=36_600).contains(&self.keep_days) {
            return Err(Invalid::new(
                "reports.keep_days",
                self.keep_days,
                "1 to 36600 days",
            ));
        }
        Ok(())
    }

    /// The directory of kept reports for a store at `store_path`.
    pub fn dir_for(&self, store_path: &std::path::Path) -> std::path::PathBuf {
        match self.dir.trim() {
            "" => store_path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join("reports"),
            dir => std::path::PathBuf::from(dir),
        }
    }
}
