//! Indicator history and the departments' reports, computed from the stored rollups.
//!
//! An indicator's past is not a second copy of the data: each value is computed, on request,
//! from the hour (or minute) rollups the store keeps for two years (ninety days), with the
//! same pure maths as the live snapshot (`indicators`). Late data, an import or a
//! correction therefore changes the past hour or day it falls in, and every answer follows
//! the data as it is now (docs/decisions.md, "Indicator history is computed from the
//! rollups").
//!
//! - [`Indicator`]: the names of `/api/v1/series?indicator=`, what each reads and pools.
//! - [`series`]: one indicator per sensor and base bucket, pooled over sensors (pure).
//! - [`air`]: a station's hourly indices and its calendar day (Decision 1459) (pure).
//! - [`read`]: the rows they need, from the store (blocking).
//! - [`generate`]: a department's report ([`Kind`]) for a local day or month, as typed
//!   tables ([`Report`]) written as JSON, CSV or XLSX ([`to_xlsx`]).
//! - [`KeptReports`]: each night's reports of the day before, kept as filed (blocking).

pub mod air;
mod build;
mod indicator;
mod kept;
mod kinds;
pub mod read;
mod rows;
pub mod series;
mod settings;
pub mod table;
mod xlsx;

pub use build::{generate, Kind, ReportError, ReportRequest};
pub use indicator::{Base, Indicator, Pool};
pub use kept::{is_date, Kept, KeptError, KeptReports, FORMATS};
pub use kinds::Params;
pub use rows::{file, Rows, SensorRows};
pub use settings::ReportSettings;
pub use table::Report;
pub use xlsx::to_xlsx;

#[cfg(test)]
mod tests;
