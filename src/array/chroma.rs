//! `librosa.feature.chroma_stft` and `librosa.estimate_tuning` on a power spectrogram.

use ndarray::{Array2, ArrayView2};

use super::{bad, for_each_frame, n_fft_of};
use crate::error::Result;
use crate::features::tonal::chroma::ChromaFilterbank;
use crate::features::tonal::tuning::PitchCandidates;

/// `librosa.estimate_tuning(S=S, sr=sr)` with its defaults (`bins_per_octave=12`,
/// `resolution=0.01`, piptrack's 150–4000 Hz and threshold 0.1): the deviation from A440 in
/// fractions of a semitone, a multiple of 0.01 in `[−0.5, 0.5)`; 0 when no peak is found.
/// Definition: `crate::features::tonal::tuning`.
pub fn estimate_tuning(s: ArrayView2<'_, f32>, sr: u32) -> Result<f64> {
    let n_fft = n_fft_of(s)?;
    let mut cands = PitchCandidates::new(sr, n_fft);
    for_each_frame(s, |_, col| cands.push_frame(col));
    Ok(cands.estimate())
}

/// `librosa.feature.chroma_stft(S=S, sr=sr, tuning=tuning)` (`n_chroma=12`, `norm=inf`):
/// the 12-bin chromagram of a power spectrogram, each frame divided by its maximum. With
/// `tuning = None` the tuning is estimated from `S` as librosa does ([`estimate_tuning`]).
/// Shape `(12, n_frames)`; filterbank: `crate::features::tonal::chroma`.
pub fn chroma_stft(s: ArrayView2<'_, f32>, sr: u32, tuning: Option<f64>) -> Result<Array2<f32>> {
    let n_fft = n_fft_of(s)?;
    let tuning = match tuning {
        Some(t) if !t.is_finite() => return Err(bad(format!("tuning={t} must be finite"))),
        Some(t) => t,
        None => estimate_tuning(s, sr)?,
    };
    let fb = ChromaFilterbank::new(sr, n_fft, tuning);
    super::mel::map_frames(s, 12, |col, out| out.copy_from_slice(&fb.apply(col)))
}
