//! Tuning estimation, numerically the same as `librosa.estimate_tuning` (librosa 0.11).
//!
//! # Definition
//! For every frame `t` of a spectrogram `S[k, t]` (`k = 0 … K−1`, `freq[k] = k·sr/n_fft`),
//! `piptrack` (fmin 150 Hz, fmax 4000 Hz, threshold 0.1, `ref = max`) finds candidates:
//!
//! ```text
//! a[k] = S[k+1] + S[k−1] − 2·S[k],   b[k] = (S[k+1] − S[k−1]) / 2
//! shift[k] = 0 if |b| ≥ |a| else −b/a            (parabolic interpolation; 0 at both ends)
//! avg[k] = np.gradient(S)[k]                       (central difference, one-sided at the ends)
//! X = S · [S > 0.1 · max_k S[k]]                   (strictly greater)
//! peak k ⇔ X[k] > X[k−1] ∧ X[k] ≥ X[k+1] ∧ 150 ≤ freq[k] < 4000
//! pitch = (k + shift[k]) · sr / n_fft,   mag = S[k] + ½·avg[k]·shift[k]
//! ```
//!
//! Then over all candidates of the track: `m = median(mag)`, keep pitches with `mag ≥ m`, and
//! `r = (12·log2(pitch / 27.5)) mod 1` folded into `[−0.5, 0.5)`. The tuning (in fractions of a
//! semitone, "bins") is the left edge of the fullest bin of a 100-bin histogram of `r` over
//! `[−0.5, 0.5]` (resolution 0.01). No candidate → 0.0. `cents = 100 · tuning`,
//! `reference_hz = 440 · 2^(tuning/12)`.
//!
//! `librosa.feature.chroma_stft` calls this on the **power** spectrogram `|X|²`; that is what
//! [`super::TonalAnalyzer`] does, so its tuning equals chroma_stft's. (`estimate_tuning(y=…)`
//! would use the magnitude and can differ by a few hundredths of a bin.)
//!
//! # Streaming
//! Candidates depend only on their own frame, so [`PitchCandidates::push_frame`] runs as frames
//! arrive and keeps only `(pitch, mag)` pairs (a few per frame). The median needs all of them,
//! so the estimate is taken at the end ([`PitchCandidates::estimate`]).
//!
//! Reference: librosa 0.11 `core/pitch.py` (`piptrack`, `estimate_tuning`, `pitch_tuning`).

/// Per-track collection of piptrack candidates plus reusable scratch.
#[derive(Debug, Clone)]
pub struct PitchCandidates {
    sr: f64,
    n_fft: usize,
    k_lo: usize,
    k_hi: usize,
    /// (pitch Hz, interpolated magnitude), as f32 like librosa's arrays.
    cands: Vec<(f32, f32)>,
}

impl PitchCandidates {
    /// Plans for `sr` / `n_fft` with librosa's fmin = 150 Hz, fmax = 4000 Hz.
    pub fn new(sr: u32, n_fft: usize) -> Self {
        let sr = sr as f64;
        let k_bins = n_fft / 2 + 1;
        let fmax = 4000f64.min(sr / 2.0);
        let freq = |k: usize| k as f64 * sr / n_fft as f64;
        let k_lo = (0..k_bins).find(|&k| freq(k) >= 150.0).unwrap_or(k_bins);
        let k_hi = (0..k_bins).find(|&k| freq(k) >= fmax).unwrap_or(k_bins);
        PitchCandidates {
            sr,
            n_fft,
            k_lo,
            k_hi,
            cands: Vec::new(),
        }
    }

    /// Forgets the candidates of the previous track (keeps the capacity).
    pub fn reset(&mut self) {
        self.cands.clear();
    }

    /// Number of candidates collected so far.
    pub fn len(&self) -> usize {
        self.cands.len()
    }

    /// True when no candidate has been collected.
    pub fn is_empty(&self) -> bool {
        self.cands.is_empty()
    }

    /// Adds the piptrack candidates of one frame of `s` (`n_fft/2 + 1` bins). Allocates only
    /// when the candidate list grows.
    pub fn push_frame(&mut self, s: &[f32]) {
        let kk = s.len();
        if kk < 3 {
            return;
        }
        // the spectrum is non-negative, so its maximum is its largest magnitude (NaN skipped)
        let mx = crate::dsp::kernels::max_abs(s);
        let thr = 0.1f32 * mx;
        let lo = self.k_lo.max(1);
        let hi = self.k_hi.min(kk);
        // Only bins above the threshold can be peaks, and they are few: skip runs of eight
        // bins that are all at or below it (one vector compare) before the per-bin test.
        let mut k = lo;
        while k < hi {
            let end = (k + 8).min(hi);
            let any = s[k..end].iter().fold(false, |a, &v| a | (v > thr));
            if any {
                for k in k..end {
                    self.candidate(s, k, thr);
                }
            }
            k = end;
        }
    }

    /// Adds bin `k` of `s` if it is a piptrack peak (above `thr`, the local maximum).
    #[inline]
    fn candidate(&mut self, s: &[f32], k: usize, thr: f32) {
        let kk = s.len();
        let x = |k: usize| if s[k] > thr { s[k] } else { 0.0 };
        let xk = x(k);
        let is_peak = if k == kk - 1 {
            xk > x(k - 1)
        } else {
            xk > x(k - 1) && xk >= x(k + 1)
        };
        if !is_peak {
            return;
        }
        let (shift, avg) = if k == kk - 1 {
            (0.0f32, s[k] - s[k - 1])
        } else {
            let a = s[k + 1] + s[k - 1] - 2.0 * s[k];
            let b = (s[k + 1] - s[k - 1]) / 2.0;
            let sh = if b.abs() >= a.abs() { 0.0 } else { -b / a };
            (sh, (s[k + 1] - s[k - 1]) / 2.0)
        };
        let pitch = ((k as f64 + shift as f64) * self.sr / self.n_fft as f64) as f32;
        let dskew = 0.5f32 * avg * shift;
        let mag = s[k] + dskew;
        if pitch > 0.0 {
            self.cands.push((pitch, mag));
        }
    }

    /// `estimate_tuning` over every candidate so far, in bins (fractions of a semitone),
    /// a multiple of 0.01 in `[−0.5, 0.49]`. Reorders the internal list (not the result).
    pub fn estimate(&mut self) -> f64 {
        if self.cands.is_empty() {
            return 0.0;
        }
        // Median of the magnitudes (numpy: mean of the two middle values for an even count).
        let n = self.cands.len();
        let mut mags: Vec<f32> = self.cands.iter().map(|c| c.1).collect();
        let mid = n / 2;
        let (_, &mut hi, _) = mags.select_nth_unstable_by(mid, f32::total_cmp);
        let median = if n % 2 == 1 {
            hi
        } else {
            let lo = mags[..mid]
                .iter()
                .copied()
                .fold(f32::NEG_INFINITY, f32::max);
            (lo + hi) / 2.0
        };
        pitch_tuning(self.cands.iter().filter(|c| c.1 >= median).map(|c| c.0))
    }
}

/// `librosa.pitch_tuning(frequencies, resolution=0.01, bins_per_octave=12)`: the histogram
/// mode of the frequencies' deviation from the equal-tempered A440 grid, in bins.
pub fn pitch_tuning(freqs: impl Iterator<Item = f32>) -> f64 {
    const NB: usize = 100;
    let mut counts = [0u32; NB];
    let edge = |i: usize| -0.5 + i as f64 * 0.01;
    let mut any = false;
    for f in freqs {
        if f.is_nan() || f <= 0.0 {
            continue;
        }
        // f32 arithmetic as in numpy for a float32 input.
        let octs = (f / (440.0f32 / 16.0)).log2();
        let mut r = (12.0f32 * octs).rem_euclid(1.0);
        if r >= 0.5 {
            r -= 1.0;
        }
        let r = r as f64;
        if !(-0.5..=0.5).contains(&r) {
            continue;
        }
        // numpy's uniform-bin histogram: estimate, then correct against the edges.
        let mut i = ((r + 0.5) * NB as f64) as usize;
        if i >= NB {
            i = NB - 1;
        }
        if r < edge(i) && i > 0 {
            i -= 1;
        }
        if i + 1 < NB && r >= edge(i + 1) {
            i += 1;
        }
        counts[i] += 1;
        any = true;
    }
    if !any {
        return 0.0;
    }
    let mut best = 0;
    for i in 1..NB {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    edge(best)
}

/// Tuning in bins → cents (`100 · bins`).
pub fn bins_to_cents(bins: f64) -> f64 {
    100.0 * bins
}

/// Tuning in bins → the reference frequency of A4 in Hz (`440 · 2^(bins/12)`).
pub fn bins_to_reference_hz(bins: f64) -> f64 {
    440.0 * 2f64.powf(bins / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_tuning_of_a_detuned_grid() {
        // 432 Hz → 12·log2(432/440) = −0.3177 bins → histogram bin [−0.32, −0.31).
        let t = pitch_tuning([432.0f32, 864.0, 216.0].into_iter());
        assert!((t + 0.32).abs() < 1e-9, "{t}");
        assert_eq!(pitch_tuning(std::iter::empty()), 0.0);
    }

    #[test]
    fn empty_frames_give_zero() {
        let mut p = PitchCandidates::new(22050, 2048);
        p.push_frame(&[0.0; 1025]);
        assert!(p.is_empty());
        assert_eq!(p.estimate(), 0.0);
    }
}
