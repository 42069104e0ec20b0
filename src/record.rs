//! The record of one analysed track: [`TrackFeatures`].

use serde::Serialize;

use crate::audio::SourceInfo;
use crate::features::extractor::Features;
use crate::vector::FeatureVector;

/// The analysis grid of a track, as written in the record's `analysis` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysisInfo {
    /// Analysis sample rate in Hz.
    pub sample_rate: u32,
    /// STFT frame length.
    pub n_fft: usize,
    /// STFT hop length.
    pub hop_length: usize,
    /// Number of STFT frames (`1 + ⌊samples / hop⌋`).
    pub frames: usize,
}

/// The source stream as written in the record's `source` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceRecord {
    /// Container short name (`wav`, `flac`, `mp3`, `isomp4`, `ogg`, …; `samples` for
    /// decoded-sample input).
    pub container: String,
    /// Codec short name (`pcm_s16le`, `flac`, `mp3`, `aac`, `vorbis`, `opus`, …).
    pub codec: String,
    /// Source sample rate in Hz.
    pub sample_rate: u32,
    /// Source channel count.
    pub channels: usize,
}

impl From<&SourceInfo> for SourceRecord {
    fn from(s: &SourceInfo) -> Self {
        SourceRecord {
            container: s.container.clone(),
            codec: s.codec.clone(),
            sample_rate: s.sample_rate,
            channels: s.channels,
        }
    }
}

/// Everything leitmotif computes for one track: the record that `extract` writes (less the
/// `path` and file stamp, which the caller adds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackFeatures {
    /// Length of the input in seconds at the source rate (after gapless trimming), also
    /// when only part of it was analysed.
    pub duration_s: f64,
    /// Seconds analysed: `duration_s`, or less when the input was truncated by
    /// `max_duration_s` or [`crate::config::DEFAULT_MAX_DURATION_S`] (see `warnings`).
    pub analysed_s: f64,
    pub source: SourceRecord,
    pub analysis: AnalysisInfo,
    /// Non-fatal problems: skipped corrupt packets, truncation, repaired samples.
    pub warnings: Vec<String>,
    /// The features ([`crate::features`]), flattened into the record.
    #[serde(flatten)]
    pub features: Features,
    /// The feature vector for similarity search ([`crate::vector`](mod@crate::vector)).
    pub vector: FeatureVector,
}
