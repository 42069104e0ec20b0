//! Tempo, beats and onset rate from the onset-strength envelope.
//!
//! Input: the per-frame onset envelope (librosa `onset.onset_strength` definition, one value
//! per STFT frame, `fps = sr / hop` frames per second — 43.07 at the defaults). Nothing else
//! of the audio is needed, so a 2-hour mix costs the memory of its envelope (≈ 1.2 MB) plus
//! a few envelope-length scratch buffers.
//!
//! | stage | module | method |
//! |---|---|---|
//! | tempo + confidence | [`tempo`] | autocorrelation, harmonic comb (Scheirer 1998, Percival & Tzanetakis 2014), metrical-level decision from the fold of the envelope (Klapuri 2006) |
//! | beats | [`beats`] | dynamic programming (Ellis 2007) at the estimated period |
//! | onset rate | [`onsets`] | peak picking (Böck et al. 2012) |
//!
//! **Audio without a pulse** (silence, a drone, noise, less than 2 s): `bpm = None`,
//! `confidence = 0`, no beats; never NaN, never a panic.
//!
//! The tempo search range defaults to 60–200 BPM ([`RhythmConfig`]): the beat is chosen inside
//! it, so a 240 BPM piece is reported at 120 (a metrical-level choice, which ACC2 forgives).
//!
//! Cost: `O(n·L)` for the autocorrelation (`L` = 345 lags = 8 s) plus `O(n·τ)` for the
//! beat DP; about 1 ms per minute of audio.

pub mod beats;
pub mod onsets;
pub mod tempo;

/// Tempo, beats and onset rate of a track.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RhythmResult {
    /// Global tempo in BPM; `None` when the audio has no pulse.
    pub bpm: Option<f32>,
    /// Confidence in `[0, 1]` (0 when `bpm` is `None`).
    pub confidence: f32,
    /// Beat times in seconds.
    pub beats: Vec<f32>,
    /// Onsets per second.
    pub onset_rate: f32,
}

/// Parameters of the rhythm stage.
#[derive(Debug, Clone, PartialEq)]
pub struct RhythmConfig {
    /// Slowest tempo reported, BPM.
    pub min_bpm: f32,
    /// Fastest tempo reported, BPM.
    pub max_bpm: f32,
    /// Ellis DP tightness α.
    pub tightness: f32,
    /// Envelope latency subtracted from beat times, seconds.
    pub latency_s: f32,
    /// RMS of the detrended envelope below which there is no pulse (envelope units: dB for
    /// librosa's onset strength). See [`tempo::MIN_PULSE_RMS`].
    pub min_pulse_rms: f32,
}

impl Default for RhythmConfig {
    fn default() -> Self {
        RhythmConfig {
            min_bpm: 60.0,
            max_bpm: 200.0,
            tightness: beats::DEFAULT_TIGHTNESS,
            latency_s: beats::ENVELOPE_LATENCY_S,
            min_pulse_rms: tempo::MIN_PULSE_RMS,
        }
    }
}

/// Reusable rhythm analyser: owns the scratch buffers, so analysing many tracks on one
/// thread allocates only when a longer envelope arrives.
#[derive(Debug, Default, Clone)]
pub struct Rhythm {
    config: RhythmConfig,
    detrended: Vec<f32>,
    rho: Vec<f32>,
    beat_scratch: beats::BeatScratch,
    beat_frames: Vec<usize>,
    /// Diagnostics of the last tempo estimate.
    pub last_tempo: Option<tempo::TempoEstimate>,
}

impl Rhythm {
    /// A rhythm analyser with `config`.
    pub fn new(config: RhythmConfig) -> Self {
        Rhythm {
            config,
            ..Default::default()
        }
    }

    /// Analyses an onset envelope sampled every `hop` samples at `sr` Hz.
    pub fn analyze(&mut self, onset_env: &[f32], sr: u32, hop: usize) -> RhythmResult {
        self.last_tempo = None;
        if sr == 0 || hop == 0 {
            return RhythmResult::default();
        }
        let fps = sr as f32 / hop as f32;
        let onset_rate = onsets::onset_rate(onset_env, fps);
        let onset_rate = if onset_rate.is_finite() {
            onset_rate
        } else {
            0.0
        };
        let Some(t) = tempo::estimate(
            onset_env,
            fps,
            self.config.min_bpm,
            self.config.max_bpm,
            self.config.min_pulse_rms,
            &mut self.detrended,
            &mut self.rho,
        ) else {
            return RhythmResult {
                bpm: None,
                confidence: 0.0,
                beats: Vec::new(),
                onset_rate,
            };
        };
        self.last_tempo = Some(t);
        beats::track(
            onset_env,
            t.period,
            self.config.tightness,
            &mut self.beat_scratch,
            &mut self.beat_frames,
        );
        let hop_s = hop as f32 / sr as f32;
        let beats = self
            .beat_frames
            .iter()
            .map(|&f| (f as f32 * hop_s - self.config.latency_s).max(0.0))
            .collect();
        RhythmResult {
            bpm: Some(t.bpm),
            confidence: t.confidence,
            beats,
            onset_rate,
        }
    }
}

/// Analyses an onset-strength envelope (librosa `onset_strength` definition, one value per
/// STFT frame) sampled every `hop` samples at `sr` Hz, with the default [`RhythmConfig`].
pub fn analyze(onset_env: &[f32], sr: u32, hop: usize) -> RhythmResult {
    Rhythm::new(RhythmConfig::default()).analyze(onset_env, sr, hop)
}
