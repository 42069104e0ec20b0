//! Spectral shape of one STFT frame, with librosa 0.11's definitions and defaults.
//!
//! All take the magnitude spectrum `S[k] = |X[k]|` of one frame (`k = 0 … n_fft/2`) and the
//! bin frequencies `f[k] = k·sr/n_fft`.
//!
//! | function | librosa | definition |
//! |---|---|---|
//! | [`centroid`] | `spectral_centroid(S=S)` | `Σ f[k]·Ŝ[k]`, `Ŝ = S / Σ S` (Hz) |
//! | [`bandwidth`] | `spectral_bandwidth(S=S)` (p=2) | `√(Σ Ŝ[k]·(f[k] − centroid)²)` (Hz) |
//! | [`rolloff`] | `spectral_rolloff(S=S)` (0.85) | smallest `f[k]` with `Σ_{j≤k} S[j] ≥ 0.85·Σ S` (Hz) |
//! | [`flatness`] | `spectral_flatness(S=S)` (power 2, amin 1e-10) | `exp(mean ln P) / mean P`, `P = max(S², 1e-10)` |
//! | [`rms`] | `rms(S=S)` (frame_length = n_fft) | `√(2·Σ' S² / n_fft²)`, DC and Nyquist bins halved |
//! | [`Contrast`] | `spectral_contrast(S=S)` (fmin 200, 6 bands, quantile 0.02) | see the type |
//!
//! Silence (an all-zero frame): centroid, bandwidth, roll-off and RMS are 0, flatness is 1
//! (as in librosa, where `S` below `tiny` is left un-normalised).

/// Bin frequencies `f[k] = k·sr/n_fft` in Hz.
pub fn bin_frequencies(sr: u32, n_fft: usize) -> Vec<f32> {
    (0..=n_fft / 2)
        .map(|k| (k as f64 * sr as f64 / n_fft as f64) as f32)
        .collect()
}

/// The sum `Σ S[k]` as librosa's `normalize(norm=1)` uses it (f64 accumulation).
fn total(s: &[f32]) -> f64 {
    s.iter().map(|&v| v as f64).sum()
}

/// Spectral centroid in Hz. 0 for silence.
pub fn centroid(s: &[f32], freqs: &[f32]) -> f32 {
    let t = total(s);
    if t < f32::MIN_POSITIVE as f64 {
        return 0.0;
    }
    (s.iter()
        .zip(freqs)
        .map(|(&a, &f)| a as f64 * f as f64)
        .sum::<f64>()
        / t) as f32
}

/// Spectral bandwidth (p = 2) in Hz around `centroid`. 0 for silence.
pub fn bandwidth(s: &[f32], freqs: &[f32], centroid: f32) -> f32 {
    let t = total(s);
    if t < f32::MIN_POSITIVE as f64 {
        return 0.0;
    }
    let c = centroid as f64;
    let v: f64 = s
        .iter()
        .zip(freqs)
        .map(|(&a, &f)| a as f64 * (f as f64 - c).powi(2))
        .sum::<f64>()
        / t;
    v.sqrt() as f32
}

/// Spectral roll-off frequency (85 %) in Hz. 0 for silence.
pub fn rolloff(s: &[f32], freqs: &[f32], roll_percent: f64) -> f32 {
    // librosa accumulates the cumulative sum in f32 and compares in f32.
    let mut cum = 0f32;
    let totalf: f32 = s.iter().sum::<f32>();
    let threshold = roll_percent as f32 * totalf;
    for (&a, &f) in s.iter().zip(freqs) {
        cum += a;
        if cum >= threshold {
            return f;
        }
    }
    freqs.last().copied().unwrap_or(0.0)
}

/// Spectral flatness (power 2, amin 1e-10): geometric over arithmetic mean of the power.
pub fn flatness(s: &[f32]) -> f32 {
    let n = s.len() as f64;
    let (mut log_sum, mut sum) = (0f64, 0f64);
    for &a in s {
        // like librosa: power and its log in f32, means accumulated (here in f64)
        let p = (a * a).max(1e-10);
        log_sum += p.ln() as f64;
        sum += p as f64;
    }
    ((log_sum / n).exp() / (sum / n)) as f32
}

/// Root-mean-square energy of the frame from its spectrum (Parseval), `rms(S=S)`.
pub fn rms(s: &[f32], n_fft: usize) -> f32 {
    let last = s.len().saturating_sub(1);
    let mut acc = 0f64;
    for (k, &a) in s.iter().enumerate() {
        let p = (a as f64) * (a as f64);
        acc += if k == 0 || k == last { 0.5 * p } else { p };
    }
    (2.0 * acc / (n_fft as f64 * n_fft as f64)).sqrt() as f32
}

/// Spectral contrast band layout (librosa `spectral_contrast`, `linear=False`).
///
/// Band edges are `[0, fmin, 2·fmin, …, 2^{n_bands}·fmin]` Hz, each band taking the bins with
/// `edge_k ≤ f ≤ edge_{k+1}` plus the bin just below (bands after the first); the last band
/// extends to Nyquist; bands before the last drop their highest bin. With `q = max(1,
/// rint(quantile·count))`, the valley is the mean of the `q` smallest magnitudes of the band
/// and the peak the mean of the `q` largest. The contrast row is
/// `power_to_db(peak) − power_to_db(valley)` (10·log10, amin 1e-10, each array floored at its
/// own maximum over the track − 80 dB; see [`crate::features::extractor`]).
#[derive(Debug, Clone)]
pub struct Contrast {
    /// Per band: (first bin, number of bins used, q).
    bands: Vec<(usize, usize, usize)>,
    scratch: Vec<f32>,
}

impl Contrast {
    /// Plans the bands for `sr`, `n_fft`, `fmin` Hz, `n_bands` bands and `quantile`.
    pub fn new(sr: u32, n_fft: usize, fmin: f64, n_bands: usize, quantile: f64) -> Self {
        let freqs: Vec<f64> = (0..=n_fft / 2)
            .map(|k| k as f64 * sr as f64 / n_fft as f64)
            .collect();
        let n_bins = freqs.len();
        let mut edges = vec![0.0];
        edges.extend((0..=n_bands).map(|i| fmin * 2f64.powi(i as i32)));
        let mut bands = Vec::with_capacity(n_bands + 1);
        for k in 0..=n_bands {
            let inside: Vec<usize> = (0..n_bins)
                .filter(|&i| freqs[i] >= edges[k] && freqs[i] <= edges[k + 1])
                .collect();
            let (mut lo, mut hi) = match (inside.first(), inside.last()) {
                (Some(&a), Some(&b)) => (a, b + 1),
                _ => (0, 0),
            };
            if k > 0 && lo > 0 && hi > lo {
                lo -= 1;
            }
            if k == n_bands && hi > lo {
                hi = n_bins;
            }
            let count = hi - lo;
            let used = if k < n_bands {
                count.saturating_sub(1)
            } else {
                count
            };
            let q = ((quantile * count as f64).round_ties_even() as usize).max(1);
            bands.push((lo, used, q));
        }
        let widest = bands.iter().map(|b| b.1).max().unwrap_or(0);
        Contrast {
            bands,
            scratch: Vec::with_capacity(widest),
        }
    }

    /// Number of rows (`n_bands + 1`).
    pub fn n_rows(&self) -> usize {
        self.bands.len()
    }

    /// Peak and valley magnitudes (means of the top and bottom `q` bins) of each band.
    pub fn peaks_valleys(&mut self, s: &[f32], peak: &mut [f32], valley: &mut [f32]) {
        for (b, &(lo, used, q)) in self.bands.iter().enumerate() {
            if used == 0 {
                peak[b] = 0.0;
                valley[b] = 0.0;
                continue;
            }
            let q = q.min(used);
            let band = &s[lo..lo + used];
            let (bottom, top) = extremes_sum(band, q, &mut self.scratch);
            valley[b] = bottom / q as f32;
            peak[b] = top / q as f32;
        }
    }
}

/// Sums of the `q` smallest and the `q` largest values of `band`. Keeps two small sorted
/// arrays (O(n·q) worst case, O(n) typical for q ≤ 9, librosa's defaults at 22050 Hz); q > 16 sorts `scratch`.
fn extremes_sum(band: &[f32], q: usize, scratch: &mut Vec<f32>) -> (f32, f32) {
    if q > 16 {
        scratch.clear();
        scratch.extend_from_slice(band);
        scratch.sort_unstable_by(|a, b| a.total_cmp(b));
        let n = scratch.len();
        return (scratch[..q].iter().sum(), scratch[n - q..].iter().sum());
    }
    let mut low = [f32::INFINITY; 16];
    let mut high = [f32::NEG_INFINITY; 16];
    for &v in band {
        if v < low[q - 1] {
            let mut i = q - 1;
            while i > 0 && low[i - 1] > v {
                low[i] = low[i - 1];
                i -= 1;
            }
            low[i] = v;
        }
        if v > high[q - 1] {
            let mut i = q - 1;
            while i > 0 && high[i - 1] < v {
                high[i] = high[i - 1];
                i -= 1;
            }
            high[i] = v;
        }
    }
    // ascending order, like the mean over librosa's sorted slice
    let bottom: f32 = low[..q].iter().sum();
    let top: f32 = high[..q].iter().rev().sum();
    (bottom, top)
}

/// `10·log10(max(x, 1e-10))`, librosa's `power_to_db` before the top_db floor.
pub fn power_db(x: f32) -> f32 {
    10.0 * x.max(1e-10).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn energy_in_one_bin() {
        let freqs = bin_frequencies(22050, 2048);
        let mut s = vec![0.0f32; 1025];
        s[100] = 3.0;
        assert!((centroid(&s, &freqs) - freqs[100]).abs() < 1e-3);
        assert!(bandwidth(&s, &freqs, freqs[100]).abs() < 1e-3);
        assert_eq!(rolloff(&s, &freqs, 0.85), freqs[100]);
    }

    #[test]
    fn silence_is_finite() {
        let freqs = bin_frequencies(22050, 2048);
        let s = vec![0.0f32; 1025];
        assert_eq!(centroid(&s, &freqs), 0.0);
        assert_eq!(bandwidth(&s, &freqs, 0.0), 0.0);
        assert_eq!(rolloff(&s, &freqs, 0.85), 0.0);
        assert!((flatness(&s) - 1.0).abs() < 1e-6);
        assert_eq!(rms(&s, 2048), 0.0);
    }

    #[test]
    fn contrast_band_layout_matches_librosa() {
        let c = Contrast::new(22050, 2048, 200.0, 6, 0.02);
        let expect = [
            (0, 18, 1),
            (18, 19, 1),
            (37, 37, 1),
            (74, 74, 2),
            (148, 149, 3),
            (297, 297, 6),
            (594, 431, 9),
        ];
        assert_eq!(c.bands, expect);
    }
}
