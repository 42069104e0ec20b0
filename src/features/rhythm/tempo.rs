//! Global tempo: autocorrelation, a harmonic comb over it, and a metrical-level (octave) decision.
//!
//! # Method
//! Written from the published descriptions (no code copied):
//!
//! 1. **Detrended envelope.** `x[t] = e[t] − ē[t]`, where `ē` is a centred moving average of
//!    the onset envelope `e` over [`DETREND_S`] seconds (removes loudness drift, as the
//!    high-pass in Scheirer 1998 and Klapuri et al. 2006).
//! 2. **Autocorrelation** (unbiased, normalised):
//!    `ρ[l] = (Σ_t x[t]·x[t+l] / (n − l)) / (Σ_t x[t]² / n)`, `l = 0 … L`, with
//!    `L` = [`ACF_SPAN_S`] seconds of lag. Accumulated in f64. Cost `O(n·L)`: for a 2-hour
//!    mix (310 000 frames at 43 Hz) about 10⁸ multiply-adds.
//! 3. **Harmonic comb salience** (Scheirer 1998 comb filters; the "enhanced ACF" of
//!    Percival & Tzanetakis 2014; Klapuri 2006's periodicity summation): for a beat
//!    period `τ` frames (fractional),
//!    `S(τ) = (1/K) Σ_{k=1..K} ρ(k·τ)`, `K` = [`COMB_HARMONICS`], `ρ` linearly interpolated.
//!    A pulse that repeats at `τ` also repeats at `2τ, 3τ, …`, so `S` peaks at the periods
//!    of the metrical grid, and sharply at the right period.
//! 4. **Candidate.** `τ₀ = argmax S(τ)` over the allowed range `[min_bpm, max_bpm]`
//!    (grid of 0.05 BPM), refined by a parabola through the three best grid points and
//!    then by a long comb (all multiples `kτ ≤ L`) searched ±2 % around it, so the period is
//!    known to a small fraction of a frame.
//! 5. **Metrical level (octave) decision.** The comb cannot tell the beat from the half bar
//!    or the eighth note: all share multiples. Following the idea of "beat strength vs.
//!    subdivision" used by Klapuri 2006 (tatum/tactus/measure) and Percival & Tzanetakis
//!    2014 (octave decision from features of the pulse), we fold the envelope on a grid of
//!    period `τ` at its best phase `φ` and measure how strong the midpoints are. The fold
//!    uses the half-wave rectified detrended envelope `x⁺ = max(0, e − ē)`, so the baseline
//!    that sustained notes leave in `e` does not fill the empty grid points:
//!    `on(τ) = mean_k max x⁺[φ + kτ ± 1]`, `mid(τ) = mean_k max x⁺[φ + kτ + τ/2 ± 1]`,
//!    `m(τ) = mid / on` (phase and ratio computed per [`FOLD_WINDOW_S`] window and
//!    averaged, so a slowly drifting tempo does not blur the fold).
//!    At the beat level of a 4/4 groove the midpoints are off-beat eighths (weak, `m ≈ 0.1–0.5`);
//!    at the half-bar level they are beats 2 and 4 (snare: `m ≈ 0.7–1`); at the eighth level
//!    they are sixteenths (`m ≈ 0`). On the tuning set, `m(τ₀/2)` was ≤ 0.06 wherever `τ₀`
//!    was the beat and ≥ 0.15 wherever `τ₀` was the half bar (songs with a pulse below the
//!    beat level); the thresholds sit in those gaps. With the slower candidate `τ₀` (comb salience favours
//!    slow periods) we double the tempo when `m(τ₀) > MID_HIGH` (the midpoint is a full beat)
//!    or when `m(τ₀/2) > SUB_HIGH` (the doubled level itself has a clear subdivision, i.e. it
//!    looks like a beat with eighths), provided the doubled tempo stays within `max_bpm`.
//!    Before that, a ternary check: when the points at `τ₀/3` and `2τ₀/3` are as strong as the
//!    pulse (`m₃(τ₀) > MID_HIGH` and `m₃ > m`), the comb has locked onto every third beat
//!    (e.g. 60 for a steady 180 BPM pulse) and the tempo is tripled, if within `max_bpm`.
//! 6. **Confidence** `= clamp(S(τ̂), 0, 1)` at the chosen period: the mean normalised
//!    autocorrelation at its first multiples — 1 for a perfectly periodic envelope, ≈ 0 for
//!    noise or a single event. Below [`MIN_SALIENCE`], with less than [`MIN_DURATION_S`]
//!    of envelope, or when the detrended envelope's RMS is below `min_rms`
//!    ([`MIN_PULSE_RMS`] = 0.1 dB by default: a drone) there is no pulse: `bpm = None`,
//!    confidence 0.
//!
//! References: E. Scheirer, "Tempo and beat analysis of acoustic musical signals", JASA 1998;
//! A. Klapuri, A. Eronen, J. Astola, "Analysis of the meter of acoustic musical signals",
//! IEEE TASLP 2006; G. Percival, G. Tzanetakis, "Streamlined tempo estimation based on
//! autocorrelation and cross-correlation with pulses", IEEE/ACM TASLP 2014.

/// Moving-average width for detrending, seconds.
pub const DETREND_S: f32 = 1.5;
/// Longest autocorrelation lag, seconds.
pub const ACF_SPAN_S: f32 = 8.0;
/// Number of multiples in the comb salience.
pub const COMB_HARMONICS: usize = 4;
/// Window over which the envelope is folded for the level decision, seconds.
pub const FOLD_WINDOW_S: f32 = 20.0;
/// `m(τ₀)` above this: the midpoint is as strong as the pulse → double the tempo.
pub const MID_HIGH: f32 = 0.62;
/// `m(τ₀/2)` above this: the doubled level has a clear subdivision → double the tempo.
pub const SUB_HIGH: f32 = 0.11;
/// Comb salience below this means "no pulse".
pub const MIN_SALIENCE: f32 = 0.1;
/// Default [`estimate`] `min_rms`: RMS of the detrended envelope below which there is no pulse.
/// The envelope is in dB per band (librosa's definition, relative to the track's maximum), so
/// this is level-independent: songs measure 0.4–4 dB, a steady drone ≈ 0.02 dB (its tiny
/// leakage ripple can be perfectly periodic, so periodicity alone cannot reject it).
pub const MIN_PULSE_RMS: f32 = 0.1;
/// Shortest envelope that can carry a tempo, seconds.
pub const MIN_DURATION_S: f32 = 2.0;

/// Result of the tempo stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoEstimate {
    /// Tempo in BPM.
    pub bpm: f32,
    /// Beat period in envelope frames (fractional).
    pub period: f32,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
    /// Diagnostics: midpoint ratio `m` at the comb's candidate `τ₀` and at `τ₀/2`.
    pub mid_ratio: f32,
    /// See `mid_ratio`.
    pub sub_ratio: f32,
    /// Whether the tempo was doubled from the comb's candidate.
    pub doubled: bool,
    /// Diagnostics: third-point ratio `m₃` at `τ₀`.
    pub third_ratio: f32,
    /// Whether the tempo was tripled from the comb's candidate.
    pub tripled: bool,
}

/// `e − moving_average(e)` over `w` frames (centred, edges use the available part).
pub fn detrend(env: &[f32], w: usize, out: &mut Vec<f32>) {
    out.clear();
    let n = env.len();
    if n == 0 {
        return;
    }
    let half = w / 2;
    // running window sum in f64 over [t − half, t + half]
    let mut sum = 0.0f64;
    let mut a = 0usize; // window start (inclusive)
    let mut b = 0usize; // window end (exclusive)
    out.reserve(n);
    for t in 0..n {
        let want_b = (t + half + 1).min(n);
        while b < want_b {
            sum += env[b] as f64;
            b += 1;
        }
        let want_a = t.saturating_sub(half);
        while a < want_a {
            sum -= env[a] as f64;
            a += 1;
        }
        let mean = sum / (b - a) as f64;
        out.push((env[t] as f64 - mean) as f32);
    }
}

/// Normalised unbiased autocorrelation `ρ[0..=max_lag]` (`ρ[0] = 1`); all zeros when `x` is.
pub fn autocorrelation(x: &[f32], max_lag: usize, out: &mut Vec<f32>) {
    out.clear();
    let n = x.len();
    let max_lag = max_lag.min(n.saturating_sub(1));
    let mut r0 = 0.0f64;
    for &v in x {
        r0 += v as f64 * v as f64;
    }
    r0 /= n.max(1) as f64;
    for l in 0..=max_lag {
        if n == 0 {
            break;
        }
        let mut s = 0.0f64;
        for (a, b) in x[..n - l].iter().zip(&x[l..]) {
            s += *a as f64 * *b as f64;
        }
        let r = s / (n - l) as f64;
        out.push(if r0 > 0.0 { (r / r0) as f32 } else { 0.0 });
    }
}

/// `ρ` at a fractional lag (linear interpolation; 0 beyond the computed span).
#[inline]
pub fn acf_at(rho: &[f32], lag: f32) -> f32 {
    if lag < 0.0 {
        return 0.0;
    }
    let i = lag.floor() as usize;
    if i + 1 >= rho.len() {
        return 0.0;
    }
    let f = lag - i as f32;
    rho[i] * (1.0 - f) + rho[i + 1] * f
}

/// Comb salience `S(τ) = (1/K) Σ_{k=1..K} ρ(kτ)`.
pub fn comb_salience(rho: &[f32], period: f32, harmonics: usize) -> f32 {
    let mut s = 0.0f32;
    for k in 1..=harmonics {
        s += acf_at(rho, k as f32 * period);
    }
    s / harmonics as f32
}

/// Mean of `max e[i−1..=i+1]` over grid points `i = round(phase + kτ)`, `k ≥ 0`, within `[lo, hi)`.
fn grid_mean(env: &[f32], lo: usize, hi: usize, period: f32, phase: f32) -> f32 {
    let mut sum = 0.0f64;
    let mut count = 0usize;
    let mut t = lo as f32 + phase;
    while (t.round() as usize) < hi {
        let i = t.round() as usize;
        let a = i.saturating_sub(1).max(lo);
        let b = (i + 2).min(hi);
        let mut m = 0.0f32;
        for &v in &env[a..b] {
            m = m.max(v);
        }
        sum += m as f64;
        count += 1;
        t += period;
    }
    if count == 0 {
        0.0
    } else {
        (sum / count as f64) as f32
    }
}

/// Fold ratios of the envelope on a grid of period `τ` at its best phase: `(m, m₃)` with
/// `m = mid / on` (midpoints `φ + τ/2`) and `m₃ = mean(third₁, third₂) / on` (points
/// `φ + τ/3`, `φ + 2τ/3`), accumulated over windows of `window` frames (best phase per
/// window). Returns zeros for a silent envelope.
pub fn fold_ratios(env: &[f32], period: f32, window: usize) -> (f32, f32) {
    let n = env.len();
    if n == 0 || !period.is_finite() || period < 1.0 {
        return (0.0, 0.0);
    }
    let window = window.max((4.0 * period).ceil() as usize);
    let (mut on_sum, mut mid_sum, mut third_sum) = (0.0f64, 0.0f64, 0.0f64);
    let mut lo = 0;
    while lo < n {
        let mut hi = (lo + window).min(n);
        if n - hi < window / 2 {
            hi = n; // merge a short tail into the last window
        }
        if (hi - lo) as f32 >= 2.0 * period {
            let mut best_on = -1.0f32;
            let mut best_phase = 0.0f32;
            let steps = period.ceil() as usize;
            for p in 0..steps {
                let on = grid_mean(env, lo, hi, period, p as f32);
                if on > best_on {
                    best_on = on;
                    best_phase = p as f32;
                }
            }
            on_sum += best_on as f64;
            mid_sum += grid_mean(env, lo, hi, period, best_phase + 0.5 * period) as f64;
            third_sum += 0.5
                * (grid_mean(env, lo, hi, period, best_phase + period / 3.0)
                    + grid_mean(env, lo, hi, period, best_phase + 2.0 * period / 3.0))
                    as f64;
        }
        lo = hi;
    }
    if on_sum > 0.0 {
        ((mid_sum / on_sum) as f32, (third_sum / on_sum) as f32)
    } else {
        (0.0, 0.0)
    }
}

/// Midpoint ratio `m(τ)` (first element of [`fold_ratios`]).
pub fn midpoint_ratio(env: &[f32], period: f32, window: usize) -> f32 {
    fold_ratios(env, period, window).0
}

/// Estimates the global tempo from the onset envelope. `fps = sr / hop` frames per second.
/// Returns `None` when there is no pulse. `scratch` buffers are reused (two envelope-length
/// vectors plus the autocorrelation).
pub fn estimate(
    env: &[f32],
    fps: f32,
    min_bpm: f32,
    max_bpm: f32,
    min_rms: f32,
    detrended: &mut Vec<f32>,
    rho: &mut Vec<f32>,
) -> Option<TempoEstimate> {
    let n = env.len();
    let valid = |x: f32| x.is_finite() && x > 0.0;
    if !valid(fps)
        || !valid(min_bpm)
        || !valid(max_bpm)
        || max_bpm <= min_bpm
        || (n as f32) < MIN_DURATION_S * fps
    {
        return None;
    }
    if env.iter().any(|v| !v.is_finite()) {
        return None;
    }
    detrend(env, ((DETREND_S * fps).round() as usize).max(3), detrended);
    let mut power = 0.0f64;
    for &v in detrended.iter() {
        power += v as f64 * v as f64;
    }
    let rms = (power / n as f64).sqrt() as f32;
    if rms.is_nan() || rms < min_rms {
        return None;
    }
    let max_lag = (ACF_SPAN_S * fps).ceil() as usize;
    autocorrelation(detrended, max_lag, rho);
    if rho.len() < 3 || rho[0] <= 0.0 {
        return None;
    }
    let bpm_to_period = |b: f32| 60.0 * fps / b;

    // grid search of the comb salience over BPM
    let step = 0.05f32;
    let steps = ((max_bpm - min_bpm) / step).floor() as usize;
    let mut best = (f32::MIN, min_bpm, 0usize);
    let sal_at = |b: f32| comb_salience(rho, bpm_to_period(b), COMB_HARMONICS);
    for i in 0..=steps {
        let b = min_bpm + i as f32 * step;
        let s = sal_at(b);
        if s > best.0 {
            best = (s, b, i);
        }
    }
    let (s0, mut b0, i0) = best;
    if s0.is_nan() || s0 < MIN_SALIENCE {
        return None;
    }
    if i0 > 0 && i0 < steps {
        let (sl, sr) = (sal_at(b0 - step), sal_at(b0 + step));
        let den = sl - 2.0 * s0 + sr;
        if den < 0.0 {
            b0 += 0.5 * step * (sl - sr) / den;
        }
    }
    let mut period = refine_period(rho, bpm_to_period(b0));

    // metrical level decision
    let window = (FOLD_WINDOW_S * fps).round() as usize;
    // fold the half-wave rectified detrended envelope: the baseline of sustained notes removed
    for v in detrended.iter_mut() {
        *v = v.max(0.0);
    }
    let fold_env: &[f32] = detrended;
    let (mid_ratio, third_ratio) = fold_ratios(fold_env, period, window);
    let tripled = third_ratio > MID_HIGH
        && third_ratio > mid_ratio
        && 3.0 * 60.0 * fps / period <= max_bpm + 1.0;
    let mut sub_ratio = 0.0;
    let mut doubled = false;
    if tripled {
        period /= 3.0;
    } else {
        sub_ratio = midpoint_ratio(fold_env, 0.5 * period, window);
        let doubled_bpm = 2.0 * 60.0 * fps / period;
        doubled = doubled_bpm <= max_bpm + 1.0 && (mid_ratio > MID_HIGH || sub_ratio > SUB_HIGH);
        if doubled {
            period *= 0.5;
        }
    }
    let confidence = comb_salience(rho, period, COMB_HARMONICS).clamp(0.0, 1.0);
    if !confidence.is_finite() {
        return None;
    }
    let bpm = 60.0 * fps / period;
    if !bpm.is_finite() {
        return None;
    }
    Some(TempoEstimate {
        bpm,
        period,
        confidence,
        mid_ratio,
        sub_ratio,
        doubled,
        third_ratio,
        tripled,
    })
}

/// Refines a beat period by maximising the long comb `Σ_{kτ ≤ L} ρ(kτ) / K(τ)` within ±2 %.
pub fn refine_period(rho: &[f32], period: f32) -> f32 {
    let span = (rho.len() - 1) as f32;
    let score = |p: f32| {
        let k_max = ((span / p).floor() as usize).max(1);
        comb_salience(rho, p, k_max)
    };
    let mut best = (score(period), period);
    let n = 200;
    for i in 0..=n {
        let p = period * (0.98 + 0.04 * i as f32 / n as f32);
        let s = score(p);
        if s > best.0 {
            best = (s, p);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulses(n: usize, period: f32, phase: f32) -> Vec<f32> {
        let mut e = vec![0.0f32; n];
        let mut t = phase;
        while (t.round() as usize) < n {
            e[t.round() as usize] = 1.0;
            t += period;
        }
        e
    }

    #[test]
    fn autocorrelation_of_pulse_train_peaks_at_period() {
        let e = pulses(1000, 20.0, 3.0);
        let mut d = Vec::new();
        detrend(&e, 64, &mut d);
        let mut rho = Vec::new();
        autocorrelation(&d, 100, &mut rho);
        assert!((rho[0] - 1.0).abs() < 1e-6);
        let (imax, _) = rho[5..30]
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
        assert_eq!(imax + 5, 20);
    }

    #[test]
    fn silent_envelope_has_no_tempo() {
        let e = vec![0.0f32; 2000];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        assert!(estimate(&e, 43.066, 60.0, 200.0, MIN_PULSE_RMS, &mut a, &mut b).is_none());
    }

    #[test]
    fn midpoint_ratio_separates_levels() {
        // strong beats every 20 frames, weak offbeats at +10
        let mut e = pulses(2000, 20.0, 0.0);
        for (i, v) in pulses(2000, 20.0, 10.0).into_iter().enumerate() {
            e[i] += 0.3 * v;
        }
        let m_beat = midpoint_ratio(&e, 20.0, 800);
        let m_half = midpoint_ratio(&e, 40.0, 800);
        assert!((m_beat - 0.3).abs() < 0.05, "{m_beat}");
        assert!(m_half > 0.9, "{m_half}");
    }
}
