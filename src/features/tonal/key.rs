//! Key estimation by key-profile correlation (Krumhansl–Schmuckler template matching).
//!
//! # Method
//! The track's 12-bin harmonic pitch-class profile `x` (C first, see [`super::hpcp`]) is
//! compared with a major and a minor key profile `p` (tonic first) rotated to each of the 12
//! tonics, by Pearson correlation:
//!
//! ```text
//! r_x(k, m) = Σ_i (x[(i+k) mod 12] − x̄)(p_m[i] − p̄_m) / sqrt(Σ_i (x[(i+k) mod 12] − x̄)² · Σ_i (p_m[i] − p̄_m)²)
//! (tonic, mode) = argmax_{k, m} r_x(k, m)
//! ```
//!
//! **Bass cue.** When the best two keys score within [`BASS_MARGIN`] of each other, the bass
//! profile (the spectral peaks below 250 Hz, each on its own pitch class, summed over the
//! track: `hpcp::Hpcp::bass`) joins the score: `(r_x + w_b·r_bass) / (1 + w_b)`, with
//! `r_bass` its correlation with Sapp's simple weights ([`KeyProfile::Simple`]) and `w_b` =
//! [`BASS_WEIGHT`] × the bass profile's tonalness ([`estimate_with_bass`]). A bass line dwells
//! on the tonic and the dominant, which separates keys a fifth apart (six shared scale tones)
//! better than the full profile does. On the tuning sets of docs/accuracy.md it raised grooves
//! from 0.804 to 0.845 and synthetic songs from 0.843 to 0.880, chorales from 0.970 to 0.988.
//!
//! **Dominant cue.** Every key's score gains `W · d(k)` ([`estimate_with_cues`],
//! [`DOMINANT_WEIGHT`] `W` = 1.5), where `d(k)` is the share of HPCP frames whose chord label is
//! the dominant seventh of tonic `k` (`super::dominant`: G7 for C major and C minor). A major key
//! and its relative minor share their scale but not their dominant (G7 against E7), so this
//! separates them where the profile cannot; it also separates keys a fifth apart. On the tuning
//! sets of docs/accuracy.md it raised grooves from 0.843 to 0.950 (seed 11) and 0.863 to 0.908
//! (seed 14), synthetic songs from 0.880 to 0.897, and left chorales at 0.988.
//!
//! **Harmonic-minor cue** (seventh session). A minor key raises its leading tone in the
//! dominant (G B D in C minor, whose natural scale has B♭), so its tonic and dominant triads
//! are a minor and a major triad a fifth apart: `h(k)`, the share of frames labelled as the
//! minor triad on `k` or as the major triad on `k + 7`, whichever is smaller
//! (`super::dominant::DominantCounter::minor_evidence`). The parallel major lacks the minor
//! tonic triad, the relative major (E♭ for C minor) and the subdominant minor (F minor) lack
//! the G major triad. The minor key of tonic `k` gains `W_m · g(k) · h(k)`
//! ([`MINOR_DOMINANT_WEIGHT`] `W_m` = 1), where the gate `g(k) = min(1, x[k+11] / x[k+10])`
//! weighs the labels by how much the raised leading tone is heard beside the subtonic in the
//! track's profile: a minor chord whose root's fifth partial is strong can be labelled major
//! (the bundled `song1`, A minor, labels 42 of 129 frames A major, and without the gate reads
//! D minor). On the TUNING sets (MIREX, chorales / grooves seed 11 / grooves seed 14 /
//! synthetic) it moved 0.988 / 0.943 / 0.912 / 0.897 to 0.988 / 0.951 / 0.912 / 0.915, the
//! same for `W_m` from 0.75 to 3 (ungated, 3 lost a file on each grooves set and `song1` read
//! D minor from 0.75). `W_m` = 1 is the largest weight of that plateau at which every bundled
//! sample and key fixture keeps its key (gated, `song1` reads D minor from 1.5).
//! docs/accuracy.md has the REPORT figures.
//!
//! The [`N_CANDIDATES`] best keys are reported with their scores `S = r + W·d + W_m·g·h` (the
//! estimate first, then the runners-up), and tonics are spelled as musicians spell the key, with
//! the fewest accidentals ([`MAJOR_NAMES`], [`MINOR_NAMES`]: `Eb major`, `Bb minor`, `F# major`,
//! `C# minor`).
//!
//! An optional **opening cue** ([`estimate_with_opening`], `TonalConfig::opening_weight`, default
//! 0 = off) adds the same correlation on the first 1.5 s. It assumed that a piece opens on its
//! tonic chord; on the real development sets it lowers the MIREX score (grooves 0.868 → 0.742,
//! chorales 0.953 → 0.898, tuning sets of docs/accuracy.md), so it is off by default.
//!
//! # Profiles
//! All published; none is learned from leitmotif's evaluation material.
//! - [`KeyProfile::Aarden`] (default): pitch-class distributions of the Essen folksong
//!   collection, B. Aarden, *Dynamic melodic expectancy*, PhD thesis, Ohio State University,
//!   2003 (the values distributed with D. Huron's Humdrum Toolkit and music21).
//! - [`KeyProfile::KrumhanslKessler`]: probe-tone ratings of C. L. Krumhansl and
//!   E. J. Kessler, "Tracing the dynamic changes in perceived tonal organization in a spatial
//!   representation of musical keys", Psychological Review 89(4), 1982.
//! - [`KeyProfile::Temperley`]: D. Temperley, "What's key for key? The Krumhansl–Schmuckler
//!   key-finding algorithm reconsidered", Music Perception 17(1), 1999.
//! - [`KeyProfile::AardenTemperley`]: the mean of the two correlations.
//!
//! On the tuning sets (docs/accuracy.md) Aarden scored 0.97 on chorales and 0.80 on grooves,
//! Krumhansl–Kessler 0.90 / 0.83, Temperley 0.84 / 0.89, Temperley–Kostka–Payne 0.95 / 0.92;
//! Aarden is the default as the best published profile on compositions (tools/key_profile_study.py).
//!
//! # No key, confidence
//! `tonalness(x) = clamp(cv / 0.4, 0, 1)` with `cv = std(x)/mean(x)`, the coefficient of
//! variation of the profile: tonal music concentrates its energy on the scale (`cv` 0.37–0.89
//! on synthetic songs) while noise and unpitched drums spread it evenly (`cv` near 0). Below
//! [`MIN_TONALNESS`] (silence, noise) there is **no key**: tonic and mode `None`, confidence 0,
//! no candidates; the pipeline uses the lower [`MIN_TONALNESS_PITCHED`] for audio whose
//! spectral flatness says it is not noise (dense orchestral recordings measure `cv` 0.10–0.15).
//! Otherwise `confidence = clamp(S_best, 0, 1) · tonalness(x)`. Never NaN.

use serde::Serialize;

/// Pitch-class names, C first, sharps (the names [`super::TonalResult::hpcp`] is indexed by).
pub const PITCH_CLASSES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Tonic names of the 12 major keys as musicians spell them (fewest accidentals; F# major
/// rather than Gb major), indexed by pitch class, C first.
pub const MAJOR_NAMES: [&str; 12] = [
    "C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];
/// Tonic names of the 12 minor keys (fewest accidentals; Eb minor rather than D# minor),
/// indexed by pitch class, C first.
pub const MINOR_NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B",
];

/// The spelled tonic of the key `pc` (0 = C) in `mode` (0 = major, 1 = minor).
pub fn tonic_name(pc: usize, mode: usize) -> &'static str {
    if mode == 0 {
        MAJOR_NAMES[pc % 12]
    } else {
        MINOR_NAMES[pc % 12]
    }
}

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
/// Aarden (2003) / Essen folksong collection pitch-class distributions, major, tonic first.
pub const AARDEN_MAJOR: [f64; 12] = [
    17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494,
    0.232998, 4.95122,
];
/// Aarden (2003) / Essen folksong collection pitch-class distributions, minor, tonic first.
pub const AARDEN_MINOR: [f64; 12] = [
    18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186,
    7.37619, 1.75623,
];

/// C. S. Sapp's "simple" key weights (tonic and dominant 2, the other scale degrees 1,
/// chromatic tones 0; Humdrum `keycor`, distributed with music21 as `SimpleWeights`), major,
/// tonic first. Used for the bass profile.
pub const SIMPLE_MAJOR: [f64; 12] = [2.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 2.0, 0.0, 1.0, 0.0, 1.0];
/// Sapp's "simple" key weights, minor, tonic first.
pub const SIMPLE_MINOR: [f64; 12] = [2.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 2.0, 1.0, 0.0, 0.5, 0.5];
/// Default weight of the bass-profile correlation in the key score (chosen on the tuning
/// sets of docs/accuracy.md).
pub const BASS_WEIGHT: f64 = 0.35;
/// Default [`BassCue::margin`]: the bass cue is consulted only when the best two keys score
/// within this of each other without it. Chosen on the tuning sets of docs/accuracy.md as the
/// best margin that keeps every committed key fixture and bundled sample right (0.03 reads the
/// F# minor sample as D major, 0.05 the minor-chorale fixture as its relative major).
pub const BASS_MARGIN: f64 = 0.02;
/// Default [`DominantCue::weight`] `W`: the key score gains `W · d(k)`, `d(k)` the share of
/// frames sounding the dominant seventh of tonic `k` (`super::dominant`). Chosen on the
/// tuning sets of docs/accuracy.md (1.25–2.0 score alike; chorales start to lose at 2.5,
/// where secondary dominants such as V/vi outweigh the profile).
pub const DOMINANT_WEIGHT: f64 = 1.5;

/// Weight `W_m` of the harmonic-minor evidence (the minor tonic triad and the major dominant
/// triad both sounding, gated by the leading tone; see the module documentation) on the minor
/// keys. Chosen on the TUNING sets of docs/accuracy.md (0.75–3 scored alike).
pub const MINOR_DOMINANT_WEIGHT: f64 = 1.0;

/// Which pair of key profiles to correlate with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyProfile {
    /// The mean of the correlations with [`KeyProfile::Aarden`] and [`KeyProfile::Temperley`].
    AardenTemperley,
    /// Krumhansl & Kessler (1982) probe-tone ratings.
    KrumhanslKessler,
    /// Temperley (1999).
    Temperley,
    /// Aarden (2003), pitch-class counts of the Essen folksong collection (default).
    #[default]
    Aarden,
    /// Sapp's "simple" weights ([`SIMPLE_MAJOR`], [`SIMPLE_MINOR`]).
    Simple,
}

impl KeyProfile {
    /// The (major, minor) profiles, tonic first (for [`KeyProfile::AardenTemperley`]: Aarden's;
    /// use [`key_scores`] for the combined scores).
    pub fn profiles(self) -> (&'static [f64; 12], &'static [f64; 12]) {
        match self {
            KeyProfile::AardenTemperley => (&AARDEN_MAJOR, &AARDEN_MINOR),
            KeyProfile::KrumhanslKessler => (&KK_MAJOR, &KK_MINOR),
            KeyProfile::Temperley => (&TEMPERLEY_MAJOR, &TEMPERLEY_MINOR),
            KeyProfile::Aarden => (&AARDEN_MAJOR, &AARDEN_MINOR),
            KeyProfile::Simple => (&SIMPLE_MAJOR, &SIMPLE_MINOR),
        }
    }
}

/// One scored key: a candidate of [`Key::candidates`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyCandidate {
    /// Spelled tonic ([`tonic_name`]): `Eb`, `F#`, …
    pub tonic: &'static str,
    /// `major` or `minor`.
    pub mode: &'static str,
    /// Score `S(k, m) = R(k, m) + W·d(k)`: the correlation `R` in `[−1, 1]` plus the
    /// dominant-seventh cue ([`estimate_with_cues`]; at most `W` = [`DOMINANT_WEIGHT`] more).
    pub score: f32,
}

/// Key estimate of a track.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// Spelled tonic (`C`, `Db`, … `B`, see [`tonic_name`]); `None` for silence and unpitched
    /// audio (a profile with tonalness below [`MIN_TONALNESS`]).
    pub tonic: Option<&'static str>,
    /// `major` or `minor`; `None` with the tonic.
    pub mode: Option<&'static str>,
    /// Confidence in `[0, 1]`; 0 when there is no key.
    pub confidence: f32,
    /// The [`N_CANDIDATES`] best keys with their scores, best first (the estimate, then the
    /// runners-up); empty when there is no key.
    pub candidates: Vec<KeyCandidate>,
}

impl Key {
    /// No key (silence, unpitched audio).
    pub fn none() -> Self {
        Key {
            tonic: None,
            mode: None,
            confidence: 0.0,
            candidates: Vec::new(),
        }
    }
}

/// The key as written into a track record: `{"tonic": "Eb", "mode": "major", "confidence":
/// 0.71, "candidates": [["Eb major", 0.83], ["C minor", 0.74], …]}`; `tonic` and `mode` are
/// `null` (confidence 0, no candidates) for silence and unpitched audio.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyRecord {
    /// Spelled tonic, `null` when there is no key.
    pub tonic: Option<String>,
    /// `major` / `minor`, `null` when there is no key.
    pub mode: Option<String>,
    /// Confidence in `[0, 1]`.
    pub confidence: f64,
    /// `[name, score]` of the best keys, best first (the estimate, then the runners-up).
    pub candidates: Vec<(String, f64)>,
}

impl KeyRecord {
    /// The record of `key` (non-finite numbers become 0).
    pub fn from_key(key: &Key) -> Self {
        let fin = |x: f32| if x.is_finite() { x as f64 } else { 0.0 };
        KeyRecord {
            tonic: key.tonic.map(str::to_string),
            mode: key.mode.map(str::to_string),
            confidence: fin(key.confidence).clamp(0.0, 1.0),
            candidates: key
                .candidates
                .iter()
                .map(|c| (format!("{} {}", c.tonic, c.mode), fin(c.score)))
                .collect(),
        }
    }

    /// A record with every field present, for deriving table columns (all 4 candidates:
    /// `key.candidates.0.0` (name), `key.candidates.0.1` (score), …).
    pub fn template() -> Self {
        KeyRecord {
            tonic: Some(String::new()),
            mode: Some(String::new()),
            confidence: 0.5,
            candidates: vec![(String::new(), 0.5); N_CANDIDATES],
        }
    }
}

/// Number of keys reported in [`Key::candidates`].
pub const N_CANDIDATES: usize = 4;
/// Tonalness ([`tonalness`]) below which a profile has no key: silence, noise, drums
/// (`cv` < 0.2; white noise measures `cv` ≈ 0.1, the real tuning sets `cv` ≥ 0.29).
pub const MIN_TONALNESS: f64 = 0.5;
/// The lower tonalness threshold used when the pipeline knows the audio is not noise-like
/// (mean spectral flatness below `features::noise::NOISE_FLATNESS`): `cv` < 0.08. Dense
/// orchestral recordings measure `cv` 0.10–0.15 (three of 16 Wesnoth tracks), pink noise
/// 0.05, silence 0; white noise (`cv` ≈ 0.1) is caught by its flatness instead.
pub const MIN_TONALNESS_PITCHED: f64 = 0.2;
/// The higher tonalness threshold used when the pipeline knows the audio is noise-like (mean
/// spectral flatness above `features::noise::NOISE_FLATNESS`: noise, drums): `cv` < 0.3.
/// Drum loops rendered from the General MIDI kit measure `cv` 0.19–0.20, tonal music 0.37–0.89.
pub const MIN_TONALNESS_NOISY: f64 = 0.75;

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
    if profile == KeyProfile::AardenTemperley {
        let (a, t) = (
            key_scores(x, KeyProfile::Aarden),
            key_scores(x, KeyProfile::Temperley),
        );
        return std::array::from_fn(|m| std::array::from_fn(|k| 0.5 * (a[m][k] + t[m][k])));
    }
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
/// first): `argmax_{k,m} (r_x(k, m) + w · r_opening(k, m)) / (1 + w)`, where `w` is scaled by
/// the opening's tonalness. No key when `x`'s tonalness is below [`MIN_TONALNESS`].
pub fn estimate_with_opening(
    x: &[f64; 12],
    opening: &[f64; 12],
    w: f64,
    profile: KeyProfile,
) -> Key {
    estimate_with_threshold(x, opening, w, profile, MIN_TONALNESS)
}

/// [`estimate_with_opening`] with the no-key threshold `min_tonalness` instead of
/// [`MIN_TONALNESS`] (e.g. [`MIN_TONALNESS_PITCHED`]).
pub fn estimate_with_threshold(
    x: &[f64; 12],
    opening: &[f64; 12],
    w: f64,
    profile: KeyProfile,
    min_tonalness: f64,
) -> Key {
    estimate_with_bass(x, opening, w, &BassCue::none(), profile, min_tonalness)
}

/// A cue weight as used: non-negative, 0 when not finite.
fn weight_of(w: f64) -> f64 {
    if w.is_finite() { w.max(0.0) } else { 0.0 }
}

/// The bass cue of [`estimate_with_bass`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BassCue {
    /// Bass profile, C first (see `hpcp::Hpcp::bass`).
    pub profile: [f64; 12],
    /// Weight `w_b` ([`BASS_WEIGHT`]; 0 disables the cue).
    pub weight: f64,
    /// The cue is used only when the best and second key scores without it are closer than
    /// this ([`BASS_MARGIN`]).
    pub margin: f64,
}

/// The dominant-seventh cue of [`estimate_with_cues`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DominantCue {
    /// `d(k)`: the share of frames sounding the dominant seventh of tonic `k` (C = 0), see
    /// `super::dominant::DominantCounter::evidence`.
    pub evidence: [f64; 12],
    /// Weight `W` ([`DOMINANT_WEIGHT`]; 0 disables the cue).
    pub weight: f64,
    /// `h(k)`: the harmonic-minor evidence of tonic `k`, see
    /// `super::dominant::DominantCounter::minor_evidence`.
    pub minor_evidence: [f64; 12],
    /// Weight of `h(k)` on the minor keys (0 disables it).
    pub minor_weight: f64,
}

impl DominantCue {
    /// No dominant cue.
    pub fn none() -> Self {
        DominantCue {
            evidence: [0.0; 12],
            weight: 0.0,
            minor_evidence: [0.0; 12],
            minor_weight: 0.0,
        }
    }
}

impl BassCue {
    /// No bass cue.
    pub fn none() -> Self {
        BassCue {
            profile: [0.0; 12],
            weight: 0.0,
            margin: 0.0,
        }
    }
}

/// The key score with a bass cue. The plain score is `(r_x + w·r_opening) / (1 + w)`. When
/// its best two keys are closer than `cue.margin` (an uncertain decision), every key's score
/// becomes `(r_x + w·r_opening + w_b·r_bass) / (1 + w + w_b)`, where `r_bass` correlates the
/// bass profile (the spectral peaks below 250 Hz, see `hpcp::Hpcp::bass`) with Sapp's simple
/// weights ([`KeyProfile::Simple`]): the tonic and the dominant are the bass line's commonest
/// notes. `w_b` is `cue.weight` scaled by the bass profile's tonalness, so a track without a
/// bass line keeps the plain score. No key when `x`'s tonalness is below `min_tonalness`.
pub fn estimate_with_bass(
    x: &[f64; 12],
    opening: &[f64; 12],
    w: f64,
    cue: &BassCue,
    profile: KeyProfile,
    min_tonalness: f64,
) -> Key {
    estimate_with_cues(
        x,
        opening,
        w,
        cue,
        &DominantCue::none(),
        profile,
        min_tonalness,
    )
}

/// [`estimate_with_bass`] plus the dominant-seventh cue: every key's score gains
/// `W · d(k)` (the same for both modes of tonic `k`), after the bass cue was consulted or not
/// on the scores without it: `S(k, m) = R(k, m) + W · d(k)` (plus `W_m · g(k) · h(k)` for the
/// minor keys, the harmonic-minor cue of the module documentation), `R` the score of
/// [`estimate_with_bass`]. A dominant seventh belongs to one tonic in either mode, so it
/// separates a major key from its relative minor (same scale, different dominant: G7 for
/// C major, E7 for A minor) and keys a fifth apart. The candidates' scores are `S`.
pub fn estimate_with_cues(
    x: &[f64; 12],
    opening: &[f64; 12],
    w: f64,
    cue: &BassCue,
    dominant: &DominantCue,
    profile: KeyProfile,
    min_tonalness: f64,
) -> Key {
    let clean = x.map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 });
    let tonal = tonalness(&clean);
    if tonal.is_nan() || tonal <= 0.0 || tonal < min_tonalness {
        return Key::none();
    }
    let open = opening.map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 });
    // The opening counts only as much as it is tonal (a drum count-in or noise says nothing).
    let w = weight_of(w) * tonalness(&open);
    let bass = cue
        .profile
        .map(|v| if v.is_finite() && v > 0.0 { v } else { 0.0 });
    let weight = weight_of(cue.weight);
    let scores = key_scores(&clean, profile);
    let open_scores = key_scores(&open, profile);
    let plain = |m: usize, t: usize| (scores[m][t] + w * open_scores[m][t]) / (1.0 + w);
    // margin between the best two plain scores
    let (mut first, mut second) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for m in 0..2 {
        for t in 0..12 {
            let v = plain(m, t);
            if v > first {
                second = first;
                first = v;
            } else if v > second {
                second = v;
            }
        }
    }
    let wb = if first - second < cue.margin {
        weight * tonalness(&bass)
    } else {
        0.0
    };
    let bass_scores = key_scores(&bass, KeyProfile::Simple);
    let wd = weight_of(dominant.weight);
    let wm = weight_of(dominant.minor_weight);
    let mut all = [(0.0f64, 0usize, 0usize); 24];
    for m in 0..2 {
        for t in 0..12 {
            let r = scores[m][t] + w * open_scores[m][t] + wb * bass_scores[m][t];
            let d = dominant.evidence[t];
            let d = if d.is_finite() { d.clamp(0.0, 1.0) } else { 0.0 };
            // minor keys only, in proportion to how much the raised leading tone is heard
            // beside the subtonic (at most 1)
            let h = if m == 1 {
                let (lt, sub) = (clean[(t + 11) % 12], clean[(t + 10) % 12]);
                let gate = if sub > 0.0 { (lt / sub).min(1.0) } else { 1.0 };
                dominant.minor_evidence[t] * gate
            } else {
                0.0
            };
            let h = if h.is_finite() { h.clamp(0.0, 1.0) } else { 0.0 };
            all[m * 12 + t] = (r / (1.0 + w + wb) + wd * d + wm * h, t, m);
        }
    }
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (best_r, best_t, best_m) = all[0];
    let conf = best_r.clamp(0.0, 1.0) * tonal;
    let mode_name = |m: usize| if m == 0 { "major" } else { "minor" };
    Key {
        tonic: Some(tonic_name(best_t, best_m)),
        mode: Some(mode_name(best_m)),
        confidence: if conf.is_finite() { conf as f32 } else { 0.0 },
        candidates: all[..N_CANDIDATES]
            .iter()
            .map(|&(r, t, m)| KeyCandidate {
                tonic: tonic_name(t, m),
                mode: mode_name(m),
                score: r as f32,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_recognise_themselves_in_every_key() {
        for p in [
            KeyProfile::KrumhanslKessler,
            KeyProfile::Temperley,
            KeyProfile::Aarden,
        ] {
            let (maj, min) = p.profiles();
            for t in 0..12 {
                let mut x = [0.0; 12];
                for i in 0..12 {
                    x[(i + t) % 12] = maj[i];
                }
                let k = estimate(&x, p);
                assert_eq!((k.tonic, k.mode), (Some(MAJOR_NAMES[t]), Some("major")));
                assert_eq!(k.candidates.len(), N_CANDIDATES);
                assert!((k.candidates[0].score - 1.0).abs() < 1e-6);
                for i in 0..12 {
                    x[(i + t) % 12] = min[i];
                }
                let k = estimate(&x, p);
                assert_eq!((k.tonic, k.mode), (Some(MINOR_NAMES[t]), Some("minor")));
                assert!(k.confidence > 0.5 && k.confidence <= 1.0);
                assert!(k.candidates.windows(2).all(|w| w[0].score >= w[1].score));
            }
        }
    }

    #[test]
    fn keys_are_spelled_with_the_fewest_accidentals() {
        assert_eq!(tonic_name(3, 0), "Eb");
        assert_eq!(tonic_name(10, 1), "Bb");
        assert_eq!(tonic_name(6, 0), "F#");
        assert_eq!(tonic_name(1, 0), "Db");
        assert_eq!(tonic_name(1, 1), "C#");
        assert_eq!(tonic_name(8, 1), "G#");
        assert_eq!(tonic_name(3, 1), "Eb");
        assert_eq!(tonic_name(11, 0), "B");
    }

    #[test]
    fn flat_or_empty_profile_has_no_key() {
        for x in [[0.0; 12], [1.0; 12], [f64::NAN; 12]] {
            let k = estimate(&x, KeyProfile::default());
            assert_eq!(k, Key::none());
            let r = KeyRecord::from_key(&k);
            assert_eq!((r.tonic, r.mode, r.confidence), (None, None, 0.0));
        }
    }
}
