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

pub mod array;
pub mod atomic;
pub mod audio;
pub mod batch;
pub mod config;
pub mod dsp;
pub mod error;
pub mod features;
pub mod frontend;
pub mod input;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod record;
pub mod similarity;
pub mod summary;
pub mod vector;

pub use config::{AnalysisConfig, DEFAULT_MAX_DURATION_S};
pub use error::{Error, ErrorKind, Result};
pub use features::extractor::{FeatureOptions, Features, FrameMatrices};
pub use input::{Input, ReadSeek};
pub use pipeline::{Pipeline, TrackAnalysis};
pub use record::{AnalysisInfo, SourceRecord, TrackFeatures};
pub use vector::{FeatureVector, SCHEMA_VERSION, vector};
