//! JSON Lines: one record per line, each written with a single `write` and flushed, so a
//! killed run leaves only whole lines (plus at most one partial last line, which a resumed
//! run detects and repairs).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::analyzer::TrackFeatures;
use crate::error::Error;

#[derive(Serialize)]
struct OkRecord<'a> {
    path: &'a str,
    #[serde(flatten)]
    features: &'a TrackFeatures,
}

#[derive(Serialize)]
struct ErrBody<'a> {
    kind: &'a str,
    message: String,
}

#[derive(Serialize)]
struct ErrRecord<'a> {
    path: &'a str,
    error: ErrBody<'a>,
}

/// The JSON text (no newline) of one track's record.
pub fn record_line(path: &str, outcome: &Result<TrackFeatures, Error>) -> String {
    let text = match outcome {
        Ok(features) => serde_json::to_string(&OkRecord { path, features }),
        Err(e) => serde_json::to_string(&ErrRecord {
            path,
            error: ErrBody {
                kind: e.kind().as_str(),
                message: e.to_string(),
            },
        }),
    };
    // Serialising plain structs of strings and finite numbers cannot fail; fall back to an
    // error record rather than losing the track.
    text.unwrap_or_else(|e| {
        format!(
            "{{\"path\":{},\"error\":{{\"kind\":\"internal\",\"message\":{}}}}}",
            serde_json::Value::String(path.to_string()),
            serde_json::Value::String(format!("cannot serialise record: {e}"))
        )
    })
}

/// Writes records as JSON Lines to stdout or a file.
pub struct JsonlWriter {
    out: Box<dyn Write + Send>,
}

impl JsonlWriter {
    /// Writes to standard output.
    pub fn stdout() -> Self {
        JsonlWriter {
            out: Box::new(io::stdout()),
        }
    }

    /// Creates (truncates) `path`, or appends to it when `append` is set.
    pub fn create(path: &Path, append: bool) -> io::Result<Self> {
        let file: File = if append {
            OpenOptions::new().create(true).append(true).open(path)?
        } else {
            File::create(path)?
        };
        Ok(JsonlWriter {
            out: Box::new(file),
        })
    }

    /// Writes one record line and flushes it.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let mut buf = String::with_capacity(line.len() + 1);
        buf.push_str(line);
        buf.push('\n');
        self.out.write_all(buf.as_bytes())?;
        self.out.flush()
    }
}
