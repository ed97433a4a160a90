//! The reports kept for download: each night's reports of the day before, one file per kind,
//! district and format under `{dir}/{YYYY-MM-DD}/{kind}.{district}.{json|csv|xlsx}`, written
//! whole before they appear (a temporary name, then a rename). What a department filed stays
//! as it was filed, though late data may change the same report computed later. Blocking.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::table::Report;
use super::xlsx::to_xlsx;

pub const FORMATS: [&str; 3] = ["json", "csv", "xlsx"];

#[derive(Debug, Clone)]
pub struct KeptReports {
    dir: PathBuf,
}

/// One kept report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Kept {
    pub kind: String,
    pub date: String,
    pub district: String,
    /// When it was written, unix ms.
    pub generated_at: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeptError {
    #[error("cannot write the kept report {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot read the kept reports in {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot write the spreadsheet: {0}")]
    Xlsx(String),
}

impl KeptReports {
    pub fn new(dir: PathBuf) -> Self {
        KeptReports { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps `report` (one day, one district) in every format.
    pub fn save(&self, report: &Report, district: &str) -> Result<(), KeptError> {
        let day = self.dir.join(&report.period);
        std::fs::create_dir_all(&day).map_err(|cause| KeptError::Write {
            path: day.clone(),
            cause,
        })?;
        let xlsx = to_xlsx(report).map_err(|e| KeptError::Xlsx(e.to_string()))?;
        let bodies = [
            report.to_json().to_string().into_bytes(),
            report.to_csv().into_bytes(),
            xlsx,
        ];
        for (format, body) in FORMATS.iter().zip(bodies) {
            let path = day.join(format!("{}.{district}.{format}", report.kind));
            write_whole(&path, &body)?;
        }
        Ok(())
    }

    /// True when `date`'s report `kind` of `district` is kept.
    pub fn has(&self, date: &str, kind: &str, district: &str) -> bool {
        self.dir
            .join(date)
            .join(format!("{kind}.{district}.json"))
            .is_file()
    }

    /// The kept reports of dates in `[from, to]` (`YYYY-MM-DD`) that `wanted` lets through,
    /// newest first.
    pub fn list(
        &self,
        from: &str,
        to: &str,
        wanted: impl Fn(&str, &str) -> bool,
    ) -> Result<Vec<Kept>, KeptError> {
        let mut out = Vec::new();
        for date in self.dates()? {
            if date.as_str() < from || date.as_str() > to {
                continue;
            }
            let day = self.dir.join(&date);
            let read = |cause| KeptError::Read {
                path: day.clone(),
                cause,
            };
            for entry in std::fs::read_dir(&day).map_err(read)? {
                let entry = entry.map_err(read)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                let Some((kind, district)) =
                    name.strip_suffix(".json").and_then(|n| n.split_once('.'))
                else {
                    continue;
                };
                if !wanted(kind, district) {
                    continue;
                }
                let generated_at = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_millis() as i64);
                out.push(Kept {
                    kind: kind.to_owned(),
                    date: date.clone(),
                    district: district.to_owned(),
                    generated_at,
                });
            }
        }
        out.sort_by(|a, b| {
            (b.date.as_str(), &a.kind, &a.district).cmp(&(a.date.as_str(), &b.kind, &b.district))
        });
        Ok(out)
    }

    /// The bytes of one kept report, `None` when it is not kept.
    pub fn open(
        &self,
        kind: &str,
        date: &str,
        district: &str,
        format: &str,
    ) -> Result<Option<Vec<u8>>, KeptError> {
        let path = self
            .dir
            .join(date)
            .join(format!("{kind}.{district}.{format}"));
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(cause) => Err(KeptError::Read { path, cause }),
        }
    }

    /// Deletes the days before `oldest` (`YYYY-MM-DD`); returns how many.
    pub fn prune(&self, oldest: &str) -> Result<usize, KeptError> {
        let mut removed = 0;
        for date in self.dates()? {
            if date.as_str() < oldest {
                let day = self.dir.join(&date);
                std::fs::remove_dir_all(&day)
                    .map_err(|cause| KeptError::Write { path: day, cause })?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The kept days (directories named `YYYY-MM-DD`), in no order.
    fn dates(&self) -> Result<Vec<String>, KeptError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(cause) => {
                return Err(KeptError::Read {
                    path: self.dir.clone(),
                    cause,
                })
            }
        };
        Ok(entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_date(n))
            .collect())
    }
}

/// `YYYY-MM-DD`, digits where digits go.
pub fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        })
}

fn write_whole(path: &Path, body: &[u8]) -> Result<(), KeptError> {
    let failed = |cause| KeptError::Write {
        path: path.to_owned(),
        cause,
    };
    let tmp = path.with_extension("part");
    let mut file = std::fs::File::create(&tmp).map_err(failed)?;
    file.write_all(body).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    std::fs::rename(&tmp, path).map_err(failed)
}
