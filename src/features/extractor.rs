//! The feature stage: one [`FeatureExtractor`] consumes the front end's signal (it is the
//! [`FrameSink`]), hands each frame to the per-frame stages ([`crate::features::stages`]) and
//! the audio to the loudness and tonal stages, and at the end of the track runs the
//! whole-track estimators (tempo, key) and assembles [`Features`].
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

use crate::dsp::Frame;
use crate::features::loudness::{Loudness, LoudnessMeter};
use crate::features::rhythm::{Rhythm, RhythmConfig, RhythmResult};
use crate::features::stages::contrast::ContrastStage;
use crate::features::stages::mfcc::MfccStage;
use crate::features::stages::onset::OnsetStage;
use crate::features::stages::spectral::SpectralStage;
use crate::features::timbre::N_MFCC;
use crate::features::tonal::{TonalAnalyzer, TonalResult};
use crate::frontend::FrameSink;
use crate::summary::{Stat, VecStat};

pub use crate::features::stages::contrast::N_CONTRAST;
pub use crate::features::stages::db_rows::BLOCK_FRAMES;

/// What the feature stage keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FeatureOptions {
    /// Keep every per-frame matrix (for `--frames`).
    pub keep_frames: bool,
    /// Benchmarking only: do not run the tonal stage (tuning, chroma and key keep the values
    /// of silent input). Used to measure that stage's share of a full extraction.
    #[doc(hidden)]
    pub skip_tonal: bool,
    /// Tempo search range `(min, max)` in BPM; `None`: the default range, 40–250 BPM.
    pub tempo_range: Option<(f32, f32)>,
    /// Tempo prior `(centre BPM, width in octaves)` that decides between metrical levels
    /// the audio does not tell apart (as librosa's `start_bpm` and `std_bpm`); `None`: the
    /// default, 130 BPM and 0.6 octave ([`crate::DEFAULT_TEMPO_PRIOR_BPM`],
    /// [`crate::DEFAULT_TEMPO_PRIOR_OCTAVES`]).
    pub tempo_prior: Option<(f32, f32)>,
}

impl FeatureOptions {
    /// Checks the tempo settings: a range `0 < min < max ≤ 1000` BPM, a prior centre
    /// `0 < bpm ≤ 1000` and width `0 < octaves ≤ 4`. The message names the bad setting.
    pub fn check(&self) -> std::result::Result<(), String> {
        let ok = |x: f32, hi: f32| x.is_finite() && x > 0.0 && x <= hi;
        if let Some((lo, hi)) = self.tempo_range
            && !(ok(lo, 1000.0) && ok(hi, 1000.0) && lo < hi)
        {
            return Err(format!(
                "tempo range {lo}-{hi}: expected 0 < MIN < MAX <= 1000 BPM"
            ));
        }
        if let Some((bpm, octaves)) = self.tempo_prior
            && !(ok(bpm, 1000.0) && ok(octaves, 4.0))
        {
            return Err(format!(
                "tempo prior {bpm} BPM, {octaves} octaves: expected 0 < BPM <= 1000 and \
                 0 < OCTAVES <= 4"
            ));
        }
        Ok(())
    }
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
    /// `n_frames × 12`: the chroma of the low register only
    /// (`features::tonal::TonalResult::low_chroma`), the tempo's second harmonic input; kept
    /// for studies, not written to the NPZ.
    pub low_chroma: Vec<f32>,
    /// Frame centre times in seconds (`t·hop/sr`).
    pub times: Vec<f32>,
}

impl FrameMatrices {
    /// The chroma as one `[f32; 12]` row per frame (C first), the shape
    /// `features::rhythm::Rhythm::analyze_hinted` takes.
    pub fn chroma_rows(&self) -> Vec<[f32; 12]> {
        rows_of(&self.chroma)
    }

    /// [`Self::low_chroma`] as one `[f32; 12]` row per frame.
    pub fn low_chroma_rows(&self) -> Vec<[f32; 12]> {
        rows_of(&self.low_chroma)
    }
}

fn rows_of(m: &[f32]) -> Vec<[f32; 12]> {
    m.chunks_exact(12)
        .map(|c| std::array::from_fn(|i| c[i]))
        .collect()
}

/// Planned state of the feature stage, reused across tracks.
pub struct FeatureExtractor {
    options: FeatureOptions,
    sr: u32,
    n_fft: usize,
    hop: usize,
    /// Power spectrum of the current frame.
    power: Vec<f32>,
    frames: usize,
    spectral: SpectralStage,
    contrast: ContrastStage,
    mfcc: MfccStage,
    onset: OnsetStage,
    loudness: LoudnessMeter,
    rhythm: Rhythm,
    tonal: TonalAnalyzer,
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
    /// Plans every stage for sample rate `sr`, `n_fft` and `hop`.
    pub fn new(sr: u32, n_fft: usize, hop: usize, options: FeatureOptions) -> Self {
        let keep = options.keep_frames;
        FeatureExtractor {
            options,
            sr,
            n_fft,
            hop,
            power: vec![0.0; n_fft / 2 + 1],
            frames: 0,
            spectral: SpectralStage::new(sr, n_fft, hop, keep),
            contrast: ContrastStage::new(sr, n_fft, keep),
            mfcc: MfccStage::new(sr, n_fft, keep),
            onset: OnsetStage::default(),
            loudness: LoudnessMeter::default(),
            rhythm: Rhythm::new(
                RhythmConfig::with_tempo_range(options.tempo_range)
                    .with_tempo_prior(options.tempo_prior),
            ),
            tonal: TonalAnalyzer::new(sr, n_fft, hop),
        }
    }

    /// Forgets the track (keeps every plan). Runs no estimator: this is what a failed
    /// track gets.
    pub(crate) fn reset(&mut self) {
        self.frames = 0;
        self.spectral.reset();
        self.contrast.reset();
        self.mfcc.reset();
        self.onset.reset();
        self.loudness = LoudnessMeter::default();
        self.tonal.reset();
    }

    /// Ends the track: finalises rows, runs the whole-track algorithms (tempo, key) and
    /// returns the summaries and, when kept, the per-frame matrices.
    pub fn finish(&mut self) -> (Features, Option<FrameMatrices>) {
        let n = self.frames;
        let (contrast, contrast_rows) = self.contrast.finish();
        let (spectral, shape_rows, noise) = self.spectral.finish(contrast);
        let (mfcc, mel_rows, mfcc_rows) = self.mfcc.finish(&mut self.onset);
        let onset_env = self.onset.finish(n);
        let noise_like = noise.is_noise_like();
        let tonal: TonalResult = self.tonal.finish_hinted(noise_like);
        let rhythm: RhythmResult = self.rhythm.analyze_hinted(
            &onset_env,
            crate::features::rhythm::harmony::ChromaRows {
                full: &tonal.chroma,
                low: &tonal.low_chroma,
            },
            self.sr,
            self.hop,
            noise_like,
        );
        let loudness = std::mem::take(&mut self.loudness).finish();
        let finite = |v: &[f32]| v.iter().map(|&x| finite_or_zero(x as f64)).collect();
        let features = Features {
            spectral,
            mfcc,
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
                mean: finite(&tonal.chroma_mean),
                std: finite(&tonal.chroma_std),
            },
            key: KeyRecord::from_key(&tonal.key),
        };
        let frames = self.options.keep_frames.then(|| {
            let [centroid, bandwidth, rolloff, flatness, zcr, rms] = shape_rows;
            FrameMatrices {
                n_frames: n,
                centroid,
                bandwidth,
                rolloff,
                flatness,
                zcr,
                rms,
                contrast: contrast_rows,
                mel: mel_rows,
                mfcc: mfcc_rows,
                onset_strength: onset_env,
                chroma: tonal.chroma.as_flattened().to_vec(),
                low_chroma: tonal.low_chroma.as_flattened().to_vec(),
                times: (0..n)
                    .map(|t| (t * self.hop) as f32 / self.sr as f32)
                    .collect(),
            }
        });
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
        self.spectral.audio(samples);
        if !self.options.skip_tonal {
            self.tonal.audio(samples);
        }
    }

    fn frame(&mut self, frame: &Frame<'_>) {
        let s = frame.magnitude;
        for (p, &m) in self.power.iter_mut().zip(s) {
            *p = m * m;
        }
        self.spectral.process(frame);
        self.mfcc.process(&self.power, &mut self.onset);
        self.contrast.process(frame);
        if !self.options.skip_tonal {
            self.tonal.frame_with_magnitude(&self.power, s);
        }
        self.frames += 1;
    }
}
