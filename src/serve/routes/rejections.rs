use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::model::Reason;
use crate::pipeline::RejectionLog;
use crate::serve::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Query {
    reason: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/ingest/rejections?reason=&limit=`: the most recent rejections, newest first.
pub(crate) async fn recent(
    rejections: web::Data<RejectionLog>,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let reason = q
        .reason
        .as_deref()
        .map(|r| {
            Reason::parse(r).ok_or_else(|| {
                let known: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
                ApiError::InvalidQuery(format!(
                    "reason {:?} is not one of {}",
                    crate::model::truncate(r, 40),
                    known.join(", ")
                ))
            })
        })
        .transpose()?;
    let cap = rejections.capacity();
    let limit = q.limit.unwrap_or(100);
    if limit == 0 || limit > cap {
        return Err(ApiError::InvalidQuery(format!("limit must be 1 to {cap}")));
    }
    let recent = rejections.recent(reason, limit);
    Ok(HttpResponse::Ok().json(json!({ "count": recent.len(), "rejections": recent })))
}
