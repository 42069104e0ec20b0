//! Frame-level and track-level features.
//!
//! - `rhythm`: tempo, beats, onset rate (from the onset-strength envelope).
//! - `tonal`: tuning, chroma, key.

pub mod rhythm;
pub mod tonal;
