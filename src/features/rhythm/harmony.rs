//! Harmonic span of a pulse level: how many of its pulses one harmonic period (the bar) spans.
//!
//! The onset envelope cannot tell a beat from its eighths when the eighths are played (a
//! hi-hat, a strummed pattern): both levels are periodic, and the comb and the fold ratios of
//! [`super::tempo`] see both. Harmony can. Chords change on bar lines, hardly ever between
//! beats (Goto & Muraoka 1999 use exactly this to place the beat level among its
//! subdivisions; Klapuri et al. 2006 and Papadopoulos & Peeters 2011 tie the measure level to
//! harmonic change). At the beat level of a 4/4 piece the harmonic change recurs every 4
//! pulses; at the eighth level every 8.
//!
//! # Method
//! For a pulse period `τ` (frames) on the chroma rows `c[t]` (librosa `chroma_stft`, one per
//! envelope frame):
//! 1. **Pulse grid.** Per window of [`super::tempo::FOLD_WINDOW_S`], the phase `φ` that
//!    maximises the mean of the rectified detrended onset envelope at `φ + kτ` (the windows
//!    and phase search of [`super::tempo::fold_ratios`]); pulse `k` spans
//!    `[φ + kτ, φ + (k+1)τ)`. Each window's grid starts at its point nearest to where the
//!    previous window's grid ended, so the pulses are numbered continuously across windows (a
//!    drifting tempo is followed without losing the position in the bar).
//! 2. **Pulse-synchronous chroma** `C_k = Σ_{t ∈ pulse k} c[t]` and the **harmonic change**
//!    at each pulse boundary between the `w` pulses before and the `w` after it,
//!    `d_k = 1 − cos(C_{k−w} + … + C_{k−1}, C_k + … + C_{k+w−1})` ([`SPAN_WINDOW`] `w` = 3:
//!    the sums average out a walking bass or a melody, which change within a chord).
//! 3. **Gain at span `b`**: `g(b) = max_j mean_{k ≡ j (mod b)} d_k / mean_k d_k`, the change
//!    at the best of `b` positions relative to the average (`b` for changes every `b` pulses
//!    and nothing between, 1 for changes everywhere).
//! 4. **Span ratio** `r = g(8) / g(4)`. When the harmony changes every 4 pulses, the best of 8
//!    positions is no better than the best of 4 (`r ≈ 1`); when it changes every 8 pulses,
//!    the best of 4 positions averages changes with the half-bars that have none (`r ≈ 2`).
//!    A level with `r` above [`SPAN_RATIO`] is a subdivision of the beat.
//!
//! **Two registers.** The test runs on two sets of chroma rows on the same pulse grid
//! ([`span_ratios`], [`ChromaRows`]): the full-spectrum `chroma_stft` and the same chroma of the
//! bins up to `features::tonal::LOW_CHROMA_MAX_HZ` (600 Hz: bass and accompaniment, below most
//! melodies). A level is a subdivision when either ratio exceeds its threshold
//! ([`SPAN_RATIO`], [`LOW_SPAN_RATIO`]). A melody that moves on every eighth note changes the
//! full chroma within a chord and hides the bar from it; the low register still shows it. A
//! walking bass does the opposite, which is why the full rows stay (on the TUNING grooves the
//! low rows alone demoted more beat levels: docs/accuracy.md).
//!
//! Undefined (`None`) with fewer than [`MIN_PULSES`] pulses or without harmonic change
//! (drums, noise, a drone: the mean change is below [`MIN_CHANGE`]).
//!
//! Cost: `O(n·τ)` for the phase search (as one fold) plus `O(n·12·w)`; no allocation once the
//! scratch has grown to the number of pulses.
//!
//! References: M. Goto, Y. Muraoka, "Real-time beat tracking for drumless audio signals:
//! chord change detection for musical decisions", Speech Communication 27, 1999;
//! A. Klapuri, A. Eronen, J. Astola, "Analysis of the meter of acoustic musical signals",
//! IEEE TASLP 2006; H. Papadopoulos, G. Peeters, "Joint estimation of chords and downbeats
//! from an audio signal", IEEE TASLP 2011.

use super::tempo::{best_phase, fold_windows};

/// Span ratio `g(8)/g(4)` above which a pulse level is a subdivision of the beat (harmony
/// changes every 8 of its pulses, not every 4). Chosen on the TUNING sets with
/// [`SPAN_WINDOW`] (docs/accuracy.md).
pub const SPAN_RATIO: f32 = 1.6;
/// Pulses `w` on each side of a pulse boundary whose summed chroma the harmonic change
/// compares (1: consecutive pulses). Three pulses average out what changes within a chord (a
/// walking bass, a melody, comping), so the change marks chord changes. Chosen on the TUNING
/// sets (docs/accuracy.md): 1 and 2 leave the synthetic songs at 0.575, 3 and 4 raise them to
/// 0.675–0.70 with the grooves level.
pub const SPAN_WINDOW: usize = 3;
/// Span ratio of the low-register chroma ([`ChromaRows::low`]) above which a pulse level is a
/// subdivision of the beat. Chosen on the TUNING sets (docs/accuracy.md).
pub const LOW_SPAN_RATIO: f32 = 1.6;
/// Factor applied to the score of a level whose harmonic span is 8 pulses.
pub const SPAN_DEMOTION: f32 = 0.1;
/// Fewest pulses the test needs (four spans of 8).
pub const MIN_PULSES: usize = 32;
/// Smallest mean harmonic change `mean d_k` for the test to apply.
pub const MIN_CHANGE: f32 = 1e-4;

/// The chroma rows the harmonic-span test reads, one row per envelope frame (either may be
/// empty, which disables its half of the test).
///
/// A level is a subdivision when the span ratio of **either** exceeds its threshold
/// ([`SPAN_RATIO`], [`LOW_SPAN_RATIO`]): the full chroma shows the chord changes of a song
/// whose bass walks, the low chroma (bass and accompaniment, below most melodies:
/// `features::tonal::LOW_CHROMA_MAX_HZ`) those of a song whose melody moves on every
/// eighth note and hides them from the full chroma.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChromaRows<'a> {
    /// `chroma_stft` of the whole spectrum.
    pub full: &'a [[f32; 12]],
    /// `chroma_stft` of the low register only.
    pub low: &'a [[f32; 12]],
}

impl<'a> ChromaRows<'a> {
    /// Only the full-spectrum rows (the low-register half of the test off).
    pub fn full(full: &'a [[f32; 12]]) -> Self {
        ChromaRows { full, low: &[] }
    }
}

/// Reusable buffers of [`span_ratio`] and [`span_ratios`].
#[derive(Debug, Default, Clone)]
pub struct SpanScratch {
    /// The pulse grid: `[start, end)` frames of every pulse.
    pub grid: Vec<(usize, usize)>,
    /// Pulse-synchronous chroma.
    pub pulses: Vec<[f32; 12]>,
    /// Harmonic change at each pulse boundary.
    pub changes: Vec<f32>,
}

/// `1 − cos(a, b)`; 0 when either is silent.
fn change(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in a.iter().zip(b) {
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let den = (aa * bb).sqrt();
    if den > 0.0 && den.is_finite() {
        (1.0 - ab / den).max(0.0)
    } else {
        0.0
    }
}

/// Step 1 of the method: the pulses `[start, end)` of period `period` over the first `n`
/// frames of `env`, phase-aligned per fold window and numbered continuously across windows.
/// Empty when fewer than [`MIN_PULSES`] periods fit.
fn pulse_grid(env: &[f32], n: usize, period: f32, window: usize, grid: &mut Vec<(usize, usize)>) {
    grid.clear();
    if n == 0 || !period.is_finite() || period < 1.0 || (n as f32) < MIN_PULSES as f32 * period
    {
        return;
    }
    let mut next_pulse: Option<f32> = None;
    for (lo, hi) in fold_windows(n, window, period) {
        // the grid point of this window's best phase nearest to where the previous window's
        // grid ended, so that pulse numbers (and their position in the bar) run on
        let mut t = lo as f32 + best_phase(&env[..n], lo, hi, period).0;
        if let Some(next) = next_pulse {
            let off: f32 = t - next;
            t = next + (off - period * (off / period).round());
        }
        while ((t + period).round() as usize) <= hi {
            let (a, b) = (t.round() as usize, (t + period).round() as usize);
            grid.push((a, b.max(a + 1).min(n)));
            t += period;
        }
        next_pulse = Some(t);
    }
}

/// Steps 2–4 on a pulse grid: the span ratio of `chroma` (`None` as in [`span_ratio`]).
fn ratio_on_grid(
    grid: &[(usize, usize)],
    chroma: &[[f32; 12]],
    span_window: usize,
    pulses: &mut Vec<[f32; 12]>,
    changes: &mut Vec<f32>,
) -> Option<f32> {
    pulses.clear();
    changes.clear();
    for &(a, b) in grid {
        let mut sum = [0.0f32; 12];
        for row in chroma.get(a..b).unwrap_or(&[]) {
            for (s, v) in sum.iter_mut().zip(row) {
                *s += v;
            }
        }
        pulses.push(sum);
    }
    // the change at each boundary between the `w` pulses before it and the `w` after it
    let w = span_window.max(1);
    let mut before = [0.0f32; 12];
    let mut after = [0.0f32; 12];
    for k in w..=pulses.len().saturating_sub(w) {
        before.fill(0.0);
        after.fill(0.0);
        for p in &pulses[k - w..k] {
            for (s, v) in before.iter_mut().zip(p) {
                *s += v;
            }
        }
        for p in &pulses[k..k + w] {
            for (s, v) in after.iter_mut().zip(p) {
                *s += v;
            }
        }
        changes.push(change(&before, &after));
    }
    let k = changes.len();
    if k < MIN_PULSES {
        return None;
    }
    let mean = changes.iter().sum::<f32>() / k as f32;
    if mean.is_nan() || mean < MIN_CHANGE {
        return None;
    }
    let gain = |b: usize| {
        (0..b)
            .map(|j| {
                let (s, c) = changes[j..]
                    .iter()
                    .step_by(b)
                    .fold((0.0f32, 0usize), |(s, c), &v| (s + v, c + 1));
                s / c.max(1) as f32
            })
            .fold(0.0f32, f32::max)
            / mean
    };
    let g4 = gain(4);
    let r = gain(8) / g4;
    r.is_finite().then_some(r)
}

/// The span ratio `r = g(8)/g(4)` of the pulse level with period `period` frames (see the
/// module documentation). `env` is the rectified detrended onset envelope, `chroma` one row
/// per envelope frame, `window` the fold window in frames.
pub fn span_ratio(
    env: &[f32],
    chroma: &[[f32; 12]],
    period: f32,
    window: usize,
    span_window: usize,
    scratch: &mut SpanScratch,
) -> Option<f32> {
    let SpanScratch {
        grid,
        pulses,
        changes,
    } = scratch;
    pulse_grid(env, env.len().min(chroma.len()), period, window, grid);
    ratio_on_grid(grid, chroma, span_window, pulses, changes)
}

/// [`span_ratio`] of both rows of `chroma` (`[full, low]`) on one pulse grid (one phase
/// search). An empty half gives `None`.
pub fn span_ratios(
    env: &[f32],
    chroma: ChromaRows<'_>,
    period: f32,
    window: usize,
    span_window: usize,
    scratch: &mut SpanScratch,
) -> [Option<f32>; 2] {
    let SpanScratch {
        grid,
        pulses,
        changes,
    } = scratch;
    let n = chroma.full.len().max(chroma.low.len()).min(env.len());
    pulse_grid(env, n, period, window, grid);
    [chroma.full, chroma.low].map(|rows| {
        if rows.is_empty() {
            None
        } else {
            ratio_on_grid(grid, rows, span_window, pulses, changes)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Envelope with a click every `beat` frames, and chroma whose chord (one pitch class)
    /// changes every `chord_beats` beats, with a melody note changing every half beat.
    fn song(n: usize, beat: usize, chord_beats: usize) -> (Vec<f32>, Vec<[f32; 12]>) {
        let mut env = vec![0.0f32; n];
        let mut chroma = vec![[0.0f32; 12]; n];
        for (t, row) in chroma.iter_mut().enumerate() {
            if t % (beat / 2) == 0 {
                env[t] = if t % beat == 0 { 1.0 } else { 0.6 };
            }
            let chord = [0usize, 5, 7, 9][(t / (beat * chord_beats)) % 4];
            row[chord] = 1.0;
            row[(chord + 4) % 12] = 0.8;
            row[(t / (beat / 2)) % 12] += 0.3;
        }
        (env, chroma)
    }

    #[test]
    fn beat_level_spans_four_and_eighth_level_eight() {
        let (env, chroma) = song(4000, 24, 4);
        let mut scratch = SpanScratch::default();
        for w in [1, SPAN_WINDOW] {
            let beat = span_ratio(&env, &chroma, 24.0, 860, w, &mut scratch).unwrap();
            let eighth = span_ratio(&env, &chroma, 12.0, 860, w, &mut scratch).unwrap();
            assert!(beat < 1.2, "w {w}: beat level r = {beat}");
            assert!(eighth > 1.8, "w {w}: eighth level r = {eighth}");
        }
    }

    #[test]
    fn low_register_shows_the_bar_under_a_busy_melody() {
        // full chroma: the chord (weak) under a melody note that changes every eighth
        // (loud); low chroma: the chord alone
        let (n, beat) = (4000, 24);
        let (env, _) = song(n, beat, 4);
        let mut full = vec![[0.0f32; 12]; n];
        let mut low = vec![[0.0f32; 12]; n];
        for t in 0..n {
            let chord = [0usize, 5, 7, 9][(t / (beat * 4)) % 4];
            low[t][chord] = 1.0;
            low[t][(chord + 4) % 12] = 0.8;
            full[t] = low[t].map(|v| 0.2 * v);
            full[t][(t / (beat / 2) * 7) % 12] += 1.0;
        }
        let rows = ChromaRows {
            full: &full,
            low: &low,
        };
        let mut scratch = SpanScratch::default();
        let [f8, l8] = span_ratios(&env, rows, 12.0, 860, SPAN_WINDOW, &mut scratch);
        let [f4, l4] = span_ratios(&env, rows, 24.0, 860, SPAN_WINDOW, &mut scratch);
        let (f8, l8, f4, l4) = (f8.unwrap(), l8.unwrap(), f4.unwrap(), l4.unwrap());
        assert!(f8 < SPAN_RATIO, "full rows at the eighth level: r = {f8}");
        assert!(l8 > 1.8, "low rows at the eighth level: r = {l8}");
        assert!(f4 < 1.2 && l4 < 1.2, "beat level: r = {f4}, {l4}");
        // one half empty: that half is None, the other as span_ratio
        let [a, b] = span_ratios(&env, ChromaRows::full(&full), 12.0, 860, 3, &mut scratch);
        assert_eq!(b, None);
        assert_eq!(a, span_ratio(&env, &full, 12.0, 860, 3, &mut scratch));
    }

    #[test]
    fn no_ratio_without_harmony_or_pulses() {
        let (env, _) = song(4000, 24, 4);
        let flat = vec![[1.0f32; 12]; 4000];
        let mut scratch = SpanScratch::default();
        assert_eq!(span_ratio(&env, &flat, 24.0, 860, 1, &mut scratch), None);
        assert_eq!(span_ratio(&env[..500], &flat[..500], 24.0, 860, 1, &mut scratch), None);
        assert_eq!(span_ratio(&[], &[], 24.0, 860, 1, &mut scratch), None);
    }
}
