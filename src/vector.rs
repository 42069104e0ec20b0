//! The feature vector: a fixed-length `f32` vector per track, assembled from the track
//! summaries ([`Features`]), with a versioned **schema** (every dimension has a name, a group
//! and a unit).
//!
//! # Contract
//! - [`SCHEMA_VERSION`] names the layout. Any change to a dimension (added, removed,
//!   reordered, renamed, or its definition changed) bumps the version; a test hashes the
//!   names, groups and units ([`schema_hash`]) against a committed constant, so a layout
//!   change without a version bump fails CI.
//! - Vectors of different versions are never compared: the index stores the version and
//!   refuses queries of another one ([`crate::similarity::SimilarityError::VersionMismatch`]).
//! - Every value is finite, for every input — silence, 10 ms files, tracks without a pulse
//!   or a key. Missing quantities are encoded deliberately (below), never as NaN.
//!
//! # Encodings
//! - **Frequencies** (centroid, bandwidth, roll-off) as `log2(Hz)` (floored at 1 Hz): perceived
//!   brightness is logarithmic, and the z-scores of a log quantity are far less skewed.
//! - **RMS** as dBFS (floored at −100 dB), its variation as the coefficient of variation.
//! - **Loudness** `null`s take the value of the EBU R128 absolute gate (−70 LUFS / −70 dBTP)
//!   and 0 LU for the range: "quieter than measurable".
//! - **Tempo** (`null` when there is no pulse): `tempo.has_pulse` is 0/1; the tempo itself is
//!   an angle on the *octave circle*, `θ = 2π·log2(bpm / 60)`, written as `(sin θ, cos θ)`:
//!   60, 120 and 240 BPM are the same point, so the usual double/half-tempo ambiguity of
//!   tempo estimators costs nothing, while 120 vs 90 BPM (a fifth apart in log2, θ differs
//!   by 0.58 turns) are far apart. The absolute octave is kept in a separate group
//!   (`tempo_abs`, `log2(bpm/120)` clamped to ±2) with a lower default weight. Without a
//!   pulse all tempo dimensions are 0 (the centre of the circle, equidistant from every tempo).
//! - **Key** on the *circle of fifths*: the tonic of the relative major (A minor → C) gives the
//!   angle `φ = 2π·(7·pc mod 12)/12`; the pair `(c·sin φ, c·cos φ)` is scaled by the key
//!   confidence `c`, so neighbouring keys (C–G) are close, tritones far, and an uncertain key
//!   sits near the centre. `key.mode` is `+c` for major, `−c` for minor. Without a key
//!   (`tonic: null`: silence, unpitched audio; confidence 0) all four key dimensions are 0:
//!   the centre of the circle, equidistant from every key, and neither mode.
//! - **Tuning** is cyclic (−50 and +50 cents are neighbours): `(sin, cos)` of `2π·cents/100`.
//! - **Chroma**: the mean chroma normalised to sum 1 (pitch-class profile; uniform when
//!   silent) plus the magnitudes `|DFT_k|`, k = 1…6, of that profile — invariant to circular
//!   shifts, i.e. to transposition (group `chroma_shape`).
//! - **Duration** as `log2(seconds)` (floored at 10 ms).

use serde::Serialize;

use crate::features::extractor::Features;

/// The version of the vector layout described by [`schema`].
pub const SCHEMA_VERSION: u32 = 1;

/// One dimension of the vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DimDef {
    /// Unique dotted name, e.g. `mfcc.mean_3`.
    pub name: &'static str,
    /// The group whose weight applies (`--weight timbre=2`).
    pub group: &'static str,
    /// Unit of the stored value.
    pub unit: &'static str,
}

/// A group of dimensions with its default weight and a description.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupDef {
    pub name: &'static str,
    /// Default weight in the similarity metric.
    pub default_weight: f32,
    pub description: &'static str,
}

/// The groups, in the order they appear in the vector.
pub const GROUPS: &[GroupDef] = &[
    GroupDef {
        name: "spectral",
        default_weight: 0.5,
        description: "centroid, bandwidth, roll-off, flatness, ZCR, RMS",
    },
    GroupDef {
        name: "contrast",
        default_weight: 0.25,
        description: "spectral contrast, 7 bands, mean",
    },
    GroupDef {
        name: "timbre",
        default_weight: 3.0,
        description: "MFCC 0-19 mean, MFCC 0-9 std",
    },
    GroupDef {
        name: "loudness",
        default_weight: 0.25,
        description: "EBU R128 integrated, range, true peak",
    },
    GroupDef {
        name: "tempo",
        default_weight: 1.0,
        description: "pulse flag, tempo on the octave circle",
    },
    GroupDef {
        name: "tempo_abs",
        default_weight: 0.5,
        description: "absolute tempo octave, log2(bpm/120)",
    },
    GroupDef {
        name: "rhythm",
        default_weight: 1.0,
        description: "tempo confidence, onset rate",
    },
    GroupDef {
        name: "key",
        default_weight: 3.0,
        description: "key on the circle of fifths, mode, confidence",
    },
    GroupDef {
        name: "tuning",
        default_weight: 0.25,
        description: "tuning deviation on the cent circle",
    },
    GroupDef {
        name: "chroma",
        default_weight: 2.0,
        description: "pitch-class profile (normalised chroma mean)",
    },
    GroupDef {
        name: "chroma_shape",
        default_weight: 1.0,
        description: "transposition-invariant chroma DFT magnitudes",
    },
    GroupDef {
        name: "duration",
        default_weight: 0.1,
        description: "log2 duration",
    },
];

macro_rules! d {
    ($n:expr, $g:expr, $u:expr) => {
        DimDef {
            name: $n,
            group: $g,
            unit: $u,
        }
    };
}

/// Number of dimensions of a version-1 vector.
pub const DIM: usize = 80;

static SCHEMA: [DimDef; DIM] = [
    // spectral (9)
    d!("spectral.centroid_mean", "spectral", "log2 Hz"),
    d!("spectral.centroid_std", "spectral", "log2(1+Hz)"),
    d!("spectral.bandwidth_mean", "spectral", "log2 Hz"),
    d!("spectral.rolloff_mean", "spectral", "log2 Hz"),
    d!("spectral.rolloff_std", "spectral", "log2(1+Hz)"),
    d!("spectral.flatness_mean", "spectral", "log10 ratio"),
    d!("spectral.zcr_mean", "spectral", "crossings/sample"),
    d!("spectral.rms_mean", "spectral", "dBFS"),
    d!("spectral.rms_cv", "spectral", "ratio"),
    // contrast (7)
    d!("contrast.mean_0", "contrast", "dB"),
    d!("contrast.mean_1", "contrast", "dB"),
    d!("contrast.mean_2", "contrast", "dB"),
    d!("contrast.mean_3", "contrast", "dB"),
    d!("contrast.mean_4", "contrast", "dB"),
    d!("contrast.mean_5", "contrast", "dB"),
    d!("contrast.mean_6", "contrast", "dB"),
    // timbre (30)
    d!("mfcc.mean_0", "timbre", "dB"),
    d!("mfcc.mean_1", "timbre", "dB"),
    d!("mfcc.mean_2", "timbre", "dB"),
    d!("mfcc.mean_3", "timbre", "dB"),
    d!("mfcc.mean_4", "timbre", "dB"),
    d!("mfcc.mean_5", "timbre", "dB"),
    d!("mfcc.mean_6", "timbre", "dB"),
    d!("mfcc.mean_7", "timbre", "dB"),
    d!("mfcc.mean_8", "timbre", "dB"),
    d!("mfcc.mean_9", "timbre", "dB"),
    d!("mfcc.mean_10", "timbre", "dB"),
    d!("mfcc.mean_11", "timbre", "dB"),
    d!("mfcc.mean_12", "timbre", "dB"),
    d!("mfcc.mean_13", "timbre", "dB"),
    d!("mfcc.mean_14", "timbre", "dB"),
    d!("mfcc.mean_15", "timbre", "dB"),
    d!("mfcc.mean_16", "timbre", "dB"),
    d!("mfcc.mean_17", "timbre", "dB"),
    d!("mfcc.mean_18", "timbre", "dB"),
    d!("mfcc.mean_19", "timbre", "dB"),
    d!("mfcc.std_0", "timbre", "dB"),
    d!("mfcc.std_1", "timbre", "dB"),
    d!("mfcc.std_2", "timbre", "dB"),
    d!("mfcc.std_3", "timbre", "dB"),
    d!("mfcc.std_4", "timbre", "dB"),
    d!("mfcc.std_5", "timbre", "dB"),
    d!("mfcc.std_6", "timbre", "dB"),
    d!("mfcc.std_7", "timbre", "dB"),
    d!("mfcc.std_8", "timbre", "dB"),
    d!("mfcc.std_9", "timbre", "dB"),
    // loudness (3)
    d!("loudness.integrated", "loudness", "LUFS"),
    d!("loudness.range", "loudness", "LU"),
    d!("loudness.true_peak", "loudness", "dBTP"),
    // tempo (3 + 1)
    d!("tempo.has_pulse", "tempo", "flag"),
    d!("tempo.octave_sin", "tempo", "sin(2π·log2(bpm/60))"),
    d!("tempo.octave_cos", "tempo", "cos(2π·log2(bpm/60))"),
    d!("tempo.log2_rel120", "tempo_abs", "log2(bpm/120)"),
    // rhythm (2)
    d!("tempo.confidence", "rhythm", "0-1"),
    d!("rhythm.onset_rate", "rhythm", "onsets/s"),
    // key (4)
    d!("key.fifths_sin", "key", "confidence·sin"),
    d!("key.fifths_cos", "key", "confidence·cos"),
    d!("key.mode", "key", "±confidence"),
    d!("key.confidence", "key", "0-1"),
    // tuning (2)
    d!("tuning.sin", "tuning", "sin(2π·cents/100)"),
    d!("tuning.cos", "tuning", "cos(2π·cents/100)"),
    // chroma (12)
    d!("chroma.profile_C", "chroma", "fraction"),
    d!("chroma.profile_C#", "chroma", "fraction"),
    d!("chroma.profile_D", "chroma", "fraction"),
    d!("chroma.profile_D#", "chroma", "fraction"),
    d!("chroma.profile_E", "chroma", "fraction"),
    d!("chroma.profile_F", "chroma", "fraction"),
    d!("chroma.profile_F#", "chroma", "fraction"),
    d!("chroma.profile_G", "chroma", "fraction"),
    d!("chroma.profile_G#", "chroma", "fraction"),
    d!("chroma.profile_A", "chroma", "fraction"),
    d!("chroma.profile_A#", "chroma", "fraction"),
    d!("chroma.profile_B", "chroma", "fraction"),
    // chroma_shape (6)
    d!("chroma.dft_mag_1", "chroma_shape", "|DFT|"),
    d!("chroma.dft_mag_2", "chroma_shape", "|DFT|"),
    d!("chroma.dft_mag_3", "chroma_shape", "|DFT|"),
    d!("chroma.dft_mag_4", "chroma_shape", "|DFT|"),
    d!("chroma.dft_mag_5", "chroma_shape", "|DFT|"),
    d!("chroma.dft_mag_6", "chroma_shape", "|DFT|"),
    // duration (1)
    d!("duration", "duration", "log2 s"),
];

/// The dimensions of the current schema, in vector order.
pub fn schema() -> &'static [DimDef] {
    &SCHEMA
}

/// FNV-1a 64 over every dimension's name, group and unit (and the version-independent
/// dimension count). Committed in a test: a layout change without a version bump fails it.
pub fn schema_hash() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(&(DIM as u64).to_le_bytes());
    for d in SCHEMA.iter() {
        eat(d.name.as_bytes());
        eat(&[0]);
        eat(d.group.as_bytes());
        eat(&[0]);
        eat(d.unit.as_bytes());
        eat(b"\n");
    }
    h
}

/// A track's feature vector, as written in the record (`"vector": {"version", "values"}`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FeatureVector {
    pub version: u32,
    pub values: Vec<f32>,
}

const PITCH_CLASSES: [&str; 12] = [
    "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
];

/// Pitch class (0 = C) of a tonic name; accepts sharps, flats and enharmonic spellings.
pub fn pitch_class(tonic: &str) -> Option<usize> {
    let t = tonic.trim();
    let mut chars = t.chars();
    let base = match chars.next()?.to_ascii_uppercase() {
        'C' => 0,
        'D' => 2,
        'E' => 4,
        'F' => 5,
        'G' => 7,
        'A' => 9,
        'B' => 11,
        _ => return None,
    };
    let mut pc: i32 = base;
    for c in chars {
        match c {
            '#' | '♯' => pc += 1,
            'b' | '♭' => pc -= 1,
            _ => return None,
        }
    }
    Some(pc.rem_euclid(12) as usize)
}

fn log2_floor(x: f64, floor: f64) -> f64 {
    x.max(floor).log2()
}

/// Assembles the version-[`SCHEMA_VERSION`] vector of a track from its summaries.
/// `duration_s` is the record's `duration_s`. Every value is finite.
pub fn vector(features: &Features, duration_s: f64) -> FeatureVector {
    let mut v: Vec<f64> = Vec::with_capacity(DIM);
    let s = &features.spectral;
    v.push(log2_floor(s.centroid.mean, 1.0));
    v.push((1.0 + s.centroid.std.max(0.0)).log2());
    v.push(log2_floor(s.bandwidth.mean, 1.0));
    v.push(log2_floor(s.rolloff.mean, 1.0));
    v.push((1.0 + s.rolloff.std.max(0.0)).log2());
    v.push(s.flatness.mean.max(1e-6).log10());
    v.push(s.zcr.mean);
    v.push(20.0 * s.rms.mean.max(1e-5).log10());
    v.push(if s.rms.mean > 1e-9 {
        (s.rms.std / s.rms.mean).clamp(0.0, 10.0)
    } else {
        0.0
    });
    for i in 0..7 {
        v.push(s.contrast.mean.get(i).copied().unwrap_or(0.0));
    }
    for i in 0..20 {
        v.push(features.mfcc.mean.get(i).copied().unwrap_or(0.0));
    }
    for i in 0..10 {
        v.push(features.mfcc.std.get(i).copied().unwrap_or(0.0));
    }
    let l = &features.loudness;
    v.push(l.integrated_lufs.unwrap_or(-70.0).clamp(-70.0, 10.0));
    v.push(l.range_lu.unwrap_or(0.0).clamp(0.0, 60.0));
    v.push(l.true_peak_dbtp.unwrap_or(-70.0).clamp(-70.0, 20.0));
    // Tempo: octave circle + absolute octave; all 0 without a pulse.
    match features.tempo.bpm.filter(|b| b.is_finite() && *b > 0.0) {
        Some(bpm) => {
            let theta = std::f64::consts::TAU * (bpm / 60.0).log2();
            v.extend([
                1.0,
                theta.sin(),
                theta.cos(),
                (bpm / 120.0).log2().clamp(-2.0, 2.0),
            ]);
        }
        None => v.extend([0.0, 0.0, 0.0, 0.0]),
    }
    v.push(features.tempo.confidence.clamp(0.0, 1.0));
    v.push(features.onset_rate.clamp(0.0, 100.0));
    // Key on the circle of fifths (relative major), scaled by confidence.
    let c = features.key.confidence.clamp(0.0, 1.0);
    let minor = features
        .key
        .mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("minor"));
    // No key (silence, unpitched audio): all four key dimensions 0, the neutral centre.
    match features.key.tonic.as_deref().and_then(pitch_class) {
        Some(pc) if c > 0.0 => {
            let major_pc = if minor { (pc + 3) % 12 } else { pc };
            let phi = std::f64::consts::TAU * ((7 * major_pc) % 12) as f64 / 12.0;
            v.extend([c * phi.sin(), c * phi.cos(), if minor { -c } else { c }, c]);
        }
        _ => v.extend([0.0, 0.0, 0.0, 0.0]),
    }
    let cents = features.tuning.cents;
    let t = std::f64::consts::TAU * if cents.is_finite() { cents } else { 0.0 } / 100.0;
    v.extend([t.sin(), t.cos()]);
    // Chroma profile and its transposition-invariant DFT magnitudes.
    let mut profile = [0.0f64; 12];
    for (p, &m) in profile.iter_mut().zip(&features.chroma.mean) {
        *p = if m.is_finite() { m.max(0.0) } else { 0.0 };
    }
    let sum: f64 = profile.iter().sum();
    if sum > 1e-12 {
        profile.iter_mut().for_each(|p| *p /= sum);
    } else {
        profile = [1.0 / 12.0; 12];
    }
    v.extend(profile);
    for k in 1..=6 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &p) in profile.iter().enumerate() {
            let a = std::f64::consts::TAU * (k * n) as f64 / 12.0;
            re += p * a.cos();
            im -= p * a.sin();
        }
        v.push((re * re + im * im).sqrt());
    }
    v.push(log2_floor(duration_s, 0.01));
    debug_assert_eq!(v.len(), DIM);
    let values = v
        .into_iter()
        .map(|x| if x.is_finite() { x as f32 } else { 0.0 })
        .collect();
    FeatureVector {
        version: SCHEMA_VERSION,
        values,
    }
}

/// Name of a pitch class (for docs and tests).
pub fn pitch_name(pc: usize) -> &'static str {
    PITCH_CLASSES[pc % 12]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_consistent() {
        assert_eq!(SCHEMA.len(), DIM);
        let mut names: Vec<_> = SCHEMA.iter().map(|d| d.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), DIM, "dimension names must be unique");
        for d in SCHEMA.iter() {
            assert!(
                GROUPS.iter().any(|g| g.name == d.group),
                "{} has unknown group {}",
                d.name,
                d.group
            );
        }
    }

    #[test]
    fn missing_tempo_and_key_encode_as_the_neutral_centre() {
        let mut f = Features::template();
        f.tempo.bpm = None;
        f.tempo.confidence = 0.0;
        f.key = crate::features::tonal::KeyRecord::from_key(&crate::features::tonal::Key::none());
        let v = vector(&f, 10.0);
        assert!(v.values.iter().all(|x| x.is_finite()));
        for name in [
            "tempo.has_pulse",
            "tempo.octave_sin",
            "tempo.octave_cos",
            "tempo.log2_rel120",
            "key.fifths_sin",
            "key.fifths_cos",
            "key.mode",
            "key.confidence",
        ] {
            let i = SCHEMA.iter().position(|d| d.name == name).unwrap();
            assert_eq!(v.values[i], 0.0, "{name}");
        }
    }

    #[test]
    fn pitch_classes() {
        assert_eq!(pitch_class("C"), Some(0));
        assert_eq!(pitch_class("F#"), Some(6));
        assert_eq!(pitch_class("Gb"), Some(6));
        assert_eq!(pitch_class("Eb"), Some(3));
        assert_eq!(pitch_class("B#"), Some(0));
        assert_eq!(pitch_class("x"), None);
        assert_eq!(pitch_name(9), "A");
    }
}
