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
pub mod record;

pub use jsonl::JsonlWriter;
pub use record::{FileStamp, record_line, record_value};
