//! `librosa.stft` and `librosa.magphase`-style magnitude spectrograms.

use ndarray::Array2;
use realfft::num_complex::Complex32;

use crate::dsp::Stft;
use crate::error::Result;

/// Runs the streaming STFT over `y`, calling `frame` with each frame's spectrum and magnitude.
fn frames(
    y: &[f32],
    n_fft: usize,
    hop: usize,
    mut frame: impl FnMut(&[Complex32], &[f32]),
) -> Result<usize> {
    let mut stft = Stft::new(n_fft, hop)?;
    let mut sink = |f: &crate::dsp::Frame<'_>| frame(f.spectrum, f.magnitude);
    stft.push(y, &mut sink);
    stft.finish(&mut sink);
    Ok(stft.frames())
}

/// `librosa.stft(y, n_fft=n_fft, hop_length=hop)` with the defaults `window='hann'`,
/// `center=True`, `pad_mode='constant'`: the complex spectrogram, shape
/// `(n_fft/2 + 1, 1 + len/hop)`, column-major like librosa's. Windowing and FFT in f64,
/// rounded to complex f32 (see `crate::dsp::stft`). Errors on an odd `n_fft`, `n_fft < 16`
/// or a hop outside `1..=n_fft`.
pub fn stft(y: &[f32], n_fft: usize, hop: usize) -> Result<Array2<Complex32>> {
    let bins = n_fft / 2 + 1;
    let mut out = Vec::with_capacity(bins * (1 + y.len() / hop.max(1)));
    let n = frames(y, n_fft, hop, |spec, _| out.extend_from_slice(spec))?;
    to_bins_by_frames(out, n, bins)
}

/// `np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** power`: the magnitude
/// (`power = 1`) or power (`power = 2`) spectrogram, shape `(n_fft/2 + 1, frames)`. The
/// magnitude is taken in f32 from the f32 spectrum, like numpy's `abs` of a complex64 array.
pub fn magnitude(y: &[f32], n_fft: usize, hop: usize, power: f32) -> Result<Array2<f32>> {
    let bins = n_fft / 2 + 1;
    let mut out = Vec::with_capacity(bins * (1 + y.len() / hop.max(1)));
    let n = frames(y, n_fft, hop, |_, mag| {
        if power == 1.0 {
            out.extend_from_slice(mag)
        } else if power == 2.0 {
            out.extend(mag.iter().map(|m| m * m))
        } else {
            out.extend(mag.iter().map(|m| m.powf(power)))
        }
    })?;
    to_bins_by_frames(out, n, bins)
}

/// A frame-major buffer (`frames × bins`) as a `(bins, frames)` matrix, without copying.
fn to_bins_by_frames<T>(data: Vec<T>, frames: usize, bins: usize) -> Result<Array2<T>> {
    Array2::from_shape_vec((frames, bins), data)
        .map(|a| a.reversed_axes())
        .map_err(|e| super::bad(format!("STFT shape: {e}")))
}
