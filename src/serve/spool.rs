//! Reading a request body. Small bodies (up to `memory_body`) stay in memory; larger ones
//! are streamed chunk by chunk into an unnamed temporary file (`O_TMPFILE` on Linux, else
//! created and unlinked at once), so no body is held whole in memory and no spooled file
//! can outlive the process, not even after a panic, a timeout or a `kill -9`. The size is
//! checked against the limit as the body arrives, and a client that pauses longer than the
//! slow-client timeout between two pieces gets 408.

use std::fs::File;
use std::io::{Cursor, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::StatusCode;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::metrics::Metrics;
use super::problem::Problem;
use crate::input::Input;

/// A received body, ready for analysis.
pub(crate) enum Upload {
    /// A body of at most `memory_body` bytes.
    Memory(Vec<u8>),
    /// A larger body in an unnamed temporary file, rewound to its start.
    Spooled(File),
}

impl Upload {
    /// The body as a pipeline input (the buffer or the file is moved, not copied).
    pub(crate) fn into_input(self) -> Input<'static> {
        match self {
            Upload::Memory(bytes) => Input::Reader(Box::new(Cursor::new(bytes))),
            Upload::Spooled(file) => Input::Reader(Box::new(file)),
        }
    }
}

/// Limits and places for reading bodies.
#[derive(Debug, Clone)]
pub(crate) struct SpoolSettings {
    pub(crate) max_body: u64,
    pub(crate) memory_body: u64,
    pub(crate) idle: Duration,
    pub(crate) dir: PathBuf,
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("cannot spool the upload: {e}"),
    )
}

/// Where the body goes while it arrives.
enum Sink {
    Memory(Vec<u8>),
    File(tokio::fs::File),
}

/// Reads `body` into an [`Upload`]. `declared` is the Content-Length, if any.
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
    let spool = || -> Result<tokio::fs::File, Problem> {
        let f = tempfile::tempfile_in(&settings.dir).map_err(internal)?;
        Ok(tokio::fs::File::from_std(f))
    };
    let mut sink = match declared {
        Some(n) if n > settings.memory_body => Sink::File(spool()?),
        // The declared size when known; never more than the memory limit up front.
        Some(n) => Sink::Memory(Vec::with_capacity(n as usize)),
        None => Sink::Memory(Vec::new()),
    };
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
        if let Sink::Memory(buf) = &mut sink
            && total > settings.memory_body
        {
            // Over the memory limit without a declared length: move to a file.
            let mut f = spool()?;
            f.write_all(buf).await.map_err(internal)?;
            sink = Sink::File(f);
        }
        match &mut sink {
            Sink::Memory(buf) => buf.extend_from_slice(&chunk),
            Sink::File(f) => f.write_all(&chunk).await.map_err(internal)?,
        }
    }
    if total == 0 {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_format",
            format!("{name}: the body is empty"),
        ));
    }
    match sink {
        Sink::Memory(buf) => Ok(Upload::Memory(buf)),
        Sink::File(mut f) => {
            f.flush().await.map_err(internal)?;
            let mut f = f.into_std().await;
            f.seek(SeekFrom::Start(0)).map_err(internal)?;
            Ok(Upload::Spooled(f))
        }
    }
}
