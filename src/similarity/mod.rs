//! Similarity search over feature vectors ([`crate::vector`](mod@crate::vector)).
//!
//! - [`Standardizer`]: per-dimension z-scores from the statistics of the indexed library.
//! - [`Metric`]: weighted squared Euclidean distance on z-scores, one weight per group
//!   (`--weight timbre=2,tempo=0.5`), spread over the group's dimensions so that a group's
//!   weight — not its number of dimensions — sets its share of the distance.
//! - [`kernel`]: the exact flat scan (contiguous `f32`, fixed-width lanes, no allocation per
//!   candidate) and the top-k selection.
//! - [`ivf`]: the approximate index (inverted file over k-means cells, probed in order of the
//!   query's distance to the cell centroids, scanned with the same kernel).
//! - [`index`]: the in-memory [`Index`] and its versioned, checksummed file format.
//! - [`parquet`]: export to Parquet (path, schema_version, vector).
//!
//! Cyclic quantities (tempo octave, key, tuning) are encoded on circles by the vector
//! itself (see [`crate::vector`](mod@crate::vector)), so the Euclidean distance between z-scores already
//! respects their wrap-around.

pub mod export;
pub mod index;
pub mod ivf;
pub mod kernel;
#[cfg(feature = "parquet")]
pub mod parquet;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::vector::{self, GROUPS};

pub use index::{Index, Neighbor, SearchMode};

/// Errors of the similarity layer; each names the file or the input concerned.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimilarityError {
    /// A vector or an index was made with another schema version than this build's.
    VersionMismatch {
        what: String,
        found: u32,
        expected: u32,
    },
    /// Same version number but a different layout (a build that forgot to bump the version).
    SchemaMismatch { what: String },
    /// The file is not a leitmotif index (wrong magic bytes).
    NotAnIndex { path: PathBuf },
    /// The index file is damaged (checksum mismatch, truncated, inconsistent sizes).
    Corrupt { path: PathBuf, cause: String },
    /// The index was written by a newer (or unknown) index format version.
    UnsupportedFormat { path: PathBuf, version: u32 },
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of a features file cannot be used.
    Record {
        path: PathBuf,
        line: usize,
        cause: String,
    },
    /// A `--weight` argument names an unknown group or is malformed.
    Weight { cause: String },
    /// Export failed.
    Export { path: PathBuf, cause: String },
    /// Vectors made with different analysis settings (sample rate, duration limit, …)
    /// would be mixed in one index.
    MixedSettings { what: String },
}

impl fmt::Display for SimilarityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimilarityError::VersionMismatch {
                what,
                found,
                expected,
            } => write!(
                f,
                "{what}: feature-vector schema version {found} cannot be compared with version {expected} \
                 (re-extract the features or rebuild the index with this leitmotif)"
            ),
            SimilarityError::SchemaMismatch { what } => write!(
                f,
                "{what}: feature-vector layout differs from this build's schema although the version matches"
            ),
            SimilarityError::NotAnIndex { path } => {
                write!(
                    f,
                    "{}: not a leitmotif index file (bad magic bytes)",
                    path.display()
                )
            }
            SimilarityError::Corrupt { path, cause } => {
                write!(f, "{}: index file is corrupt: {cause}", path.display())
            }
            SimilarityError::UnsupportedFormat { path, version } => write!(
                f,
                "{}: index format version {version} is not supported by this leitmotif (supports {})",
                path.display(),
                index::FORMAT_VERSION
            ),
            SimilarityError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            SimilarityError::Record { path, line, cause } => {
                write!(f, "{}:{line}: {cause}", path.display())
            }
            SimilarityError::Weight { cause } => write!(f, "invalid --weight: {cause}"),
            SimilarityError::Export { path, cause } => {
                write!(f, "{}: export failed: {cause}", path.display())
            }
            SimilarityError::MixedSettings { what } => write!(
                f,
                "{what}: vectors made with different analysis settings cannot share an index \
                 (re-extract with the same options)"
            ),
        }
    }
}

impl std::error::Error for SimilarityError {}

/// Per-dimension z-score statistics of a library.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Mean and population std of every dimension (f64 accumulation). An empty library gives
    /// mean 0, std 0.
    pub fn fit(rows: &[f32], dim: usize) -> Self {
        let n = rows.len().checked_div(dim).unwrap_or(0);
        let mut sum = vec![0.0f64; dim];
        for r in rows.chunks_exact(dim) {
            for (s, &x) in sum.iter_mut().zip(r) {
                *s += x as f64;
            }
        }
        let mean: Vec<f64> = sum
            .iter()
            .map(|s| if n > 0 { s / n as f64 } else { 0.0 })
            .collect();
        let mut m2 = vec![0.0f64; dim];
        for r in rows.chunks_exact(dim) {
            for ((s, &x), m) in m2.iter_mut().zip(r).zip(&mean) {
                let d = x as f64 - m;
                *s += d * d;
            }
        }
        let std = m2
            .iter()
            .map(|s| {
                if n > 0 {
                    (s / n as f64).sqrt() as f32
                } else {
                    0.0
                }
            })
            .collect();
        Standardizer {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// z-scores of one vector into `out`. A dimension that is constant across the library
    /// (std below 1e-6 of its scale) carries no information and maps to 0.
    pub fn apply(&self, x: &[f32], out: &mut [f32]) {
        for (((o, &x), &m), &s) in out.iter_mut().zip(x).zip(&self.mean).zip(&self.std) {
            let scale = 1e-6 * m.abs().max(1.0);
            *o = if s > scale { (x - m) / s } else { 0.0 };
            if !o.is_finite() {
                *o = 0.0;
            }
        }
    }
}

/// The distance: `d(x, q) = sqrt(Σ_i w_i (z_i(x) − z_i(q))²)` with `w_i = W_g / n_g` for a
/// dimension `i` of group `g` (`W_g` the group weight, `n_g` its number of dimensions).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub group_weights: BTreeMap<String, f32>,
    /// When false, `w_i = W_g` (every dimension counts alike); kept for the evaluation.
    pub balance_groups: bool,
}

impl Default for Metric {
    fn default() -> Self {
        Metric {
            group_weights: GROUPS
                .iter()
                .map(|g| (g.name.to_string(), g.default_weight))
                .collect(),
            balance_groups: true,
        }
    }
}

impl Metric {
    /// Applies `group=weight,group=weight` overrides (weights ≥ 0, finite).
    pub fn with_overrides(mut self, spec: &str) -> Result<Self, SimilarityError> {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((g, w)) = part.split_once('=') else {
                return Err(SimilarityError::Weight {
                    cause: format!("`{part}` is not GROUP=WEIGHT"),
                });
            };
            let (g, w) = (g.trim(), w.trim());
            let w: f32 = w.parse().map_err(|_| SimilarityError::Weight {
                cause: format!("`{w}` is not a number"),
            })?;
            if !w.is_finite() || w < 0.0 {
                return Err(SimilarityError::Weight {
                    cause: format!("weight of `{g}` must be finite and ≥ 0"),
                });
            }
            if !GROUPS.iter().any(|d| d.name == g) {
                let names: Vec<_> = GROUPS.iter().map(|d| d.name).collect();
                return Err(SimilarityError::Weight {
                    cause: format!("unknown group `{g}` (groups: {})", names.join(", ")),
                });
            }
            self.group_weights.insert(g.to_string(), w);
        }
        Ok(self)
    }

    /// True when every weight is the default one.
    pub fn is_default(&self) -> bool {
        *self == Metric::default()
    }

    /// The per-dimension weights `w_i` for the current schema.
    pub fn dim_weights(&self) -> Vec<f32> {
        let schema = vector::schema();
        schema
            .iter()
            .map(|d| {
                let w = self.group_weights.get(d.group).copied().unwrap_or(1.0);
                if self.balance_groups {
                    let n = schema.iter().filter(|e| e.group == d.group).count().max(1);
                    w / n as f32
                } else {
                    w
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse() {
        let m = Metric::default()
            .with_overrides("timbre=2, tempo=0.5")
            .unwrap();
        assert_eq!(m.group_weights["timbre"], 2.0);
        assert_eq!(m.group_weights["tempo"], 0.5);
        assert!(Metric::default().with_overrides("nope=1").is_err());
        assert!(Metric::default().with_overrides("timbre").is_err());
        assert!(Metric::default().with_overrides("timbre=-1").is_err());
        let w = Metric::default().dim_weights();
        let timbre: f32 = w
            .iter()
            .zip(vector::schema())
            .filter(|(_, d)| d.group == "timbre")
            .map(|(w, _)| w)
            .sum();
        let want = GROUPS
            .iter()
            .find(|g| g.name == "timbre")
            .map(|g| g.default_weight)
            .unwrap_or(0.0);
        assert!((timbre - want).abs() < 1e-5);
    }

    #[test]
    fn standardizer_constant_dims_are_zero() {
        let rows = [1.0, 5.0, 3.0, 5.0];
        let s = Standardizer::fit(&rows, 2);
        let mut z = [0.0; 2];
        s.apply(&[3.0, 5.0], &mut z);
        assert_eq!(z, [1.0, 0.0]);
    }
}
