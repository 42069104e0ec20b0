//! Tempo, beats and onset rate from the onset-strength envelope.
//!
//! Input: the per-frame onset envelope (librosa `onset.onset_strength` definition, one value
//! per STFT frame, `fps = sr / hop` frames per second — 43.07 at the defaults) and, from the
//! pipeline, the per-frame chroma rows the tonal stage keeps anyway. Nothing else of the audio
//! is needed, so a 2-hour mix costs the memory of its envelope (≈ 1.2 MB) plus
//! a few envelope-length scratch buffers.
//!
//! | stage | module | method |
//! |---|---|---|
//! | tempo + confidence + candidates | [`tempo`] | autocorrelation, harmonic comb (Scheirer 1998, Percival & Tzanetakis 2014), choice among its peaks by metrical-level salience (Klapuri 2006) and a log-normal tempo prior |
//! | octave check from harmony | [`harmony`] | a level whose chords change every 8 pulses is a subdivision (Goto & Muraoka 1999); needs the chroma rows |
//! | beats | [`beats`] | dynamic programming (Ellis 2007) at the estimated period |
//! | onset rate | [`onsets`] | peak picking (Böck et al. 2012) |
//!
//! **Audio without a pulse** (silence, a drone, noise, less than 2 s): `bpm = None`,
//! `confidence = 0`, no beats; never NaN, never a panic.
//!
//! The tempo search range defaults to 40–250 BPM ([`RhythmConfig`], `--tempo-range` on the
//! command line): the tempo and its candidates are chosen inside it.
//!
//! Cost: `O(n·L)` for the autocorrelation (`L` = 345 lags = 8 s) plus `O(n·τ)` for the
//! beat DP; about 1 ms per minute of audio.

pub mod beats;
pub mod harmony;
pub mod onsets;
pub mod tempo;

use serde::Serialize;

/// Tempo, beats and onset rate of a track.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RhythmResult {
    /// Global tempo in BPM; `None` when the audio has no pulse.
    pub bpm: Option<f32>,
    /// Confidence in `[0, 1]` (0 when `bpm` is `None`).
    pub confidence: f32,
    /// The best tempo hypotheses `(bpm, strength)`, strongest first (the chosen tempo first;
    /// strengths are the normalised scores of [`tempo::estimate`] and sum to at most 1); empty
    /// without a pulse.
    pub candidates: Vec<(f32, f32)>,
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
    /// Centre of the log-normal tempo prior, BPM ([`tempo::PRIOR_BPM`]).
    pub prior_bpm: f32,
    /// Width of the tempo prior, octaves ([`tempo::PRIOR_OCTAVES`]).
    pub prior_octaves: f32,
    /// Exponent of the metrical-level salience ([`tempo::LEVEL_EXPONENT`]).
    pub level_exponent: f32,
    /// Fold ratio up to which a level is not penalised ([`tempo::LEVEL_THRESHOLD`]).
    pub level_threshold: f32,
    /// Pulse-fill floor ([`tempo::FILL_FLOOR`]; 0 disables the fill term).
    pub fill_floor: f32,
    /// Score factor of a level whose harmony changes every 8 pulses
    /// ([`harmony::SPAN_DEMOTION`]; 1 disables the harmonic test).
    pub span_demotion: f32,
    /// Span ratio above which a level counts as a subdivision ([`harmony::SPAN_RATIO`]).
    pub span_ratio: f32,
    /// The same for the low-register chroma ([`harmony::LOW_SPAN_RATIO`]; infinite disables
    /// that half of the test).
    pub low_span_ratio: f32,
    /// Pulses on each side of a boundary in the harmonic change ([`harmony::SPAN_WINDOW`]).
    pub span_window: usize,
    /// Level-salience blend ([`tempo::TempoParams::level_blend`], default `true`).
    pub level_blend: bool,
    /// Factor on the score of a weak comb peak off the strong peaks' metrical grid
    /// ([`tempo::GRID_DEMOTION`]; 1 disables the test).
    pub grid_demotion: f32,
}

// The noise-like decision serves the rhythm and the tonal stage; it lives in
// `features::noise` and is re-exported here, where it was first defined.
pub use super::noise::{NOISE_FLATNESS, NoiseFlatness, SOUNDING_RMS, is_noise_like};

/// Default slowest tempo, BPM.
pub const DEFAULT_MIN_BPM: f32 = 40.0;
/// Default fastest tempo, BPM.
pub const DEFAULT_MAX_BPM: f32 = 250.0;

impl Default for RhythmConfig {
    fn default() -> Self {
        RhythmConfig {
            min_bpm: DEFAULT_MIN_BPM,
            max_bpm: DEFAULT_MAX_BPM,
            tightness: beats::DEFAULT_TIGHTNESS,
            latency_s: beats::ENVELOPE_LATENCY_S,
            min_pulse_rms: tempo::MIN_PULSE_RMS,
            prior_bpm: tempo::PRIOR_BPM,
            prior_octaves: tempo::PRIOR_OCTAVES,
            level_exponent: tempo::LEVEL_EXPONENT,
            level_threshold: tempo::LEVEL_THRESHOLD,
            fill_floor: tempo::FILL_FLOOR,
            span_demotion: harmony::SPAN_DEMOTION,
            span_ratio: harmony::SPAN_RATIO,
            low_span_ratio: harmony::LOW_SPAN_RATIO,
            span_window: harmony::SPAN_WINDOW,
            level_blend: true,
            grid_demotion: tempo::GRID_DEMOTION,
        }
    }
}

impl RhythmConfig {
    /// The default configuration with the tempo search range `(min_bpm, max_bpm)` (`None`:
    /// [`DEFAULT_MIN_BPM`]–[`DEFAULT_MAX_BPM`]).
    pub fn with_tempo_range(tempo_range: Option<(f32, f32)>) -> Self {
        let mut config = RhythmConfig::default();
        if let Some((lo, hi)) = tempo_range {
            config.min_bpm = lo;
            config.max_bpm = hi;
        }
        config
    }

    /// This configuration with the tempo prior `(centre BPM, width in octaves)` (`None`: keep
    /// [`tempo::PRIOR_BPM`], [`tempo::PRIOR_OCTAVES`]).
    pub fn with_tempo_prior(mut self, tempo_prior: Option<(f32, f32)>) -> Self {
        if let Some((bpm, octaves)) = tempo_prior {
            self.prior_bpm = bpm;
            self.prior_octaves = octaves;
        }
        self
    }
}

/// Reusable rhythm analyser: owns the scratch buffers, so analysing many tracks on one
/// thread allocates only when a longer envelope arrives.
#[derive(Debug, Default, Clone)]
pub struct Rhythm {
    config: RhythmConfig,
    scratch: tempo::TempoScratch,
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

    /// [`Rhythm::analyze`] with what the rest of the extraction knows of the track:
    /// - `chroma`, one `chroma_stft` row per envelope frame (or empty), for the harmonic-span
    ///   test of the tempo's octave ([`harmony`]: a level whose harmony changes only every 8
    ///   pulses is a subdivision of the beat);
    /// - whether the audio is noise-like (mean spectral flatness above [`NOISE_FLATNESS`]).
    ///   Audio that is not noise-like gets a tempo even when its envelope's periodicity is too
    ///   weak to stand out from noise (a rubato orchestral piece, a short sting): the
    ///   strongest candidate, with its low confidence. Noise-like audio without a significant
    ///   periodicity gets none, as in [`Rhythm::analyze`].
    ///
    /// Never inlined (called once per track), so that an instruction profile can attribute
    /// the rhythm stage's cost to it (tools/tempo_key_cost.sh).
    #[inline(never)]
    pub fn analyze_hinted(
        &mut self,
        onset_env: &[f32],
        chroma: harmony::ChromaRows<'_>,
        sr: u32,
        hop: usize,
        noise_like: bool,
    ) -> RhythmResult {
        self.analyze_with(onset_env, chroma, sr, hop, noise_like)
    }

    /// Analyses an onset envelope sampled every `hop` samples at `sr` Hz. Knowing only the
    /// envelope (no harmonic-span test), it reports no tempo unless the envelope's periodicity
    /// exceeds what noise reaches (see [`tempo::estimate`]).
    pub fn analyze(&mut self, onset_env: &[f32], sr: u32, hop: usize) -> RhythmResult {
        self.analyze_with(onset_env, harmony::ChromaRows::default(), sr, hop, true)
    }

    /// The analysis; `require_pulse` as in [`tempo::TempoParams::require_pulse`].
    fn analyze_with(
        &mut self,
        onset_env: &[f32],
        chroma: harmony::ChromaRows<'_>,
        sr: u32,
        hop: usize,
        require_pulse: bool,
    ) -> RhythmResult {
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
        let params = tempo::TempoParams {
            min_bpm: self.config.min_bpm,
            max_bpm: self.config.max_bpm,
            min_rms: self.config.min_pulse_rms,
            prior_bpm: self.config.prior_bpm,
            prior_octaves: self.config.prior_octaves,
            level_exponent: self.config.level_exponent,
            level_threshold: self.config.level_threshold,
            require_pulse,
            fill_floor: self.config.fill_floor,
            span_demotion: self.config.span_demotion,
            span_ratio: self.config.span_ratio,
            low_span_ratio: self.config.low_span_ratio,
            span_window: self.config.span_window,
            level_blend: self.config.level_blend,
            grid_demotion: self.config.grid_demotion,
        };
        let Some(t) = tempo::estimate(onset_env, chroma, fps, &params, &mut self.scratch) else {
            return RhythmResult {
                bpm: None,
                confidence: 0.0,
                candidates: Vec::new(),
                beats: Vec::new(),
                onset_rate,
            };
        };
        let candidates = t.candidates[..t.n_candidates].to_vec();
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
            candidates,
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

/// [`analyze`] with the tempo search range `(min_bpm, max_bpm)` instead of the default
/// (`None`: [`DEFAULT_MIN_BPM`]–[`DEFAULT_MAX_BPM`]).
pub fn analyze_in(
    onset_env: &[f32],
    sr: u32,
    hop: usize,
    tempo_range: Option<(f32, f32)>,
) -> RhythmResult {
    Rhythm::new(RhythmConfig::with_tempo_range(tempo_range)).analyze(onset_env, sr, hop)
}

/// The tempo as written into a track record:
/// `{"bpm": 98.0, "confidence": 0.7, "candidates": [[98.0, 0.7], [196.0, 0.2]]}`; `bpm` is
/// `null` (confidence 0, no candidates) when the audio has no pulse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TempoRecord {
    /// Beats per minute; `null` when the audio has no pulse.
    pub bpm: Option<f64>,
    /// Confidence in `[0, 1]`.
    pub confidence: f64,
    /// `[bpm, strength]` of the best tempo hypotheses, strongest first (the metrical levels
    /// the tempo stage weighed; strengths sum to at most 1).
    pub candidates: Vec<(f64, f64)>,
}

impl TempoRecord {
    /// The record of `r` (non-finite values dropped or set to 0).
    pub fn from_result(r: &RhythmResult) -> Self {
        let fin = |x: f32| if x.is_finite() { x as f64 } else { 0.0 };
        TempoRecord {
            bpm: r.bpm.map(|b| b as f64).filter(|b| b.is_finite() && *b > 0.0),
            confidence: fin(r.confidence).clamp(0.0, 1.0),
            candidates: r
                .candidates
                .iter()
                .filter(|c| c.0.is_finite() && c.0 > 0.0)
                .map(|&(b, s)| (b as f64, fin(s)))
                .collect(),
        }
    }

    /// A record with every field present, for deriving table columns (all 4 candidates:
    /// `tempo.candidates.0.0` (BPM), `tempo.candidates.0.1` (strength), …).
    pub fn template() -> Self {
        TempoRecord {
            bpm: Some(0.5),
            confidence: 0.5,
            candidates: vec![(0.5, 0.5); tempo::N_CANDIDATES],
        }
    }
}
