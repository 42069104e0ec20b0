//! The per-track pipeline: decode → downmix → resample → STFT → frame features → summary.
//!
//! One [`Analyzer`] per worker thread holds the FFT plan, window, resamplers and scratch
//! buffers and reuses them for every track. Audio flows through in packet-sized chunks, so
//! memory does not grow with the length of the input beyond the compact per-frame rows that
//! whole-track features need.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::audio::downmix::downmix_into;
use crate::audio::{Decoder, Resampler, SourceInfo};
use crate::dsp::{Frame, Stft};
use crate::error::{Error, Result};

/// Analysis parameters. Defaults are librosa's: 22050 Hz, `n_fft` 2048, hop 512.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisConfig {
    /// Analysis sample rate `sr` in Hz (the audio is resampled to it).
    pub sample_rate: u32,
    /// STFT frame length.
    pub n_fft: usize,
    /// STFT hop length.
    pub hop_length: usize,
    /// Analyse at most this many seconds of audio; longer tracks are truncated with a warning.
    pub max_duration_s: Option<f64>,
    /// Fail a track with [`Error::Timeout`] when its analysis takes longer than this.
    pub timeout_s: Option<f64>,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig {
            sample_rate: 22050,
            n_fft: 2048,
            hop_length: 512,
            max_duration_s: None,
            timeout_s: None,
        }
    }
}

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
    pub container: String,
    pub codec: String,
    pub sample_rate: u32,
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

/// Everything leitmotif computes for one track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackFeatures {
    /// Decoded duration in seconds at the source rate (after gapless trimming and any
    /// `max_duration_s` truncation).
    pub duration_s: f64,
    pub source: SourceRecord,
    pub analysis: AnalysisInfo,
    /// Non-fatal problems: skipped corrupt packets, truncation.
    pub warnings: Vec<String>,
    /// The features, when the track went through a [`crate::Pipeline`].
    #[serde(flatten)]
    pub features: Option<crate::features::extractor::Features>,
    /// The feature vector ([`crate::vector`](mod@crate::vector)), when the track went through a [`crate::Pipeline`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<crate::vector::FeatureVector>,
}

/// Something that consumes STFT frames and the mono signal as the pipeline runs.
pub trait FrameSink {
    /// Called once per track before any audio, with the analysis grid.
    fn begin(&mut self, _sr: u32, _n_fft: usize, _hop: usize) {}
    /// Called for every chunk of the source-rate interleaved audio.
    fn source_audio(&mut self, _samples: &[f32], _channels: usize, _sr: u32) {}
    /// Called for every chunk of the mono analysis-rate signal, in order.
    fn analysis_audio(&mut self, _samples: &[f32]) {}
    /// Called for every STFT frame, in order.
    fn frame(&mut self, _frame: &Frame<'_>) {}
}

impl FrameSink for () {}

/// Reusable per-thread analysis pipeline.
pub struct Analyzer {
    config: AnalysisConfig,
    stft: Stft,
    resamplers: HashMap<u32, Resampler>,
    mono: Vec<f32>,
    resampled: Vec<f32>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("config", &self.config)
            .finish()
    }
}

impl Analyzer {
    /// Plans the pipeline for `config`.
    pub fn new(config: AnalysisConfig) -> Result<Self> {
        if !(1000..=384_000).contains(&config.sample_rate) {
            return Err(Error::Config {
                cause: format!(
                    "analysis sample rate must be 1000..=384000 Hz, got {}",
                    config.sample_rate
                ),
            });
        }
        let stft = Stft::new(config.n_fft, config.hop_length)?;
        Ok(Analyzer {
            config,
            stft,
            resamplers: HashMap::new(),
            mono: Vec::new(),
            resampled: Vec::new(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    /// Runs decode → resample → STFT over `path`, feeding `sink`.
    pub fn run(&mut self, path: &Path, sink: &mut dyn FrameSink) -> Result<TrackFeatures> {
        let started = Instant::now();
        let mut decoder = Decoder::open(path)?;
        if let Some(t) = self.config.timeout_s {
            decoder.set_deadline(started + Duration::from_secs_f64(t.clamp(0.0, 1e9)), t);
        }
        let sr_out = self.config.sample_rate;
        self.stft.reset();
        sink.begin(sr_out, self.config.n_fft, self.config.hop_length);
        let mut resampler_rate: Option<u32> = None;
        let mut frames_used: u64 = 0;
        let mut truncated = false;
        while let Some(chunk) = decoder.next_chunk()? {
            let channels = chunk.channels;
            let sr_in = chunk.sample_rate;
            let mut samples = chunk.samples;
            if let Some(max_s) = self.config.max_duration_s {
                let max_frames = (max_s.max(0.0) * sr_in as f64).round() as u64;
                let left = max_frames.saturating_sub(frames_used) as usize;
                if samples.len() / channels > left {
                    samples = &samples[..left * channels];
                    truncated = true;
                }
            }
            frames_used += (samples.len() / channels) as u64;
            // The stream's rate is fixed by its first chunk; plans are cached per rate.
            let rate = *resampler_rate.get_or_insert(sr_in);
            let resampler = match self.resamplers.entry(rate) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(Resampler::new(rate, sr_out)?)
                }
            };
            if frames_used == (samples.len() / channels) as u64 {
                resampler.reset();
            }
            sink.source_audio(samples, channels, sr_in);
            self.mono.clear();
            downmix_into(samples, channels, &mut self.mono);
            self.resampled.clear();
            resampler.process(&self.mono, &mut self.resampled);
            sink.analysis_audio(&self.resampled);
            self.stft.push(&self.resampled, &mut |f| sink.frame(f));
            if truncated {
                break;
            }
        }
        decoder.finish_warnings();
        let info = decoder.info().clone();
        if frames_used == 0 {
            return Err(Error::Empty {
                path: path.to_path_buf(),
            });
        }
        if let Some(r) = resampler_rate.and_then(|r| self.resamplers.get_mut(&r)) {
            self.resampled.clear();
            r.finish(&mut self.resampled);
            sink.analysis_audio(&self.resampled);
            self.stft.push(&self.resampled, &mut |f| sink.frame(f));
        }
        self.stft.finish(&mut |f| sink.frame(f));
        let mut warnings = decoder.warnings().to_vec();
        if truncated {
            warnings.push(format!(
                "analysis truncated to the first {} s (max_duration_s)",
                self.config.max_duration_s.unwrap_or(0.0)
            ));
        }
        Ok(TrackFeatures {
            duration_s: frames_used as f64 / info.sample_rate as f64,
            source: SourceRecord::from(&info),
            analysis: AnalysisInfo {
                sample_rate: sr_out,
                n_fft: self.config.n_fft,
                hop_length: self.config.hop_length,
                frames: self.stft.frames(),
            },
            warnings,
            features: None,
            vector: None,
        })
    }
}
