//! Onset picking on the onset-strength envelope, for the onset rate.
//!
//! # Method
//! The peak-picking rule of S. Böck, F. Krebs, M. Schedl, "Evaluating the online capabilities
//! of onset detection methods", ISMIR 2012 (also librosa's `onset_detect` defaults), written
//! from the paper's description:
//!
//! - the envelope is scaled to `[0, 1]`: `e'(t) = (e(t) − min e) / (max e − min e)`;
//! - frame `t` is an onset when `e'(t) = max e'[t − pre_max, t + post_max]`,
//!   `e'(t) ≥ mean e'[t − pre_avg, t + post_avg] + δ`, and at least `wait` frames have passed
//!   since the previous onset.
//!
//! Parameters (seconds, converted to frames with `fps = sr / hop`): `pre_max` 0.03, `post_max`
//! 0 (one frame), `pre_avg` 0.1, `post_avg` 0.1, `wait` 0.03, `δ` = 0.07.
//! Onset rate = number of onsets / envelope duration (`n·hop / sr` seconds).
//! Envelopes with no dynamic range (silence, a steady drone with `max − min` below 1e-6 of
//! the maximum) have no onsets.

/// Threshold above the local mean (in units of the envelope's range).
pub const DELTA: f32 = 0.07;

/// Counts onsets in `env`. `fps` = envelope frames per second.
pub fn count_onsets(env: &[f32], fps: f32) -> usize {
    let n = env.len();
    if n == 0 || !fps.is_finite() || fps <= 0.0 {
        return 0;
    }
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in env {
        if !v.is_finite() {
            return 0;
        }
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let range = hi - lo;
    if range <= 1e-6 * hi.abs().max(1e-12) {
        return 0;
    }
    let frames = |s: f32| (s * fps).round() as usize;
    let pre_max = frames(0.03);
    let post_max = 1usize; // librosa's post_max=0 still includes the frame itself; +1 frame
    let pre_avg = frames(0.1);
    let post_avg = frames(0.1) + 1;
    let wait = frames(0.03);
    let scale = 1.0 / range;
    let norm = |i: usize| (env[i] - lo) * scale;
    let mut count = 0usize;
    let mut last: Option<usize> = None;
    for t in 0..n {
        let v = norm(t);
        let a = t.saturating_sub(pre_max);
        let b = (t + post_max).min(n);
        let mut is_max = true;
        for i in a..b {
            if norm(i) > v {
                is_max = false;
                break;
            }
        }
        if !is_max {
            continue;
        }
        let a = t.saturating_sub(pre_avg);
        let b = (t + post_avg).min(n);
        let mut s = 0.0f32;
        for i in a..b {
            s += norm(i);
        }
        let mean = s / (b - a) as f32;
        if v < mean + DELTA {
            continue;
        }
        if let Some(l) = last
            && t - l <= wait
        {
            continue;
        }
        count += 1;
        last = Some(t);
    }
    count
}

/// Onsets per second.
pub fn onset_rate(env: &[f32], fps: f32) -> f32 {
    if env.is_empty() || !fps.is_finite() || fps <= 0.0 {
        return 0.0;
    }
    let duration = env.len() as f32 / fps;
    count_onsets(env, fps) as f32 / duration
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_isolated_peaks() {
        let mut e = vec![0.0f32; 430];
        for k in 0..10 {
            e[10 + 40 * k] = 1.0;
        }
        assert_eq!(count_onsets(&e, 43.066), 10);
        assert!((onset_rate(&e, 43.066) - 10.0 / (430.0 / 43.066)).abs() < 1e-4);
    }

    #[test]
    fn flat_and_empty_have_none() {
        assert_eq!(count_onsets(&[0.0; 100], 43.0), 0);
        assert_eq!(count_onsets(&[0.5; 100], 43.0), 0);
        assert_eq!(onset_rate(&[], 43.0), 0.0);
    }
}
