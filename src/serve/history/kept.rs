//! The kept reports (`report::KeptReports`): their list, `GET /api/v1/reports`, and each one
//! as it was kept, `GET /api/v1/reports/{kind}?date=&district=&kept=true`. A scoped key sees
//! the kinds of its domains (the data-quality report, which covers every feed, only with no
//! domain limit) and its districts.

use super::HistoryService;
use crate::auth::Principal;
use crate::model::{truncate, City};
use crate::report::{is_date, Kept, KeptReports, Kind, FORMATS};
use crate::serve::blocking::blocking;
use crate::serve::error::ApiError;
use crate::shell::now_ms;

const DAY_MS: i64 = 86_400_000;
/// Days a list covers when `from` is not given.
const DEFAULT_DAYS: i64 = 31;

/// The list's filters as the client wrote them.
pub struct KeptQuery {
    pub kind: Option<String>,
    pub district: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl HistoryService {
    /// Keeps each night's reports in `kept` (and lists and serves them).
    pub fn with_kept(mut self, kept: KeptReports) -> Self {
        self.kept = Some(kept);
        self
    }

    fn kept(&self) -> Result<KeptReports, ApiError> {
        self.kept.clone().ok_or_else(|| {
            ApiError::ReportNotFound(
                "no report is kept on this node (reports.daily = false)".into(),
            )
        })
    }

    /// True when this node keeps each night's reports (`reports.daily`).
    pub fn keeps(&self) -> bool {
        self.kept.is_some()
    }

    /// The kept reports `q` lets through, newest first; none on a node that keeps none.
    pub async fn kept_list(
        &self,
        principal: &Principal,
        q: KeptQuery,
    ) -> Result<Vec<Kept>, ApiError> {
        let Some(kept) = self.kept.clone() else {
            return Ok(Vec::new());
        };
        let city = self.live.read().city().clone();
        if let Some(kind) = q.kind.as_deref() {
            self.visible_kind(principal, &city, kind)?;
        }
        if let Some(d) = q.district.as_deref() {
            self.live.resolve(principal, None, Some(d))?;
        }
        let today = city.zone.date_of(now_ms());
        let to = date(q.to, "to")?.unwrap_or(today);
        let from = date(q.from, "from")?
            .unwrap_or_else(|| city.zone.date_of(now_ms() - DEFAULT_DAYS * DAY_MS));
        let (principal, wanted) = (principal.clone(), (q.kind, q.district));
        blocking(move || {
            let visible = |kind: &str, district: &str| {
                wanted.0.as_deref().is_none_or(|k| k == kind)
                    && wanted.1.as_deref().is_none_or(|d| d == district)
                    && principal.scope.allows_district(district)
                    && kind_allowed(&principal, &city, kind)
            };
            kept.list(&from, &to, visible)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await
    }

    /// The bytes of a kept report in `format`.
    pub async fn kept_file(
        &self,
        principal: &Principal,
        kind: &str,
        date_: Option<String>,
        district: Option<String>,
        format: &str,
    ) -> Result<Vec<u8>, ApiError> {
        let kept = self.kept()?;
        let city = self.live.read().city().clone();
        self.visible_kind(principal, &city, kind)?;
        let date_ = date(date_, "date")?.ok_or_else(|| {
            ApiError::InvalidQuery("a kept report is of one day: give date=YYYY-MM-DD".into())
        })?;
        let district = district.ok_or_else(|| {
            ApiError::InvalidQuery(
                "a kept report is of one district: give district= (GET /api/v1/reports lists them)"
                    .into(),
            )
        })?;
        self.live.resolve(principal, None, Some(&district))?;
        if !FORMATS.contains(&format) {
            return Err(ApiError::InvalidQuery(format!(
                "format {format:?} is not json, csv or xlsx"
            )));
        }
        let (kind, format) = (kind.to_owned(), format.to_owned());
        let missing = format!(
            "no {kind} report of {date_} for {district} is kept; drop kept=true to compute it now"
        );
        blocking(move || {
            kept.open(&kind, &date_, &district, &format)
                .map_err(|e| ApiError::Internal(e.to_string()))
        })
        .await?
        .ok_or(ApiError::ReportNotFound(missing))
    }

    fn visible_kind(&self, principal: &Principal, city: &City, kind: &str) -> Result<(), ApiError> {
        if Kind::parse(kind).is_some() && kind_allowed(principal, city, kind) {
            return Ok(());
        }
        Err(ApiError::ReportNotFound(format!(
            "no report {:?}: the reports are air, traffic, public_service, data_quality",
            truncate(kind, 40)
        )))
    }
}

/// A kind the caller's domains allow: its own domain, or every domain for data quality.
fn kind_allowed(principal: &Principal, city: &City, kind: &str) -> bool {
    let scope = &principal.scope;
    match Kind::parse(kind).map(|k| k.domain(city)) {
        Some(Some(d)) => scope.allows_domain(&city.domain(d).name),
        Some(None) => city.domains.iter().all(|d| scope.allows_domain(&d.name)),
        None => false,
    }
}

fn date(v: Option<String>, key: &str) -> Result<Option<String>, ApiError> {
    match v {
        Some(d) if !is_date(&d) => Err(ApiError::InvalidQuery(format!(
            "{key} {:?} is not a date such as 2026-12-01",
            truncate(&d, 20)
        ))),
        other => Ok(other),
    }
}
