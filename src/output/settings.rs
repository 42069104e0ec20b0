//! The analysis settings a record was made with, stored in every record (`settings`
//! object; CSV/Parquet columns `settings.sample_rate`, …) so that a resumed run and an
//! index can refuse to mix records made with different settings.

use serde::{Deserialize, Serialize};
use serde_json::Value;

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
}

impl Settings {
    /// The settings of a run with `config` and `options`.
    pub fn new(config: &AnalysisConfig, options: &FeatureOptions) -> Self {
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
            "sample_rate={} n_fft={} hop_length={} max_duration_s={} stages={} vector_schema={}",
            self.sample_rate,
            self.n_fft,
            self.hop_length,
            self.max_duration_s
                .map_or_else(|| "none".to_string(), |d| d.to_string()),
            self.stages,
            self.vector_schema
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
    }
}
