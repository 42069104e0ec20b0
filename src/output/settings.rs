//! The analysis settings a record was made with, stored in every record (`settings`
//! object; CSV/Parquet columns `settings.sample_rate`, …) so that a resumed run and an
//! index can refuse to mix records made with different settings.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::features::rhythm::RhythmConfig;
use crate::{AnalysisConfig, FeatureOptions};

/// Settings that change a record's numbers. The per-track timeout and `--frames` do not, so
/// they are not part of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Analysis sample rate in Hz (`--sample-rate`, default 22050).
    pub sample_rate: u32,
    /// STFT frame length (2048).
    pub n_fft: u64,
    /// STFT hop length (512).
    pub hop_length: u64,
    /// Analysed duration limit in force, in seconds (`--max-duration`, else
    /// [`crate::DEFAULT_MAX_DURATION_S`]); `null` when unlimited.
    #[serde(default)]
    pub max_duration_s: Option<f64>,
    /// Feature stages run: `"all"`, or `"no_tonal"` for the hidden benchmarking switch.
    pub stages: String,
    /// Feature-vector schema version ([`crate::vector::SCHEMA_VERSION`]).
    pub vector_schema: u32,
    /// Slowest tempo searched, BPM (`--tempo-range`, default
    /// 40).
    #[serde(default = "default_min_bpm")]
    pub tempo_min_bpm: f32,
    /// Fastest tempo searched, BPM (`--tempo-range`, default
    /// 250).
    #[serde(default = "default_max_bpm")]
    pub tempo_max_bpm: f32,
    /// Centre of the tempo prior, BPM (`--tempo-prior`, default 130); records written before
    /// the option existed read as the default, the only value then.
    #[serde(default = "default_prior_bpm")]
    pub tempo_prior_bpm: f64,
    /// Width of the tempo prior, octaves (`--tempo-prior BPM,OCTAVES`, default 0.6).
    #[serde(default = "default_prior_octaves")]
    pub tempo_prior_octaves: f64,
    /// Version of the methods behind the numbers ([`ANALYSIS_VERSION`]); records written
    /// before the field existed read as 1.
    #[serde(default = "legacy_analysis_version")]
    pub analysis_version: u32,
}

/// Version of the analysis methods, raised whenever a change of method changes the numbers a
/// record holds for the same input and settings, so that a resumed run or an index does not
/// mix records of two methods. 2: the key's dominant-seventh cue (2026-12); 3: the tempo's
/// low-register harmonic-span test (2026-12); 4: the key's harmonic-minor cue (2026-12); 5: the
/// tempo's metrical-grid test (2026-12).
pub const ANALYSIS_VERSION: u32 = 5;

fn default_min_bpm() -> f32 {
    crate::features::rhythm::DEFAULT_MIN_BPM
}

fn default_max_bpm() -> f32 {
    crate::features::rhythm::DEFAULT_MAX_BPM
}

fn default_prior_bpm() -> f64 {
    decimal(crate::DEFAULT_TEMPO_PRIOR_BPM)
}

fn default_prior_octaves() -> f64 {
    decimal(crate::DEFAULT_TEMPO_PRIOR_OCTAVES)
}

/// An `f32` setting as the `f64` of its shortest decimal form, so that records show `0.6`
/// rather than `0.6000000238418579`; converting it back to `f32` gives the same `f32`.
fn decimal(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

fn legacy_analysis_version() -> u32 {
    1
}

impl Settings {
    /// The settings of a run with `config` and `options`.
    pub fn new(config: &AnalysisConfig, options: &FeatureOptions) -> Self {
        // the range the rhythm stage searches
        let rhythm = RhythmConfig::with_tempo_range(options.tempo_range)
            .with_tempo_prior(options.tempo_prior);
        Settings {
            sample_rate: config.sample_rate,
            n_fft: config.n_fft as u64,
            hop_length: config.hop_length as u64,
            max_duration_s: Some(config.effective_max_duration()).filter(|d| d.is_finite()),
            stages: if options.skip_tonal {
                "no_tonal".into()
            } else {
                "all".into()
            },
            vector_schema: crate::vector::SCHEMA_VERSION,
            tempo_min_bpm: rhythm.min_bpm,
            tempo_max_bpm: rhythm.max_bpm,
            tempo_prior_bpm: decimal(rhythm.prior_bpm),
            tempo_prior_octaves: decimal(rhythm.prior_octaves),
            analysis_version: ANALYSIS_VERSION,
        }
    }

    /// The settings written into a record (the `settings` object).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The settings stored in a record, if any (records of older versions have none).
    pub fn of_record(record: &Value) -> Option<Settings> {
        serde_json::from_value(record.get("settings")?.clone()).ok()
    }

    /// One line for messages: `sample_rate=22050 n_fft=2048 … max_duration_s=none`.
    pub fn describe(&self) -> String {
        format!(
            "sample_rate={} n_fft={} hop_length={} max_duration_s={} stages={} vector_schema={} \
             tempo_range={}-{} tempo_prior={}/{} analysis_version={}",
            self.sample_rate,
            self.n_fft,
            self.hop_length,
            self.max_duration_s
                .map_or_else(|| "none".to_string(), |d| d.to_string()),
            self.stages,
            self.vector_schema,
            self.tempo_min_bpm,
            self.tempo_max_bpm,
            self.tempo_prior_bpm,
            self.tempo_prior_octaves,
            self.analysis_version
        )
    }

    /// A stable 64-bit fingerprint of [`Self::describe`] (FNV-1a), never 0.
    pub fn fingerprint(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.describe().as_bytes() {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h.max(1)
    }
}

/// Adds `settings` to a record object (after the file stamp's fields it goes last).
pub fn attach(record: &mut Value, settings: &Settings) {
    if let Value::Object(m) = record {
        m.insert("settings".into(), settings.to_value());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tells_apart() {
        let a = Settings::new(&AnalysisConfig::default(), &FeatureOptions::default());
        let mut rec = serde_json::json!({"path": "x"});
        attach(&mut rec, &a);
        assert_eq!(Settings::of_record(&rec), Some(a.clone()));
        let b = Settings::new(
            &AnalysisConfig {
                sample_rate: 44100,
                ..AnalysisConfig::default()
            },
            &FeatureOptions::default(),
        );
        assert_ne!(a, b);
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert!(b.describe().contains("sample_rate=44100"));
        // the tempo range changes the numbers; the default range equals no range given
        let c = Settings::new(
            &AnalysisConfig::default(),
            &FeatureOptions {
                tempo_range: Some((60.0, 180.0)),
                ..FeatureOptions::default()
            },
        );
        assert_ne!(a, c);
        assert!(
            c.describe().contains("tempo_range=60-180"),
            "{}",
            c.describe()
        );
        let d = Settings::new(
            &AnalysisConfig::default(),
            &FeatureOptions {
                tempo_range: Some((default_min_bpm(), default_max_bpm())),
                ..FeatureOptions::default()
            },
        );
        assert_eq!(a, d);
    }

    /// Records written before the tempo range and the analysis version were recorded read as
    /// the default range and version 1, so a resumed run refuses to mix them with new ones.
    #[test]
    fn older_records_read_as_version_one() {
        let old = serde_json::json!({"settings": {"sample_rate": 22050, "n_fft": 2048,
            "hop_length": 512, "max_duration_s": 10800.0, "stages": "all", "vector_schema": 1}});
        let s = Settings::of_record(&old).unwrap();
        assert_eq!(s.analysis_version, 1);
        assert_eq!(
            (s.tempo_min_bpm, s.tempo_max_bpm),
            (default_min_bpm(), default_max_bpm())
        );
        let now = Settings::new(&AnalysisConfig::default(), &FeatureOptions::default());
        assert_ne!(s, now);
        assert_eq!(now.analysis_version, ANALYSIS_VERSION);
    }
}
