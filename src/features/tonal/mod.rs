//! Tuning, chroma and key.
//!
//! [`TonalAnalyzer`] is fed every STFT power frame ([`TonalAnalyzer::frame`]) and the mono
//! analysis-rate signal ([`TonalAnalyzer::audio`]) as the pipeline runs, and returns a
//! [`TonalResult`] at the end of the track:
//!
//! - **tuning** ([`tuning`]): `librosa.estimate_tuning(y)` (piptrack on the magnitude
//!   spectrogram, `n_fft` 2048, resolution 0.01 semitone): `tuning_cents = 100 × bins`,
//!   `reference_hz = 440·2^(bins/12)`. `chroma_stft` itself estimates its tuning on the
//!   *power* spectrogram, which piptrack's parabolic interpolation biases towards the bin
//!   centres (a synthetic A = 432 Hz song reads −26 cents, against −30 from the magnitude and
//!   −31.8 in truth); that value is kept separately
//!   as `chroma_tuning_cents` and used only for the chroma.
//! - **chroma** ([`chroma`]): `librosa.feature.chroma_stft` (librosa 0.11 defaults, tuning
//!   estimated), one 12-vector per STFT frame, plus its mean and (population) standard
//!   deviation over frames.
//! - **key** ([`key`]): Krumhansl–Schmuckler correlation of a harmonic pitch-class profile
//!   ([`hpcp`], Gómez 2006, from its own 4096-point STFT of the signal) with
//!   published major/minor profiles (Aarden's by default), plus the share of time each tonic's
//!   dominant seventh chord sounds ([`dominant`]); no key (`None`) for
//!   silence, noise and drums; the runners-up with their scores; tonics spelled with the
//!   fewest accidentals (`Eb major`, `C# minor`).
//!
//! # Memory and the tuning buffer
//! chroma_stft needs the track's tuning before it can compute the first frame, and the tuning
//! depends on every frame. The analyzer therefore keeps the power frames of the first
//! [`TonalConfig::tuning_buffer_s`] seconds (default 120 s: 5169 frames × 1025 bins × 4 B ≈
//! 21 MB at 22 050 Hz), while the piptrack candidates of each frame (a few `(pitch, mag)`
//! pairs, for both the power and the magnitude spectrum) are collected as it arrives. When the
//! buffer is full both tunings are fixed from the candidates seen so far, the buffered frames
//! are turned into chroma and freed, and every later frame is turned into chroma as it arrives,
//! with that tuning; no more candidates are kept.
//!
//! - Tracks no longer than the buffer: tuning and chroma are **exactly** librosa's (up to f32
//!   rounding of the STFT; a ±0.01-bin move of the histogram argmax is possible in principle,
//!   none occurs on the fixtures).
//! - Longer tracks: both tunings are librosa's estimates over the first 120 s only, and every
//!   frame's chroma uses it. For a recording with one tuning (nearly all music) this changes
//!   nothing; it differs from librosa only when the tuning histogram of the whole track has a
//!   different mode from that of its first two minutes. Set `tuning_buffer_s` to the track
//!   length (or larger) for exact parity at the cost of the memory.
//!
//! The key profiles are accumulated at 10-cent resolution and folded to 12 classes at the end
//! with the tuning, so they keep no audio either. Per-frame memory is two 12-float rows: the chroma and the
//! low-register chroma the tempo reads ([`TonalResult::low_chroma`]).
//!
//! # Allocation
//! [`TonalAnalyzer::new`] plans the HPCP FFT and its buffers. Per frame, nothing is allocated
//! except amortised growth of the per-frame chroma rows, of the candidate lists (until the
//! tuning is fixed) and of the tuning buffer (reserved for up to 4096 frames at once). The chroma
//! filterbank is built once per track when the tuning is fixed. [`TonalAnalyzer::reset`] reuses
//! everything for the next track.

pub mod chroma;
pub mod dominant;
pub mod hpcp;
pub mod key;
pub mod tuning;

use chroma::ChromaFilterbank;
use hpcp::{Hpcp, HpcpConfig};
use tuning::PitchCandidates;

pub use key::{Key, KeyCandidate, KeyProfile, KeyRecord, PITCH_CLASSES};

/// Highest frequency of [`TonalResult::low_chroma`], Hz: the chroma filterbank applied to the
/// power bins up to here. Chosen on the TUNING sets (docs/accuracy.md): at 300 Hz a walking
/// bass dominates the rows of real grooves; 600 and 1000 Hz behaved alike.
pub const LOW_CHROMA_MAX_HZ: f32 = 600.0;

/// Tonal description of a track.
#[derive(Debug, Clone, PartialEq)]
pub struct TonalResult {
    /// Deviation from A440 in cents: `100 · librosa.estimate_tuning(y)` (piptrack on the
    /// magnitude spectrogram).
    pub tuning_cents: f32,
    /// The tuning `chroma_stft` uses, in cents: `100 · estimate_tuning(S=|X|²)` (piptrack on
    /// the power spectrogram; biased towards the bin centres, see [`tuning`]).
    pub chroma_tuning_cents: f32,
    /// Reference frequency of A4 in Hz, `440 · 2^(tuning_cents/1200)`.
    pub reference_hz: f32,
    /// `chroma_stft` per frame (C first), one row of 12 per frame.
    pub chroma: Vec<[f32; 12]>,
    /// The same chroma of the bins up to [`LOW_CHROMA_MAX_HZ`] only (the register of the bass
    /// and the accompaniment, below most melodies), one row per frame: the second input of
    /// the tempo's harmonic-span test (`features::rhythm::harmony`).
    pub low_chroma: Vec<[f32; 12]>,
    pub chroma_mean: [f32; 12],
    pub chroma_std: [f32; 12],
    /// Track-level harmonic pitch-class profile (C first, max = 1; zeros for silence).
    pub hpcp: [f32; 12],
    pub key: Key,
}

/// Parameters of the tonal stage.
#[derive(Debug, Clone, PartialEq)]
pub struct TonalConfig {
    /// Seconds of power frames buffered before the tuning is fixed (see the module docs).
    pub tuning_buffer_s: f64,
    /// The key-finding HPCP.
    pub hpcp: HpcpConfig,
    /// Key profiles.
    pub key_profile: KeyProfile,
    /// Weight `w` of the opening profile in the key score (0 disables it; see [`key`]).
    pub opening_weight: f64,
    /// Weight of the bass profile in the key score ([`key::BASS_WEIGHT`]; 0 disables it).
    pub bass_weight: f64,
    /// Score margin below which the bass cue is consulted ([`key::BASS_MARGIN`]).
    pub bass_margin: f64,
    /// Weight `W` of the dominant-seventh evidence in the key score
    /// ([`key::DOMINANT_WEIGHT`]; 0 disables it; see [`dominant`]).
    pub dominant_weight: f64,
    /// Weight of the harmonic-minor evidence on the minor keys ([`key::MINOR_DOMINANT_WEIGHT`];
    /// 0 disables it; see [`dominant`]).
    pub minor_weight: f64,
}

impl Default for TonalConfig {
    fn default() -> Self {
        TonalConfig {
            tuning_buffer_s: 120.0,
            hpcp: HpcpConfig::default(),
            key_profile: KeyProfile::default(),
            opening_weight: 0.0,
            bass_weight: key::BASS_WEIGHT,
            bass_margin: key::BASS_MARGIN,
            dominant_weight: key::DOMINANT_WEIGHT,
            minor_weight: key::MINOR_DOMINANT_WEIGHT,
        }
    }
}

/// Streaming tonal analysis: fed every STFT power frame and the mono analysis-rate signal.
#[derive(Debug)]
pub struct TonalAnalyzer {
    sr: u32,
    n_fft: usize,
    n_bins: usize,
    buffer_frames: usize,
    /// Power frames waiting for the tuning (row-major, `n_bins` each).
    pending: Vec<f32>,
    pending_frames: usize,
    /// piptrack candidates on the power spectrum (chroma_stft's tuning).
    cands: PitchCandidates,
    /// piptrack candidates on the magnitude spectrum (`estimate_tuning(y)`, the reported tuning).
    cands_mag: PitchCandidates,
    magnitude: Vec<f32>,
    /// chroma_stft's tuning in bins, once fixed.
    tuning: Option<f64>,
    /// estimate_tuning(y) in bins, once fixed.
    tuning_mag: Option<f64>,
    fb: Option<ChromaFilterbank>,
    chroma: Vec<[f32; 12]>,
    /// Power bins of the low chroma (`f ≤ LOW_CHROMA_MAX_HZ`).
    low_bins: usize,
    low_chroma: Vec<[f32; 12]>,
    hpcp: Hpcp,
    key_profile: KeyProfile,
    opening_weight: f64,
    bass_weight: f64,
    bass_margin: f64,
    dominant_weight: f64,
    minor_weight: f64,
}

impl TonalAnalyzer {
    /// Plans the analysis for sample rate `sr`, STFT size `n_fft`, hop `hop`.
    pub fn new(sr: u32, n_fft: usize, hop: usize) -> Self {
        Self::with_config(sr, n_fft, hop, TonalConfig::default())
    }

    /// Plans the analysis with explicit parameters.
    pub fn with_config(sr: u32, n_fft: usize, hop: usize, config: TonalConfig) -> Self {
        let buffer_frames = ((config.tuning_buffer_s.max(0.0) * sr as f64 / hop.max(1) as f64)
            .ceil() as usize)
            .max(1);
        TonalAnalyzer {
            sr,
            n_fft,
            n_bins: n_fft / 2 + 1,
            buffer_frames,
            pending: Vec::new(),
            pending_frames: 0,
            cands: PitchCandidates::new(sr, n_fft),
            cands_mag: PitchCandidates::new(sr, n_fft),
            magnitude: vec![0.0; n_fft / 2 + 1],
            tuning: None,
            tuning_mag: None,
            fb: None,
            chroma: Vec::new(),
            low_bins: ((LOW_CHROMA_MAX_HZ as f64 * n_fft as f64 / sr.max(1) as f64).floor()
                as usize
                + 1)
            .min(n_fft / 2 + 1),
            low_chroma: Vec::new(),
            hpcp: Hpcp::new(sr, config.hpcp),
            key_profile: config.key_profile,
            opening_weight: config.opening_weight,
            bass_weight: config.bass_weight,
            bass_margin: config.bass_margin,
            dominant_weight: config.dominant_weight,
            minor_weight: config.minor_weight,
        }
    }

    /// Prepares for the next track, keeping plans and buffers.
    pub fn reset(&mut self) {
        self.pending.clear();
        self.pending_frames = 0;
        self.cands.reset();
        self.cands_mag.reset();
        self.tuning = None;
        self.tuning_mag = None;
        self.fb = None;
        self.chroma.clear();
        self.low_chroma.clear();
        self.hpcp.reset();
    }

    /// One STFT frame's power spectrum `|X|²` (`n_fft/2 + 1` bins), in order.
    pub fn frame(&mut self, power: &[f32]) {
        if self.fb.is_none() {
            let mut magnitude = std::mem::take(&mut self.magnitude);
            magnitude.clear();
            magnitude.extend(power.iter().map(|p| p.max(0.0).sqrt()));
            self.frame_with_magnitude(power, &magnitude);
            self.magnitude = magnitude;
        } else {
            self.frame_with_magnitude(power, &[]);
        }
    }

    /// [`Self::frame`] when the caller also has the magnitude `|X|` (saves a square root per
    /// bin while the tuning is open; `magnitude` is not read once the tuning is fixed).
    pub fn frame_with_magnitude(&mut self, power: &[f32], magnitude: &[f32]) {
        if let Some(fb) = &self.fb {
            push_chroma(fb, power, self.low_bins, &mut self.chroma, &mut self.low_chroma);
            return;
        }
        self.cands.push_frame(power);
        self.cands_mag.push_frame(magnitude);
        let n = self.n_bins;
        if self.pending.capacity() == 0 {
            // Allocated once per analyzer and reused by every track (cleared, not freed):
            // re-growing and first-touching it per track cost ≈ 20 % of the tonal stage.
            self.pending.reserve_exact(n * self.buffer_frames);
        }
        self.pending.extend(power.iter().take(n).copied());
        self.pending.resize(self.pending_frames * n + n, 0.0);
        self.pending_frames += 1;
        if self.pending_frames >= self.buffer_frames {
            self.fix_tuning();
        }
    }

    /// Fixes the tuning from the candidates so far and flushes the buffered frames.
    fn fix_tuning(&mut self) {
        let t = self.cands.estimate();
        let fb = ChromaFilterbank::new(self.sr, self.n_fft, t);
        for row in self.pending.chunks_exact(self.n_bins) {
            push_chroma(&fb, row, self.low_bins, &mut self.chroma, &mut self.low_chroma);
        }
        self.pending.clear();
        self.pending_frames = 0;
        self.tuning = Some(t);
        self.tuning_mag = Some(self.cands_mag.estimate());
        self.fb = Some(fb);
    }

    /// Offline studies: keep every HPCP frame (12 bins, folded with the final tuning at
    /// [`Self::debug_hpcp_frames`]). Memory then grows with the track.
    #[doc(hidden)]
    pub fn debug_record_hpcp_frames(&mut self) {
        self.hpcp.record = Some(Vec::new());
    }

    /// The recorded HPCP frames folded to 12 pitch classes (C first) with the track's tuning;
    /// call after [`Self::finish`].
    #[doc(hidden)]
    pub fn debug_hpcp_frames(&self) -> Vec<[f32; 12]> {
        let cents = tuning::bins_to_cents(self.tuning_mag.unwrap_or(0.0));
        self.hpcp
            .record
            .iter()
            .flatten()
            .map(|f| hpcp::fold(&f.map(|v| v as f64), cents).map(|v| v as f32))
            .collect()
    }

    /// The next chunk of the mono analysis-rate signal, in order.
    pub fn audio(&mut self, samples: &[f32]) {
        self.hpcp.push(samples);
    }

    /// The key of the track so far, `pcp` its profile folded at tuning `cents`, with
    /// harmonic-minor weight `minor_weight`.
    fn key_with(
        &self,
        pcp: &[f64; 12],
        cents: f64,
        min_tonalness: f64,
        minor_weight: f64,
    ) -> key::Key {
        let opening = hpcp::fold(&self.hpcp.opening, cents);
        let bass = hpcp::fold(&self.hpcp.bass, cents);
        let cue = key::BassCue {
            profile: bass,
            weight: self.bass_weight,
            margin: self.bass_margin,
        };
        let dominant = key::DominantCue {
            evidence: self.hpcp.dominant.evidence(cents),
            weight: self.dominant_weight,
            minor_evidence: self.hpcp.dominant.minor_evidence(cents),
            minor_weight,
        };
        key::estimate_with_cues(
            pcp,
            &opening,
            self.opening_weight,
            &cue,
            &dominant,
            self.key_profile,
            min_tonalness,
        )
    }

    /// Study hook: the key of the finished track with another harmonic-minor weight
    /// (`examples/key_eval.rs`).
    #[doc(hidden)]
    pub fn debug_key_with_minor_weight(&self, cents: f64, minor_weight: f64) -> key::Key {
        let pcp = hpcp::fold(&self.hpcp.profile, cents);
        self.key_with(&pcp, cents, key::MIN_TONALNESS, minor_weight)
    }

    /// Ends the track and returns the result.
    pub fn finish(&mut self) -> TonalResult {
        self.finish_with_threshold(key::MIN_TONALNESS)
    }

    /// [`TonalAnalyzer::finish`] told whether the audio is noise-like (mean spectral flatness
    /// above `features::noise::NOISE_FLATNESS`). The no-key threshold is then
    /// [`key::MIN_TONALNESS_PITCHED`] for audio that is not (dense orchestral recordings with a
    /// flat-ish profile still get a key) and [`key::MIN_TONALNESS_NOISY`] for audio that is
    /// (drums and noise get none), instead of [`key::MIN_TONALNESS`].
    pub fn finish_hinted(&mut self, noise_like: bool) -> TonalResult {
        self.finish_with_threshold(if noise_like {
            key::MIN_TONALNESS_NOISY
        } else {
            key::MIN_TONALNESS_PITCHED
        })
    }

    fn finish_with_threshold(&mut self, min_tonalness: f64) -> TonalResult {
        if self.fb.is_none() {
            self.fix_tuning();
        }
        self.hpcp.finish();
        let bins = self.tuning_mag.unwrap_or(0.0);
        let cents = tuning::bins_to_cents(bins);
        let chroma_cents = tuning::bins_to_cents(self.tuning.unwrap_or(0.0));
        let n = self.chroma.len();
        let mut mean = [0.0f64; 12];
        let mut sq = [0.0f64; 12];
        for row in &self.chroma {
            for c in 0..12 {
                mean[c] += row[c] as f64;
            }
        }
        if n > 0 {
            for m in &mut mean {
                *m /= n as f64;
            }
            for row in &self.chroma {
                for c in 0..12 {
                    let d = row[c] as f64 - mean[c];
                    sq[c] += d * d;
                }
            }
        }
        let chroma_mean = mean.map(|v| v as f32);
        let chroma_std = sq.map(|v| {
            if n > 0 {
                (v / n as f64).sqrt() as f32
            } else {
                0.0
            }
        });
        let pcp = hpcp::fold(&self.hpcp.profile, cents);
        let key = self.key_with(&pcp, cents, min_tonalness, self.minor_weight);
        TonalResult {
            tuning_cents: cents as f32,
            chroma_tuning_cents: chroma_cents as f32,
            reference_hz: tuning::bins_to_reference_hz(bins) as f32,
            chroma: std::mem::take(&mut self.chroma),
            low_chroma: std::mem::take(&mut self.low_chroma),
            chroma_mean,
            chroma_std,
            hpcp: unit_max(&pcp),
            key,
        }
    }
}

/// Appends one power frame's chroma row and its low-register row (the first `low_bins` bins).
fn push_chroma(
    fb: &ChromaFilterbank,
    power: &[f32],
    low_bins: usize,
    chroma: &mut Vec<[f32; 12]>,
    low_chroma: &mut Vec<[f32; 12]>,
) {
    chroma.push(fb.apply(power));
    low_chroma.push(fb.apply(&power[..low_bins.min(power.len())]));
}

fn unit_max(x: &[f64; 12]) -> [f32; 12] {
    let mx = x.iter().fold(0.0f64, |m, &v| m.max(v));
    if mx > 0.0 && mx.is_finite() {
        x.map(|v| (v / mx) as f32)
    } else {
        [0.0; 12]
    }
}
