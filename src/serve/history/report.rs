//! `GET /api/v1/reports/{kind}`: a department's report for a local day or month, within the
//! caller's scope, computed from the store's hour rollups (`report`).

use super::HistoryService;
use crate::auth::Principal;
use crate::model::{truncate, Zone};
use crate::report::{generate, Kind, Report, ReportError, ReportRequest};
use crate::serve::blocking::blocking;
use crate::serve::error::ApiError;
use crate::shell::now_ms;

/// A report request as the client wrote it.
pub struct ReportQuery {
    pub kind: String,
    pub date: Option<String>,
    pub month: Option<String>,
    pub district: Option<String>,
    pub tz: Option<String>,
}

impl HistoryService {
    /// The report `q` asks for. A scoped key sees only its domains and districts: a report
    /// of a domain outside its scope is unknown, and its rows cover only its districts.
    pub async fn report(&self, principal: &Principal, q: ReportQuery) -> Result<Report, ApiError> {
        let city = self.live.read().city().clone();
        let unknown = || {
            ApiError::ReportNotFound(format!(
                "no report {:?}: the reports are air, traffic, public_service, data_quality",
                truncate(&q.kind, 40)
            ))
        };
        let kind = Kind::parse(&q.kind).ok_or_else(unknown)?;
        let domain = kind.domain(&city).map(|d| city.domain(d).name.as_str());
        if domain.is_some_and(|d| !principal.scope.allows_domain(d)) {
            return Err(unknown());
        }
        let period = match (q.date, q.month) {
            (Some(d), None) if d.len() == 10 => d,
            (None, Some(m)) if m.len() == 7 => m,
            _ => {
                return Err(ApiError::InvalidQuery(
                    "give date=YYYY-MM-DD or month=YYYY-MM".into(),
                ))
            }
        };
        let (_, district) = self.live.resolve(principal, None, q.district.as_deref())?;
        if let Some(d) = district {
            self.require_owned(&city, d)?;
        }
        // On a partition, a city-wide report covers the owned districts and names the others.
        let elsewhere: Vec<String> = city
            .districts
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                district.is_none()
                    && !self.owns(crate::model::DistrictIdx(*i as u16))
                    && principal.scope.allows_district(&d.id)
            })
            .map(|(_, d)| d.id.clone())
            .collect();
        let zone = match q.tz.as_deref() {
            None => city.zone.clone(),
            Some(name) => {
                Zone::named(name).map_err(|e| ApiError::InvalidQuery(format!("tz {e}")))?
            }
        };
        let scope = principal.scope.clone();
        let (store, params, owned) = (self.store.clone(), self.params, self.territory.clone());
        blocking(move || {
            let in_scope = |d: crate::model::DomainIdx, x: crate::model::DistrictIdx| {
                let mine = owned
                    .as_ref()
                    .is_none_or(|o| o.get(usize::from(x.0)) == Some(&true));
                mine && scope.allows(&city.domain(d).name, &city.district(x).id)
            };
            let request = ReportRequest {
                kind,
                period: &period,
                zone: &zone,
                district,
                in_scope: &in_scope,
                params,
                now_ms: now_ms(),
            };
            let mut report = generate(&*store, &city, &request).map_err(|e| match e {
                ReportError::Period(m) => ApiError::InvalidQuery(format!("period {m}")),
                ReportError::NotMeasured => ApiError::ReportNotFound(e.to_string()),
                ReportError::Store(e) => ApiError::Internal(e.to_string()),
            })?;
            report.elsewhere = elsewhere;
            Ok(report)
        })
        .await
    }
}
