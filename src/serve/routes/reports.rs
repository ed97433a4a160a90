//! `GET /api/v1/reports/{kind}?date=|month=&district=&tz=&format=json|csv|xlsx`: the
//! departments' reports (docs/reports.md), computed by the history service.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Principal;
use crate::report::to_xlsx;
use crate::serve::error::ApiError;
use crate::serve::history::{HistoryService, ReportQuery};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    date: Option<String>,
    month: Option<String>,
    district: Option<String>,
    tz: Option<String>,
    format: Option<String>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) async fn report(
    history: web::Data<HistoryService>,
    principal: web::ReqData<Principal>,
    kind: web::Path<String>,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let format = q.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "xlsx") {
        return Err(ApiError::InvalidQuery(format!(
            "format {:?} is not json, csv or xlsx",
            crate::model::truncate(&format, 20)
        )));
    }
    let request = ReportQuery {
        kind: kind.into_inner(),
        date: q.date,
        month: q.month,
        district: q.district,
        tz: q.tz,
    };
    let report = history.report(&principal, request).await?;
    let file = format!(
        "{}-{}{}.{format}",
        report.kind,
        report.period,
        report
            .district
            .as_deref()
            .map(|d| format!("-{d}"))
            .unwrap_or_default()
    );
    let disposition = format!("attachment; filename=\"{file}\"");
    // A month of a big city is megabytes: written off the executor.
    let kind = format.clone();
    let (content_type, bytes) = web::block(move || match kind.as_str() {
        "csv" => Ok(("text/csv; charset=utf-8", report.to_csv().into_bytes())),
        "xlsx" => to_xlsx(&report).map(|b| (XLSX, b)),
        _ => Ok((
            "application/json",
            report.to_json().to_string().into_bytes(),
        )),
    })
    .await
    .map_err(ApiError::from_blocking)?
    .map_err(|e| ApiError::Internal(format!("writing the spreadsheet: {e}")))?;
    let mut answer = HttpResponse::Ok();
    answer.content_type(content_type);
    if format != "json" {
        answer.insert_header(("Content-Disposition", disposition));
    }
    Ok(answer.body(bytes))
}
