//! Beat tracking by dynamic programming (Ellis 2007), given the global beat period.
//!
//! # Method
//! D. P. W. Ellis, "Beat tracking by dynamic programming", J. New Music Research 36(1), 2007.
//! Written from the paper.
//!
//! 1. **Local score** `O(t)`: the onset envelope divided by its standard deviation, smoothed
//!    by a Gaussian of `σ = τ_p / 32` frames (τ_p = beat period in frames), so a beat may sit
//!    a frame off an envelope peak without losing its score.
//! 2. **Recursion** over frames:
//!    `C(t) = O(t) + max_{t − 2τ_p ≤ t' ≤ t − τ_p/2} [ C(t') − α·(ln((t − t') / τ_p))² ]`,
//!    keeping the arg-max `P(t) = t'` as a back-link. With no admissible predecessor
//!    (`t < τ_p/2`) `C(t) = O(t)`. α ([`DEFAULT_TIGHTNESS`]) trades onset alignment against
//!    tempo regularity; a large value suits music with a steady tempo.
//! 3. **Back-tracking** from the frame of largest `C` among the last `τ_p` frames, following
//!    `P` to the start.
//! 4. Beat frames are converted to seconds as `t·hop / sr − latency`, where `latency`
//!    ([`ENVELOPE_LATENCY_S`]) compensates the envelope's delay relative to the note onset
//!    (the envelope is a first difference of frames centred on `t·hop`).
//!
//! Cost: `O(n·τ_p)` time (≈ 1.5 τ_p predecessors per frame), two envelope-length buffers.

/// Default DP tightness α.
pub const DEFAULT_TIGHTNESS: f32 = 400.0;
/// Delay of the onset envelope's peak after the onset it marks, seconds (measured on the
/// synthetic tuning set of an earlier version, seed 1 of `synth_corpus.py`).
pub const ENVELOPE_LATENCY_S: f32 = 0.04;

/// Scratch buffers of the beat tracker, reusable across tracks.
#[derive(Debug, Default, Clone)]
pub struct BeatScratch {
    local: Vec<f32>,
    cum: Vec<f32>,
    back: Vec<u32>,
    kernel: Vec<f32>,
}

/// Tracks beats in `env` with beat period `period` (frames). Writes beat frame indices to `out`.
pub fn track(
    env: &[f32],
    period: f32,
    tightness: f32,
    scratch: &mut BeatScratch,
    out: &mut Vec<usize>,
) {
    out.clear();
    let n = env.len();
    if n == 0 || !period.is_finite() || period < 2.0 {
        return;
    }
    // local score: env / std, Gaussian-smoothed
    let mut mean = 0.0f64;
    for &v in env {
        mean += v as f64;
    }
    mean /= n as f64;
    let mut var = 0.0f64;
    for &v in env {
        var += (v as f64 - mean).powi(2);
    }
    let std = (var / n as f64).sqrt();
    if !std.is_finite() || std <= 0.0 {
        return;
    }
    let sigma = (period / 32.0).max(0.5);
    let half = (3.0 * sigma).ceil() as usize;
    scratch.kernel.clear();
    let mut ksum = 0.0f32;
    for i in 0..=2 * half {
        let d = i as f32 - half as f32;
        let w = (-0.5 * (d / sigma).powi(2)).exp();
        scratch.kernel.push(w);
        ksum += w;
    }
    for w in scratch.kernel.iter_mut() {
        *w /= ksum;
    }
    scratch.local.clear();
    scratch.local.reserve(n);
    let inv_std = (1.0 / std) as f32;
    for t in 0..n {
        let mut s = 0.0f32;
        for (j, &w) in scratch.kernel.iter().enumerate() {
            let i = t as isize + j as isize - half as isize;
            if i >= 0 && (i as usize) < n {
                s += w * env[i as usize];
            }
        }
        scratch.local.push(s * inv_std);
    }

    // DP recursion
    scratch.cum.clear();
    scratch.cum.resize(n, 0.0);
    scratch.back.clear();
    scratch.back.resize(n, u32::MAX);
    let lo_off = (2.0 * period).round() as usize;
    let hi_off = ((0.5 * period).round() as usize).max(1);
    for t in 0..n {
        let mut best = f32::NEG_INFINITY;
        let mut arg = u32::MAX;
        if t >= hi_off {
            let start = t.saturating_sub(lo_off);
            for tp in start..=t - hi_off {
                let r = ((t - tp) as f32 / period).ln();
                let s = scratch.cum[tp] - tightness * r * r;
                if s > best {
                    best = s;
                    arg = tp as u32;
                }
            }
        }
        if arg == u32::MAX {
            scratch.cum[t] = scratch.local[t];
        } else {
            scratch.cum[t] = scratch.local[t] + best;
            scratch.back[t] = arg;
        }
    }

    // back-track from the best frame among the last period
    let tail_start = n.saturating_sub(period.ceil() as usize);
    let mut t = tail_start;
    for i in tail_start..n {
        if scratch.cum[i] > scratch.cum[t] {
            t = i;
        }
    }
    loop {
        out.push(t);
        let b = scratch.back[t];
        if b == u32::MAX {
            break;
        }
        t = b as usize;
    }
    out.reverse();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_a_pulse_train() {
        let n = 1000;
        let mut e = vec![0.05f32; n];
        for k in 0..50 {
            let i = 7 + k * 20;
            if i < n {
                e[i] = 1.0;
            }
        }
        let mut s = BeatScratch::default();
        let mut b = Vec::new();
        track(&e, 20.0, DEFAULT_TIGHTNESS, &mut s, &mut b);
        assert!(b.len() >= 48, "{}", b.len());
        for &x in &b {
            assert_eq!((x + 20 - 7) % 20, 0, "beat at {x}");
        }
    }

    #[test]
    fn flat_envelope_gives_no_beats() {
        let mut s = BeatScratch::default();
        let mut b = vec![1, 2];
        track(&[0.3; 500], 20.0, DEFAULT_TIGHTNESS, &mut s, &mut b);
        assert!(b.is_empty());
    }
}
