//! Output records and their writers.
//!
//! # The JSON Lines record
//! One JSON object per track, one line each, in input order:
//!
//! ```json
//! {"path": "audio-samples/x.mp3", "file_size": 577000, "file_mtime": 1764300000.0,
//!  "duration_s": 30.0,
//!  "source": {"container": "mp3", "codec": "mp3", "sample_rate": 44100, "channels": 2},
//!  "analysis": {"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "frames": 1292},
//!  "warnings": [], "spectral": {...}, "mfcc": {...}, "loudness": {...}, ...}
//! ```
//! A failed track is `{"path": "...", "file_size": ..., "file_mtime": ...,
//! "error": {"kind": "unsupported_codec", "message": "..."}}`, where `kind` is one of
//! [`crate::ErrorKind::as_str`]'s names and `message` names the file and the cause.
//!
//! Every format is fed through a durable [`journal`]; CSV ([`csv`]) and Parquet
//! ([`parquet`]) are converted from it at the end, atomically. `--frames` writes one `.npz`
//! per track ([`npz`]).

pub mod columns;
pub mod csv;
pub mod journal;
pub mod jsonl;
pub mod npz;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod read;
pub mod record;
pub mod settings;
pub mod table;

pub use crate::atomic::{is_special, sync_parent, write_atomically};
pub use jsonl::JsonlWriter;
pub use record::{FileStamp, record_line, record_value};
pub use settings::Settings;

use std::path::Path;

/// A tabular or line output format, chosen by a file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines (`.jsonl`, `.ndjson`).
    Jsonl,
    /// CSV (`.csv`).
    Csv,
    /// Parquet (`.parquet`, `.pq`).
    Parquet,
}

/// The extensions [`Format::of`] knows, for usage messages.
pub const FORMAT_EXTENSIONS: &str = ".jsonl (or .ndjson), .csv, .parquet (or .pq)";

impl Format {
    /// The format named by `path`'s extension (case-insensitive); `None` for any other
    /// extension or none.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}
