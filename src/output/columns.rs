//! Flat, stable columns for tabular outputs (CSV, Parquet).
//!
//! A record's nested JSON is flattened with `.`-joined names: `spectral.centroid.mean`,
//! `mfcc.mean.0` … `mfcc.mean.19`, `loudness.integrated_lufs`, `error.kind`. Fixed-length
//! arrays become one column per element, nested ones too: the tempo and key candidates
//! (`[bpm, strength]`, `[name, score]` pairs) are `tempo.candidates.0.0`, `tempo.candidates.0.1`
//! … `tempo.candidates.3.1` and `key.candidates.0.0` … `key.candidates.3.1`, empty past the
//! candidates a track has; `beats` stays a list (a JSON array in CSV) and
//! `warnings` is joined into one string. The column list is derived from a template record
//! with every field present, so it is the same for every run of a given version, whatever
//! the tracks (failed tracks leave the feature columns empty).

use serde_json::{Map, Value};

use crate::features::extractor::Features;
use crate::output::record::{FileStamp, record_value};
use crate::record::{AnalysisInfo, SourceRecord, TrackFeatures};

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Float,
    Str,
    /// A variable-length list of floats (`beats`).
    FloatList,
}

/// One output column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
}

/// Field names whose arrays are kept whole (lists) or joined (strings).
const LIST_FIELDS: &[&str] = &["beats"];
const JOINED_FIELDS: &[&str] = &["warnings"];

/// Flattens a record into `(column name, value)` pairs, in field order.
pub fn flatten(v: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Value::Object(m) = v {
        flatten_into("", m, &mut out);
    }
    out
}

fn flatten_into(prefix: &str, m: &Map<String, Value>, out: &mut Vec<(String, Value)>) {
    for (k, v) in m {
        let name = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) => flatten_into(&name, inner, out),
            Value::Array(items) if LIST_FIELDS.contains(&name.as_str()) => {
                out.push((name, v.clone()))
            }
            Value::Array(items) if JOINED_FIELDS.contains(&name.as_str()) => {
                let joined: Vec<String> = items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| i.to_string())
                    })
                    .collect();
                out.push((name, Value::String(joined.join(" | "))));
            }
            Value::Array(items) => flatten_array(&name, items, out),
            other => out.push((name, other.clone())),
        }
    }
}

/// One column per element of a fixed-length array, recursively (`tempo.candidates.1.0` is
/// the BPM of the second tempo candidate).
fn flatten_array(name: &str, items: &[Value], out: &mut Vec<(String, Value)>) {
    for (i, item) in items.iter().enumerate() {
        let n = format!("{name}.{i}");
        match item {
            Value::Object(inner) => flatten_into(&n, inner, out),
            Value::Array(inner) => flatten_array(&n, inner, out),
            other => out.push((n, other.clone())),
        }
    }
}

/// A record with every field present and typed, used to derive the columns.
fn template() -> Value {
    let t = TrackFeatures {
        duration_s: 0.5,
        analysed_s: 0.5,
        source: SourceRecord {
            container: String::new(),
            codec: String::new(),
            sample_rate: 1,
            channels: 1,
        },
        analysis: AnalysisInfo {
            sample_rate: 1,
            n_fft: 1,
            hop_length: 1,
            frames: 1,
        },
        warnings: vec![],
        features: Features::template(),
        // CSV: one column per dimension (`vector.values.0` …); Parquet: one FixedSizeList<f32>.
        vector: crate::vector::FeatureVector {
            version: crate::vector::SCHEMA_VERSION,
            values: vec![0.5; crate::vector::DIM],
        },
    };
    let stamp = FileStamp {
        size: 1,
        mtime: 0.5,
    };
    let mut v = record_value("", Some(stamp), &Ok(t));
    if let Value::Object(m) = &mut v {
        m.insert(
            "error".into(),
            serde_json::json!({"kind": "", "message": ""}),
        );
    }
    let settings = crate::output::settings::Settings {
        sample_rate: 1,
        n_fft: 1,
        hop_length: 1,
        max_duration_s: Some(0.5),
        stages: String::new(),
        vector_schema: 1,
        tempo_min_bpm: 1.0,
        tempo_max_bpm: 1.0,
        tempo_prior_bpm: 1.0,
        tempo_prior_octaves: 1.0,
        analysis_version: 1,
    };
    crate::output::settings::attach(&mut v, &settings);
    v
}

/// The stable column list.
pub fn columns() -> Vec<Column> {
    flatten(&template())
        .into_iter()
        .map(|(name, v)| {
            let ty = match &v {
                _ if LIST_FIELDS.contains(&name.as_str()) => ColumnType::FloatList,
                Value::Number(n) if n.is_u64() || n.is_i64() => ColumnType::Int,
                Value::Number(_) => ColumnType::Float,
                _ => ColumnType::Str,
            };
            Column { name, ty }
        })
        .collect()
}
