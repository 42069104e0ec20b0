//! Dominant-seventh evidence for key finding: how often the music sounds the dominant seventh
//! chord (V7) of each tonic.
//!
//! # Why
//! A key profile cannot separate a major key from its relative minor well: both use the same
//! seven pitch classes, and only emphasis tells them apart. A dominant seventh chord points at
//! one tonic whatever the mode: G7 (G B D F) resolves to C, in C major and in C minor alike,
//! and it belongs to neither A minor (whose dominant is E7) nor any other key. Chord-based key
//! finding uses this (A. Shenoy, R. Mohapatra, Y. Wang, "Key determination of acoustic musical
//! signals", IEEE ICME 2004; H. Papadopoulos, G. Peeters, "Local key estimation from an audio
//! signal relying on harmonic and metrical structures", IEEE TASLP 20(4), 2012). This module is
//! a small version of it: it labels chords frame by frame and counts only the dominant
//! sevenths.
//!
//! # Method
//! Written from the papers' descriptions (no code copied).
//! 1. **Input**: every non-silent unit-max HPCP frame of [`super::hpcp::Hpcp`] (186 ms at 22 050
//!    Hz), folded to 12 pitch classes (C first) with the track's tuning.
//! 2. **Smoothing**: the sum `g_t` of the last [`SMOOTHING_FRAMES`] (5, ≈ 0.93 s) frames,
//!    causal, so that a chord is judged over about a beat or two rather than one frame.
//! 3. **Chord label**: the template `c` of [`QUALITIES`] × 12 roots (72 binary templates, unit
//!    norm) with the largest cosine `⟨g_t, c⟩ / (‖g_t‖·‖c‖)`, the first in template order on a
//!    tie. The four-note qualities besides the dominant seventh (major seventh, minor seventh,
//!    half-diminished) keep ii7, vi7 and viiø7 from being read as dominants.
//! 4. **Evidence**: `d(k) = #{t : label_t = dominant seventh on root (k + 7) mod 12} / T`, the
//!    share of the `T` frames that sound the dominant seventh of tonic `k`.
//!
//! The key score adds `W · d(k)` to both modes of tonic `k` (see [`super::key`]).
//!
//! **Harmonic-minor evidence.** The same labels also count the minor and the major *triads*
//! per root. A minor key raises its leading tone in the dominant (harmonic minor: G B D in
//! C minor, whose natural scale has B♭), so a minor triad on `k` together with a major triad
//! on `k + 7` is the tonic and dominant of `k` minor; the parallel major has no minor tonic
//! triad, the relative major (E♭ for C minor) and the subdominant minor (F minor) have no
//! G major triad. `h(k) = min(#minor triads on k, #major triads on k + 7) / T`
//! ([`DominantCounter::minor_evidence`]); the key score adds `W_m · g(k) · h(k)` to the minor
//! key of tonic `k` only, `g` a leading-tone gate (see [`super::key`]). The major triad on the
//! fifth is the dominant of the major key too, but there the major tonic triad would also count
//! for the subdominant, whose dominant it is.
//!
//! # Streaming and tuning
//! The tuning is known only at the end of the track, so the frames are folded for all eleven
//! 10-cent tuning classes at once. The 12-bin fold of a 10-cent-resolution profile changes only
//! when the tuning crosses a multiple of 10 cents ([`super::hpcp::fold`]), so eleven labellers give
//! exactly the labels of the final tuning. No frame is kept: memory is constant in the track
//! length. Cost per frame: eleven folds of 120 bins and eleven 72-template scans.

use super::hpcp::{RES, bin_pitch_class};

/// Frames summed before a chord is labelled (≈ 0.93 s at the HPCP hop of 186 ms). Chosen on
/// the TUNING sets of docs/accuracy.md (3–7 score alike).
pub const SMOOTHING_FRAMES: usize = 5;

/// Chord qualities of the template vocabulary: name and intervals above the root. The
/// dominant seventh is [`DOMINANT_QUALITY`].
pub const QUALITIES: [(&str, &[usize]); 6] = [
    ("maj", &[0, 4, 7]),
    ("min", &[0, 3, 7]),
    ("dom7", &[0, 4, 7, 10]),
    ("maj7", &[0, 4, 7, 11]),
    ("min7", &[0, 3, 7, 10]),
    ("hdim7", &[0, 3, 6, 10]),
];

/// Index of the dominant seventh in [`QUALITIES`].
pub const DOMINANT_QUALITY: usize = 2;
/// Index of the major triad in [`QUALITIES`].
pub const MAJOR_QUALITY: usize = 0;
/// Index of the minor triad in [`QUALITIES`].
pub const MINOR_QUALITY: usize = 1;

/// 10-cent bins per semitone.
const BINS_PER_SEMITONE: usize = RES / 12;

/// Number of tuning classes: the 10-cent steps of one semitone, plus one because a tuning of
/// exactly −50 cents folds like one just below it.
const CLASSES: usize = 11;

/// The representative tuning of class `i`, cents: the middle of `[−60 + 10i, −50 + 10i)`.
fn class_cents(i: usize) -> f64 {
    -55.0 + 10.0 * i as f64
}

/// The fold map of `cents`: the pitch class (C = 0) of each 10-cent bin
/// ([`super::hpcp::bin_pitch_class`], the rule of [`super::hpcp::fold`]).
fn fold_map(cents: f64) -> [u8; RES] {
    std::array::from_fn(|j| bin_pitch_class(j, cents) as u8)
}

/// One labeller: the fold map of a tuning class, the smoothing ring and the counts.
#[derive(Debug, Clone)]
struct Labeller {
    /// Pitch class (C = 0) of each 10-cent bin.
    map: [u8; RES],
    /// First bin of each pitch class: a class holds the 10 bins from it on (cyclically),
    /// since the representative tuning is never a multiple of 10 cents.
    start: [usize; 12],
    ring: [[f32; 12]; SMOOTHING_FRAMES],
    /// Dominant-seventh frames per tonic.
    counts: [u32; 12],
    /// Major-triad frames per root.
    major: [u32; 12],
    /// Minor-triad frames per root.
    minor: [u32; 12],
}

impl Labeller {
    fn new(cents: f64) -> Self {
        let map = fold_map(cents);
        let mut start = [0usize; 12];
        for j in 0..RES {
            if map[j] != map[(j + RES - 1) % RES] {
                start[map[j] as usize] = j;
            }
        }
        Labeller {
            map,
            start,
            ring: [[0.0; 12]; SMOOTHING_FRAMES],
            counts: [0; 12],
            major: [0; 12],
            minor: [0; 12],
        }
    }
}

/// Streaming dominant-seventh counter (see the module documentation).
#[derive(Debug, Clone)]
pub struct DominantCounter {
    labellers: Vec<Labeller>,
    /// Ring slot of the next frame.
    slot: usize,
    /// Frames counted.
    frames: u32,
}

impl Default for DominantCounter {
    fn default() -> Self {
        Self::new()
    }
}

impl DominantCounter {
    /// A counter for a new track.
    pub fn new() -> Self {
        DominantCounter {
            labellers: (0..CLASSES).map(|i| Labeller::new(class_cents(i))).collect(),
            slot: 0,
            frames: 0,
        }
    }

    /// Forgets the previous track.
    pub fn reset(&mut self) {
        for l in &mut self.labellers {
            l.ring = [[0.0; 12]; SMOOTHING_FRAMES];
            l.counts = [0; 12];
            l.major = [0; 12];
            l.minor = [0; 12];
        }
        self.slot = 0;
        self.frames = 0;
    }

    /// Counts one unit-max 120-bin HPCP frame (bin 0 = A440, 10 cents per bin).
    pub fn push(&mut self, frame: &[f32; RES]) {
        let slot = self.slot;
        // cyclic prefix sums: the 10 bins of a pitch class from `start` sum to
        // `prefix[start + 10] − prefix[start]`, for every tuning class
        let mut prefix = [0.0f64; 2 * RES + 1];
        for k in 0..2 * RES {
            prefix[k + 1] = prefix[k] + frame[k % RES] as f64;
        }
        for l in &mut self.labellers {
            l.ring[slot] = l
                .start
                .map(|a| (prefix[a + BINS_PER_SEMITONE] - prefix[a]) as f32);
            let mut sum = [0.0f32; 12];
            for row in &l.ring {
                for (s, v) in sum.iter_mut().zip(row) {
                    *s += v;
                }
            }
            match label(&sum) {
                Some((DOMINANT_QUALITY, root)) => l.counts[(root + 5) % 12] += 1,
                Some((MAJOR_QUALITY, root)) => l.major[root] += 1,
                Some((MINOR_QUALITY, root)) => l.minor[root] += 1,
                _ => {}
            }
        }
        self.slot = (slot + 1) % SMOOTHING_FRAMES;
        self.frames += 1;
    }

    /// Frames counted so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    /// `d(k)`, the share of the frames that sound the dominant seventh of tonic `k` (C = 0),
    /// for the track's tuning `cents` (relative to A440); all zeros before any frame.
    pub fn evidence(&self, cents: f64) -> [f64; 12] {
        if self.frames == 0 {
            return [0.0; 12];
        }
        self.labeller(cents)
            .counts
            .map(|c| c as f64 / self.frames as f64)
    }

    /// `h(k)`, the harmonic-minor evidence of tonic `k`: `min(share of minor-triad frames on
    /// k, share of major-triad frames on k + 7)` — the minor tonic and its major dominant
    /// (raised leading tone) both sounding; all zeros before any frame.
    pub fn minor_evidence(&self, cents: f64) -> [f64; 12] {
        if self.frames == 0 {
            return [0.0; 12];
        }
        let l = self.labeller(cents);
        let n = self.frames as f64;
        std::array::from_fn(|k| (l.minor[k].min(l.major[(k + 7) % 12])) as f64 / n)
    }

    /// The labeller of the track's tuning `cents`.
    fn labeller(&self, cents: f64) -> &Labeller {
        // the labeller whose fold equals the fold at `cents` (one always does for a tuning in
        // [−50, 50) cents, the range of `super::tuning`); else the nearest representative
        let map = fold_map(if cents.is_finite() { cents } else { 0.0 });
        self.labellers
            .iter()
            .find(|l| l.map == map)
            .unwrap_or_else(|| {
                let i = ((cents + 60.0) / 10.0).floor().clamp(0.0, (CLASSES - 1) as f64);
                &self.labellers[if i.is_finite() { i as usize } else { CLASSES / 2 }]
            })
    }
}

/// The chord label `(quality index into QUALITIES, root pitch class)` of a 12-bin profile
/// (C first): the template of largest cosine, the first on a tie; `None` for an all-zero or
/// non-finite profile.
pub fn label(x: &[f32; 12]) -> Option<(usize, usize)> {
    if !x.iter().all(|v| v.is_finite()) || x.iter().all(|&v| v <= 0.0) {
        return None;
    }
    // ‖x‖ is the same for every template, so the cosine ranks as ⟨x, c⟩ / ‖c‖; the profile
    // is written twice so that `root + interval` needs no modulo
    let mut x2 = [0.0f32; 24];
    x2[..12].copy_from_slice(x);
    x2[12..].copy_from_slice(x);
    let mut best = (f32::NEG_INFINITY, 0, 0);
    for (q, (_, intervals)) in QUALITIES.iter().enumerate() {
        // the template sums of all 12 roots at once (12-wide adds of shifted copies)
        let mut sums = [0.0f32; 12];
        for &i in intervals.iter() {
            for (s, v) in sums.iter_mut().zip(&x2[i..i + 12]) {
                *s += v;
            }
        }
        let inv_norm = 1.0 / (intervals.len() as f32).sqrt();
        for (root, &s) in sums.iter().enumerate() {
            if s * inv_norm > best.0 {
                best = (s * inv_norm, q, root);
            }
        }
    }
    Some((best.1, best.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(root: usize, intervals: &[usize]) -> [f32; 12] {
        let mut x = [0.0f32; 12];
        for i in intervals {
            x[(root + i) % 12] = 1.0;
        }
        x
    }

    #[test]
    fn labels_the_chord_qualities() {
        assert_eq!(label(&chord(7, &[0, 4, 7, 10])), Some((DOMINANT_QUALITY, 7))); // G7
        assert_eq!(label(&chord(0, &[0, 4, 7])), Some((0, 0))); // C
        assert_eq!(label(&chord(9, &[0, 3, 7])), Some((1, 9))); // Am
        assert_eq!(label(&chord(2, &[0, 3, 7, 10])), Some((4, 2))); // Dm7, not F6 or a dominant
        assert_eq!(label(&chord(11, &[0, 3, 6, 10])), Some((5, 11))); // Bø7
        assert_eq!(label(&[0.0; 12]), None);
    }

    /// A 120-bin frame with unit peaks on the given pitch classes (C = 0) at A440 tuning.
    fn frame(pcs: &[usize], cents: f64) -> [f32; RES] {
        let mut f = [0.0f32; RES];
        for &pc in pcs {
            // semitones above A of pitch class pc, then the bin nearest to it at `cents`
            let semis = (pc as f64 - 9.0).rem_euclid(12.0);
            let bin = ((semis * 100.0 + cents) / 10.0).round() as usize % RES;
            f[bin] = 1.0;
        }
        f
    }

    #[test]
    fn counts_dominant_sevenths_for_their_tonic_at_any_tuning() {
        for cents in [-48.0, -20.0, 0.0, 13.0, 44.0] {
            let mut c = DominantCounter::new();
            // 10 frames of C major, 10 of G7, 20 of A minor: G7 points at C, A minor at nothing
            for _ in 0..10 {
                c.push(&frame(&[0, 4, 7], cents));
            }
            for _ in 0..10 {
                c.push(&frame(&[7, 11, 2, 5], cents));
            }
            for _ in 0..20 {
                c.push(&frame(&[9, 0, 4], cents));
            }
            let d = c.evidence(cents);
            // the first 2 G7 frames are still smoothed with C major (C E G + G B D F reads C…);
            // from the third on the ring is dominated by G7, until A minor takes over
            assert!(d[0] >= 0.15 && d[0] <= 0.25, "{cents}: {d:?}");
            for (k, v) in d.iter().enumerate() {
                if k != 0 {
                    assert_eq!(*v, 0.0, "{cents}: tonic {k}: {d:?}");
                }
            }
            assert_eq!(c.frames(), 40);
            c.reset();
            assert_eq!(c.evidence(cents), [0.0; 12]);
        }
    }

    #[test]
    fn harmonic_minor_evidence_needs_the_minor_tonic_and_the_major_dominant() {
        for cents in [-30.0, 0.0, 21.0] {
            let mut c = DominantCounter::new();
            // 20 frames of C minor, 10 of G major, 10 of Eb major (C minor's relative major)
            for _ in 0..20 {
                c.push(&frame(&[0, 3, 7], cents));
            }
            for _ in 0..10 {
                c.push(&frame(&[7, 11, 2], cents));
            }
            for _ in 0..10 {
                c.push(&frame(&[3, 7, 10], cents));
            }
            let h = c.minor_evidence(cents);
            // G major is labelled from its third frame on (the ring still holds C minor before)
            assert!(h[0] >= 0.15 && h[0] <= 0.25, "{cents}: {h:?}");
            for (k, v) in h.iter().enumerate() {
                if k != 0 {
                    assert_eq!(*v, 0.0, "{cents}: tonic {k}: {h:?}");
                }
            }
            // no dominant seventh sounded
            assert_eq!(c.evidence(cents), [0.0; 12]);
            c.reset();
            assert_eq!(c.minor_evidence(cents), [0.0; 12]);
        }
    }

    #[test]
    fn every_tuning_has_a_labeller_with_its_exact_fold() {
        let c = DominantCounter::new();
        for l in &c.labellers {
            // each pitch class is the 10 bins from its start
            for (pc, &a) in l.start.iter().enumerate() {
                for k in 0..BINS_PER_SEMITONE {
                    assert_eq!(l.map[(a + k) % RES] as usize, pc);
                }
            }
        }
        for i in -50..50 {
            for frac in [0.0, 0.25, 0.5] {
                let map = fold_map(i as f64 + frac);
                assert!(c.labellers.iter().any(|l| l.map == map), "{i}+{frac}");
            }
        }
    }
}
