//! Onset strength (spectral flux), as `librosa.onset.onset_strength(y, sr)` defines it.
//!
//! With `L[m, t]` the mel spectrogram in dB (128 bands, `power_to_db` with ref 1 and the
//! 80 dB floor below the track maximum):
//! `d[t] = (1/128) Σ_m max(0, L[m, t+1] − L[m, t])` (lag 1, no max filter), and
//! the envelope is `onset[t] = 0` for `t < 3`, `onset[t] = d[t−3]` otherwise
//! (librosa pads `lag + n_fft/(2·hop) = 3` frames in front and trims to the frame count), so
//! `onset[t]` measures the change from frame `t−3` to `t−2`.

/// Mean half-wave-rectified difference between two (floored) dB rows.
pub fn flux(prev: &[f32], cur: &[f32]) -> f32 {
    let s: f32 = cur.iter().zip(prev).map(|(c, p)| (c - p).max(0.0)).sum();
    s / cur.len().max(1) as f32
}

/// Builds the envelope (one value per frame) from the frame-to-frame differences
/// `d[0 … n−2]` of an `n`-frame track.
pub fn envelope_from_flux(diffs: &[f32], n_frames: usize) -> Vec<f32> {
    let mut env = vec![0.0f32; n_frames];
    for (t, e) in env.iter_mut().enumerate().skip(3) {
        if let Some(&d) = diffs.get(t - 3) {
            *e = d;
        }
    }
    env
}
