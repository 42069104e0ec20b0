//! Error responses as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error body carries `type`, `title`, `status` and `detail`, plus `kind`: the
//! record's `error.kind` (`unsupported_format`, `decode`, `timeout`, …) for analysis
//! failures, or a service kind (`bad_request`, `body_too_large`, `overloaded`, …).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// One problem-details body.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    type_uri: String,
    title: &'static str,
    status: u16,
    detail: String,
    kind: &'static str,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status`, a machine-readable `kind` and a human `detail`.
    pub(crate) fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: format!("urn:leitmotif:problem:{kind}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            kind,
            retry_after: None,
        }
    }

    /// 400: a bad query parameter or body.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// 503 with `Retry-After: seconds`.
    pub(crate) fn overloaded(seconds: u64) -> Self {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "every worker is busy and the queue is full; retry later",
        );
        p.retry_after = Some(seconds);
        p
    }

    /// The problem for an analysis error, with the record's `error.kind`; the message
    /// names the upload by its `?name=` label.
    pub(crate) fn from_analysis(e: &Error, message: String) -> Self {
        let kind = e.kind();
        Problem::new(status_of(kind), kind.as_str(), message)
    }
}

/// HTTP status of an analysis error kind: 415 not audio / unsupported codec, 422
/// undecodable, 504 time limit, 500 for internal failures.
pub(crate) fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::UnsupportedFormat | ErrorKind::UnsupportedCodec | ErrorKind::NoAudioTrack => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        ErrorKind::InvalidStream | ErrorKind::Decode | ErrorKind::Empty => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorKind::Config => StatusCode::BAD_REQUEST,
        ErrorKind::Io | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&self).unwrap_or_else(|_| "{}".into());
        let mut resp = (status, body).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}
