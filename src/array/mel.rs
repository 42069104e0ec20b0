//! `librosa.feature.melspectrogram`, `librosa.power_to_db` and `librosa.feature.mfcc`.

use ndarray::{Array2, ArrayView2};

use super::{bad, for_each_frame, is_nonneg, is_pos, n_fft_of};
use crate::dsp::filterbank::{Dct2, MelFilterbank};
use crate::error::Result;

/// Applies `f(column, out_column)` to every frame, producing a `(rows, n_frames)` matrix.
pub(crate) fn map_frames(
    s: ArrayView2<'_, f32>,
    rows: usize,
    mut f: impl FnMut(&[f32], &mut [f32]),
) -> Result<Array2<f32>> {
    let frames = s.ncols();
    let mut out = vec![0f32; rows * frames];
    for_each_frame(s, |t, col| f(col, &mut out[t * rows..(t + 1) * rows]));
    Array2::from_shape_vec((frames, rows), out)
        .map(|a| a.reversed_axes())
        .map_err(|e| bad(format!("output shape: {e}")))
}

/// `librosa.feature.melspectrogram(S=S, sr=sr, n_mels=n_mels, fmin=fmin, fmax=fmax)`:
/// the Slaney mel filterbank (`htk=False`, `norm='slaney'`;
/// `crate::dsp::filterbank::MelFilterbank`) applied to each frame of `S` (a power
/// spectrogram for librosa's default `power=2`). `fmax = None` means `sr/2`. Shape
/// `(n_mels, n_frames)`.
pub fn melspectrogram(
    s: ArrayView2<'_, f32>,
    sr: u32,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
) -> Result<Array2<f32>> {
    let n_fft = n_fft_of(s)?;
    if n_mels == 0 {
        return Err(bad("n_mels must be a positive integer"));
    }
    let fmax = fmax.unwrap_or(sr as f64 / 2.0);
    if !(fmin >= 0.0 && fmax > fmin) {
        return Err(bad(format!(
            "mel filters need 0 <= fmin < fmax, got fmin={fmin}, fmax={fmax}"
        )));
    }
    let fb = MelFilterbank::new(sr, n_fft, n_mels, fmin, fmax);
    map_frames(s, n_mels, |col, out| fb.apply(col, out))
}

/// `librosa.power_to_db(S, ref=ref_value, amin=amin, top_db=top_db)`:
/// `10·log10(max(S, amin)) − 10·log10(max(|ref|, amin))`, then, with `top_db`, floored at
/// the matrix maximum minus `top_db` (librosa's defaults: `ref=1.0`, `amin=1e-10`,
/// `top_db=80`). Errors on `amin ≤ 0` or `top_db < 0`, as librosa.
pub fn power_to_db(
    s: ArrayView2<'_, f32>,
    ref_value: f32,
    amin: f32,
    top_db: Option<f32>,
) -> Result<Array2<f32>> {
    if !is_pos(amin as f64) {
        return Err(bad("amin must be strictly positive"));
    }
    let db = |x: f32| (10.0 * (x.max(amin) as f64).log10()) as f32;
    let offset = db(ref_value.abs());
    let mut out = s.mapv(|x| db(x) - offset);
    if let Some(top) = top_db {
        if !is_nonneg(top as f64) {
            return Err(bad("top_db must be non-negative"));
        }
        let floor = out.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) - top;
        out.mapv_inplace(|v| v.max(floor));
    }
    Ok(out)
}

/// `librosa.feature.mfcc(S=S_db, n_mfcc=n_mfcc)` (`dct_type=2`, `norm='ortho'`, no
/// liftering): the first `n_mfcc` orthonormal DCT-II coefficients of each frame of a
/// log-power mel spectrogram (`crate::dsp::filterbank::Dct2`). Shape
/// `(min(n_mfcc, n_mels), n_frames)`.
pub fn mfcc(s_db: ArrayView2<'_, f32>, n_mfcc: usize) -> Result<Array2<f32>> {
    let n_in = s_db.nrows();
    if n_in == 0 {
        return Err(bad("mfcc needs a mel spectrogram with at least one band"));
    }
    let n_out = n_mfcc.min(n_in);
    let dct = Dct2::new(n_in, n_out);
    map_frames(s_db, n_out, |col, out| dct.apply(col, out))
}
