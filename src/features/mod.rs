//! Frame-level and track-level features.
//!
//! - `rhythm`: tempo, beats, onset rate (from the onset-strength envelope).
//! - `tonal`: tuning, chroma, key.

pub mod extractor;
pub mod loudness;
pub mod onset;
pub mod rhythm;
pub mod spectral;
pub mod timbre;
pub mod tonal;
pub mod zcr;
