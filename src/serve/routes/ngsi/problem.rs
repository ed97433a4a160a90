//! NGSI-LD's errors: problem details with an NGSI-LD error type, for every refusal of the
//! `/ngsi-ld/v1/…` handlers (the API's own refusals, such as a history read past its cap,
//! included). The guard's 401, 403 and 429 stay the API's.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::serve::error::ApiError;

#[derive(Debug)]
pub(crate) struct Problem {
    status: StatusCode,
    kind: &'static str,
    detail: String,
}

impl Problem {
    /// 400 BadRequestData.
    pub fn bad(detail: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            kind: "BadRequestData",
            detail: detail.into(),
        }
    }

    /// 400 InvalidRequest: a query that does not parse.
    pub fn invalid(detail: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::BAD_REQUEST,
            kind: "InvalidRequest",
            detail: detail.into(),
        }
    }

    /// 404 ResourceNotFound.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem {
            status: StatusCode::NOT_FOUND,
            kind: "ResourceNotFound",
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(json!({
            "type": format!("https://uri.etsi.org/ngsi-ld/errors/{}", self.kind),
            "title": self.kind,
            "detail": self.detail,
        }))
    }
}

impl From<ApiError> for Problem {
    fn from(e: ApiError) -> Problem {
        let status = e.status_code();
        let kind = match status.as_u16() {
            400 => "BadRequestData",
            404 => "ResourceNotFound",
            _ => "InternalError",
        };
        Problem {
            status,
            kind,
            detail: e.to_string(),
        }
    }
}
