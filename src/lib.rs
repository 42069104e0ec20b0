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
//! ```no_run
//! use leitmotif::{AnalysisConfig, Analyzer};
//! let mut analyzer = Analyzer::new(AnalysisConfig::default())?;
//! let features = analyzer.run(std::path::Path::new("song.flac"), &mut ())?;
//! println!("{} s, {} frames", features.duration_s, features.analysis.frames);
//! # Ok::<(), leitmotif::Error>(())
//! ```
//!
//! The command-line tool (`leitmotif extract`) is a thin layer over [`batch`] and [`output`].

pub mod analyzer;
pub mod array;
pub mod atomic;
pub mod audio;
pub mod batch;
pub mod dsp;
pub mod error;
pub mod features;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod similarity;
pub mod summary;
pub mod vector;

pub use analyzer::{
    AnalysisConfig, AnalysisInfo, Analyzer, FrameSink, SourceRecord, TrackFeatures,
};
pub use error::{Error, ErrorKind, Result};
pub use features::extractor::{FeatureOptions, Features, FrameMatrices};
pub use pipeline::{Pipeline, TrackAnalysis};
pub use vector::{FeatureVector, SCHEMA_VERSION, vector};
