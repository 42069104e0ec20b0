//! Frame-wise features of the waveform: `librosa.feature.rms(y=…)` and
//! `librosa.feature.zero_crossing_rate`.

use ndarray::Array1;

use super::bad;
use crate::error::Result;
use crate::features::zcr::Zcr;

/// `y` framed as librosa's `util.frame` after centring (`pad` samples of `fill` each side
/// when `center`): calls `f(t, frame)` for each frame, returns the frame count.
fn framed(
    y: &[f32],
    frame_length: usize,
    hop: usize,
    center: bool,
    mut f: impl FnMut(usize, &[f32]),
) -> Result<usize> {
    if frame_length == 0 || hop == 0 {
        return Err(bad(format!(
            "Invalid frame_length={frame_length} or hop_length={hop}: both must be positive"
        )));
    }
    let pad = if center { frame_length / 2 } else { 0 };
    let mut padded = Vec::with_capacity(y.len() + 2 * pad);
    padded.resize(pad, 0.0);
    padded.extend_from_slice(y);
    padded.resize(y.len() + 2 * pad, 0.0);
    if padded.len() < frame_length {
        return Err(bad(format!(
            "Input is too short (n={}) for frame_length={frame_length}",
            padded.len()
        )));
    }
    let n = 1 + (padded.len() - frame_length) / hop;
    for t in 0..n {
        f(t, &padded[t * hop..t * hop + frame_length]);
    }
    Ok(n)
}

/// `librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop, center=center)`
/// (defaults 2048, 512, `True` with zero padding): `√(mean x²)` over each frame (f64
/// accumulation). Errors on a zero length or a signal shorter than one frame.
pub fn rms(y: &[f32], frame_length: usize, hop: usize, center: bool) -> Result<Array1<f32>> {
    let mut out = Vec::with_capacity(1 + y.len() / hop.max(1));
    framed(y, frame_length, hop, center, |_, x| {
        let ms = crate::dsp::kernels::sum_squares_f64(x) / frame_length as f64;
        out.push(ms.sqrt() as f32);
    })?;
    Ok(Array1::from(out))
}

/// `librosa.feature.zero_crossing_rate(y, frame_length=frame_length, hop_length=hop,
/// center=center)` (defaults 2048, 512, `True`; threshold 1e-10, `zero_pos=True`): the
/// fraction of sign changes in each frame. With `center` the signal is padded with its
/// edge samples, as librosa's `pad_mode='edge'`. Per-frame rule:
/// `crate::features::zcr`.
pub fn zero_crossing_rate(
    y: &[f32],
    frame_length: usize,
    hop: usize,
    center: bool,
) -> Result<Array1<f32>> {
    let mut out = Vec::with_capacity(1 + y.len() / hop.max(1));
    if center {
        // The streaming rule sees zero-padded frames and restores the edge padding itself.
        let mut z = Zcr::default();
        z.audio(y);
        framed(y, frame_length, hop, true, |t, x| {
            out.push(z.frame(t, x, hop))
        })?;
    } else {
        let neg = |x: f32| (x < -1e-10) as u32;
        framed(y, frame_length, hop, false, |_, x| {
            let count: u32 = x.iter().zip(&x[1..]).map(|(&a, &b)| neg(a) ^ neg(b)).sum();
            out.push(count as f32 / frame_length as f32);
        })?;
    }
    Ok(Array1::from(out))
}
