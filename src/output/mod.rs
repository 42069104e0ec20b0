//! Output records and their writers.
//!
//! # The JSON Lines record
//! One JSON object per track, one line each, in input order:
//!
//! ```json
//! {"path": "audio-samples/x.mp3", "duration_s": 30.0,
//!  "source": {"container": "mp3", "codec": "mp3", "sample_rate": 44100, "channels": 2},
//!  "analysis": {"sample_rate": 22050, "n_fft": 2048, "hop_length": 512, "frames": 1292},
//!  "warnings": []}
//! ```
//! A failed track is `{"path": "...", "error": {"kind": "unsupported_codec", "message": "..."}}`,
//! where `kind` is one of [`crate::ErrorKind::as_str`]'s names and `message` names the file
//! and the cause.

pub mod jsonl;
pub mod npz;

pub use jsonl::{JsonlWriter, record_line};
