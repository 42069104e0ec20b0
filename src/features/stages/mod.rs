//! The per-frame stages of the feature extractor, one job each.
//!
//! Every stage has the same shape: `new` plans it (filterbanks, scratch buffers), `process`
//! takes one frame, `finish` returns its track summary and `reset` forgets the track. The
//! per-track state of a stage is a `Default` struct, so `reset` is one assignment.
//!
//! | stage | input per frame | track output |
//! |---|---|---|
//! | [`spectral::SpectralStage`] | magnitude spectrum, frame samples | centroid, bandwidth, roll-off, flatness, RMS, ZCR summaries |
//! | [`contrast::ContrastStage`] | magnitude spectrum | spectral contrast summary |
//! | [`mfcc::MfccStage`] | power spectrum | mel rows, MFCC summary; floored mel rows for the onset stage |
//! | [`onset::OnsetStage`] | floored mel dB rows | onset-strength envelope |
//!
//! The whole-track stages are [`crate::features::loudness::LoudnessMeter`] (source-rate
//! audio), [`crate::features::rhythm::Rhythm`] (the onset envelope) and
//! [`crate::features::tonal::TonalAnalyzer`] (analysis audio and power frames).

pub mod contrast;
pub mod db_rows;
pub mod mfcc;
pub mod onset;
pub mod spectral;
