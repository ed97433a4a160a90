//! `GET /api/v1/series`: history of one sensor-metric or of a domain/district aggregate, from
//! the embedded store (or InfluxDB beyond local retention), downsampled on the server to at
//! most `store.max_points` points. The history service decides where it comes from.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::auth::Principal;
use crate::serve::error::ApiError;
use crate::serve::history::{HistoryService, Series, SeriesRequest};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    sensor: Option<String>,
    domain: Option<String>,
    district: Option<String>,
    metric: Option<String>,
    indicator: Option<String>,
    from: Option<String>,
    to: Option<String>,
    step: Option<String>,
    agg: Option<String>,
    tz: Option<String>,
    format: Option<String>,
}

/// `GET /api/v1/series?metric=|indicator=&sensor=|domain=&district=&from=&to=&step=&agg=&tz=&format=`
pub(crate) async fn series(
    history: web::Data<HistoryService>,
    principal: web::ReqData<Principal>,
    q: web::Query<Query>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let request = SeriesRequest {
        sensor: q.sensor,
        domain: q.domain,
        district: q.district,
        metric: q.metric,
        indicator: q.indicator,
        from: q.from,
        to: q.to,
        step: q.step,
        agg: q.agg,
        tz: q.tz,
    };
    let series = history.series(&principal, request).await?;
    // The format is checked last, as it always was: a bad query names its first fault.
    if wants_csv(&req, q.format.as_deref())? {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(to_csv(&series)));
    }
    Ok(HttpResponse::Ok().json(series))
}

fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(other) => Err(ApiError::InvalidQuery(format!(
            "format {:?} is not csv or json",
            crate::model::truncate(other, 20)
        ))),
        None => Ok(req
            .headers()
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv"))),
    }
}

/// One line per point: unix ms, the value, and the step's start as local time with its
/// offset (the series' `tz`), which spreadsheets read as it is.
fn to_csv(a: &Series) -> String {
    let mut out = String::with_capacity(64 * a.points.len() + 32);
    out.push_str("timestamp_ms,value,time\n");
    for (t, v) in &a.points {
        out.push_str(&format!("{t},{v},{}\n", a.tz.format(*t)));
    }
    out
}
