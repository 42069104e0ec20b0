//! Harmonic Pitch Class Profile (HPCP) for key finding, after Gómez (2006).
//!
//! A second, longer STFT runs over the mono analysis-rate signal (see [`HpcpConfig`]): frame
//! `N = 4096` at 22 050 Hz (186 ms, 5.4 Hz bins; scaled with the sample rate to the nearest power
//! of two), hop `N` (no overlap: for a track-level profile it gave the same key accuracy as
//! hop `N/2` on leitmotif's tuning sets at half the cost), 4-term Blackman–Harris window (−92 dB
//! side lobes). For each frame:
//!
//! 1. **Spectral peaks**: local maxima of `|X[k]|` between 40 Hz and 5 kHz that are no more than
//!    60 dB below the frame's maximum, refined by parabolic interpolation of the dB magnitude
//!    (`p = ½(α−γ)/(α−2β+γ)`, `f = (k+p)·sr/N`, `A_dB = β − ¼(α−γ)p`). At most 100, the loudest.
//! 2. **Harmonic summation**: each peak `(f, a)` contributes to the pitch classes of the
//!    fundamentals it could be the `h`-th harmonic of, `f/h`, `h = 1 … 4`, with weight
//!    `a · s^(h−1)`, `s = 0.6`. (Gómez weights by the energy `a²`; on leitmotif's tuning set the
//!    magnitude `a` gave a clearly better key accuracy, 0.988 against 0.933 leave-one-out, because
//!    loud low notes dominate less.)
//! 3. **Weighting window**: a contribution at pitch `p = 12·log2(f/h / 440)` (semitones re A4)
//!    is spread over the 10-cent bins `j` of a 120-bin octave with `cos²(π·d / l)`, `d` the
//!    distance in semitones, `|d| ≤ l/2`, `l = 4/3` semitone.
//! 4. The frame vector is divided by its maximum ("unitMax") and added to the track sum, and,
//!    for the first 1.5 s of sound (`opening_s`, counted from the first frame whose spectral
//!    peak is above −60 dBFS; frames below −90 dBFS are skipped altogether),
//!    to the **opening** sum, which the key estimate uses as a second opinion (see [`super::key`]).
//!
//! The profiles are kept at 10-cent resolution relative to A440 and folded to 12 pitch classes
//! only at the end ([`fold`]), once the tuning is known, so no audio and no per-frame rows are
//! kept: memory is constant in the track length.
//!
//! References: E. Gómez, *Tonal description of music audio signals*, PhD thesis, UPF, 2006
//! (the HPCP: spectral peaks, weighting window `l = 4/3`, harmonic weight `s^(h−1)`); E. Gómez,
//! "Tonal description of polyphonic audio for music content processing", INFORMS J. Computing
//! 18(3), 2006. F. J. Harris, "On the use of windows…", Proc. IEEE 66(1), 1978 (window).

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

use super::dominant::DominantCounter;
use crate::dsp::fastmath;
use crate::dsp::framer::Framer;

/// Bins per octave of the internal profiles (10 cents each).
pub const RES: usize = 120;

/// Parameters of the key-finding HPCP.
#[derive(Debug, Clone, PartialEq)]
pub struct HpcpConfig {
    /// Frame length (samples); `0` = derived from the sample rate (4096 at 22 050 Hz).
    pub n_fft: usize,
    /// Number of harmonics summed.
    pub harmonics: usize,
    /// Harmonic decay `s`.
    pub harmonic_decay: f32,
    /// Peak search range in Hz.
    pub fmin: f32,
    pub fmax: f32,
    /// Hop in samples; `0` = the frame length (no overlap).
    pub hop: usize,
    /// Length in seconds of the opening profile ([`Hpcp::opening`]).
    pub opening_s: f32,
    /// Exponent `q` of the peak weight `a^q`: 1 (magnitude, the default) or 2 (energy, as in Gómez).
    pub magnitude_power: f32,
}

impl Default for HpcpConfig {
    fn default() -> Self {
        HpcpConfig {
            n_fft: 0,
            harmonics: 4,
            harmonic_decay: 0.6,
            fmin: 40.0,
            fmax: 5000.0,
            magnitude_power: 1.0,
            opening_s: 1.5,
            hop: 0,
        }
    }
}

const MAX_PEAKS: usize = 100;
/// Upper edge of the bass register for [`Hpcp::bass`], Hz (B3 ≈ 247 Hz).
pub const BASS_FMAX_HZ: f32 = 250.0;
const PEAK_RANGE_DB: f32 = 60.0;
/// Half width of the weighting window in 10-cent bins (`l/2 = 2/3` semitone).
const HALF_WIDTH: f32 = 20.0 / 3.0;

/// Streaming HPCP accumulator.
pub struct Hpcp {
    sr: f32,
    n_fft: usize,
    hop: usize,
    cfg: HpcpConfig,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    scratch: Vec<Complex32>,
    windowed: Vec<f32>,
    spectrum: Vec<Complex32>,
    mag: Vec<f32>,
    /// log2 of `mag` over the peak search range (see `process_frame`).
    log_mag: Vec<f32>,
    peaks: Vec<(f32, f32)>,
    frame_hpcp: [f32; RES],
    weighting: Vec<[f32; TAPS]>,
    log2_h: Vec<f32>,
    framer: Framer,
    silence_floor: f32,
    /// Power level (−60 dBFS) a frame must reach to start the opening.
    opening_floor: f32,
    /// Frames counted into the opening so far.
    opened: usize,
    /// Track sums of the unit-max frame profiles.
    pub profile: [f64; RES],
    /// Sum of the unit-max frame profiles of the opening: the first `opening_s` seconds
    /// counted from the first frame above −60 dBFS.
    pub opening: [f64; RES],
    opening_frames: usize,
    /// Bass profile: the magnitudes of the spectral peaks below [`BASS_FMAX_HZ`], each on its
    /// own pitch class (no harmonic summation), summed over the track (see `key`).
    pub bass: [f64; RES],
    /// Frames that contributed (not silent).
    pub frames: usize,
    /// Dominant-seventh chord counts of the frames (see [`super::dominant`]).
    pub dominant: DominantCounter,
    /// When `Some`, every frame's unit-max profile is appended (for offline studies only).
    #[doc(hidden)]
    pub record: Option<Vec<[f32; RES]>>,
}

impl std::fmt::Debug for Hpcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hpcp")
            .field("n_fft", &self.n_fft)
            .field("hop", &self.hop)
            .field("frames", &self.frames)
            .finish()
    }
}

fn blackman_harris(n: usize) -> Vec<f32> {
    let (a0, a1, a2, a3) = (0.35875, 0.48829, 0.14128, 0.01168);
    (0..n)
        .map(|i| {
            let x = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (a0 - a1 * x.cos() + a2 * (2.0 * x).cos() - a3 * (3.0 * x).cos()) as f32
        })
        .collect()
}

impl Hpcp {
    /// Plans the HPCP for analysis rate `sr`.
    pub fn new(sr: u32, cfg: HpcpConfig) -> Self {
        let n_fft = if cfg.n_fft >= 64 {
            cfg.n_fft
        } else {
            // 0.186 s rounded to a power of two: 4096 at 22 050 Hz, 8192 at 44 100 Hz.
            ((0.186 * sr as f64).log2().round().exp2() as usize).clamp(256, 1 << 16)
        };
        let hop = if cfg.hop > 0 {
            cfg.hop.min(n_fft)
        } else {
            n_fft
        };
        let cfg_opening_s = cfg.opening_s;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        let window = blackman_harris(n_fft);
        let wsum: f32 = window.iter().sum();
        // −90 dBFS: a full-scale sine peaks at wsum/2.
        let silence_floor = wsum / 2.0 * 10f32.powf(-90.0 / 20.0);
        let log2_h = (1..=cfg.harmonics.max(1))
            .map(|h| RES as f32 * (h as f32).log2())
            .collect();
        Hpcp {
            sr: sr as f32,
            n_fft,
            hop,
            scratch: fft.make_scratch_vec(),
            spectrum: fft.make_output_vec(),
            mag: vec![0.0; n_fft / 2 + 1],
            log_mag: Vec::with_capacity(n_fft / 2 + 1),
            peaks: Vec::with_capacity(n_fft / 2 + 1),
            windowed: vec![0.0; n_fft],
            fft,
            window,
            cfg,
            frame_hpcp: [0.0; RES],
            weighting: window_table(),
            log2_h,
            framer: Framer::new(n_fft, hop),
            silence_floor,
            opening_floor: (wsum / 2.0 * 10f32.powf(-60.0 / 20.0)).powi(2),
            opened: 0,
            profile: [0.0; RES],
            bass: [0.0; RES],
            frames: 0,
            dominant: DominantCounter::new(),
            opening: [0.0; RES],
            opening_frames: (cfg_opening_s.max(0.0) as f64 * sr as f64 / hop as f64).floor()
                as usize,
            record: None,
        }
    }

    /// Frame length of the HPCP STFT.
    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    /// Forgets the previous track.
    pub fn reset(&mut self) {
        self.framer.reset(0);
        self.profile = [0.0; RES];
        self.bass = [0.0; RES];
        self.opening = [0.0; RES];
        self.opened = 0;
        self.frames = 0;
        self.dominant.reset();
        if let Some(r) = &mut self.record {
            r.clear();
        }
    }

    /// Feeds the next samples of the mono analysis-rate signal.
    pub fn push(&mut self, samples: &[f32]) {
        // The framer is moved out while it calls back into `self` (no allocation).
        let mut framer = std::mem::take(&mut self.framer);
        framer.push(samples, &mut |f| self.process_frame(f));
        self.framer = framer;
    }

    /// Ends the signal: a last zero-padded frame if more than half a frame is pending.
    pub fn finish(&mut self) {
        let mut framer = std::mem::take(&mut self.framer);
        let pending = framer.pending();
        if pending > self.n_fft / 2 {
            framer.pad(self.n_fft - pending, &mut |f| self.process_frame(f));
        }
        framer.reset(0);
        self.framer = framer;
    }

    fn process_frame(&mut self, frame: &[f32]) {
        for ((o, x), w) in self.windowed.iter_mut().zip(frame).zip(&self.window) {
            *o = x * w;
        }
        let _ = self.fft.process_with_scratch(
            &mut self.windowed,
            &mut self.spectrum,
            &mut self.scratch,
        );
        let mut mx = 0.0f32;
        let bin_hz = self.sr / self.n_fft as f32;
        let k_lo = ((self.cfg.fmin / bin_hz).floor() as usize).max(1);
        let k_hi = ((self.cfg.fmax / bin_hz).ceil() as usize).min(self.mag.len() - 2);
        // Power |X|² (no square root per bin) of the bins the peak search reads; peaks are
        // interpolated on its dB values.
        for (m, c) in self.mag[..=k_hi + 1].iter_mut().zip(&self.spectrum) {
            *m = c.norm_sqr();
        }
        for &m in &self.mag[k_lo..=k_hi] {
            mx = mx.max(m);
        }
        if mx < self.silence_floor * self.silence_floor {
            return;
        }
        // The interpolation is scale-free, so it runs on log2 of the power (dB / 10·log10 2)
        // and the peak magnitude is 2^(log2 power / 2): the logarithms of the searched bins
        // and their neighbours in one vectorised pass (`lg[i]` is bin `k_lo − 1 + i`).
        self.log_mag.clear();
        self.log_mag.extend(
            self.mag[k_lo - 1..=k_hi + 1]
                .iter()
                .map(|&v| fastmath::log2(v.max(1e-30))),
        );
        let floor = mx * 10f32.powf(-PEAK_RANGE_DB / 10.0);
        self.peaks.clear();
        for k in k_lo..=k_hi {
            let b = self.mag[k];
            if b <= floor || b <= self.mag[k - 1] || b < self.mag[k + 1] {
                continue;
            }
            let lg = &self.log_mag[k - k_lo..k - k_lo + 3];
            let (al, be, ga) = (lg[0], lg[1], lg[2]);
            let den = al - 2.0 * be + ga;
            let p = if den.abs() > 1e-12 {
                (0.5 * (al - ga) / den).clamp(-0.5, 0.5)
            } else {
                0.0
            };
            let f = (k as f32 + p) * bin_hz;
            let a_log2 = be - 0.25 * (al - ga) * p;
            self.peaks.push((f, fastmath::exp2(0.5 * a_log2)));
        }
        if self.peaks.len() > MAX_PEAKS {
            self.peaks
                .select_nth_unstable_by(MAX_PEAKS, |a, b| b.1.total_cmp(&a.1));
            self.peaks.truncate(MAX_PEAKS);
        }
        let mut padded: Padded = [0.0; RES + 2 * PAD];
        let mut bass: Padded = [0.0; RES + 2 * PAD];
        let mut any_bass = false;
        let h_max = self.cfg.harmonics.max(1);
        let f_low = self.cfg.fmin * 0.5;
        for &(f, a) in &self.peaks {
            let mut w = if self.cfg.magnitude_power == 1.0 {
                a
            } else {
                a.powf(self.cfg.magnitude_power)
            };
            let pos = RES as f32 * fastmath::log2(f / 440.0);
            if f <= BASS_FMAX_HZ {
                spread(&mut bass, &self.weighting, pos, a);
                any_bass = true;
            }
            for h in 1..=h_max {
                if f / (h as f32) < f_low {
                    break;
                }
                // 120·log2(f/h / 440) = pos − 120·log2(h)
                spread(&mut padded, &self.weighting, pos - self.log2_h[h - 1], w);
                w *= self.cfg.harmonic_decay;
            }
        }
        if any_bass {
            for (acc, v) in self.bass.iter_mut().zip(wrap_padded(&bass)) {
                *acc += v as f64;
            }
        }
        self.frame_hpcp = wrap_padded(&padded);
        let fmx = self.frame_hpcp.iter().fold(0.0f32, |m, &v| m.max(v));
        if fmx <= 0.0 {
            return;
        }
        let inv = 1.0 / fmx as f64;
        for (acc, v) in self.profile.iter_mut().zip(&self.frame_hpcp) {
            *acc += *v as f64 * inv;
        }
        let unit = self.frame_hpcp.map(|v| (v as f64 * inv) as f32);
        self.dominant.push(&unit);
        if self.opened < self.opening_frames && (self.opened > 0 || mx >= self.opening_floor) {
            self.opened += 1;
            for (acc, v) in self.opening.iter_mut().zip(&self.frame_hpcp) {
                *acc += *v as f64 * inv;
            }
        }
        if let Some(rec) = &mut self.record {
            rec.push(unit);
        }
        self.frames += 1;
    }
}

fn floor_i32(x: f32) -> i32 {
    let t = x as i32;
    if (t as f32) > x { t - 1 } else { t }
}

/// Sub-bin positions of the tabulated weighting window (1/64 of a 10-cent bin).
const PHASES: usize = 64;
/// Bins one contribution can touch, rounded up to a vector width: `j = ⌊pos⌋ − 6 … ⌊pos⌋ + 9`
/// covers `|j − pos| ≤ l/2 = 6.67` bins for any `pos`.
const TAPS: usize = 16;
/// Taps before `⌊pos⌋`.
const LEAD: usize = 6;

/// The weighting window `cos²(π·d/l)` (`d` in semitones, zero beyond `l/2`) for every sub-bin
/// position `φ = p/PHASES` of a pitch inside its bin, at the bins `⌊pos⌋ − LEAD + i`:
/// `table[p][i] = w(|i − LEAD − φ|)`. With it, a contribution is one 16-wide multiply-add.
fn window_table() -> Vec<[f32; TAPS]> {
    (0..=PHASES)
        .map(|p| {
            let phi = p as f64 / PHASES as f64;
            let mut row = [0f32; TAPS];
            for (i, w) in row.iter_mut().enumerate() {
                let d = (i as f64 - LEAD as f64 - phi).abs(); // bins
                if d <= HALF_WIDTH as f64 {
                    *w = (std::f64::consts::PI * (d / 10.0) / (4.0 / 3.0))
                        .cos()
                        .powi(2) as f32;
                }
            }
            row
        })
        .collect()
}

/// Bins on each side of the padded frame profile: taps reach `LEAD` bins below the octave
/// and `TAPS − LEAD − 1` above its last bin.
const PAD: usize = TAPS - LEAD - 1;

/// A 120-bin octave profile with `PAD` extra bins on each side, so that the weighting window
/// never wraps while contributions are added; [`wrap_padded`] folds the margins back.
type Padded = [f32; RES + 2 * PAD];

/// Adds weight `e` at pitch `pos` (in 10-cent bins above A440) to a padded 120-bin octave
/// profile, weighted by the cos² window of width `l = 4/3` semitone (its position rounded to
/// 1/64 of a bin, 0.16 cent).
fn spread(profile: &mut Padded, table: &[[f32; TAPS]], pos: f32, e: f32) {
    // Wrap into [0, RES) with integer conversions (no libm calls).
    let n = RES as i32;
    let oct = floor_i32(pos / RES as f32);
    let pos = pos - (oct * n) as f32;
    let base = floor_i32(pos).clamp(0, n - 1);
    let phase = (((pos - base as f32) * PHASES as f32 + 0.5) as usize).min(PHASES);
    // padded index of bin ⌊pos⌋ − LEAD is ⌊pos⌋ − LEAD + PAD
    let start = base as usize + PAD - LEAD;
    for (d, &w) in profile[start..start + TAPS].iter_mut().zip(&table[phase]) {
        *d += e * w;
    }
}

/// The 120-bin profile of a padded one: margins added to the bins they wrap onto.
fn wrap_padded(padded: &Padded) -> [f32; RES] {
    let mut out = [0.0f32; RES];
    out.copy_from_slice(&padded[PAD..PAD + RES]);
    for i in 0..PAD {
        out[RES - PAD + i] += padded[i];
        out[i] += padded[PAD + RES + i];
    }
    out
}

/// Folds a 120-bin profile (bin 0 = A440) into 12 pitch classes, C first, for a tuning of
/// `cents` relative to A440: bin `j` goes to the nearest tuned semitone.
pub fn fold(profile: &[f64; RES], cents: f64) -> [f64; 12] {
    let mut out = [0.0; 12];
    for (j, v) in profile.iter().enumerate() {
        out[bin_pitch_class(j, cents)] += v;
    }
    out
}

/// The pitch class (C = 0) that 10-cent bin `j` (bin 0 = A440) folds to for a tuning of
/// `cents`: the nearest tuned semitone.
pub fn bin_pitch_class(j: usize, cents: f64) -> usize {
    let semis = (j as f64 * 10.0 - cents) / 100.0; // semitones above the tuned A
    (semis.round() as i64 + 9).rem_euclid(12) as usize // A = 9 with C = 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sine_lands_on_its_pitch_class() {
        let sr = 22050;
        let mut h = Hpcp::new(sr, HpcpConfig::default());
        let x: Vec<f32> = (0..sr as usize * 2)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 261.63 * i as f32 / sr as f32).sin())
            .collect();
        h.push(&x);
        h.finish();
        let pc = fold(&h.profile, 0.0);
        let best = (0..12).max_by(|&a, &b| pc[a].total_cmp(&pc[b])).unwrap();
        assert_eq!(best, 0);
        assert!(h.frames > 0);
    }
}
