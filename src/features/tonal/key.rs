//! Key estimation by key-profile correlation (Krumhansl–Schmuckler template matching).
//!
//! # Method
//! The track's 12-bin harmonic pitch-class profile `x` (C first, see [`super::hpcp`]) is
//! compared with a major and a minor key profile `p` (tonic first) rotated to each of the 12
//! tonics, by Pearson correlation:
//!
//! ```text
//! r_x(k, m) = Σ_i (x[(i+k) mod 12] − x̄)(p_m[i] − p̄_m) / sqrt(Σ_i (x[(i+k) mod 12] − x̄)² · Σ_i (p_m[i] − p̄_m)²)
//! R(k, m)   = (r_x(k, m) + w · r_o(k, m)) / (1 + w)
//! (tonic, mode) = argmax_{k, m} R(k, m)
//! ```
//!
//! `r_o` is the same correlation for the **opening profile** `o`, the HPCP of the first
//! 1.5 s of sound (see [`super::hpcp`]), with weight `w = w₀ · tonalness(o)`,
//! `w₀ = 1` ([`super::TonalConfig::opening_weight`]) and `tonalness` as in the confidence
//! below, so that an unpitched opening (drum count-in, noise) does not vote.
//! This is a cue about the *tonic*, not the scale: pieces commonly open (and close) on the tonic
//! chord, so the opening tells a minor key from its relative major (same pitch-class set) and a
//! key from its dominant, which a whole-track profile alone cannot when the harmony never uses
//! the raised leading tone. On leitmotif's evaluation corpora (synthetic songs that all open on
//! the tonic chord) it lifts the held-out MIREX score from 0.936 to 1.000; on music with a
//! non-tonic introduction it can mislead, which is why it is a weight and can be set to 0. The
//! window (1.5 s) and the weight were chosen on the tuning sets (seeds 1 and 3), see
//! `docs/accuracy_key.md`. The closing seconds are not used: in the tuning sets they were often
//! cut mid-bar and did not help.
//!
//! # Profiles
//! - [`KeyProfile::Leitmotif`] (default): a data-driven profile in the manner of Faraldo et
//!   al. (Á. Faraldo, E. Gómez, S. Jordà, P. Herrera, "Key estimation in electronic dance
//!   music", ECIR 2016), who derived their profiles from the average chroma of a corpus
//!   annotated with keys. Ours is the mean, over the 60 songs of leitmotif's key-tuning set
//!   (`synth_corpus.py OUT 60 1`; 35 major, 25 minor), of each song's HPCP (as computed by
//!   [`super::hpcp`] with the default parameters) divided by its sum and rotated so that the
//!   annotated tonic comes first; then scaled to a maximum of 1 (HPCP hop `N/2` at the time;
//!   the profile is insensitive to the hop). Without the opening cue, its leave-one-out MIREX
//!   score on that set is 0.988 (Krumhansl–Kessler on the same HPCP: 0.907; Temperley: 0.897).
//!   It reflects music built from diatonic triads with a harmonic-minor dominant; see
//!   `docs/accuracy_key.md` for the held-out figures.
//! - [`KeyProfile::KrumhanslKessler`]: probe-tone ratings of C. L. Krumhansl and
//!   E. J. Kessler, "Tracing the dynamic changes in perceived tonal organization in a spatial
//!   representation of musical keys", Psychological Review 89(4), 1982 (also Krumhansl,
//!   *Cognitive Foundations of Musical Pitch*, 1990, table 2.1).
//! - [`KeyProfile::Temperley`]: D. Temperley, "What's key for key? The Krumhansl–Schmuckler
//!   key-finding algorithm reconsidered", Music Perception 17(1), 1999.
//!
//! # Confidence
//! `confidence = clamp(R_best, 0, 1) · tonalness(x)`, `tonalness(x) = clamp(cv / 0.4, 0, 1)`,
//! where `cv = std(x)/mean(x)` is
//! the coefficient of variation of the profile: tonal music concentrates its energy on the
//! scale (`cv` 0.37–0.89 on the tuning set, 0.56 median) while noise and unpitched drums
//! spread it evenly (`cv` near 0), for which a correlation alone would still pick *some* key
//! with `r` ≈ 0.5–0.7. An all-zero profile (silence) gives C major with confidence 0. The
//! result is never NaN.

use super::Key;

/// Pitch-class names, C first, sharps.
pub const PITCH_CLASSES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Krumhansl & Kessler (1982) probe-tone ratings, major, tonic first.
pub const KK_MAJOR: [f64; 12] = [
    6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
];
/// Krumhansl & Kessler (1982) probe-tone ratings, minor, tonic first.
pub const KK_MINOR: [f64; 12] = [
    6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
];
/// Temperley (1999), major, tonic first.
pub const TEMPERLEY_MAJOR: [f64; 12] = [5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0];
/// Temperley (1999), minor, tonic first.
pub const TEMPERLEY_MINOR: [f64; 12] = [5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0];
/// leitmotif's data-driven major profile (see the module docs), tonic first.
pub const LEITMOTIF_MAJOR: [f64; 12] = [
    1.0000, 0.2036, 0.5080, 0.1616, 0.5522, 0.5821, 0.2204, 0.8418, 0.1887, 0.5498, 0.2201, 0.4065,
];
/// leitmotif's data-driven minor profile (see the module docs), tonic first.
pub const LEITMOTIF_MINOR: [f64; 12] = [
    1.0000, 0.2271, 0.4658, 0.5922, 0.2473, 0.6304, 0.2159, 0.8560, 0.5218, 0.2674, 0.4713, 0.3083,
];

/// Which pair of key profiles to correlate with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyProfile {
    /// Data-driven profiles from leitmotif's tuning set (default).
    #[default]
    Leitmotif,
    /// Krumhansl & Kessler (1982).
    KrumhanslKessler,
    /// Temperley (1999).
    Temperley,
}

impl KeyProfile {
    /// The (major, minor) profiles, tonic first.
    pub fn profiles(self) -> (&'static [f64; 12], &'static [f64; 12]) {
        match self {
            KeyProfile::Leitmotif => (&LEITMOTIF_MAJOR, &LEITMOTIF_MINOR),
            KeyProfile::KrumhanslKessler => (&KK_MAJOR, &KK_MINOR),
            KeyProfile::Temperley => (&TEMPERLEY_MAJOR, &TEMPERLEY_MINOR),
        }
    }
}

/// Pearson correlation of `x` rotated so that `tonic` comes first, with `profile`; 0 when
/// either has no variance.
pub fn correlate(x: &[f64; 12], tonic: usize, profile: &[f64; 12]) -> f64 {
    let mx = x.iter().sum::<f64>() / 12.0;
    let mp = profile.iter().sum::<f64>() / 12.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..12 {
        let a = x[(i + tonic) % 12] - mx;
        let b = profile[i] - mp;
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    let d = (sxx * syy).sqrt();
    if d > 1e-12 && d.is_finite() {
        sxy / d
    } else {
        0.0
    }
}

/// The correlation of `x` with all 24 keys: `[mode][tonic]`, mode 0 = major, 1 = minor.
pub fn key_scores(x: &[f64; 12], profile: KeyProfile) -> [[f64; 12]; 2] {
    let (maj, min) = profile.profiles();
    [
        std::array::from_fn(|t| correlate(x, t, maj)),
        std::array::from_fn(|t| correlate(x, t, min)),
    ]
}

/// `clamp(cv / 0.4, 0, 1)` with `cv = std(x) / mean(x)`: 0 for a flat or empty profile,
/// 1 for a profile as peaked as tonal music's.
pub fn tonalness(x: &[f64; 12]) -> f64 {
    let mean = x.iter().sum::<f64>() / 12.0;
    if !(mean > 1e-12 && mean.is_finite()) {
        return 0.0;
    }
    let cv = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 12.0).sqrt() / mean;
    if cv.is_finite() {
        (cv / 0.4).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Estimates the key of a track from its 12-bin pitch-class profile `x` (C first) alone.
pub fn estimate(x: &[f64; 12], profile: KeyProfile) -> Key {
    estimate_with_opening(x, &[0.0; 12], 0.0, profile)
}

/// Estimates the key from the track profile `x` and the opening profile `opening` (both C
/// first): `argmax_{k,m} r_x(k, m) + w · r_opening(k, m)`.
pub fn estimate_with_opening(
    x: &[f64; 12],
    opening: &[f64; 12],
    w: f64,
    profile: KeyProfile,
) -> Key {
    let clean = x.map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 });
    let open = opening.map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 });
    // The opening counts only as much as it is tonal (a drum count-in or noise says nothing).
    let w = (if w.is_finite() { w.max(0.0) } else { 0.0 }) * tonalness(&open);
    let scores = key_scores(&clean, profile);
    let open_scores = key_scores(&open, profile);
    let (mut best_r, mut best_t, mut best_m) = (f64::NEG_INFINITY, 0, 0);
    for m in 0..2 {
        for t in 0..12 {
            let r = (scores[m][t] + w * open_scores[m][t]) / (1.0 + w);
            if r > best_r {
                (best_r, best_t, best_m) = (r, t, m);
            }
        }
    }
    let conf = best_r.clamp(0.0, 1.0) * tonalness(&clean);
    Key {
        tonic: PITCH_CLASSES[best_t],
        mode: if best_m == 0 { "major" } else { "minor" },
        confidence: if conf.is_finite() { conf as f32 } else { 0.0 },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_recognise_themselves_in_every_key() {
        for p in [
            KeyProfile::Leitmotif,
            KeyProfile::KrumhanslKessler,
            KeyProfile::Temperley,
        ] {
            let (maj, min) = p.profiles();
            for t in 0..12 {
                let mut x = [0.0; 12];
                for i in 0..12 {
                    x[(i + t) % 12] = maj[i];
                }
                let k = estimate(&x, p);
                assert_eq!((k.tonic, k.mode), (PITCH_CLASSES[t], "major"));
                for i in 0..12 {
                    x[(i + t) % 12] = min[i];
                }
                let k = estimate(&x, p);
                assert_eq!((k.tonic, k.mode), (PITCH_CLASSES[t], "minor"));
                assert!(k.confidence > 0.5 && k.confidence <= 1.0);
            }
        }
    }

    #[test]
    fn flat_or_empty_profile_has_zero_confidence() {
        for x in [[0.0; 12], [1.0; 12], [f64::NAN; 12]] {
            let k = estimate(&x, KeyProfile::default());
            assert_eq!(k.confidence, 0.0);
        }
    }
}
