//! `librosa.feature.tempo` and `librosa.beat.beat_track` (librosa 0.11), on an onset envelope.
//!
//! # Tempo
//! The autocorrelation tempogram of the envelope: windows of `win = ⌊8 s · sr / hop⌋ / 1`
//! frames (`ac_size = 8`), centred by linear ramps from 0, weighted by a periodic Hann
//! window, autocorrelated (lags `0 … win−1`), each frame scaled to a maximum of 1; averaged
//! over frames. With `bpm[l] = 60·sr / (hop·l)`, the tempo is `bpm[l*]` for
//! `l* = argmax ln(1 + 10⁶·tg[l]) − ½ (log2(bpm[l]/start_bpm) / std_bpm)²` over lags with
//! `bpm < max_tempo` (320).
//!
//! # Beats
//! Ellis' dynamic programme as librosa runs it: the envelope over its standard deviation
//! (`ddof=1`), smoothed by a Gaussian of `±p` frames (`p = round(60·fps / bpm)`); the
//! cumulative score `C[i] = L[i] + max_{i−2p ≤ j ≤ i−round(p/2)} C[j] − α·(ln(i−j) − ln p)²`;
//! back-tracking from the last local maximum of `C` above half the median of its local
//! maxima; leading and trailing frames whose local score is at most half the RMS of the
//! Hann-smoothed beat scores dropped (`trim`).

use ndarray::Array1;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex64;

use super::{bad, is_pos};
use crate::error::Result;

/// Parameters of [`tempo`] and [`beat_track`], librosa's defaults in [`Default`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeatParams {
    /// Initial guess of the tempo (centre of the log-normal prior), BPM. Default 120.
    pub start_bpm: f64,
    /// Standard deviation of the prior, octaves. Default 1.
    pub std_bpm: f64,
    /// Autocorrelation window, seconds. Default 8.
    pub ac_size: f64,
    /// Tempi at or above this are never chosen, BPM. Default 320.
    pub max_tempo: Option<f64>,
    /// DP tightness α. Default 100.
    pub tightness: f64,
    /// Drop weak leading and trailing beats. Default `true`.
    pub trim: bool,
}

impl Default for BeatParams {
    fn default() -> Self {
        BeatParams {
            start_bpm: 120.0,
            std_bpm: 1.0,
            ac_size: 8.0,
            max_tempo: Some(320.0),
            tightness: 100.0,
            trim: true,
        }
    }
}

/// Smallest `n ≥ min` whose only prime factors are 2, 3 and 5 (scipy's `next_fast_len`
/// for real transforms), so the autocorrelation FFT has the same length as librosa's.
fn next_fast_len(min: usize) -> usize {
    let mut n = min.max(1);
    loop {
        let mut m = n;
        for p in [2, 3, 5] {
            while m.is_multiple_of(p) {
                m /= p;
            }
        }
        if m == 1 {
            return n;
        }
        n += 1;
    }
}

/// The time-averaged, frame-normalised autocorrelation tempogram (`win` lags), f64.
fn mean_tempogram(env: &[f32], win: usize) -> Vec<f64> {
    let n = env.len();
    let half = win / 2;
    // linear ramps from 0 to the edge values (numpy `pad(mode='linear_ramp')`), in f32
    let mut padded = Vec::with_capacity(n + 2 * half);
    let first = env.first().copied().unwrap_or(0.0) as f64;
    let last = env.last().copied().unwrap_or(0.0) as f64;
    padded.extend((0..half).map(|i| (first * i as f64 / half as f64) as f32));
    padded.extend_from_slice(env);
    padded.extend((0..half).map(|i| (last * (half - 1 - i) as f64 / half as f64) as f32));
    let window = crate::dsp::stft::hann_periodic(win);
    let len = next_fast_len(2 * win - 1);
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(len);
    let inv = planner.plan_fft_inverse(len);
    let mut buf = fwd.make_input_vec();
    let mut spec = fwd.make_output_vec();
    let mut scratch =
        vec![Complex64::new(0.0, 0.0); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let mut ac = vec![0f64; len];
    let mut sum = vec![0f64; win];
    for t in 0..n {
        let Some(frame) = padded.get(t..t + win) else {
            break;
        };
        buf.fill(0.0);
        for ((b, &x), &w) in buf.iter_mut().zip(frame).zip(&window) {
            *b = x as f64 * w;
        }
        // lengths are fixed at plan time, so the transforms cannot fail
        let _ = fwd.process_with_scratch(&mut buf, &mut spec, &mut scratch);
        for c in spec.iter_mut() {
            *c = Complex64::new(c.norm_sqr(), 0.0);
        }
        let _ = inv.process_with_scratch(&mut spec, &mut ac, &mut scratch);
        let scale = 1.0 / len as f64;
        let peak = ac[..win]
            .iter()
            .fold(0f64, |m, &v| m.max((v * scale).abs()));
        // util.normalize(norm=inf): frames whose maximum is below `tiny` stay as they are
        let div = if peak < f64::MIN_POSITIVE { 1.0 } else { peak };
        for (s, &v) in sum.iter_mut().zip(&ac[..win]) {
            *s += v * scale / div;
        }
    }
    sum.iter_mut().for_each(|s| *s /= n.max(1) as f64);
    sum
}

/// `librosa.feature.tempo(onset_envelope=env, sr=sr, hop_length=hop)` with the prior and
/// window of `params`: the global tempo in BPM (see the module notes). Errors on
/// `start_bpm ≤ 0`, `std_bpm ≤ 0`, `sr = 0` or `hop = 0`, or a window of no frame.
pub fn tempo(env: &[f32], sr: u32, hop: usize, params: &BeatParams) -> Result<f64> {
    if !is_pos(params.start_bpm) {
        return Err(bad("start_bpm must be strictly positive"));
    }
    if !is_pos(params.std_bpm) || sr == 0 || hop == 0 {
        return Err(bad("std_bpm, sr and hop_length must be strictly positive"));
    }
    // time_to_frames: ⌊⌊ac_size·sr⌋ / hop⌋
    let win = ((params.ac_size * sr as f64).floor() as usize) / hop;
    if win < 1 {
        return Err(bad("win_length must be a positive integer"));
    }
    let tg = mean_tempogram(env, win);
    let bpm = |l: usize| {
        if l == 0 {
            f64::INFINITY
        } else {
            60.0 * sr as f64 / (hop as f64 * l as f64)
        }
    };
    // lags before the first with bpm < max_tempo are excluded
    let first = match params.max_tempo {
        Some(m) => (0..win).position(|l| bpm(l) < m).unwrap_or(0),
        None => 0,
    };
    let mut best = (f64::NEG_INFINITY, first);
    for (l, &v) in tg.iter().enumerate().skip(first) {
        let prior = -0.5 * ((bpm(l).log2() - params.start_bpm.log2()) / params.std_bpm).powi(2);
        let score = (1e6 * v).ln_1p() + prior;
        if score > best.0 {
            best = (score, l);
        }
    }
    Ok(bpm(best.1))
}

/// `librosa.beat.beat_track(onset_envelope=env, sr=sr, hop_length=hop, bpm=bpm, …)`: the
/// tempo (estimated by [`tempo`] when `bpm` is `None`) and the beat frames. An all-zero
/// envelope gives `(0, [])`, as librosa. Errors on a non-positive `bpm` or tightness.
pub fn beat_track(
    env: &[f32],
    sr: u32,
    hop: usize,
    bpm: Option<f64>,
    params: &BeatParams,
) -> Result<(f64, Vec<usize>)> {
    if env.iter().all(|&v| v == 0.0) {
        return Ok((0.0, Vec::new()));
    }
    let bpm = match bpm {
        Some(b) => b,
        None => tempo(env, sr, hop, params)?,
    };
    if !is_pos(bpm) {
        return Err(bad(format!("bpm={bpm} must be strictly positive")));
    }
    if !is_pos(params.tightness) {
        return Err(bad("tightness must be strictly positive"));
    }
    let fps = sr as f64 / hop as f64;
    let period = (fps * 60.0 / bpm).round_ties_even() as f32;
    let local = local_score(env, period);
    let (back, cum) = dp(&local, period, params.tightness as f32);
    let mut beats = vec![false; env.len()];
    let mut n = last_beat(&cum) as i64;
    while n >= 0 {
        beats[n as usize] = true;
        n = back[n as usize];
    }
    trim(&local, &mut beats, params.trim);
    Ok((bpm, (0..beats.len()).filter(|&i| beats[i]).collect()))
}

/// The envelope over its standard deviation (`ddof=1`), Gaussian-smoothed over ±`period`
/// frames (a same-mode convolution that, like librosa's, never reads the first sample).
fn local_score(env: &[f32], period: f32) -> Array1<f32> {
    let n = env.len();
    let mean = env.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let var =
        env.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0).max(1.0);
    let norm = (var.sqrt() as f32) + f32::MIN_POSITIVE;
    let x: Vec<f32> = env.iter().map(|&v| v / norm).collect();
    let p = period as i64;
    let window: Vec<f64> = (-p..=p)
        .map(|k| (-0.5 * (k as f64 * 32.0 / period as f64).powi(2)).exp())
        .collect();
    let kk = window.len() as i64;
    let mut out = Array1::<f32>::zeros(n);
    for i in 0..n as i64 {
        let mut acc = 0f32;
        for k in (i + kk / 2 - n as i64 + 1).max(0)..(i + kk / 2).min(kk) {
            acc = (acc as f64 + window[k as usize] * x[(i + kk / 2 - k) as usize] as f64) as f32;
        }
        out[i as usize] = acc;
    }
    out
}

/// The DP: back-links (−1: none) and cumulative scores.
fn dp(local: &Array1<f32>, period: f32, tightness: f32) -> (Vec<i64>, Vec<f32>) {
    let n = local.len();
    let thresh = 0.01 * local.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    let mut back = vec![-1i64; n];
    let mut cum = vec![0f32; n];
    let mut first_beat = true;
    let near = (period as f64 / 2.0).round_ties_even() as i64;
    let far = 2 * period as i64;
    let ln_p = (period as f64).ln();
    for (i, &score_i) in local.iter().enumerate() {
        let i = i as i64;
        let (mut best, mut at) = (f64::NEG_INFINITY, -1i64);
        let mut loc = i - near;
        while loc >= i - far && loc >= 0 {
            let d = ((i - loc) as f64).ln() - ln_p;
            let score = cum[loc as usize] as f64 - tightness as f64 * d * d;
            if score > best {
                best = score;
                at = loc;
            }
            loc -= 1;
        }
        cum[i as usize] = if at >= 0 {
            (score_i as f64 + best) as f32
        } else {
            score_i
        };
        if first_beat && score_i < thresh {
            back[i as usize] = -1;
        } else {
            back[i as usize] = at;
            first_beat = false;
        }
    }
    (back, cum)
}

/// The last local maximum of `cum` at or above half the median of its local maxima.
fn last_beat(cum: &[f32]) -> usize {
    let n = cum.len();
    let is_max = |i: usize| {
        let prev = if i == 0 { cum[0] } else { cum[i - 1] };
        let next = if i + 1 == n { cum[i] } else { cum[i + 1] };
        cum[i] > prev && cum[i] >= next
    };
    let mut maxima: Vec<f64> = (0..n)
        .filter(|&i| is_max(i))
        .map(|i| cum[i] as f64)
        .collect();
    if maxima.is_empty() {
        return n.saturating_sub(1);
    }
    maxima.sort_by(f64::total_cmp);
    let m = maxima.len();
    let median = if m % 2 == 1 {
        maxima[m / 2]
    } else {
        (maxima[m / 2 - 1] + maxima[m / 2]) / 2.0
    };
    let threshold = (0.5 * median) as f32;
    (0..n)
        .rev()
        .find(|&i| is_max(i) && cum[i] >= threshold)
        .unwrap_or(n.saturating_sub(1))
}

/// Drops leading and trailing frames whose local score is at most half the RMS of the
/// Hann(5)-smoothed beat scores (0 without `trim`).
fn trim(local: &Array1<f32>, beats: &mut [bool], trim: bool) {
    let n = local.len();
    let vals: Vec<f64> = (0..n)
        .filter(|&i| beats[i])
        .map(|i| local[i] as f64)
        .collect();
    let threshold = if trim && !vals.is_empty() {
        // np.convolve(vals, hanning(5))[2 : n + 2]; hanning(5) = [0, .5, 1, .5, 0]
        let w = [0.0, 0.5, 1.0, 0.5, 0.0];
        let m = vals.len();
        let full: Vec<f64> = (0..m + 4)
            .map(|j| {
                (0..5)
                    .filter(|&k| j >= k && j - k < m)
                    .map(|k| vals[j - k] * w[k])
                    .sum()
            })
            .collect();
        let part = &full[2..(n + 2).min(m + 4)];
        0.5 * (part.iter().map(|v| v * v).sum::<f64>() / part.len() as f64).sqrt()
    } else {
        0.0
    };
    let mut i = 0;
    while i < n && local[i] as f64 <= threshold {
        beats[i] = false;
        i += 1;
    }
    let mut i = n;
    while i > 0 && local[i - 1] as f64 <= threshold {
        beats[i - 1] = false;
        i -= 1;
    }
}
