//! # leitmotif
//!
//! A music-information-retrieval feature extractor. The library turns an audio file into a
//! [`TrackFeatures`] record through a streaming pipeline:
//!
//! ```text
//! bytes ─▶ decode ─▶ downmix ─▶ resample ─▶ STFT ─▶ frame features ─▶ summary
//!         symphonia   mono f32   rubato      realfft
//!         (+ Opus)               (to 22050)
//! ```
//!
//! ```
//! use leitmotif::{AnalysisConfig, FeatureOptions, Input, Pipeline};
//! let mut pipeline = Pipeline::new(AnalysisConfig::default(), FeatureOptions::default())?;
//! let track = pipeline.analyze(std::path::Path::new("audio-samples/song2_120bpm_c_major.flac"))?;
//! let r = &track.record;
//! println!("{:.1} s, {} frames, {:?} bpm, key {:?}", r.duration_s, r.analysis.frames,
//!          r.features.tempo.bpm, r.features.key);
//! assert!(r.vector.values.iter().all(|v| v.is_finite()));
//!
//! // Decoded samples (interleaved), e.g. from numpy: one second of a 440 Hz tone.
//! let tone: Vec<f32> = (0..22050).map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / 22050.0).sin()).collect();
//! let t = pipeline.analyze_input(Input::Samples { samples: &tone, channels: 1, sample_rate: 22050 }, "tone")?;
//! assert_eq!(t.record.duration_s, 1.0);
//! # Ok::<(), leitmotif::Error>(())
//! ```
//!
//! The command-line tool (`leitmotif extract`) is a thin layer over [`batch`] and [`output`].
//!
//! # Features
//! - `cli` (default): the `leitmotif` binary and its progress display; implies `parquet`.
//! - `parquet`: Parquet output ([`output`]) and index export ([`similarity`]).
//! - `serve` (default): the `leitmotif serve` HTTP service ([`serve`]; tokio, axum/hyper,
//!   tracing, tempfile).
//! - `internals`: makes the stages public (`audio`, `dsp`, `frontend`, the `features`
//!   submodules) for the project's own tests and benchmarks; not a stable API.
//!
//! `cargo build --no-default-features` builds the library alone (decoding, analysis, records,
//! JSON Lines/CSV/NPZ output, similarity search) without clap, indicatif, parquet or arrow.
//! The code is described in `ARCHITECTURE.md`.

pub mod array;
/// Declares a module that is public with the `internals` feature and crate-private without.
macro_rules! internal_mod {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[cfg(feature = "internals")]
        pub mod $name;
        $(#[$m])*
        #[cfg(not(feature = "internals"))]
        #[allow(dead_code, unused_imports)]
        pub(crate) mod $name;
    };
}
pub(crate) use internal_mod;

internal_mod!(atomic);
internal_mod!(audio);
pub mod batch;
pub mod config;
internal_mod!(dsp);
pub mod error;
pub mod features;
internal_mod!(frontend);
pub mod input;
pub mod output;
pub mod pipeline;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod progress;
pub mod record;
#[cfg(feature = "serve")]
pub mod serve;
pub mod similarity;
pub mod summary;
pub mod vector;

/// For a program's panic hook: [`in_third_party_call`] tells whether the panicking thread is
/// inside third-party decoding code (symphonia, libopus) whose panic leitmotif catches and
/// reports as the track's error; [`quiet_caught_decoder_panics`] installs a hook that leaves
/// those unprinted (the `leitmotif` binary and the Python module call it). The library never
/// changes the process's panic hook itself.
pub use audio::guard::{in_third_party_call, quiet_caught_decoder_panics};
pub use config::{AnalysisConfig, DEFAULT_MAX_DURATION_S};
pub use error::{Error, ErrorKind, Result};
pub use features::{
    DEFAULT_TEMPO_PRIOR_BPM, DEFAULT_TEMPO_PRIOR_OCTAVES, FeatureOptions, Features, FrameMatrices,
};
pub use input::{Input, ReadSeek};
pub use pipeline::{Pipeline, TrackAnalysis};
pub use record::{AnalysisInfo, SourceRecord, TrackFeatures};
pub use vector::{FeatureVector, SCHEMA_VERSION, vector};
