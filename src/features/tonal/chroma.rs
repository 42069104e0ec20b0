//! `chroma_stft`: the STFT chroma filterbank of `librosa.filters.chroma` and its application,
//! numerically the same as `librosa.feature.chroma_stft` (librosa 0.11 defaults: `n_chroma` 12,
//! `ctroct` 5, `octwidth` 2, filter `norm` 2, `base_c`, frame `norm` ∞).
//!
//! # Filterbank
//! Built in f64 and stored as f32, for the `n_fft` FFT bins `f[i] = i·sr/n_fft`:
//!
//! ```text
//! A = 440 · 2^(tuning/12)
//! fb[i] = 12·log2(f[i] / (A/16))   (i ≥ 1),   fb[0] = fb[1] − 18
//! bw[i] = max(fb[i+1] − fb[i], 1)  (i < n_fft−1),   bw[n_fft−1] = 1
//! D[c,i] = ((fb[i] − c + 6 + 120) mod 12) − 6            (floor-mod)
//! W[c,i] = exp(−½ (2·D[c,i] / bw[i])²),  then each column divided by its L2 norm
//! W[c,i] ·= exp(−½ ((fb[i]/12 − 5) / 2)²)                (octave weighting around C5·)
//! rows rolled by −3 so that row 0 is C; columns 0 … n_fft/2 kept
//! ```
//!
//! # Per frame
//! `raw[c] = Σ_k W[c,k]·P[k]` on the power spectrum `P = |X|²`, then
//! `chroma[c] = raw[c] / max_c raw[c]` (left at 0 when the max is below `f32::MIN_POSITIVE`).
//!
//! Reference: librosa 0.11 `filters.chroma`, `feature.chroma_stft`; D. Ellis, `chromagram_E`.

/// Independent partial sums per pitch class in [`ChromaFilterbank::apply`] (bins `k mod 4`).
const PARTIALS: usize = 4;
const _: () = assert!(PARTIALS == 4, "apply() combines exactly four partial sums");

/// The 12 × (`n_fft/2+1`) chroma filterbank, stored column by column (12 weights per bin).
#[derive(Debug, Clone)]
pub struct ChromaFilterbank {
    n_bins: usize,
    /// `weights[k·12 + c]` = `W[c, k]`.
    weights: Vec<f32>,
}

impl ChromaFilterbank {
    /// Builds the filterbank for `sr`, `n_fft` and `tuning` (in bins, i.e. semitones).
    pub fn new(sr: u32, n_fft: usize, tuning: f64) -> Self {
        let n_bins = n_fft / 2 + 1;
        let sr = sr as f64;
        let a440 = 440.0 * 2f64.powf(tuning / 12.0);
        let mut fb = vec![0.0f64; n_fft];
        for (i, v) in fb.iter_mut().enumerate().skip(1) {
            let f = i as f64 * sr / n_fft as f64;
            *v = 12.0 * (f / (a440 / 16.0)).log2();
        }
        fb[0] = fb[1] - 18.0;
        let mut bw = vec![1.0f64; n_fft];
        for i in 0..n_fft - 1 {
            bw[i] = (fb[i + 1] - fb[i]).max(1.0);
        }
        let mut w = vec![0.0f64; 12 * n_fft];
        for i in 0..n_fft {
            let mut norm = 0.0;
            for c in 0..12 {
                let d = (fb[i] - c as f64 + 6.0 + 120.0).rem_euclid(12.0) - 6.0;
                let x = (-0.5 * (2.0 * d / bw[i]).powi(2)).exp();
                w[c * n_fft + i] = x;
                norm += x * x;
            }
            let norm = norm.sqrt();
            let oct = (-0.5 * ((fb[i] / 12.0 - 5.0) / 2.0).powi(2)).exp();
            for c in 0..12 {
                let v = &mut w[c * n_fft + i];
                if norm >= f64::MIN_POSITIVE {
                    *v /= norm;
                }
                *v *= oct;
            }
        }
        let mut weights = vec![0.0f32; 12 * n_bins];
        for c in 0..12 {
            let src = (c + 3) % 12; // base_c: roll by −3
            for k in 0..n_bins {
                weights[k * 12 + c] = w[src * n_fft + k] as f32;
            }
        }
        ChromaFilterbank { n_bins, weights }
    }

    /// Number of spectrum bins expected (`n_fft/2 + 1`).
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// The max-normalised chroma of one power frame. Allocation-free.
    ///
    /// Bin by bin, all 12 pitch classes at once (three 4-lane multiply-adds per bin), in f32
    /// with `PARTIALS` partial sums per class; against librosa's f32 einsum this changes
    /// results only at the level of f32 rounding (≈1e-6 relative).
    pub fn apply(&self, power: &[f32]) -> [f32; 12] {
        let n = self.n_bins.min(power.len());
        let mut acc = [[0.0f32; 12]; PARTIALS];
        let cols = self.weights[..12 * n].chunks_exact(12 * PARTIALS);
        let tail_w = cols.remainder();
        let pows = power[..n].chunks_exact(PARTIALS);
        let tail_p = pows.remainder();
        for (w, p) in cols.zip(pows) {
            for (j, a) in acc.iter_mut().enumerate() {
                let col = &w[12 * j..12 * j + 12];
                for (o, &x) in a.iter_mut().zip(col) {
                    *o += x * p[j];
                }
            }
        }
        for (col, &p) in tail_w.chunks_exact(12).zip(tail_p) {
            for (o, &x) in acc[0].iter_mut().zip(col) {
                *o += x * p;
            }
        }
        let mut out = [0.0f32; 12];
        for (c, o) in out.iter_mut().enumerate() {
            *o = (acc[0][c] + acc[2][c]) + (acc[1][c] + acc[3][c]);
        }
        let mx = out.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        if mx >= f32::MIN_POSITIVE {
            for o in &mut out {
                *o = ((*o as f64) / (mx as f64)) as f32;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a440_lands_on_row_a() {
        let fb = ChromaFilterbank::new(22050, 2048, 0.0);
        let k = (440.0f64 * 2048.0 / 22050.0).round() as usize;
        let mut p = vec![0.0f32; 1025];
        p[k] = 1.0;
        let c = fb.apply(&p);
        let best = (0..12).max_by(|&a, &b| c[a].total_cmp(&c[b])).unwrap();
        assert_eq!(best, 9);
        assert_eq!(fb.apply(&vec![0.0; 1025]), [0.0; 12]);
    }
}
