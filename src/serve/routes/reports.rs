//! `GET /api/v1/reports/{kind}?date=|month=&district=&tz=&format=json|csv|xlsx[&kept=true]`:
//! the departments' reports (docs/reports.md), computed by the history service, or as kept
//! the night after their day; `GET /api/v1/reports`: the kept ones.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Principal;
use crate::report::to_xlsx;
use crate::serve::error::ApiError;
use crate::serve::history::{HistoryService, KeptQuery, ReportQuery};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    date: Option<String>,
    month: Option<String>,
    district: Option<String>,
    tz: Option<String>,
    format: Option<String>,
    kept: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    kind: Option<String>,
    district: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /api/v1/reports?kind=&district=&from=&to=`: the kept reports, newest first, each with
/// where to download it in each format.
pub(crate) async fn list(
    history: web::Data<HistoryService>,
    principal: web::ReqData<Principal>,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let query = KeptQuery {
        kind: q.kind,
        district: q.district,
        from: q.from,
        to: q.to,
    };
    let kept = history.kept_list(&principal, query).await?;
    let reports: Vec<_> = kept
        .iter()
        .map(|k| {
            let url = |f: &str| {
                format!(
                    "/api/v1/reports/{}?date={}&district={}&kept=true&format={f}",
                    k.kind, k.date, k.district
                )
            };
            json!({
                "kind": k.kind,
                "date": k.date,
                "district": k.district,
                "generated_at": k.generated_at,
                "json": url("json"),
                "csv": url("csv"),
                "xlsx": url("xlsx"),
            })
        })
        .collect();
    let mut body = json!({"count": reports.len(), "reports": reports});
    if !history.keeps() {
        body["note"] = json!("this node keeps no report (reports.daily = false)");
    }
    Ok(HttpResponse::Ok().json(body))
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
    if q.kept == Some(true) {
        let bytes = history
            .kept_file(
                &principal,
                &kind,
                q.date.clone(),
                q.district.clone(),
                &format,
            )
            .await?;
        let file = format!(
            "{kind}-{}-{}.{format}",
            q.date.unwrap_or_default(),
            q.district.unwrap_or_default()
        );
        return Ok(download(&format, &file, bytes));
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
    // A month of a big city is megabytes: written off the executor.
    let kind = format.clone();
    let bytes = web::block(move || match kind.as_str() {
        "csv" => Ok(report.to_csv().into_bytes()),
        "xlsx" => to_xlsx(&report),
        _ => Ok(report.to_json().to_string().into_bytes()),
    })
    .await
    .map_err(ApiError::from_blocking)?
    .map_err(|e| ApiError::Internal(format!("writing the spreadsheet: {e}")))?;
    Ok(download(&format, &file, bytes))
}

fn download(format: &str, file: &str, bytes: Vec<u8>) -> HttpResponse {
    let content_type = match format {
        "csv" => "text/csv; charset=utf-8",
        "xlsx" => XLSX,
        _ => "application/json",
    };
    let mut answer = HttpResponse::Ok();
    answer.content_type(content_type);
    if format != "json" {
        answer.insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ));
    }
    answer.body(bytes)
}
