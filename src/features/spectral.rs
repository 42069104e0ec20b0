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

/// Centroid and bandwidth (p = 2) in one pass, from the first three spectral moments
/// `Σ S`, `Σ S·f`, `Σ S·f²` (f64, eight independent partial sums so the loop vectorises):
/// `bandwidth² = Σ S f² / Σ S − centroid²`. Both 0 for silence. Same values as
/// [`centroid`] and [`bandwidth`] to ≈ 1e-9 relative.
pub fn centroid_bandwidth(s: &[f32], freqs: &[f32]) -> (f32, f32) {
    const L: usize = 8;
    let (mut m0, mut m1, mut m2) = ([0f64; L], [0f64; L], [0f64; L]);
    let (sc, fc) = (s.chunks_exact(L), freqs.chunks_exact(L));
    let (sr, fr) = (sc.remainder(), fc.remainder());
    for (a, f) in sc.zip(fc) {
        for i in 0..L {
            let (a, f) = (a[i] as f64, f[i] as f64);
            m0[i] += a;
            m1[i] += a * f;
            m2[i] += a * f * f;
        }
    }
    let (mut t0, mut t1, mut t2): (f64, f64, f64) =
        (m0.iter().sum(), m1.iter().sum(), m2.iter().sum());
    for (&a, &f) in sr.iter().zip(fr) {
        let (a, f) = (a as f64, f as f64);
        t0 += a;
        t1 += a * f;
        t2 += a * f * f;
    }
    if t0 < f32::MIN_POSITIVE as f64 {
        return (0.0, 0.0);
    }
    let c = t1 / t0;
    (c as f32, (t2 / t0 - c * c).max(0.0).sqrt() as f32)
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
    let mut cum = Vec::with_capacity(s.len());
    rolloff_with(s, freqs, roll_percent, &mut cum)
}

/// [`rolloff`] with a reusable buffer for the cumulative sum: one sequential pass (librosa's
/// f32 `cumsum`, whose last value is the total) and a binary search for the first bin at or
/// above the threshold (the cumulative sum of a magnitude spectrum never decreases).
pub fn rolloff_with(s: &[f32], freqs: &[f32], roll_percent: f64, cum: &mut Vec<f32>) -> f32 {
    // librosa accumulates the cumulative sum in f32 and compares in f32.
    cum.clear();
    let mut acc = 0f32;
    cum.extend(s.iter().map(|&a| {
        acc += a;
        acc
    }));
    let threshold = roll_percent as f32 * acc;
    let k = cum.partition_point(|&c| c < threshold || c.is_nan());
    freqs.get(k).or(freqs.last()).copied().unwrap_or(0.0)
}

/// Spectral flatness (power 2, amin 1e-10): geometric over arithmetic mean of the power.
pub fn flatness(s: &[f32]) -> f32 {
    let n = s.len() as f64;
    let (mut log_sum, mut sum) = (0f64, 0f64);
    // Σ ln P = ln Π P: multiply 16 powers in f64 (each in [1e-10, 1e12], so a product of 16
    // stays inside f64's range) and take one logarithm per group.
    // Each group's sum is added once, so the additions do not form one long chain.
    for group in s.chunks(16) {
        let (mut prod, mut gsum) = (1f64, 0f64);
        for &a in group {
            // like librosa: the power in f32, floored at amin
            let p = (a * a).max(1e-10) as f64;
            prod *= p;
            gsum += p;
        }
        sum += gsum;
        log_sum += prod.ln();
    }
    ((log_sum / n).exp() / (sum / n)) as f32
}

/// Root-mean-square energy of the frame from its spectrum (Parseval), `rms(S=S)`.
pub fn rms(s: &[f32], n_fft: usize) -> f32 {
    let (Some(&first), Some(&last)) = (s.first(), s.last()) else {
        return 0.0;
    };
    let mut acc = crate::dsp::kernels::sum_squares_f64(s);
    acc -= 0.5 * (first as f64 * first as f64);
    if s.len() > 1 {
        acc -= 0.5 * (last as f64 * last as f64);
    }
    (2.0 * acc.max(0.0) / (n_fft as f64 * n_fft as f64)).sqrt() as f32
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

/// Largest `q` for which [`extremes_sum`] keeps the extremes in small sorted arrays instead
/// of selecting on a copy of the band.
const SMALL_Q: usize = 16;

/// Sums of the `q` smallest and the `q` largest values of `band`.
///
/// For `q ≤ SMALL_Q` (every band at librosa's defaults: `q ≤ 9`) one pass keeps the `q`
/// smallest and largest values seen so far in two sorted arrays; a value enters only when it
/// beats the current `q`-th extreme, so the cost is close to one comparison per bin. Larger
/// `q` selects on a copy of the band (`scratch`), O(width) as well.
fn extremes_sum(band: &[f32], q: usize, scratch: &mut Vec<f32>) -> (f32, f32) {
    let n = band.len();
    let q = q.min(n);
    if q == 0 {
        return (0.0, 0.0);
    }
    if q == 1 {
        let (lo, hi) = band
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        return (lo, hi);
    }
    if q <= SMALL_Q {
        // Spectra mostly fall with frequency, so the largest values tend to come first and
        // the smallest last: scan forwards for the top and backwards for the bottom, and the
        // gate (the current q-th extreme) settles after a few bins.
        let mut high = [0f32; SMALL_Q];
        high[..q].copy_from_slice(&band[..q]);
        high[..q].sort_unstable_by(|a, b| b.total_cmp(a));
        // Chunks of 8 whose extreme cannot pass the gate are skipped after one vectorised
        // max (or min), so the branchy insertion runs on few chunks.
        for chunk in band[q..].chunks(8) {
            if chunk.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v)) > high[q - 1] {
                for &v in chunk {
                    if v > high[q - 1] {
                        insert_sorted(&mut high[..q], v, |a, b| a < b);
                    }
                }
            }
        }
        let mut low = [0f32; SMALL_Q];
        low[..q].copy_from_slice(&band[n - q..]);
        low[..q].sort_unstable_by(f32::total_cmp);
        for chunk in band[..n - q].rchunks(8) {
            if chunk.iter().fold(f32::INFINITY, |a, &v| a.min(v)) < low[q - 1] {
                for &v in chunk.iter().rev() {
                    if v < low[q - 1] {
                        insert_sorted(&mut low[..q], v, |a, b| a > b);
                    }
                }
            }
        }
        return (low[..q].iter().sum(), high[..q].iter().sum());
    }
    scratch.clear();
    scratch.extend_from_slice(band);
    let cmp = |a: &f32, b: &f32| a.total_cmp(b);
    if q < n {
        scratch.select_nth_unstable_by(q - 1, cmp);
    }
    let bottom: f32 = scratch[..q].iter().sum();
    if q < n {
        scratch.select_nth_unstable_by(n - q, cmp);
    }
    let top: f32 = scratch[n - q..].iter().sum();
    (bottom, top)
}

/// Inserts `v` into `sorted` (ordered so that `after(sorted[i], sorted[i+1])` is false),
/// dropping the last element.
#[inline]
fn insert_sorted(sorted: &mut [f32], v: f32, after: impl Fn(f32, f32) -> bool) {
    let mut i = sorted.len() - 1;
    while i > 0 && after(sorted[i - 1], v) {
        sorted[i] = sorted[i - 1];
        i -= 1;
    }
    sorted[i] = v;
}

/// `10·log10(max(x, 1e-10))`, librosa's `power_to_db` before the top_db floor (NaN reads
/// as the floor). Computed with [`crate::dsp::fastmath::db10`] (≈ 3e-7 dB from libm's value)
/// so that loops over mel bands vectorise.
#[inline]
pub fn power_db(x: f32) -> f32 {
    crate::dsp::fastmath::db10(x.max(1e-10))
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
    fn one_pass_moments_match_the_two_pass_definitions() {
        let freqs = bin_frequencies(22050, 2048);
        let s: Vec<f32> = (0..1025)
            .map(|k| ((k * 7919) % 113) as f32 / 50.0 + 0.01)
            .collect();
        let (c, b) = centroid_bandwidth(&s, &freqs);
        let c2 = centroid(&s, &freqs);
        assert!((c - c2).abs() < 1e-4 * c2);
        assert!((b - bandwidth(&s, &freqs, c2)).abs() < 1e-4 * b);
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
    fn extremes_match_a_full_sort() {
        let mut scratch = Vec::new();
        for n in [1usize, 2, 5, 17, 40, 431] {
            let band: Vec<f32> = (0..n)
                .map(|k| ((k * 7919 + 13) % 101) as f32 / 7.0)
                .collect();
            let mut sorted = band.clone();
            sorted.sort_by(f32::total_cmp);
            for q in [1usize, 2, 3, 9, 16, 17, 30] {
                if q > n {
                    continue;
                }
                let (lo, hi) = extremes_sum(&band, q, &mut scratch);
                let want_lo: f32 = sorted[..q].iter().sum();
                let want_hi: f32 = sorted[n - q..].iter().sum();
                assert!(
                    (lo - want_lo).abs() <= 1e-4 * want_lo.abs().max(1.0),
                    "{n} {q}"
                );
                assert!(
                    (hi - want_hi).abs() <= 1e-4 * want_hi.abs().max(1.0),
                    "{n} {q}"
                );
            }
        }
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
