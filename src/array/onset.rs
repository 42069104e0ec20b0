//! `librosa.onset.onset_strength` on a log-power (mel) spectrogram.

use ndarray::{Array1, ArrayView2};

use super::{bad, for_each_frame};
use crate::error::Result;
use crate::features::onset::flux;

/// How the per-band differences of one frame are combined (`aggregate=` in librosa).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// `np.mean`, librosa's default.
    #[default]
    Mean,
    /// `np.median`, what `librosa.beat.beat_track(y=…)` uses.
    Median,
}

/// `librosa.onset.onset_strength(S=S_db, lag=lag, n_fft=n_fft, hop_length=hop,
/// center=center, aggregate=…)` with `max_size=1`, `detrend=False`: the half-wave-rectified
/// difference of each band between frames `t − lag` and `t`, combined over bands, and
/// shifted by `lag` (+ `n_fft / (2·hop)` with `center`) zero frames so that it lines up with
/// the frames of `S`. Length `n_frames`. `S_db` is a dB spectrogram, as
/// `power_to_db(melspectrogram(y))` (what librosa computes from `y`). Errors on `lag = 0`
/// or `hop = 0`.
pub fn onset_strength(
    s_db: ArrayView2<'_, f32>,
    lag: usize,
    n_fft: usize,
    hop: usize,
    center: bool,
    aggregate: Aggregate,
) -> Result<Array1<f32>> {
    if lag == 0 {
        return Err(bad("lag must be a positive integer"));
    }
    if hop == 0 {
        return Err(bad("hop_length must be a positive integer"));
    }
    let (bands, frames) = s_db.dim();
    // frame-major copy: the differences need two frames at once
    let mut rows = Vec::with_capacity(bands * frames);
    for_each_frame(s_db, |_, col| rows.extend_from_slice(col));
    let row = |t: usize| &rows[t * bands..(t + 1) * bands];
    let pad = lag + if center { n_fft / (2 * hop) } else { 0 };
    let mut env = Array1::<f32>::zeros(frames);
    let mut scratch = Vec::with_capacity(bands);
    for t in lag..frames {
        let d = match aggregate {
            Aggregate::Mean => flux(row(t - lag), row(t)),
            Aggregate::Median => {
                scratch.clear();
                scratch.extend(
                    row(t)
                        .iter()
                        .zip(row(t - lag))
                        .map(|(c, p)| (c - p).max(0.0)),
                );
                median(&mut scratch)
            }
        };
        // difference `t − lag` lands on frame `t − lag + pad`
        if let Some(e) = env.get_mut(t - lag + pad) {
            *e = d;
        }
    }
    Ok(env)
}

/// numpy's median: the middle value, or the mean of the two middle values.
fn median(v: &mut [f32]) -> f32 {
    let n = v.len();
    if n == 0 {
        return f32::NAN;
    }
    let mid = n / 2;
    let (lo, &mut hi, _) = v.select_nth_unstable_by(mid, f32::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let below = lo.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        (below + hi) / 2.0
    }
}
