//! The feature stage: one [`FeatureExtractor`] consumes the pipeline's frames (it is the
//! [`FrameSink`]) and produces every per-frame row and per-track summary.
//!
//! # Memory
//! Scalar features (centroid, bandwidth, roll-off, flatness, RMS, ZCR) are summarised as
//! they stream. MFCC, onset strength and contrast need the track maximum for their 80 dB
//! floor, so their compact dB rows (128 mel + 2×7 contrast values per frame) are kept for up
//! to [`BLOCK_FRAMES`] frames (≈ 20 minutes at 22050 Hz / hop 512, ≈ 29 MB). Tracks up to that
//! length match librosa exactly; for longer tracks the rows are finalised block by block,
//! each block floored against the maximum seen so far, so memory stays bounded. The onset
//! envelope (one value per frame) and the chroma rows are kept for the whole track.
//! Full per-frame matrices are kept only when [`FeatureOptions::keep_frames`] is set.

use serde::Serialize;

use crate::analyzer::FrameSink;
use crate::dsp::Frame;
use crate::dsp::filterbank::{Dct2, MelFilterbank};
use crate::features::loudness::{Loudness, LoudnessMeter};
use crate::features::onset::{envelope_from_flux, flux};
use crate::features::rhythm::{self, RhythmResult};
use crate::features::spectral::{self, Contrast, power_db};
use crate::features::timbre::{N_MELS, N_MFCC, TOP_DB};
use crate::features::tonal::{TonalAnalyzer, TonalResult};
use crate::features::zcr::Zcr;
use crate::summary::{RunningStats, Stat, VecStat};

/// Frames kept before dB rows are finalised block by block (20 minutes at 22050 / 512).
pub const BLOCK_FRAMES: usize = 51_680;
/// Spectral contrast rows (6 bands + the residual band).
pub const N_CONTRAST: usize = 7;

/// What the feature stage keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FeatureOptions {
    /// Keep every per-frame matrix (for `--frames`).
    pub keep_frames: bool,
    /// Benchmarking only: do not run the tonal stage (tuning, chroma and key keep the values
    /// of silent input). Used to measure that stage's share of a full extraction.
    #[doc(hidden)]
    pub skip_tonal: bool,
    /// Tempo search range `(min, max)` in BPM; `None`: [`rhythm::RhythmConfig`]'s default.
    pub tempo_range: Option<(f32, f32)>,
}

/// Spectral summaries: mean and population std over frames.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpectralSummary {
    /// Spectral centroid, Hz.
    pub centroid: Stat,
    /// Spectral bandwidth (p = 2), Hz.
    pub bandwidth: Stat,
    /// Roll-off frequency (85 %), Hz.
    pub rolloff: Stat,
    /// Spectral flatness (0–1).
    pub flatness: Stat,
    /// Zero-crossing rate (crossings per sample).
    pub zcr: Stat,
    /// RMS energy (linear amplitude).
    pub rms: Stat,
    /// Spectral contrast, 7 rows, dB.
    pub contrast: VecStat,
}

/// Track tempo in the record (bpm, confidence, candidates).
pub use crate::features::rhythm::TempoRecord as Tempo;

/// Tuning in the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tuning {
    /// Deviation from A440 in cents.
    pub cents: f64,
    /// Reference frequency of A4 in Hz.
    pub reference_hz: f64,
}

/// Key in the record (tonic, mode, confidence, candidates).
pub use crate::features::tonal::KeyRecord;

/// Every track-level feature, as added to the record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Features {
    pub spectral: SpectralSummary,
    pub mfcc: VecStat,
    pub loudness: Loudness,
    pub tempo: Tempo,
    /// Beat times in seconds.
    pub beats: Vec<f64>,
    /// Onsets per second.
    pub onset_rate: f64,
    pub tuning: Tuning,
    pub chroma: VecStat,
    pub key: KeyRecord,
}

/// Per-frame matrices, stored frame-major (`rows[t * dim + i]`); written to `.npz` as
/// `(dim, n_frames)` like librosa.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameMatrices {
    pub n_frames: usize,
    pub centroid: Vec<f32>,
    pub bandwidth: Vec<f32>,
    pub rolloff: Vec<f32>,
    pub flatness: Vec<f32>,
    pub zcr: Vec<f32>,
    pub rms: Vec<f32>,
    /// `n_frames × 7`.
    pub contrast: Vec<f32>,
    /// `n_frames × 128` mel power.
    pub mel: Vec<f32>,
    /// `n_frames × 20`.
    pub mfcc: Vec<f32>,
    pub onset_strength: Vec<f32>,
    /// `n_frames × 12`.
    pub chroma: Vec<f32>,
    /// Frame centre times in seconds (`t·hop/sr`).
    pub times: Vec<f32>,
}

/// Planned state of the feature stage, reused across tracks.
pub struct FeatureExtractor {
    options: FeatureOptions,
    sr: u32,
    n_fft: usize,
    hop: usize,
    freqs: Vec<f32>,
    melfb: MelFilterbank,
    dct: Dct2,
    contrast: Contrast,
    // per-frame scratch
    power: Vec<f32>,
    cumsum: Vec<f32>,
    mel: Vec<f32>,
    peak: [f32; N_CONTRAST],
    valley: [f32; N_CONTRAST],
    clipped: Vec<f32>,
    prev_clipped: Option<Vec<f32>>,
    mfcc_row: Vec<f32>,
    // block of rows waiting for the track maximum
    mel_db: Vec<f32>,
    peak_db: Vec<f32>,
    valley_db: Vec<f32>,
    max_mel: f32,
    max_peak: f32,
    max_valley: f32,
    // whole-track rows and summaries
    flux: Vec<f32>,
    frames: usize,
    centroid: RunningStats,
    bandwidth: RunningStats,
    rolloff: RunningStats,
    flatness: RunningStats,
    zcr_stats: RunningStats,
    rms: RunningStats,
    contrast_stats: [RunningStats; N_CONTRAST],
    mfcc_stats: [RunningStats; N_MFCC],
    zcr: Zcr,
    loudness: LoudnessMeter,
    tonal: TonalAnalyzer,
    kept: FrameMatrices,
}

impl std::fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("sr", &self.sr)
            .field("n_fft", &self.n_fft)
            .finish()
    }
}

impl FeatureExtractor {
    /// Plans filterbanks and buffers for sample rate `sr`, `n_fft` and `hop`.
    pub fn new(sr: u32, n_fft: usize, hop: usize, options: FeatureOptions) -> Self {
        let n_bins = n_fft / 2 + 1;
        FeatureExtractor {
            options,
            sr,
            n_fft,
            hop,
            freqs: spectral::bin_frequencies(sr, n_fft),
            melfb: MelFilterbank::new(sr, n_fft, N_MELS, 0.0, sr as f64 / 2.0),
            dct: Dct2::new(N_MELS, N_MFCC),
            contrast: Contrast::new(sr, n_fft, 200.0, 6, 0.02),
            power: vec![0.0; n_bins],
            cumsum: Vec::with_capacity(n_bins),
            mel: vec![0.0; N_MELS],
            peak: [0.0; N_CONTRAST],
            valley: [0.0; N_CONTRAST],
            clipped: vec![0.0; N_MELS],
            prev_clipped: None,
            mfcc_row: vec![0.0; N_MFCC],
            mel_db: Vec::new(),
            peak_db: Vec::new(),
            valley_db: Vec::new(),
            max_mel: f32::NEG_INFINITY,
            max_peak: f32::NEG_INFINITY,
            max_valley: f32::NEG_INFINITY,
            flux: Vec::new(),
            frames: 0,
            centroid: RunningStats::default(),
            bandwidth: RunningStats::default(),
            rolloff: RunningStats::default(),
            flatness: RunningStats::default(),
            zcr_stats: RunningStats::default(),
            rms: RunningStats::default(),
            contrast_stats: [RunningStats::default(); N_CONTRAST],
            mfcc_stats: [RunningStats::default(); N_MFCC],
            zcr: Zcr::default(),
            loudness: LoudnessMeter::default(),
            tonal: TonalAnalyzer::new(sr, n_fft, hop),
            kept: FrameMatrices::default(),
        }
    }

    /// Clears per-track state (keeps plans).
    fn reset(&mut self) {
        self.prev_clipped = None;
        self.mel_db.clear();
        self.peak_db.clear();
        self.valley_db.clear();
        self.max_mel = f32::NEG_INFINITY;
        self.max_peak = f32::NEG_INFINITY;
        self.max_valley = f32::NEG_INFINITY;
        self.flux.clear();
        self.frames = 0;
        self.centroid = RunningStats::default();
        self.bandwidth = RunningStats::default();
        self.rolloff = RunningStats::default();
        self.flatness = RunningStats::default();
        self.zcr_stats = RunningStats::default();
        self.rms = RunningStats::default();
        self.contrast_stats = [RunningStats::default(); N_CONTRAST];
        self.mfcc_stats = [RunningStats::default(); N_MFCC];
        self.zcr.reset();
        self.loudness = LoudnessMeter::default();
        self.tonal.reset();
        self.kept = FrameMatrices::default();
    }

    /// Finalises the stored dB rows against the maximum seen so far.
    fn flush_block(&mut self) {
        let floor_mel = self.max_mel - TOP_DB;
        let floor_peak = self.max_peak - TOP_DB;
        let floor_valley = self.max_valley - TOP_DB;
        let rows = self.mel_db.len() / N_MELS;
        for r in 0..rows {
            let row = &self.mel_db[r * N_MELS..(r + 1) * N_MELS];
            for (c, &v) in self.clipped.iter_mut().zip(row) {
                *c = v.max(floor_mel);
            }
            self.dct.apply(&self.clipped, &mut self.mfcc_row);
            for (s, &v) in self.mfcc_stats.iter_mut().zip(&self.mfcc_row) {
                s.push(v);
            }
            match &mut self.prev_clipped {
                Some(prev) => {
                    self.flux.push(flux(prev, &self.clipped));
                    prev.copy_from_slice(&self.clipped);
                }
                None => self.prev_clipped = Some(self.clipped.clone()),
            }
            for b in 0..N_CONTRAST {
                let p = self.peak_db[r * N_CONTRAST + b].max(floor_peak);
                let v = self.valley_db[r * N_CONTRAST + b].max(floor_valley);
                let c = p - v;
                self.contrast_stats[b].push(c);
                if self.options.keep_frames {
                    self.kept.contrast.push(c);
                }
            }
            if self.options.keep_frames {
                self.kept.mfcc.extend_from_slice(&self.mfcc_row);
            }
        }
        self.mel_db.clear();
        self.peak_db.clear();
        self.valley_db.clear();
    }

    /// Ends the track: finalises rows, runs the whole-track algorithms (tempo, key) and
    /// returns the summaries and, when kept, the per-frame matrices.
    pub fn finish(&mut self) -> (Features, Option<FrameMatrices>) {
        self.flush_block();
        let n = self.frames;
        let onset_env = envelope_from_flux(&self.flux, n);
        let rhythm: RhythmResult = rhythm::analyze_in(&onset_env, self.sr, self.hop, self.options.tempo_range);
        let tonal: TonalResult = self.tonal.finish();
        let loudness = self.loudness.finish();
        let mut chroma_mean_std = (Vec::with_capacity(12), Vec::with_capacity(12));
        for i in 0..12 {
            chroma_mean_std
                .0
                .push(finite_or_zero(tonal.chroma_mean[i] as f64));
            chroma_mean_std
                .1
                .push(finite_or_zero(tonal.chroma_std[i] as f64));
        }
        let features = Features {
            spectral: SpectralSummary {
                centroid: self.centroid.summary(),
                bandwidth: self.bandwidth.summary(),
                rolloff: self.rolloff.summary(),
                flatness: self.flatness.summary(),
                zcr: self.zcr_stats.summary(),
                rms: self.rms.summary(),
                contrast: VecStat::from_stats(&self.contrast_stats),
            },
            mfcc: VecStat::from_stats(&self.mfcc_stats),
            loudness,
            tempo: Tempo::from_result(&rhythm),
            beats: rhythm
                .beats
                .iter()
                .map(|&b| b as f64)
                .filter(|b| b.is_finite())
                .collect(),
            onset_rate: finite_or_zero(rhythm.onset_rate as f64),
            tuning: Tuning {
                cents: finite_or_zero(tonal.tuning_cents as f64),
                reference_hz: if tonal.reference_hz.is_finite() {
                    tonal.reference_hz as f64
                } else {
                    440.0
                },
            },
            chroma: VecStat {
                mean: chroma_mean_std.0,
                std: chroma_mean_std.1,
            },
            key: KeyRecord::from_key(&tonal.key),
        };
        let frames = if self.options.keep_frames {
            let mut kept = std::mem::take(&mut self.kept);
            kept.n_frames = n;
            kept.onset_strength = onset_env;
            kept.chroma = tonal
                .chroma
                .iter()
                .flat_map(|r| r.iter().copied())
                .collect();
            kept.times = (0..n)
                .map(|t| (t * self.hop) as f32 / self.sr as f32)
                .collect();
            Some(kept)
        } else {
            None
        };
        self.reset();
        (features, frames)
    }
}

impl Features {
    /// A record with every field present (zeros), used to derive stable table columns.
    pub fn template() -> Self {
        let stat = Stat {
            mean: 0.5,
            std: 0.5,
        };
        let vs = |n: usize| VecStat {
            mean: vec![0.5; n],
            std: vec![0.5; n],
        };
        Features {
            spectral: SpectralSummary {
                centroid: stat,
                bandwidth: stat,
                rolloff: stat,
                flatness: stat,
                zcr: stat,
                rms: stat,
                contrast: vs(N_CONTRAST),
            },
            mfcc: vs(N_MFCC),
            loudness: Loudness {
                integrated_lufs: Some(0.5),
                range_lu: Some(0.5),
                true_peak_dbtp: Some(0.5),
            },
            tempo: Tempo::template(),
            beats: vec![],
            onset_rate: 0.5,
            tuning: Tuning {
                cents: 0.5,
                reference_hz: 0.5,
            },
            chroma: vs(12),
            key: KeyRecord::template(),
        }
    }
}

fn finite_or_zero(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

impl FrameSink for FeatureExtractor {
    fn begin(&mut self, sr: u32, n_fft: usize, hop: usize) {
        if sr != self.sr || n_fft != self.n_fft || hop != self.hop {
            *self = FeatureExtractor::new(sr, n_fft, hop, self.options);
        } else {
            self.reset();
        }
    }

    fn source_audio(&mut self, samples: &[f32], channels: usize, sr: u32) {
        self.loudness.add(samples, channels, sr);
    }

    fn analysis_audio(&mut self, samples: &[f32]) {
        self.zcr.audio(samples);
        if !self.options.skip_tonal {
            self.tonal.audio(samples);
        }
    }

    fn frame(&mut self, frame: &Frame<'_>) {
        let s = frame.magnitude;
        for (p, &m) in self.power.iter_mut().zip(s) {
            *p = m * m;
        }
        let (centroid, bandwidth) = spectral::centroid_bandwidth(s, &self.freqs);
        let rolloff = spectral::rolloff_with(s, &self.freqs, 0.85, &mut self.cumsum);
        let flatness = spectral::flatness(s);
        let rms = spectral::rms(s, self.n_fft);
        let zcr = self.zcr.frame(frame.index, frame.samples, self.hop);
        self.centroid.push(centroid);
        self.bandwidth.push(bandwidth);
        self.rolloff.push(rolloff);
        self.flatness.push(flatness);
        self.rms.push(rms);
        self.zcr_stats.push(zcr);

        self.melfb.apply(&self.power, &mut self.mel);
        let start = self.mel_db.len();
        self.mel_db.extend(self.mel.iter().map(|&m| power_db(m)));
        self.max_mel = self.mel_db[start..]
            .iter()
            .fold(self.max_mel, |a, &b| a.max(b));
        self.contrast
            .peaks_valleys(s, &mut self.peak, &mut self.valley);
        for b in 0..N_CONTRAST {
            let (p, v) = (power_db(self.peak[b]), power_db(self.valley[b]));
            self.max_peak = self.max_peak.max(p);
            self.max_valley = self.max_valley.max(v);
            self.peak_db.push(p);
            self.valley_db.push(v);
        }
        if !self.options.skip_tonal {
            self.tonal.frame_with_magnitude(&self.power, s);
        }
        if self.options.keep_frames {
            let k = &mut self.kept;
            k.centroid.push(centroid);
            k.bandwidth.push(bandwidth);
            k.rolloff.push(rolloff);
            k.flatness.push(flatness);
            k.rms.push(rms);
            k.zcr.push(zcr);
            k.mel.extend_from_slice(&self.mel);
        }
        self.frames += 1;
        if self.mel_db.len() >= BLOCK_FRAMES * N_MELS {
            self.flush_block();
        }
    }
}
