//! Reading a request body: streamed chunk by chunk into a temporary file that is deleted
//! when the [`Upload`] is dropped (after the analysis, on a timeout, on a client
//! disconnect, or while unwinding from a panic), never held whole in memory. The body size
//! is checked against the limit as it arrives, and a client that pauses longer than the
//! slow-client timeout between two pieces gets 408.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use futures_util::StreamExt;
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use super::metrics::Metrics;
use super::problem::Problem;

/// A received body, ready for analysis.
pub(crate) struct Upload {
    file: NamedTempFile,
}

impl Upload {
    /// The spool file's path (a random name in the spool directory).
    pub(crate) fn path(&self) -> &Path {
        self.file.path()
    }
}

/// Limits and places for reading bodies.
#[derive(Debug, Clone)]
pub(crate) struct SpoolSettings {
    pub(crate) max_body: u64,
    pub(crate) idle: Duration,
    pub(crate) dir: PathBuf,
}

/// A safe file-name suffix from the label's extension (`.mp3`), used only as a format
/// hint for the decoder: at most 8 ASCII alphanumerics, else none.
pub(crate) fn extension_hint(name: &str) -> String {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    if !ext.is_empty() && ext.len() <= 8 && ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!(".{}", ext.to_ascii_lowercase())
    } else {
        String::new()
    }
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("cannot spool the upload: {e}"),
    )
}

/// Streams `body` into a new temporary file. `declared` is the Content-Length, if any.
pub(crate) async fn receive(
    body: Body,
    declared: Option<u64>,
    name: &str,
    settings: &SpoolSettings,
    metrics: &Arc<Metrics>,
) -> Result<Upload, Problem> {
    let too_large = || {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body exceeds the limit of {} bytes", settings.max_body),
        )
    };
    if declared.is_some_and(|n| n > settings.max_body) {
        return Err(too_large());
    }
    let file = tempfile::Builder::new()
        .prefix("leitmotif-upload-")
        .suffix(&extension_hint(name))
        .tempfile_in(&settings.dir)
        .map_err(internal)?;
    let mut out = tokio::fs::File::from_std(file.reopen().map_err(internal)?);
    let mut stream = body.into_data_stream();
    let mut total: u64 = 0;
    loop {
        let next = match tokio::time::timeout(settings.idle, stream.next()).await {
            Ok(n) => n,
            Err(_) => {
                return Err(Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "client_timeout",
                    format!(
                        "no body data for {} s (slow-client limit)",
                        settings.idle.as_secs_f64()
                    ),
                ));
            }
        };
        let chunk = match next {
            None => break,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                return Err(Problem::new(
                    StatusCode::BAD_REQUEST,
                    "upload_interrupted",
                    format!("the upload was interrupted: {e}"),
                ));
            }
        };
        total += chunk.len() as u64;
        metrics
            .received_bytes
            .fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if total > settings.max_body {
            return Err(too_large());
        }
        out.write_all(&chunk).await.map_err(internal)?;
    }
    out.flush().await.map_err(internal)?;
    drop(out);
    if total == 0 {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_format",
            format!("{name}: the body is empty"),
        ));
    }
    Ok(Upload { file })
}
