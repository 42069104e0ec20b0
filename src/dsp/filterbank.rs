//! Mel filterbank, as `librosa.filters.mel` builds it (Slaney scale and area normalisation).
//!
//! Mel scale (Slaney, `htk=False`): linear below 1 kHz (`m = f / (200/3)`), logarithmic
//! above (`m = 15 + ln(f/1000) / (ln 6.4 / 27)`). `n_mels + 2` points are spaced evenly in mel
//! between `fmin` and `fmax`; filter `m` is the triangle over points `m, m+1, m+2` evaluated
//! at the FFT bin frequencies `k·sr/n_fft`, scaled by `2 / (f[m+2] − f[m])` (`norm='slaney'`).
//! Weights are computed in f64 and stored as f32, like librosa. Each filter is kept as its
//! non-zero range only, so applying the bank costs `O(Σ width)` instead of `O(n_mels·n_bins)`.

/// Hz → mel (Slaney).
pub fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

/// mel → Hz (Slaney).
pub fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// A sparse mel filterbank.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    /// Per filter: first bin and its weights.
    filters: Vec<(usize, Vec<f32>)>,
    n_bins: usize,
}

impl MelFilterbank {
    /// `librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)`.
    pub fn new(sr: u32, n_fft: usize, n_mels: usize, fmin: f64, fmax: f64) -> Self {
        let n_bins = n_fft / 2 + 1;
        let (lo, hi) = (hz_to_mel(fmin), hz_to_mel(fmax));
        let pts: Vec<f64> = (0..n_mels + 2)
            .map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (n_mels + 1) as f64))
            .collect();
        let fftfreqs: Vec<f64> = (0..n_bins)
            .map(|k| k as f64 * sr as f64 / n_fft as f64)
            .collect();
        let filters = (0..n_mels)
            .map(|m| {
                let (f0, f1, f2) = (pts[m], pts[m + 1], pts[m + 2]);
                let enorm = 2.0 / (f2 - f0);
                let w: Vec<f32> = fftfreqs
                    .iter()
                    .map(|&f| {
                        let lower = (f - f0) / (f1 - f0);
                        let upper = (f2 - f) / (f2 - f1);
                        // librosa stores the triangle as f32, then scales in f32
                        let tri = lower.min(upper).max(0.0) as f32;
                        (tri as f64 * enorm) as f32
                    })
                    .collect();
                let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
                let last = w
                    .iter()
                    .rposition(|&v| v > 0.0)
                    .map(|p| p + 1)
                    .unwrap_or(first);
                (first, w[first..last].to_vec())
            })
            .collect();
        MelFilterbank { filters, n_bins }
    }

    /// Number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.filters.len()
    }

    /// Number of FFT bins expected.
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// `out[m] = Σ_k W[m,k]·power[k]` (accumulated in f32, like numpy's f32 matmul up to
    /// summation order).
    pub fn apply(&self, power: &[f32], out: &mut [f32]) {
        for ((first, w), o) in self.filters.iter().zip(out.iter_mut()) {
            *o = super::kernels::dot(w, &power[*first..*first + w.len()]);
        }
    }
}

/// Orthonormal DCT-II, the first `n_out` coefficients of an `n_in`-point input
/// (`scipy.fft.dct(x, type=2, norm='ortho')[:n_out]`):
/// `X[k] = s_k Σ_n x[n] cos(π k (2n+1) / (2N))`, `s_0 = √(1/N)`, `s_k = √(2/N)`.
#[derive(Debug, Clone)]
pub struct Dct2 {
    basis: Vec<f32>,
    n_in: usize,
    n_out: usize,
}

impl Dct2 {
    /// Precomputes the `n_out × n_in` basis.
    pub fn new(n_in: usize, n_out: usize) -> Self {
        let n = n_in as f64;
        let mut basis = Vec::with_capacity(n_in * n_out);
        for k in 0..n_out {
            let s = if k == 0 {
                (1.0 / n).sqrt()
            } else {
                (2.0 / n).sqrt()
            };
            for i in 0..n_in {
                basis.push(
                    (s * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n)).cos())
                        as f32,
                );
            }
        }
        Dct2 { basis, n_in, n_out }
    }

    /// Writes the `n_out` coefficients of `x` (length `n_in`) into `out`.
    pub fn apply(&self, x: &[f32], out: &mut [f32]) {
        for (k, o) in out.iter_mut().enumerate().take(self.n_out) {
            let row = &self.basis[k * self.n_in..(k + 1) * self.n_in];
            *o = super::kernels::dot_f64(row, x) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips() {
        for f in [0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-6);
        }
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
    }

    #[test]
    fn dct_of_constant_is_dc_only() {
        let d = Dct2::new(8, 4);
        let mut out = [0.0; 4];
        d.apply(&[1.0; 8], &mut out);
        assert!((out[0] - 8f32.sqrt()).abs() < 1e-5);
        assert!(out[1..].iter().all(|v| v.abs() < 1e-5));
    }

    #[test]
    fn mel_filters_cover_their_triangles() {
        let fb = MelFilterbank::new(22050, 2048, 128, 0.0, 11025.0);
        assert_eq!(fb.n_mels(), 128);
        let mut out = vec![0.0; 128];
        fb.apply(&vec![1.0; 1025], &mut out);
        assert!(out.iter().all(|v| v.is_finite() && *v >= 0.0));
    }
}
