//! Spectral shape features of a magnitude spectrogram (`librosa.feature.spectral_*`, `rms(S=…)`).
//!
//! Each takes `S`, an `(n_bins, n_frames)` magnitude spectrogram (`n_fft = 2·(n_bins − 1)`),
//! and returns one value per frame (librosa's `(1, n_frames)` row) or a `(rows, n_frames)`
//! matrix. The per-frame definitions are those of `crate::features::spectral`.

use ndarray::{Array1, Array2, ArrayView2};

use super::{bad, for_each_frame, is_pos, n_fft_of};
use crate::error::Result;
use crate::features::spectral as sp;

fn per_frame(s: ArrayView2<'_, f32>, mut f: impl FnMut(&[f32]) -> f32) -> Array1<f32> {
    let mut out = Array1::zeros(s.ncols());
    for_each_frame(s, |t, col| out[t] = f(col));
    out
}

fn freqs(s: ArrayView2<'_, f32>, sr: u32) -> Vec<f32> {
    sp::bin_frequencies(sr, 2 * s.nrows().saturating_sub(1))
}

/// `librosa.feature.spectral_centroid(S=S, sr=sr)`: `Σ f·S / Σ S` per frame, in Hz, with
/// `f[k] = k·sr/n_fft`; 0 for a silent frame.
pub fn spectral_centroid(s: ArrayView2<'_, f32>, sr: u32) -> Array1<f32> {
    let f = freqs(s, sr);
    per_frame(s, |col| sp::centroid_bandwidth(col, &f).0)
}

/// `librosa.feature.spectral_bandwidth(S=S, sr=sr)` (`p=2`, `norm=True`): the spread around
/// the centroid, `√(Σ Ŝ·(f − centroid)²)` with `Ŝ = S / Σ S`, in Hz; 0 for a silent frame.
pub fn spectral_bandwidth(s: ArrayView2<'_, f32>, sr: u32) -> Array1<f32> {
    let f = freqs(s, sr);
    per_frame(s, |col| sp::centroid_bandwidth(col, &f).1)
}

/// `librosa.feature.spectral_rolloff(S=S, sr=sr, roll_percent=roll_percent)` (default
/// 0.85): the lowest bin frequency below which `roll_percent` of the magnitude lies, in Hz.
/// Errors unless `0 < roll_percent < 1`.
pub fn spectral_rolloff(s: ArrayView2<'_, f32>, sr: u32, roll_percent: f64) -> Result<Array1<f32>> {
    if !(roll_percent > 0.0 && roll_percent < 1.0) {
        return Err(bad("roll_percent must lie in the range (0, 1)"));
    }
    let f = freqs(s, sr);
    let mut cum = Vec::with_capacity(s.nrows());
    Ok(per_frame(s, |col| {
        sp::rolloff_with(col, &f, roll_percent, &mut cum)
    }))
}

/// `librosa.feature.spectral_flatness(S=S, amin=amin, power=power)` (defaults `1e-10`,
/// `2.0`): `exp(mean ln P) / mean P` with `P = max(S^power, amin)`. Errors unless
/// `amin > 0`.
pub fn spectral_flatness(s: ArrayView2<'_, f32>, amin: f64, power: f64) -> Result<Array1<f32>> {
    if !is_pos(amin) {
        return Err(bad("amin must be strictly positive"));
    }
    if amin == 1e-10 && power == 2.0 {
        return Ok(per_frame(s, sp::flatness));
    }
    Ok(per_frame(s, |col| {
        let (mut log_sum, mut sum) = (0f64, 0f64);
        for &v in col {
            let p = ((v as f64).powf(power) as f32 as f64).max(amin);
            log_sum += p.ln();
            sum += p;
        }
        let n = col.len().max(1) as f64;
        ((log_sum / n).exp() / (sum / n)) as f32
    }))
}

/// `librosa.feature.spectral_contrast(S=S, sr=sr, fmin=fmin, n_bands=n_bands,
/// quantile=quantile, linear=linear)` (defaults 200 Hz, 6, 0.02, `False`): per octave band,
/// the peak (mean of the top `quantile` of magnitudes) against the valley (mean of the
/// bottom), as `power_to_db(peak) − power_to_db(valley)` (each matrix floored 80 dB below
/// its maximum) or, with `linear`, `peak − valley`. Shape `(n_bands + 1, n_frames)`. Band
/// layout: `crate::features::spectral::Contrast`. Errors on librosa's invalid parameters.
pub fn spectral_contrast(
    s: ArrayView2<'_, f32>,
    sr: u32,
    fmin: f64,
    n_bands: usize,
    quantile: f64,
    linear: bool,
) -> Result<Array2<f32>> {
    let n_fft = n_fft_of(s)?;
    if !is_pos(fmin) {
        return Err(bad("fmin must be a positive number"));
    }
    if n_bands < 1 {
        return Err(bad("n_bands must be a positive integer"));
    }
    if !(quantile > 0.0 && quantile < 1.0) {
        return Err(bad("quantile must lie in the range (0, 1)"));
    }
    // librosa checks the lower edges of the bands (the last edge may pass Nyquist)
    if fmin * 2f64.powi(n_bands as i32 - 1) >= sr as f64 / 2.0 {
        return Err(bad(
            "Frequency band exceeds Nyquist. Reduce either fmin or n_bands.",
        ));
    }
    let mut bands = sp::Contrast::new(sr, n_fft, fmin, n_bands, quantile);
    let rows = bands.n_rows();
    let mut peak = Array2::<f32>::zeros((rows, s.ncols()));
    let mut valley = Array2::<f32>::zeros((rows, s.ncols()));
    let (mut p, mut v) = (vec![0f32; rows], vec![0f32; rows]);
    for_each_frame(s, |t, col| {
        bands.peaks_valleys(col, &mut p, &mut v);
        peak.column_mut(t)
            .assign(&ndarray::ArrayView1::from(&p[..]));
        valley
            .column_mut(t)
            .assign(&ndarray::ArrayView1::from(&v[..]));
    });
    if linear {
        return Ok(peak - valley);
    }
    let peak = super::power_to_db(peak.view(), 1.0, 1e-10, Some(80.0))?;
    let valley = super::power_to_db(valley.view(), 1.0, 1e-10, Some(80.0))?;
    Ok(peak - valley)
}

/// `librosa.feature.rms(S=S, frame_length=frame_length)`: the root mean square of each
/// frame from its magnitude spectrum (Parseval, DC and — for even frame lengths — Nyquist
/// bins halved). Errors unless `S` has `frame_length/2 + 1` rows, as librosa's does.
pub fn rms_from_spectrum(s: ArrayView2<'_, f32>, frame_length: usize) -> Result<Array1<f32>> {
    if s.nrows() != frame_length / 2 + 1 {
        return Err(bad(format!(
            "Since S.shape[-2] is {}, frame_length is expected to be {} or {}; found {}",
            s.nrows(),
            s.nrows() * 2 - 2,
            s.nrows() * 2 - 1,
            frame_length
        )));
    }
    if frame_length.is_multiple_of(2) {
        return Ok(per_frame(s, |col| sp::rms(col, frame_length)));
    }
    // odd frame length: no Nyquist bin to halve
    Ok(per_frame(s, |col| {
        let first = col.first().map_or(0.0, |&v| v as f64);
        let acc = crate::dsp::kernels::sum_squares_f64(col) - 0.5 * first * first;
        (2.0 * acc.max(0.0) / (frame_length as f64).powi(2)).sqrt() as f32
    }))
}
