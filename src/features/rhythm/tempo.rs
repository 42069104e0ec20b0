//! Global tempo: autocorrelation, a harmonic comb over it, and a choice among the comb's
//! peaks by metrical-level salience and a log-normal tempo prior.
//!
//! # Method
//! Written from the published descriptions (no code copied):
//!
//! 1. **Detrended envelope.** `x[t] = e[t] − ē[t]`, where `ē` is a centred moving average of
//!    the onset envelope `e` over [`DETREND_S`] seconds (removes loudness drift, as the
//!    high-pass in Scheirer 1998 and Klapuri et al. 2006).
//! 2. **Autocorrelation** (unbiased, normalised):
//!    `ρ[l] = (Σ_t x[t]·x[t+l] / (n − l)) / (Σ_t x[t]² / n)`, `l = 0 … L`, with
//!    `L` = max([`ACF_SPAN_S`], `K` slowest periods) of lag, but at most `n/2` (longer lags
//!    rest on too few products). Accumulated in f64. Cost `O(n·L)`.
//! 3. **Harmonic comb salience** (Scheirer 1998 comb filters; the "enhanced ACF" of
//!    Percival & Tzanetakis 2014; Klapuri 2006's periodicity summation): for a beat
//!    period `τ` frames (fractional),
//!    `S(τ) = (1/K') Σ_{k=1..K'} ρ(k·τ)`, `K` = [`COMB_HARMONICS`] (8) multiples of which the
//!    `K'` inside the computed lags count, `ρ` linearly interpolated,
//!    evaluated on a logarithmic BPM grid (0.1 % steps) over the search range
//!    (default 40–250 BPM). A pulse that repeats at `τ` also repeats at `2τ, 3τ, …`, so `S`
//!    peaks at every level of the metrical grid (eighths, beats, half bars, bars).
//! 4. **Candidates.** The [`MAX_PEAKS`] highest local maxima of `S`, each refined by a
//!    parabola in log-BPM.
//! 5. **Metrical-level salience.** The comb cannot tell the beat from the half bar or the
//!    bar: all share multiples. A level is the beat only if the points *between* its pulses
//!    are weaker than the pulses (Klapuri 2006: tatum/tactus/measure; Percival & Tzanetakis
//!    2014: octave decision from the pulse's features). For each candidate we fold the
//!    half-wave rectified detrended envelope `x⁺ = max(0, x)` on a grid of period `τ` at its
//!    best phase `φ` (per [`FOLD_WINDOW_S`] window, so a drifting tempo does not blur it):
//!    `on(τ) = mean_k max x⁺[φ + kτ ± 1]`, `m(τ) = mid / on` with the midpoints
//!    `φ + kτ + τ/2`, and `m₃(τ) = third / on` with the points `φ + kτ + τ/3, + 2τ/3`.
//!    At the half-bar level the midpoints are beats (`m ≈ 0.8–1`), at the bar of a waltz the
//!    thirds are beats (`m₃ ≈ 1`); at the beat level both are off-beats (`m ≈ 0–0.4`).
//!    With the excess `e = clamp((max(m', m₃) − θ) / (1 − θ), 0, 1)` ([`LEVEL_THRESHOLD`]
//!    `θ`), where `m' = m` only if twice the candidate's tempo is inside the search range (else
//!    0: a beat whose eighths are as loud as it stays the beat when nothing faster is
//!    admissible), and `w = 1 − (1 − e)^γ` ([`LEVEL_EXPONENT`]), the level salience is the
//!    **blend** `L(τ) = (1 − w)·S⁺(τ) + w·min(S⁺(τ), S⁺(τ/2))`, `S⁺ = max(S, 0)`, `τ/2` the
//!    level twice as fast, when the excess comes from `m'` (`m' ≥ m₃`): midpoints as accented
//!    as the pulses say that accents cannot tell the level from its double, so its comb
//!    salience is capped at the double's and the prior below decides between the two (the
//!    comb alone favours the slower of two levels). When it comes from `m₃` (the bar of a
//!    triple meter, a dotted grouping: not a beat in its own right) the level is demoted,
//!    `L(τ) = S⁺(τ)·(1 − e)^γ`. [`TempoParams::level_blend`] `false` demotes in both cases, as
//!    before the fifth session; that read evenly accented electronic tracks at twice the
//!    tempo librosa and Essentia agree on (docs/accuracy.md).
//!
//!    **Pulse fill**, the other direction: a level twice or three times faster than the beat
//!    has empty pulses. `F(τ) = clamp(min(m(2τ), m₃(3τ)) / φ₀, 0.1, 1)` ([`fill_ratio`],
//!    [`FILL_FLOOR`] `φ₀` = 0.05, [`FILL_MIN_FACTOR`]): every second pulse (two in three) must
//!    carry at least 5 % of the others. Without it a 60 BPM click track reads 120 under the
//!    prior below. `L(τ)` is multiplied by `F(τ)`.
//!
//!    **Harmonic span**, when chroma rows are given (the pipeline passes them): a level whose
//!    harmony changes every 8 of its pulses rather than every 4 is a subdivision of the beat
//!    (an eighth-note hi-hat over a slow song). Its score is multiplied by
//!    `H(τ)` = [`harmony::SPAN_DEMOTION`] (0.1) when the span ratio of the full chroma
//!    exceeds [`harmony::SPAN_RATIO`] or that of the low-register chroma exceeds
//!    [`harmony::LOW_SPAN_RATIO`] ([`harmony::span_ratios`]) and the level twice as slow is
//!    admissible, else 1 (Goto & Muraoka 1999: chords change on bar lines).
//! 6. **Tempo prior** (log-normal, as in Klapuri et al. 2006 and Ellis 2007): the beat of most
//!    music lies near a moderate tempo, `W(b) = exp(−½ (log2(b / μ) / σ)²)` with
//!    `μ` = [`PRIOR_BPM`], `σ` = [`PRIOR_OCTAVES`].
//!
//!    **Metrical grid**: metrical levels nest, each dividing the one above into 2 or 3 (Lerdahl
//!    & Jackendoff 1983; the tatum/tactus/measure of Klapuri 2006), so two levels of one piece
//!    are in the ratio `n` or `1/n`, `n` ∈ [`GRID_RATIOS`] = {1, 2, 3, 4, 6, 8}. The *strong*
//!    peaks (comb salience ≥ [`GRID_STRONG`] = 0.6 of the strongest) are taken as levels of
//!    the grid; a weak peak within [`GRID_TOLERANCE`] (3 %) of no strong peak's ratio is no level
//!    of it, `G(τ)` = [`GRID_DEMOTION`] (0.1), else 1. This keeps a weak peak between the
//!    levels (4:5 of the beat) from winning when the other terms demote every strong level.
//!
//!    The tempo is `argmax_τ W(b(τ)) · L(τ) · F(τ) · H(τ) · G(τ)` over the candidates; its period is then refined
//!    by a long comb (all multiples `kτ ≤ L`) searched ±2 % around it. `μ` = 130 BPM and
//!    `σ` = 0.6 octave (centred above the usual ~120 BPM because the comb favours slower levels: a level whose
//!    strong and weak beats alternate has a higher mean autocorrelation at twice its period),
//!    `γ` = 1, `θ` = 0.5, `φ₀`, the span ratio and the grid's strong share were chosen on the tuning sets (see
//!    docs/accuracy.md), not on the sets the figures are reported on.
//! 7. **Candidates reported**: the candidates' scores `W·L·F·H·G`, merged within 2 %, normalised to
//!    sum 1, strongest first ([`N_CANDIDATES`] of them).
//! 8. **Confidence** `= clamp(S(τ̂), 0, 1)` at the chosen period: the mean normalised
//!    autocorrelation at its first multiples — 1 for a perfectly periodic envelope, ≈ 0 for
//!    noise. There is **no pulse** (`None`) only when the envelope is shorter than
//!    [`MIN_DURATION_S`], when the detrended envelope's RMS is below `min_rms`
//!    ([`MIN_PULSE_RMS`] = 0.1 dB by default: silence, a drone), or when no candidate's `S`
//!    exceeds what noise reaches, `max(`[`MIN_SALIENCE`]`, NOISE_Z / √n)` ([`NOISE_Z`]; the
//!    autocorrelation of `n` frames of white noise has a standard deviation of `1/√n`). The
//!    last rule applies only with [`TempoParams::require_pulse`] (the default); the pipeline
//!    lifts it for audio that is not noise-like, which then gets its strongest candidate with a
//!    low confidence (a rubato piece, a short sting).
//!
//! References: E. Scheirer, "Tempo and beat analysis of acoustic musical signals", JASA 1998;
//! A. Klapuri, A. Eronen, J. Astola, "Analysis of the meter of acoustic musical signals",
//! IEEE TASLP 2006; D. P. W. Ellis, "Beat tracking by dynamic programming", JNMR 2007;
//! G. Percival, G. Tzanetakis, "Streamlined tempo estimation based on autocorrelation and
//! cross-correlation with pulses", IEEE/ACM TASLP 2014.

use super::harmony;

/// Moving-average width for detrending, seconds.
pub const DETREND_S: f32 = 1.5;
/// Longest autocorrelation lag, seconds.
pub const ACF_SPAN_S: f32 = 8.0;
/// Number of multiples in the comb salience.
pub const COMB_HARMONICS: usize = 8;
/// Window over which the envelope is folded for the level decision, seconds.
pub const FOLD_WINDOW_S: f32 = 20.0;
/// Exponent `γ` of the level salience `(1 − max(m, m₃))^γ`.
pub const LEVEL_EXPONENT: f32 = 1.0;
/// Fold ratio `θ` up to which a level is not penalised: the level salience uses
/// `max(0, max(m, m₃) − θ) / (1 − θ)`.
pub const LEVEL_THRESHOLD: f32 = 0.5;
/// Centre `μ` of the log-normal tempo prior, BPM.
pub const PRIOR_BPM: f32 = 130.0;
/// Width `σ` of the log-normal tempo prior, octaves.
pub const PRIOR_OCTAVES: f32 = 0.6;
/// Pulse-fill floor `φ₀`: a level whose every second pulse (or two pulses in three) is
/// weaker than `φ₀` times the others is too fast; see [`fill_ratio`].
pub const FILL_FLOOR: f32 = 0.05;
/// Smallest fill factor: a too-fast level is demoted tenfold, not removed, so it stays
/// among the candidates and can still win inside a narrow `--tempo-range`.
pub const FILL_MIN_FACTOR: f32 = 0.1;
/// Metrical-grid test (step 6): a comb peak is *strong* when its salience is at least this
/// share of the strongest peak's.
pub const GRID_STRONG: f32 = 0.6;
/// Metrical-grid test: factor on the score of a weak peak that is no level of the strong
/// peaks' grid ([`TempoParams::grid_demotion`]; 1 disables the test).
pub const GRID_DEMOTION: f32 = 0.1;
/// Metrical-grid test: the integer ratios `n` by which metrical levels nest (each level
/// divides the one above it into 2 or 3).
pub const GRID_RATIOS: [f32; 6] = [1.0, 2.0, 3.0, 4.0, 6.0, 8.0];
/// Metrical-grid test: relative tolerance of a ratio.
pub const GRID_TOLERANCE: f32 = 0.03;
/// Comb peaks examined as candidates.
pub const MAX_PEAKS: usize = 8;
/// Tempo candidates reported.
pub const N_CANDIDATES: usize = 4;
/// Smallest comb salience of a pulse.
pub const MIN_SALIENCE: f32 = 0.03;
/// Comb salience of a pulse must exceed `NOISE_Z / √n` (`n` envelope frames).
pub const NOISE_Z: f32 = 2.5;
/// Default [`estimate`] `min_rms`: RMS of the detrended envelope below which there is no pulse.
/// The envelope is in dB per band (librosa's definition, relative to the track's maximum), so
/// this is level-independent: songs measure 0.4–4 dB, a steady drone ≈ 0.02 dB (its tiny
/// leakage ripple can be perfectly periodic, so periodicity alone cannot reject it).
pub const MIN_PULSE_RMS: f32 = 0.1;
/// Shortest envelope that can carry a tempo, seconds.
pub const MIN_DURATION_S: f32 = 2.0;

/// Parameters of [`estimate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoParams {
    /// Slowest tempo considered, BPM.
    pub min_bpm: f32,
    /// Fastest tempo considered, BPM.
    pub max_bpm: f32,
    /// RMS of the detrended envelope below which there is no pulse ([`MIN_PULSE_RMS`]).
    pub min_rms: f32,
    /// Centre of the tempo prior, BPM ([`PRIOR_BPM`]).
    pub prior_bpm: f32,
    /// Width of the tempo prior, octaves ([`PRIOR_OCTAVES`]).
    pub prior_octaves: f32,
    /// Level-salience exponent ([`LEVEL_EXPONENT`]).
    pub level_exponent: f32,
    /// Fold ratio up to which a level is not penalised ([`LEVEL_THRESHOLD`]).
    pub level_threshold: f32,
    /// When `true` (the default), an envelope whose best comb salience does not exceed what
    /// noise reaches has no tempo (`None`). When `false` (the pipeline passes `false` for
    /// audio that is not noise-like, see `features::noise::NOISE_FLATNESS`), the strongest
    /// candidate is still reported, with its low confidence.
    pub require_pulse: bool,
    /// Pulse-fill floor ([`FILL_FLOOR`]); 0 disables the fill term.
    pub fill_floor: f32,
    /// Factor on the score of a level whose harmony changes every 8 pulses
    /// ([`harmony::SPAN_DEMOTION`]); 1 disables the harmonic test.
    pub span_demotion: f32,
    /// Span ratio above which a level counts as a subdivision ([`harmony::SPAN_RATIO`]).
    pub span_ratio: f32,
    /// The same for the low-register chroma ([`harmony::LOW_SPAN_RATIO`]; infinite disables it).
    pub low_span_ratio: f32,
    /// Pulses on each side of a boundary whose chroma the harmonic change compares
    /// ([`harmony::SPAN_WINDOW`]).
    pub span_window: usize,
    /// `true` (the default): the level salience blends toward the faster level's comb salience
    /// (step 5); `false`: it is demoted by `(1 − e)^γ`.
    pub level_blend: bool,
    /// Factor on the score of a weak comb peak that is no level of the strong peaks'
    /// metrical grid ([`GRID_DEMOTION`]; 1 disables the test, step 6).
    pub grid_demotion: f32,
}

impl Default for TempoParams {
    fn default() -> Self {
        TempoParams {
            min_bpm: 40.0,
            max_bpm: 250.0,
            min_rms: MIN_PULSE_RMS,
            prior_bpm: PRIOR_BPM,
            prior_octaves: PRIOR_OCTAVES,
            level_exponent: LEVEL_EXPONENT,
            level_threshold: LEVEL_THRESHOLD,
            require_pulse: true,
            fill_floor: FILL_FLOOR,
            span_demotion: harmony::SPAN_DEMOTION,
            span_ratio: harmony::SPAN_RATIO,
            low_span_ratio: harmony::LOW_SPAN_RATIO,
            span_window: harmony::SPAN_WINDOW,
            level_blend: true,
            grid_demotion: GRID_DEMOTION,
        }
    }
}

/// Result of the tempo stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TempoEstimate {
    /// Tempo in BPM.
    pub bpm: f32,
    /// Beat period in envelope frames (fractional).
    pub period: f32,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
    /// `(bpm, strength)` of the best hypotheses, strongest first; the first
    /// `n_candidates` entries are valid.
    pub candidates: [(f32, f32); N_CANDIDATES],
    /// Number of valid `candidates`.
    pub n_candidates: usize,
    /// Diagnostics: midpoint ratio `m` and third-point ratio `m₃` at the chosen period.
    pub mid_ratio: f32,
    /// See `mid_ratio`.
    pub third_ratio: f32,
    /// Diagnostics: every examined comb peak as `[bpm, S, m, m₃, score]`, best score first;
    /// the first `n_peaks` are valid.
    pub peaks: [[f32; 5]; MAX_PEAKS],
    /// Number of valid `peaks`.
    pub n_peaks: usize,
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

/// Comb salience `S(τ) = (1/K') Σ_{k=1..K'} ρ(kτ)`, `K'` = the number of the first `K`
/// multiples that lie inside the computed lags (so a short track does not penalise slow
/// periods); 0 when not even `τ` does.
pub fn comb_salience(rho: &[f32], period: f32, harmonics: usize) -> f32 {
    let span = rho.len().saturating_sub(1) as f32;
    let mut s = 0.0f32;
    let mut used = 0usize;
    for k in 1..=harmonics {
        let lag = k as f32 * period;
        if lag >= span {
            break;
        }
        s += acf_at(rho, lag);
        used += 1;
    }
    if used == 0 { 0.0 } else { s / used as f32 }
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

/// The fold windows `[lo, hi)` over `n` frames: `window` frames each, but at least four
/// periods, a tail shorter than half a window merged into the last one.
pub(super) fn fold_windows(
    n: usize,
    window: usize,
    period: f32,
) -> impl Iterator<Item = (usize, usize)> {
    let window = window.max((4.0 * period).ceil() as usize).max(1);
    let mut lo = 0;
    std::iter::from_fn(move || {
        if lo >= n {
            return None;
        }
        let mut hi = (lo + window).min(n);
        if n - hi < window / 2 {
            hi = n; // merge a short tail into the last window
        }
        let w = (lo, hi);
        lo = hi;
        Some(w)
    })
}

/// The phase `φ ∈ {0, 1, …, ⌈τ⌉ − 1}` whose grid `lo + φ + kτ` carries the highest mean
/// envelope in `[lo, hi)` ([`grid_mean`]), and that mean.
pub(super) fn best_phase(env: &[f32], lo: usize, hi: usize, period: f32) -> (f32, f32) {
    let mut best = (0.0f32, -1.0f32);
    for p in 0..period.ceil() as usize {
        let on = grid_mean(env, lo, hi, period, p as f32);
        if on > best.1 {
            best = (p as f32, on);
        }
    }
    best
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
    let (mut on_sum, mut mid_sum, mut third_sum) = (0.0f64, 0.0f64, 0.0f64);
    for (lo, hi) in fold_windows(n, window, period) {
        if (hi - lo) as f32 >= 2.0 * period {
            let (phase, on) = best_phase(env, lo, hi, period);
            on_sum += on as f64;
            mid_sum += grid_mean(env, lo, hi, period, phase + 0.5 * period) as f64;
            third_sum += 0.5
                * (grid_mean(env, lo, hi, period, phase + period / 3.0)
                    + grid_mean(env, lo, hi, period, phase + 2.0 * period / 3.0))
                    as f64;
        }
    }
    if on_sum > 0.0 {
        ((mid_sum / on_sum) as f32, (third_sum / on_sum) as f32)
    } else {
        (0.0, 0.0)
    }
}

/// Pulse fill of a level `τ`: `min(m(2τ), m₃(3τ))`, the strength of every second pulse
/// relative to the others (midpoint ratio of the level twice as slow) and of the second and
/// third of every three (third-point ratio of the level three times as slow). A real beat has
/// every pulse (`≈ 0.1–1`: weak beats are weaker, not absent); a level twice or three times
/// faster than a click track has empty pulses (`≈ 0`).
pub fn fill_ratio(env: &[f32], period: f32, window: usize) -> f32 {
    let (alt2, _) = fold_ratios(env, 2.0 * period, window);
    let (_, alt3) = fold_ratios(env, 3.0 * period, window);
    alt2.min(alt3)
}

/// Midpoint ratio `m(τ)` (first element of [`fold_ratios`]).
pub fn midpoint_ratio(env: &[f32], period: f32, window: usize) -> f32 {
    fold_ratios(env, period, window).0
}

/// A peak of the comb salience examined as a tempo candidate.
#[derive(Debug, Clone, Copy, Default)]
struct Peak {
    bpm: f32,
    salience: f32,
    mid: f32,
    third: f32,
    score: f32,
}

/// Reusable buffers of [`estimate`].
#[derive(Debug, Default, Clone)]
pub struct TempoScratch {
    /// The detrended (then rectified) envelope.
    pub detrended: Vec<f32>,
    /// The autocorrelation.
    pub rho: Vec<f32>,
    /// Pulse chroma and harmonic changes ([`harmony::span_ratio`]).
    pub span: harmony::SpanScratch,
}

/// Estimates the global tempo from the onset envelope. `fps = sr / hop` frames per second.
/// `chroma` (one row per envelope frame, or empty) enables the harmonic-span test of step 5.
/// Returns `None` when there is no pulse. The `scratch` buffers are reused (envelope-length
/// vectors plus the autocorrelation).
pub fn estimate(
    env: &[f32],
    chroma: harmony::ChromaRows<'_>,
    fps: f32,
    params: &TempoParams,
    scratch: &mut TempoScratch,
) -> Option<TempoEstimate> {
    let TempoScratch {
        detrended,
        rho,
        span,
    } = scratch;
    let n = env.len();
    let valid = |x: f32| x.is_finite() && x > 0.0;
    let (min_bpm, max_bpm) = (params.min_bpm, params.max_bpm);
    if !valid(fps)
        || !valid(min_bpm)
        || !valid(max_bpm)
        || max_bpm <= min_bpm
        || !valid(params.prior_bpm)
        || !valid(params.prior_octaves)
        || !params.level_exponent.is_finite()
        || params.level_exponent < 0.0
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
    if rms.is_nan() || rms < params.min_rms {
        return None;
    }
    let slowest = 60.0 * fps / min_bpm;
    // lags beyond half the envelope rest on too few products to be trusted
    let max_lag = ((ACF_SPAN_S * fps).max(COMB_HARMONICS as f32 * slowest).ceil() as usize)
        .min(n / 2)
        .max(2);
    autocorrelation(detrended, max_lag, rho);
    if rho.len() < 3 || rho[0] <= 0.0 {
        return None;
    }
    let bpm_to_period = |b: f32| 60.0 * fps / b;
    let sal_at = |b: f32| comb_salience(rho, bpm_to_period(b), COMB_HARMONICS);

    // comb salience on a logarithmic grid; keep the MAX_PEAKS highest local maxima
    let ratio = 1.001f32;
    let steps = ((max_bpm / min_bpm).ln() / ratio.ln()).ceil().max(2.0) as usize;
    let grid = |i: usize| min_bpm * (max_bpm / min_bpm).powf(i as f32 / steps as f32);
    let mut peaks = [Peak::default(); MAX_PEAKS];
    let mut n_peaks = 0usize;
    let (mut prev2, mut prev1) = (f32::NEG_INFINITY, sal_at(grid(0)));
    for i in 1..=steps + 1 {
        let cur = if i <= steps {
            sal_at(grid(i))
        } else {
            f32::NEG_INFINITY
        };
        // grid point i − 1 is a local maximum (the ends count against the outside)
        if prev1 >= prev2 && prev1 >= cur && prev1 > 0.0 && prev1.is_finite() {
            let j = i - 1;
            let mut b = grid(j);
            if j > 0 && j < steps && cur.is_finite() {
                let den = prev2 - 2.0 * prev1 + cur;
                if den < 0.0 {
                    let off = (0.5 * (prev2 - cur) / den).clamp(-0.5, 0.5);
                    b *= ratio.powf(off);
                }
            }
            let p = Peak {
                bpm: b,
                salience: prev1,
                ..Peak::default()
            };
            if n_peaks < MAX_PEAKS {
                peaks[n_peaks] = p;
                n_peaks += 1;
            } else if let Some(w) = (0..MAX_PEAKS)
                .min_by(|&x, &y| peaks[x].salience.total_cmp(&peaks[y].salience))
                .filter(|&w| peaks[w].salience < p.salience)
            {
                peaks[w] = p;
            }
        }
        prev2 = prev1;
        prev1 = cur;
    }
    let peaks = &mut peaks[..n_peaks];
    let best_salience = peaks.iter().fold(0.0f32, |m, p| m.max(p.salience));
    let noise_floor = MIN_SALIENCE.max(NOISE_Z / (n as f32).sqrt());
    if best_salience.is_nan()
        || best_salience <= 0.0
        || (params.require_pulse && best_salience <= noise_floor)
    {
        return None;
    }

    // metrical-level salience × tempo prior, on the half-wave rectified detrended envelope
    for v in detrended.iter_mut() {
        *v = v.max(0.0);
    }
    let fold_env: &[f32] = detrended;
    let window = (FOLD_WINDOW_S * fps).round() as usize;
    for p in peaks.iter_mut() {
        let (m, m3) = fold_ratios(fold_env, bpm_to_period(p.bpm), window);
        p.mid = m;
        p.third = m3;
        let theta = params.level_threshold.clamp(0.0, 0.95);
        // strong midpoints demote a level only if the level twice as fast is itself an
        // admissible tempo (a beat whose eighths are as loud as it stays the beat when 2×
        // lies beyond `max_bpm`)
        let m_eff = if 2.0 * p.bpm <= max_bpm { m } else { 0.0 };
        let excess = ((m_eff.max(m3) - theta) / (1.0 - theta)).clamp(0.0, 1.0);
        let level = (1.0 - excess).powf(params.level_exponent);
        // level blend: a level whose midpoints are as accented as its pulses has its comb
        // salience capped at its double's (in proportion to the excess), so that the prior
        // decides between the two; strong thirds (a triple bar) keep the demotion
        let own = p.salience.max(0.0);
        let (salience, level) = if params.level_blend && m_eff >= m3 {
            let s_fast = sal_at(2.0 * p.bpm).max(0.0); // 2× is admissible when m_eff > 0
            let w = 1.0 - level;
            (own * (1.0 - w) + w * own.min(s_fast), 1.0)
        } else {
            (own, level)
        };
        let fill = if params.fill_floor > 0.0 {
            (fill_ratio(fold_env, bpm_to_period(p.bpm), window) / params.fill_floor)
                .clamp(FILL_MIN_FACTOR, 1.0)
        } else {
            1.0
        };
        // harmony changing every 8 pulses: a subdivision of the beat, if the level twice as
        // slow is admissible
        let span = if params.span_demotion < 1.0 && 0.5 * p.bpm >= min_bpm {
            let [full, low] = harmony::span_ratios(
                fold_env,
                chroma,
                bpm_to_period(p.bpm),
                window,
                params.span_window,
                span,
            );
            let over = |r: Option<f32>, threshold: f32| r.is_some_and(|r| r > threshold);
            if over(full, params.span_ratio) || over(low, params.low_span_ratio) {
                params.span_demotion.max(0.0)
            } else {
                1.0
            }
        } else {
            1.0
        };
        let z = (p.bpm / params.prior_bpm).log2() / params.prior_octaves;
        let prior = (-0.5 * z * z).exp();
        p.score = prior * salience * level * fill * span;
        if !p.score.is_finite() {
            p.score = 0.0;
        }
    }
    if params.grid_demotion < 1.0 {
        demote_off_grid(peaks, params.grid_demotion.max(0.0));
    }
    peaks.sort_by(|a, b| b.score.total_cmp(&a.score));
    let chosen = peaks[0];
    let mut period = refine_period(rho, bpm_to_period(chosen.bpm));
    let lo_period = bpm_to_period(max_bpm);
    let hi_period = bpm_to_period(min_bpm);
    if period.is_nan() || period < lo_period * 0.999 || period > hi_period * 1.001 {
        period = bpm_to_period(chosen.bpm);
    }
    let bpm = 60.0 * fps / period;
    let confidence = comb_salience(rho, period, COMB_HARMONICS).clamp(0.0, 1.0);
    if !bpm.is_finite() || !confidence.is_finite() {
        return None;
    }

    // candidates: scores merged within 2 %, normalised to sum 1
    let total: f32 = peaks.iter().map(|p| p.score).sum();
    let mut candidates = [(0.0f32, 0.0f32); N_CANDIDATES];
    let mut n_candidates = 0usize;
    for (i, p) in peaks.iter().enumerate() {
        let b = if i == 0 { bpm } else { p.bpm };
        let share = if total > 0.0 { p.score / total } else { 0.0 };
        if let Some(c) = candidates[..n_candidates]
            .iter_mut()
            .find(|c| (c.0 / b - 1.0).abs() <= 0.02)
        {
            c.1 += share;
        } else if n_candidates < N_CANDIDATES && (i == 0 || share > 0.0) {
            candidates[n_candidates] = (b, share);
            n_candidates += 1;
        }
    }
    let mut diag = [[0.0f32; 5]; MAX_PEAKS];
    for (d, p) in diag.iter_mut().zip(peaks.iter()) {
        *d = [p.bpm, p.salience, p.mid, p.third, p.score];
    }
    Some(TempoEstimate {
        bpm,
        period,
        confidence,
        candidates,
        n_candidates,
        peaks: diag,
        n_peaks: peaks.len(),
        mid_ratio: chosen.mid,
        third_ratio: chosen.third,
    })
}

/// `true` when `a` and `b` (BPM) are levels of one metrical grid: one is `n` times the other
/// for an `n` of [`GRID_RATIOS`], within [`GRID_TOLERANCE`].
fn on_one_grid(a: f32, b: f32) -> bool {
    let r = a / b;
    GRID_RATIOS
        .iter()
        .any(|&n| (r / n - 1.0).abs() <= GRID_TOLERANCE || (r * n - 1.0).abs() <= GRID_TOLERANCE)
}

/// Step 6's metrical-grid test: multiplies by `factor` the score of every weak peak (comb
/// salience below [`GRID_STRONG`] of the strongest) that is on no strong peak's grid
/// ([`on_one_grid`]).
fn demote_off_grid(peaks: &mut [Peak], factor: f32) {
    let strongest = peaks.iter().fold(0.0f32, |m, p| m.max(p.salience));
    let floor = GRID_STRONG * strongest;
    for i in 0..peaks.len() {
        let p = peaks[i];
        if p.salience >= floor {
            continue;
        }
        let on_grid = peaks
            .iter()
            .any(|q| q.salience >= floor && on_one_grid(p.bpm, q.bpm));
        if !on_grid {
            peaks[i].score *= factor;
        }
    }
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
    fn weak_peaks_off_the_strong_peaks_grid_are_demoted() {
        let peak = |bpm, salience, score| Peak {
            bpm,
            salience,
            score,
            ..Peak::default()
        };
        // strong: 51 and 102 BPM (salience ≥ 0.6 × 0.72); weak: 153.5 (3 × 51, on the grid),
        // 81.7 (4:5 of 102) and 136 (8:3 of 51, 4:3 of 102), on neither's
        let mut peaks = [
            peak(51.0, 0.72, 0.055),
            peak(102.0, 0.67, 0.056),
            peak(81.7, 0.16, 0.088),
            peak(153.5, 0.10, 0.05),
            peak(136.0, 0.19, 0.071),
        ];
        demote_off_grid(&mut peaks, 0.1);
        let scores: Vec<f32> = peaks.iter().map(|p| p.score).collect();
        let want = [0.055, 0.056, 0.0088, 0.05, 0.0071];
        for (got, want) in scores.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{scores:?}");
        }
        assert!(on_one_grid(204.0, 51.0) && on_one_grid(34.0, 102.0));
        assert!(!on_one_grid(153.0, 102.0) && !on_one_grid(68.0, 102.0));
    }

    #[test]
    fn silent_envelope_has_no_tempo() {
        let e = vec![0.0f32; 2000];
        let mut scratch = TempoScratch::default();
        let params = TempoParams::default();
        assert!(estimate(&e, harmony::ChromaRows::default(), 43.066, &params, &mut scratch).is_none());
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
