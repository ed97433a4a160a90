//! Producing a report: which rows to read for the period, then the kind's pure sections.
//! Blocking (SQLite): call it off the async executor.

use crate::model::{City, DistrictIdx, DomainIdx, Zone};
use crate::store::{Resolution, SeriesReader, StoreError};

use super::air::HOUR_MS;
use super::kinds::{self, Context, Params};
use super::read::{rows, sensors, Whose};
use super::table::Report;
use super::Rows;

/// The four kinds of `GET /api/v1/reports/{kind}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Air,
    Traffic,
    PublicService,
    DataQuality,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Air,
        Kind::Traffic,
        Kind::PublicService,
        Kind::DataQuality,
    ];

    pub fn parse(name: &str) -> Option<Kind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Air => "air",
            Kind::Traffic => "traffic",
            Kind::PublicService => "public_service",
            Kind::DataQuality => "data_quality",
        }
    }

    /// The metrics it reads of `domain`'s sensors.
    fn metrics(self, city: &City, domain: DomainIdx) -> Vec<crate::model::MetricIdx> {
        let k = &city.known;
        match self {
            Kind::Air => k.pollutants_present(),
            Kind::Traffic => [k.vehicle_count, k.avg_speed_kmh]
                .into_iter()
                .flatten()
                .collect(),
            Kind::PublicService => [k.served_last_5m, k.avg_wait_s, k.waiting]
                .into_iter()
                .flatten()
                .collect(),
            Kind::DataQuality => city.domain(domain).metrics.clone(),
        }
    }

    /// The domain whose sensors it covers (data quality: every domain, `None`).
    pub fn domain(self, city: &City) -> Option<DomainIdx> {
        let k = &city.known;
        let metric = match self {
            Kind::Air => k.pollutants.iter().flatten().next().copied(),
            Kind::Traffic => k.avg_speed_kmh.or(k.vehicle_count),
            Kind::PublicService => k.avg_wait_s.or(k.waiting),
            Kind::DataQuality => None,
        };
        metric.map(|m| city.metric(m).domain)
    }

    fn notes(self) -> &'static str {
        match self {
            Kind::Air => {
                "VN_AQI per Decision 1459/QĐ-TCMT; a day needs 18 of its 24 hourly means \
                 (75 %); limits of QCVN 05:2023/BTNMT. See docs/reports.md."
            }
            Kind::Traffic => {
                "Hourly flow from vehicle counts; congestion 1 − speed / free-flow speed."
            }
            Kind::PublicService => {
                "People served from the 5-minute counts; waits weighted by people served."
            }
            Kind::DataQuality => "Readings received / expected from each sensor's interval.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Period(String),
    #[error("the city measures nothing this report covers")]
    NotMeasured,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to report on.
pub struct ReportRequest<'a> {
    pub kind: Kind,
    /// `YYYY-MM-DD` or `YYYY-MM`.
    pub period: &'a str,
    pub zone: &'a Zone,
    pub district: Option<DistrictIdx>,
    /// Whether the caller may see a domain's sensors in a district.
    pub in_scope: &'a dyn Fn(DomainIdx, DistrictIdx) -> bool,
    pub params: Params,
    pub now_ms: i64,
}

/// The report `req` asks for, from the store's hour rollups.
pub fn generate(
    store: &dyn SeriesReader,
    city: &City,
    req: &ReportRequest,
) -> Result<Report, ReportError> {
    let days = req
        .zone
        .period_days(req.period)
        .map_err(ReportError::Period)?;
    let (first, end) = (days[0], days[days.len() - 1]);
    let domains: Vec<DomainIdx> = match req.kind.domain(city) {
        Some(d) => vec![d],
        None if req.kind == Kind::DataQuality => {
            (0..city.domains.len() as u16).map(DomainIdx).collect()
        }
        None => return Err(ReportError::NotMeasured),
    };
    let mut all = Rows::new();
    let mut members = Vec::new();
    let range = (first - 24 * HOUR_MS, end);
    for domain in domains {
        let in_scope: Vec<_> = sensors(
            city,
            &Whose::Group {
                domain,
                district: req.district,
            },
        )
        .into_iter()
        .filter(|s| (req.in_scope)(s.domain, s.district))
        .collect();
        let metrics = req.kind.metrics(city, domain);
        // The districts that hold them: one read each, or one for the whole city.
        let mut districts: Vec<_> = in_scope.iter().map(|s| s.district).collect();
        districts.sort();
        districts.dedup();
        let reads: Vec<Option<DistrictIdx>> = match req.district {
            Some(d) => vec![Some(d)],
            None if districts.len() == city.districts.len() => vec![None],
            None => districts.into_iter().map(Some).collect(),
        };
        if in_scope.is_empty() || metrics.is_empty() {
            continue;
        }
        for district in reads {
            let whose = Whose::Group { domain, district };
            all.extend(rows(store, &whose, &metrics, range, Resolution::Hour)?);
        }
        members.extend(in_scope);
    }
    let rejections = match req.kind {
        Kind::DataQuality => visible_rejections(store, city, req, (first, end))?,
        _ => Vec::new(),
    };
    let cx = Context {
        city,
        zone: req.zone,
        days: &days,
        rows: &all,
        sensors: members,
        params: req.params,
        now_ms: req.now_ms,
        rejections,
    };
    let sections = match req.kind {
        Kind::Air => vec![kinds::air::section(&cx)],
        Kind::Traffic => kinds::traffic::sections(&cx),
        Kind::PublicService => vec![kinds::service::section(&cx)],
        Kind::DataQuality => kinds::quality::sections(&cx),
    };
    Ok(Report {
        kind: req.kind.name(),
        period: req.period.to_owned(),
        district: req.district.map(|d| city.district(d).id.clone()),
        tz: req.zone.name().to_owned(),
        from: first,
        to: end,
        generated_at: req.now_ms,
        sections,
        notes: req.kind.notes(),
        elsewhere: Vec::new(),
    })
}

/// The period's rejection counts the caller may see: its feeds and districts (of the request's
/// district, if it names one); those of no known feed or district only when the caller sees
/// the whole city.
fn visible_rejections(
    store: &dyn SeriesReader,
    city: &City,
    req: &ReportRequest,
    (from, to): (i64, i64),
) -> Result<Vec<crate::store::RejectionCount>, ReportError> {
    let whole_city = req.district.is_none()
        && (0..city.domains.len() as u16).all(|d| {
            (0..city.districts.len() as u16).all(|x| (req.in_scope)(DomainIdx(d), DistrictIdx(x)))
        });
    let mut counts = store.rejection_counts(from, to)?;
    counts.retain(
        |c| match (city.domain_idx(&c.domain), city.district_idx(&c.district)) {
            (Some(d), Some(x)) => req.district.is_none_or(|want| want == x) && (req.in_scope)(d, x),
            _ => whole_city,
        },
    );
    Ok(counts)
}
