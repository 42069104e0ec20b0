//! Frame-level and track-level features, and the record types they fill.
//!
//! The stages (public with the `internals` feature only):
//! - `extractor`: the feature stage as a whole, fed by the front end frame by frame;
//! - `spectral`, `zcr`: centroid, bandwidth, roll-off, flatness, RMS, contrast, ZCR;
//! - `timbre`: mel spectrogram and MFCC; `onset`: onset strength;
//! - `loudness`: EBU R128 loudness, loudness range and true peak;
//! - `rhythm`: tempo, beats, onset rate (from the onset-strength envelope);
//! - `tonal`: tuning, chroma, key.
//!
//! Each record type documents what its numbers are and which reference they match.

crate::internal_mod!(extractor);
crate::internal_mod!(loudness);
crate::internal_mod!(noise);
crate::internal_mod!(onset);
crate::internal_mod!(rhythm);
crate::internal_mod!(spectral);
crate::internal_mod!(stages);
crate::internal_mod!(timbre);
crate::internal_mod!(tonal);
crate::internal_mod!(zcr);

pub use extractor::{
    FeatureOptions, Features, FrameMatrices, KeyRecord, SpectralSummary, Tempo, Tuning,
};
pub use loudness::Loudness;

/// Default centre of the tempo prior, BPM ([`FeatureOptions::tempo_prior`]; chosen on the
/// tuning sets of docs/accuracy.md).
pub const DEFAULT_TEMPO_PRIOR_BPM: f32 = rhythm::tempo::PRIOR_BPM;
/// Default width of the tempo prior, octaves ([`FeatureOptions::tempo_prior`]).
pub const DEFAULT_TEMPO_PRIOR_OCTAVES: f32 = rhythm::tempo::PRIOR_OCTAVES;
