//! librosa-compatible functions on sample slices and spectrogram matrices.
//!
//! The public, array-level face of leitmotif: the same definitions, parameters, defaults and
//! output shapes as librosa 0.11, built on the crate's streaming internals (the STFT of
//! `crate::dsp::stft`, the spectral shape functions of `crate::features::spectral`, the
//! mel and DCT banks of `crate::dsp::filterbank`, the chroma bank and tuning estimator of
//! `crate::features::tonal`, the decoder and resampler of `crate::audio`). The Python
//! package (`python/`) is a thin layer over this module.
//!
//! Conventions, as in librosa:
//!
//! - a signal is one channel of `f32` samples (`y`); multichannel input is handled by the
//!   caller one channel at a time;
//! - a spectrogram is an `(n_bins, n_frames)` matrix (`S`), `n_bins = n_fft/2 + 1`;
//! - per-frame features are `(1, n_frames)` rows returned here as [`Array1`]s of length
//!   `n_frames` (the caller adds the leading axis), multi-row features are `(rows, n_frames)`.
//!
//! Accuracy against librosa 0.11 on the committed fixtures is measured by
//! `python/tests/test_librosa_parity.py` (figures in `docs/python.md`).
//!
//! ```
//! use leitmotif::array;
//! let sr = 22050;
//! let y: Vec<f32> = (0..sr).map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / sr as f32).sin()).collect();
//! let s = array::magnitude(&y, 2048, 512, 1.0)?;
//! let centroid = array::spectral_centroid(s.view(), sr as u32);
//! assert_eq!(centroid.len(), 1 + y.len() / 512);
//! assert!((centroid[20] - 440.0).abs() < 20.0);
//! # Ok::<(), leitmotif::Error>(())
//! ```
//!
//! [`Array1`]: ndarray::Array1

mod beat;
mod chroma;
mod load;
mod mel;
mod onset;
mod spectral;
mod spectrum;
mod time_domain;

pub use beat::{BeatParams, beat_track, tempo};
pub use chroma::{chroma_stft, estimate_tuning};
pub use load::load;
pub use mel::{melspectrogram, mfcc, power_to_db};
pub use onset::{Aggregate, onset_strength};
pub use spectral::{
    rms_from_spectrum, spectral_bandwidth, spectral_centroid, spectral_contrast, spectral_flatness,
    spectral_rolloff,
};
pub use spectrum::{magnitude, stft};
pub use time_domain::{rms, zero_crossing_rate};

use ndarray::ArrayView2;

use crate::error::{Error, Result};

/// A parameter error (librosa's `ParameterError`), as [`Error::Config`].
pub(crate) fn bad(cause: impl Into<String>) -> Error {
    Error::Config {
        cause: cause.into(),
    }
}

/// `x > 0`, false for NaN.
pub(crate) fn is_pos(x: f64) -> bool {
    x > 0.0
}

/// `x ≥ 0`, false for NaN.
pub(crate) fn is_nonneg(x: f64) -> bool {
    x >= 0.0
}

/// Calls `f` with every column (frame) of `s` as a contiguous slice, copying a column into
/// one reused buffer only when the matrix is not column-contiguous.
pub(crate) fn for_each_frame(s: ArrayView2<'_, f32>, mut f: impl FnMut(usize, &[f32])) {
    let mut scratch = Vec::new();
    for (t, col) in s.columns().into_iter().enumerate() {
        match col.as_slice() {
            Some(c) => f(t, c),
            None => {
                scratch.clear();
                scratch.extend(col.iter().copied());
                f(t, &scratch);
            }
        }
    }
}

/// `n_fft` implied by a spectrogram of `n_bins` rows (`2·(n_bins − 1)`), as librosa infers it.
pub(crate) fn n_fft_of(s: ArrayView2<'_, f32>) -> Result<usize> {
    match s.nrows() {
        0 | 1 => Err(bad(format!(
            "a spectrogram needs at least 2 frequency bins, got S.shape={:?}",
            s.shape()
        ))),
        n => Ok(2 * (n - 1)),
    }
}
