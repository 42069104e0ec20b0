//! The output record of one track, as a JSON value shared by every writer.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::record::TrackFeatures;

/// Identity of an input file for `--resume`: size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the Unix epoch.
    pub mtime: f64,
}

impl FileStamp {
    /// Reads the stamp of `path` (`None` when it cannot be read).
    pub fn of(path: &Path) -> Option<Self> {
        let m = std::fs::metadata(path).ok()?;
        let mtime = m
            .modified()
            .ok()?
            .duration_since(UNIX_EPOCH)
            .ok()?
            .as_secs_f64();
        Some(FileStamp {
            size: m.len(),
            mtime,
        })
    }
}

#[derive(Serialize)]
struct OkRecord<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_mtime: Option<f64>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    file_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_mtime: Option<f64>,
    error: ErrBody<'a>,
}

/// The record of one track: `path`, the file stamp, then the features or `error`.
pub fn record_value(
    path: &str,
    stamp: Option<FileStamp>,
    outcome: &Result<TrackFeatures, Error>,
) -> Value {
    let (file_size, file_mtime) = (stamp.map(|s| s.size), stamp.map(|s| s.mtime));
    let v = match outcome {
        Ok(features) => serde_json::to_value(OkRecord {
            path,
            file_size,
            file_mtime,
            features,
        }),
        Err(e) => serde_json::to_value(ErrRecord {
            path,
            file_size,
            file_mtime,
            error: ErrBody {
                kind: e.kind().as_str(),
                message: e.to_string(),
            },
        }),
    };
    // Serialising plain structs of strings and finite numbers cannot fail; keep the track
    // as an error record rather than losing it.
    v.unwrap_or_else(|e| {
        serde_json::json!({"path": path, "error": {"kind": "internal", "message": format!("cannot serialise record: {e}")}})
    })
}

/// The JSON text (no newline) of one track's record, without a file stamp.
pub fn record_line(path: &str, outcome: &Result<TrackFeatures, Error>) -> String {
    record_value(path, None, outcome).to_string()
}
