//! The similarity index: vectors, paths, schema version and standardisation statistics in
//! memory, and its file format.
//!
//! # File format (version 2, little-endian)
//! ```text
//! offset  size        field
//! 0       8           magic "LMTFIDX\0"
//! 8       4           format version (1)
//! 12      4           feature-vector schema version
//! 16      8           schema hash (crate::vector::schema_hash)
//! 24      4           dim
//! 28      4           nlist (IVF cells, ≥ 1)
//! 32      8           n (vectors)
//! 40      8           byte length of the path table
//! 48      8           analysis-settings fingerprint (0: unknown, an older index)
//! 56      4           analysis sample rate in Hz (0: unknown)
//! 60      4           analysed-duration limit in seconds, f32 (0: none)
//! 64      4·dim       mean     (standardisation statistics, raw units)
//!         4·dim       std
//!         4·nlist·dim IVF centroids (z-score space)
//!         8·(nlist+1) IVF cell offsets (rows of cell c: offsets[c]..offsets[c+1])
//!         4·n·dim     raw vectors (schema units), grouped by cell
//!         …           path table: n × (u32 byte length, UTF-8 bytes)
//!         4 + s       analysis settings: u32 byte length s, then the records' `settings`
//!                     object as JSON (s = 0: unknown); version 2 only
//! end−4   4           CRC-32 (IEEE) of every preceding byte
//! ```
//! Files are written to a temporary file in the same directory, synced, then renamed over
//! the destination: a reader sees the old file or the new one, never a mix. Loading checks
//! the magic (a wrong file), the format version, the sizes, the CRC (a corrupt or truncated
//! file), then the schema version and hash (an index made by another schema). Version 1 files
//! (no settings block: the header's fingerprint only) are still read.

use std::collections::HashMap;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;

use super::ivf::{self, Ivf};
use super::kernel::{TopK, all_distances, scan};
use super::{Metric, SimilarityError, Standardizer};
use crate::output::read::for_each_record;
use crate::output::{Format, Settings};
use crate::vector::{DIM, FeatureVector, SCHEMA_VERSION, schema_hash};

/// Magic bytes at the start of an index file.
pub const MAGIC: &[u8; 8] = b"LMTFIDX\0";
/// Version of the index file format.
pub const FORMAT_VERSION: u32 = 2;
const HEADER_LEN: usize = 64;

type Res<T> = std::result::Result<T, SimilarityError>;

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchMode {
    /// Flat scan over every vector.
    Exact,
    /// IVF: scan the `nprobe` cells nearest to the query.
    Approx { nprobe: usize },
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbor {
    /// Row id in the index.
    pub id: u32,
    /// Weighted Euclidean distance on z-scores.
    pub distance: f32,
}

/// The in-memory index.
#[derive(Debug)]
pub struct Index {
    schema_version: u32,
    schema_hash: u64,
    dim: usize,
    stats: Standardizer,
    paths: Vec<String>,
    raw: Vec<f32>,
    z: Vec<f32>,
    ivf: Ivf,
    lookup: OnceLock<HashMap<String, u32>>,
    canonical_lookup: OnceLock<HashMap<String, u32>>,
    settings: Option<IndexSettings>,
    /// The full analysis settings of the vectors, when known (format version 2).
    record_settings: Option<Settings>,
}

/// The analysis settings of an index's vectors, stored in its header: queries given as
/// audio are analysed with them, and vectors made with other settings are refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexSettings {
    /// [`crate::output::Settings::fingerprint`] of the records' settings.
    pub fingerprint: u64,
    /// Analysis sample rate in Hz.
    pub sample_rate: u32,
    /// Analysed-duration limit in seconds, if any.
    pub max_duration_s: Option<f32>,
}

impl IndexSettings {
    /// The stored form of record settings.
    pub fn of(s: &Settings) -> Self {
        IndexSettings {
            fingerprint: s.fingerprint(),
            sample_rate: s.sample_rate,
            max_duration_s: s.max_duration_s.map(|d| d as f32),
        }
    }
}

/// One record of a features file, as far as the index needs it.
#[derive(Deserialize)]
struct RecordLine {
    path: Option<String>,
    vector: Option<FeatureVector>,
    error: Option<serde::de::IgnoredAny>,
}

/// Tracks read from a features file: `(path, vector)`, the error records skipped, and the
/// distinct analysis settings of the records.
#[derive(Debug, Default)]
pub struct Records {
    pub entries: Vec<(String, Vec<f32>)>,
    pub skipped: Vec<String>,
    pub settings: Vec<Settings>,
}

/// Checks a vector against this build's schema.
pub fn check_vector(v: &FeatureVector, what: &str) -> Res<()> {
    if v.version != SCHEMA_VERSION {
        return Err(SimilarityError::VersionMismatch {
            what: what.into(),
            found: v.version,
            expected: SCHEMA_VERSION,
        });
    }
    if v.values.len() != DIM {
        return Err(SimilarityError::SchemaMismatch {
            what: format!("{what} ({} values, expected {DIM})", v.values.len()),
        });
    }
    if v.values.iter().any(|x| !x.is_finite()) {
        return Err(SimilarityError::SchemaMismatch {
            what: format!("{what} (non-finite value)"),
        });
    }
    Ok(())
}

/// Reads the `vector` of every record of a `leitmotif extract` output: JSON Lines, CSV or
/// Parquet by extension (anything else is read as JSON Lines), or an `index export` file.
/// Error records are skipped (listed in `skipped`); a record without a vector or with
/// another schema version is an error.
pub fn read_records(path: &Path) -> Res<Records> {
    let format = Format::of(path).unwrap_or(Format::Jsonl);
    let mut out = Records::default();
    let mut failure: Option<SimilarityError> = None;
    let mut line_no = 0usize;
    let result = for_each_record(path, format, |v| {
        line_no += 1;
        if let Some(s) = Settings::of_record(&v)
            && !out.settings.contains(&s)
        {
            out.settings.push(s);
        }
        let record_error = |cause: String| SimilarityError::Record {
            path: path.into(),
            line: line_no,
            cause,
        };
        let rec: RecordLine = match serde_json::from_value(v) {
            Ok(r) => r,
            Err(e) => {
                failure = Some(record_error(format!("not a leitmotif record: {e}")));
                return Err(std::io::Error::other("bad record"));
            }
        };
        let Some(p) = rec.path else {
            failure = Some(record_error("record has no `path`".into()));
            return Err(std::io::Error::other("bad record"));
        };
        if rec.error.is_some() {
            out.skipped.push(p);
            return Ok(());
        }
        let Some(v) = rec.vector else {
            failure = Some(record_error(format!(
                "record of {p} has no `vector` (extracted by an older leitmotif? re-run extract)"
            )));
            return Err(std::io::Error::other("bad record"));
        };
        if let Err(e) = check_vector(&v, &format!("{}:{line_no} ({p})", path.display())) {
            failure = Some(e);
            return Err(std::io::Error::other("bad record"));
        }
        out.entries.push((p, v.values));
        Ok(())
    });
    if let Some(e) = failure {
        return Err(e);
    }
    result.map_err(|e| SimilarityError::Io {
        path: path.into(),
        source: e,
    })?;
    Ok(out)
}

fn dedup_last(entries: Vec<(String, Vec<f32>)>) -> Vec<(String, Vec<f32>)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<(String, Vec<f32>)> = Vec::with_capacity(entries.len());
    for (p, v) in entries {
        match seen.get(&p) {
            Some(&i) => out[i].1 = v,
            None => {
                seen.insert(p.clone(), out.len());
                out.push((p, v));
            }
        }
    }
    out
}

impl Index {
    /// Builds an index: standardisation statistics over all vectors, IVF cells (k-means with
    /// the default metric), rows grouped by cell. A path given twice keeps its last vector.
    pub fn build(entries: Vec<(String, Vec<f32>)>) -> Res<Index> {
        let entries = dedup_last(entries);
        for (p, v) in &entries {
            if v.len() != DIM {
                return Err(SimilarityError::SchemaMismatch { what: p.clone() });
            }
        }
        let n = entries.len();
        let mut raw = Vec::with_capacity(n * DIM);
        let mut paths = Vec::with_capacity(n);
        for (p, v) in entries {
            raw.extend_from_slice(&v);
            paths.push(p);
        }
        Ok(Self::from_raw(paths, raw))
    }

    /// Builds from contiguous raw vectors (`paths.len() × DIM`).
    pub fn from_raw(paths: Vec<String>, raw: Vec<f32>) -> Index {
        let dim = DIM;
        let stats = Standardizer::fit(&raw, dim);
        let mut z = vec![0.0f32; raw.len()];
        for (zr, r) in z.chunks_exact_mut(dim).zip(raw.chunks_exact(dim)) {
            stats.apply(r, zr);
        }
        let n = paths.len();
        let nlist = ivf::default_nlist(n);
        let w = Metric::default().dim_weights();
        let (ivf, perm) = if nlist <= 1 {
            (
                Ivf {
                    nlist: 1,
                    centroids: vec![0.0; dim],
                    offsets: vec![0, n],
                },
                None,
            )
        } else {
            let centroids = ivf::train(&z, dim, &w, nlist, 0x5eed);
            let nlist = centroids.len() / dim;
            let a = ivf::assign(&z, dim, &centroids, &w);
            let (perm, offsets) = ivf::group_by_cell(&a, nlist);
            (
                Ivf {
                    nlist,
                    centroids,
                    offsets,
                },
                Some(perm),
            )
        };
        let (paths, raw, z) = match perm {
            Some(perm) => {
                let mut p2 = Vec::with_capacity(n);
                let mut r2 = Vec::with_capacity(raw.len());
                let mut z2 = Vec::with_capacity(z.len());
                let mut paths: Vec<Option<String>> = paths.into_iter().map(Some).collect();
                for &i in &perm {
                    let i = i as usize;
                    p2.push(paths[i].take().unwrap_or_default());
                    r2.extend_from_slice(&raw[i * dim..(i + 1) * dim]);
                    z2.extend_from_slice(&z[i * dim..(i + 1) * dim]);
                }
                (p2, r2, z2)
            }
            None => (paths, raw, z),
        };
        Index {
            schema_version: SCHEMA_VERSION,
            schema_hash: schema_hash(),
            dim,
            stats,
            paths,
            raw,
            z,
            ivf,
            lookup: OnceLock::new(),
            canonical_lookup: OnceLock::new(),
            settings: None,
            record_settings: None,
        }
    }

    /// The analysis settings of the vectors, when known (indexes built from records that
    /// carry them).
    pub fn settings(&self) -> Option<IndexSettings> {
        self.settings
    }

    /// Records the analysis settings of the vectors (their fingerprint form; the full
    /// settings are dropped unless they have this fingerprint).
    pub fn set_settings(&mut self, settings: Option<IndexSettings>) {
        self.settings = settings;
        if self.record_settings.as_ref().map(IndexSettings::of) != settings {
            self.record_settings = None;
        }
    }

    /// The configuration for analysing an audio query against this index: the default, with
    /// the sample rate and duration limit of the index's vectors when known (other settings
    /// are refused when they differ, see [`IndexSettings`]).
    pub fn analysis_config(&self) -> crate::AnalysisConfig {
        let mut config = crate::AnalysisConfig::default();
        if let Some(st) = self.settings {
            config.sample_rate = st.sample_rate;
            config.max_duration_s = st.max_duration_s.map(f64::from);
        }
        config
    }

    /// The feature options for analysing an audio query against this index: the tempo
    /// search range of the index's vectors when their full settings are known
    /// ([`Self::record_settings`], indexes of format 2), else the default. Without it a query
    /// against an index made with `--tempo-range` would be analysed over the default range, and
    /// its tempo dimensions would not be comparable.
    pub fn feature_options(&self) -> crate::FeatureOptions {
        let s = self.record_settings.as_ref();
        crate::FeatureOptions {
            tempo_range: s.map(|s| (s.tempo_min_bpm, s.tempo_max_bpm)),
            tempo_prior: s.map(|s| (s.tempo_prior_bpm as f32, s.tempo_prior_octaves as f32)),
            ..crate::FeatureOptions::default()
        }
    }

    /// When the index's vectors were made with other analysis settings than `settings`
    /// (their fingerprints differ), the description of the index's settings
    /// ([`Settings::describe`], or "unknown: an index of format 1"); `None` when they match
    /// or the index does not know its settings at all.
    pub fn settings_differ_from(&self, settings: &Settings) -> Option<String> {
        let st = self.settings?;
        (st.fingerprint != settings.fingerprint()).then(|| {
            self.record_settings.as_ref().map_or_else(
                || "unknown: an index of format 1".to_string(),
                Settings::describe,
            )
        })
    }

    /// The warning for an audio query analysed now with `query` settings that differ from
    /// the index's ([`Self::settings_differ_from`]), naming both; `None` when they match.
    /// `leitmotif similar` prints it, Python's `Index.similar` raises it as a `UserWarning`.
    pub fn query_settings_warning(&self, query: &Settings) -> Option<String> {
        self.settings_differ_from(query).map(|theirs| {
            format!(
                "the index's vectors were made with other analysis settings ({theirs}) than \
                 the audio queries analysed now ({}); their distances are not fully comparable",
                query.describe()
            )
        })
    }

    /// The full analysis settings of the vectors (the records' `settings` object), when
    /// known: indexes built from records or exports that carry them, saved by format 2.
    pub fn record_settings(&self) -> Option<&Settings> {
        self.record_settings.as_ref()
    }

    /// Records the full analysis settings of the vectors (and their fingerprint form,
    /// [`Index::settings`]).
    pub fn set_record_settings(&mut self, settings: Option<Settings>) {
        self.settings = settings.as_ref().map(IndexSettings::of);
        self.record_settings = settings;
    }

    /// Adds (or replaces, by path) tracks **without a rebuild**: the standardisation
    /// statistics and the IVF centroids stay those of the last build; each new vector is
    /// standardised with the stored statistics and appended to its nearest cell. Rebuild
    /// (`index build`) to refresh both after the library has changed a lot.
    pub fn add(&mut self, entries: Vec<(String, Vec<f32>)>) -> Res<usize> {
        let entries = dedup_last(entries);
        let dim = self.dim;
        for (p, v) in &entries {
            if v.len() != dim {
                return Err(SimilarityError::SchemaMismatch { what: p.clone() });
            }
        }
        let replaced: HashMap<&str, ()> = entries.iter().map(|(p, _)| (p.as_str(), ())).collect();
        let w = Metric::default().dim_weights();
        let mut new_z = vec![0.0f32; entries.len() * dim];
        for (zr, (_, v)) in new_z.chunks_exact_mut(dim).zip(&entries) {
            self.stats.apply(v, zr);
        }
        let cells = if self.ivf.nlist <= 1 {
            vec![0u32; entries.len()]
        } else {
            ivf::assign(&new_z, dim, &self.ivf.centroids, &w)
        };
        let total = self.paths.len() + entries.len();
        let mut paths = Vec::with_capacity(total);
        let mut raw = Vec::with_capacity(total * dim);
        let mut z = Vec::with_capacity(total * dim);
        let mut offsets = vec![0usize];
        for c in 0..self.ivf.nlist {
            for i in self.ivf.offsets[c]..self.ivf.offsets[c + 1] {
                if replaced.contains_key(self.paths[i].as_str()) {
                    continue;
                }
                paths.push(std::mem::take(&mut self.paths[i]));
                raw.extend_from_slice(&self.raw[i * dim..(i + 1) * dim]);
                z.extend_from_slice(&self.z[i * dim..(i + 1) * dim]);
            }
            for (j, (p, v)) in entries.iter().enumerate() {
                if cells[j] as usize == c {
                    paths.push(p.clone());
                    raw.extend_from_slice(v);
                    z.extend_from_slice(&new_z[j * dim..(j + 1) * dim]);
                }
            }
            offsets.push(paths.len());
        }
        self.paths = paths;
        self.raw = raw;
        self.z = z;
        self.ivf.offsets = offsets;
        self.lookup = OnceLock::new();
        self.canonical_lookup = OnceLock::new();
        Ok(entries.len())
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True when the index holds no vector.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The schema version of the stored vectors.
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// Dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of IVF cells.
    pub fn nlist(&self) -> usize {
        self.ivf.nlist
    }

    /// The standardisation statistics.
    pub fn stats(&self) -> &Standardizer {
        &self.stats
    }

    /// Path of row `id`.
    pub fn path(&self, id: u32) -> &str {
        &self.paths[id as usize]
    }

    /// All paths, in row order.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// Raw vector of row `id`.
    pub fn raw_vector(&self, id: u32) -> &[f32] {
        let i = id as usize;
        &self.raw[i * self.dim..(i + 1) * self.dim]
    }

    /// All raw vectors, row-major.
    pub fn raw_vectors(&self) -> &[f32] {
        &self.raw
    }

    /// Standardised vector of row `id`.
    pub fn z_vector(&self, id: u32) -> &[f32] {
        let i = id as usize;
        &self.z[i * self.dim..(i + 1) * self.dim]
    }

    /// Row id of a path stored in the index (exact string match).
    pub fn find(&self, path: &str) -> Option<u32> {
        self.lookup
            .get_or_init(|| {
                self.paths
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.clone(), i as u32))
                    .collect()
            })
            .get(path)
            .copied()
    }

    /// Row id of the stored track that is the same file as `path` (compared by canonical
    /// path, so `../lib/a.flac` finds `/home/me/lib/a.flac`); `None` when `path` cannot be
    /// resolved or no stored path resolves to it. The stored paths are resolved once, on
    /// the first call.
    pub fn find_canonical(&self, path: &Path) -> Option<u32> {
        let wanted = fs::canonicalize(path).ok()?;
        self.canonical_lookup
            .get_or_init(|| {
                self.paths
                    .iter()
                    .enumerate()
                    .filter_map(|(i, p)| {
                        let c = fs::canonicalize(p).ok()?;
                        Some((c.to_string_lossy().into_owned(), i as u32))
                    })
                    .collect()
            })
            .get(wanted.to_string_lossy().as_ref())
            .copied()
    }

    /// z-scores of a query vector, after checking its version.
    pub fn standardize(&self, v: &FeatureVector, what: &str) -> Res<Vec<f32>> {
        if v.version != self.schema_version {
            return Err(SimilarityError::VersionMismatch {
                what: what.into(),
                found: v.version,
                expected: self.schema_version,
            });
        }
        check_vector(v, what)?;
        let mut z = vec![0.0f32; self.dim];
        self.stats.apply(&v.values, &mut z);
        Ok(z)
    }

    /// The `k` nearest rows to the standardised query `qz` under weights `w`
    /// ([`Metric::dim_weights`]), excluding row `skip` (the query itself when it comes
    /// from the index). Distances are `sqrt(Σ w (Δz)²)`.
    pub fn search(
        &self,
        qz: &[f32],
        k: usize,
        w: &[f32],
        mode: SearchMode,
        skip: Option<u32>,
    ) -> Vec<Neighbor> {
        if k == 0 {
            return Vec::new();
        }
        let mut top = TopK::new(k);
        let dim = self.dim;
        match mode {
            SearchMode::Approx { nprobe } if self.ivf.nlist > 1 && nprobe < self.ivf.nlist => {
                let mut cd = Vec::with_capacity(self.ivf.nlist);
                all_distances(&self.ivf.centroids, dim, qz, w, &mut cd);
                let mut order: Vec<(f32, u32)> =
                    cd.iter().enumerate().map(|(c, &d)| (d, c as u32)).collect();
                let nprobe = nprobe.max(1);
                order.select_nth_unstable_by(nprobe - 1, |a, b| a.0.total_cmp(&b.0));
                for &(_, c) in &order[..nprobe] {
                    let (a, b) = (
                        self.ivf.offsets[c as usize],
                        self.ivf.offsets[c as usize + 1],
                    );
                    scan(
                        &self.z[a * dim..b * dim],
                        dim,
                        a as u32,
                        qz,
                        w,
                        skip,
                        &mut top,
                    );
                }
            }
            _ => scan(&self.z, dim, 0, qz, w, skip, &mut top),
        }
        top.items()
            .iter()
            .map(|&(d, id)| Neighbor {
                id,
                distance: d.max(0.0).sqrt(),
            })
            .collect()
    }

    /// Writes the index atomically (temporary file in the same directory, sync, rename).
    pub fn save(&self, path: &Path) -> Res<()> {
        let io = |e| SimilarityError::Io {
            path: path.into(),
            source: e,
        };
        crate::atomic::write_atomically(path, |file| {
            let mut w = HashingWriter {
                inner: BufWriter::with_capacity(1 << 20, file),
                crc: crc32fast::Hasher::new(),
            };
            let path_bytes: u64 = self.paths.iter().map(|p| 4 + p.len() as u64).sum();
            let mut header = [0u8; HEADER_LEN];
            header[0..8].copy_from_slice(MAGIC);
            header[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
            header[12..16].copy_from_slice(&self.schema_version.to_le_bytes());
            header[16..24].copy_from_slice(&self.schema_hash.to_le_bytes());
            header[24..28].copy_from_slice(&(self.dim as u32).to_le_bytes());
            header[28..32].copy_from_slice(&(self.ivf.nlist as u32).to_le_bytes());
            header[32..40].copy_from_slice(&(self.paths.len() as u64).to_le_bytes());
            header[40..48].copy_from_slice(&path_bytes.to_le_bytes());
            if let Some(st) = self.settings {
                header[48..56].copy_from_slice(&st.fingerprint.to_le_bytes());
                header[56..60].copy_from_slice(&st.sample_rate.to_le_bytes());
                let max = st.max_duration_s.unwrap_or(0.0);
                header[60..64].copy_from_slice(&max.to_le_bytes());
            }
            w.write_all(&header)?;
            write_f32s(&mut w, &self.stats.mean)?;
            write_f32s(&mut w, &self.stats.std)?;
            write_f32s(&mut w, &self.ivf.centroids)?;
            for &o in &self.ivf.offsets {
                w.write_all(&(o as u64).to_le_bytes())?;
            }
            write_f32s(&mut w, &self.raw)?;
            for p in &self.paths {
                w.write_all(&(p.len() as u32).to_le_bytes())?;
                w.write_all(p.as_bytes())?;
            }
            let settings = self
                .record_settings
                .as_ref()
                .map(|st| st.to_value().to_string())
                .unwrap_or_default();
            w.write_all(&(settings.len() as u32).to_le_bytes())?;
            w.write_all(settings.as_bytes())?;
            let crc = w.crc.clone().finalize();
            let mut inner = w.inner;
            inner.write_all(&crc.to_le_bytes())?;
            inner.flush()
        })
        .map_err(io)
    }

    /// Loads and checks an index file.
    pub fn load(path: &Path) -> Res<Index> {
        let bytes = fs::read(path).map_err(|e| SimilarityError::Io {
            path: path.into(),
            source: e,
        })?;
        Self::from_bytes(&bytes, path)
    }

    fn from_bytes(bytes: &[u8], path: &Path) -> Res<Index> {
        let corrupt = |cause: String| SimilarityError::Corrupt {
            path: path.into(),
            cause,
        };
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(SimilarityError::NotAnIndex { path: path.into() });
        }
        if bytes.len() < HEADER_LEN + 4 {
            return Err(corrupt(format!("truncated ({} bytes)", bytes.len())));
        }
        let u32_at =
            |o: usize| u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]]);
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[o..o + 8]);
            u64::from_le_bytes(b)
        };
        let format = u32_at(8);
        if format != FORMAT_VERSION && format != 1 {
            return Err(SimilarityError::UnsupportedFormat {
                path: path.into(),
                version: format,
            });
        }
        let body_end = bytes.len() - 4;
        let stored_crc = u32_at(body_end);
        let crc = crc32fast::hash(&bytes[..body_end]);
        if crc != stored_crc {
            return Err(corrupt(format!(
                "checksum mismatch (stored {stored_crc:08x}, computed {crc:08x}): the file is damaged or truncated"
            )));
        }
        let schema_version = u32_at(12);
        let hash = u64_at(16);
        let dim = u32_at(24) as usize;
        let nlist = u32_at(28) as usize;
        let n = u64_at(32);
        let path_bytes = u64_at(40);
        let what = path.display().to_string();
        if schema_version != SCHEMA_VERSION {
            return Err(SimilarityError::VersionMismatch {
                what,
                found: schema_version,
                expected: SCHEMA_VERSION,
            });
        }
        if hash != schema_hash() || dim != DIM {
            return Err(SimilarityError::SchemaMismatch { what });
        }
        let n = usize::try_from(n).map_err(|_| corrupt("vector count too large".into()))?;
        let paths_end = (HEADER_LEN as u128)
            + 8 * dim as u128
            + 4 * nlist as u128 * dim as u128
            + 8 * (nlist as u128 + 1)
            + 4 * n as u128 * dim as u128
            + path_bytes as u128;
        // format 2: the settings block (u32 length, JSON) follows the path table
        let settings_len = if format >= 2 && paths_end + 4 <= body_end as u128 {
            u32_at(paths_end as usize) as u128
        } else {
            0
        };
        let need = if format >= 2 {
            paths_end + 4 + settings_len
        } else {
            paths_end
        };
        if nlist == 0 || need != body_end as u128 {
            return Err(corrupt(format!(
                "sizes do not add up ({need} bytes declared, {body_end} present)"
            )));
        }
        let mut off = HEADER_LEN;
        let mut f32s = |count: usize| {
            let v: Vec<f32> = bytes[off..off + 4 * count]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            off += 4 * count;
            v
        };
        let mean = f32s(dim);
        let std = f32s(dim);
        let centroids = f32s(nlist * dim);
        let mut offsets = Vec::with_capacity(nlist + 1);
        for c in 0..=nlist {
            offsets.push(u64_at(off + 8 * c) as usize);
        }
        off += 8 * (nlist + 1);
        if offsets[0] != 0 || offsets[nlist] != n || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(corrupt("inconsistent IVF cell offsets".into()));
        }
        let raw: Vec<f32> = bytes[off..off + 4 * n * dim]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        off += 4 * n * dim;
        let mut paths = Vec::with_capacity(n);
        for _ in 0..n {
            if off + 4 > body_end {
                return Err(corrupt("path table truncated".into()));
            }
            let len = u32_at(off) as usize;
            off += 4;
            if off + len > body_end {
                return Err(corrupt("path table truncated".into()));
            }
            let p = std::str::from_utf8(&bytes[off..off + len])
                .map_err(|_| corrupt("path is not UTF-8".into()))?;
            paths.push(p.to_string());
            off += len;
        }
        let record_settings = if format >= 2 {
            off += 4;
            let block = &bytes[off..off + settings_len as usize];
            off += block.len();
            if block.is_empty() {
                None
            } else {
                let st: Settings = serde_json::from_slice(block)
                    .map_err(|e| corrupt(format!("analysis settings are not readable: {e}")))?;
                Some(st)
            }
        } else {
            None
        };
        if off != body_end {
            return Err(corrupt("trailing bytes after the path table".into()));
        }
        if raw
            .iter()
            .chain(&mean)
            .chain(&std)
            .chain(&centroids)
            .any(|x| !x.is_finite())
        {
            return Err(corrupt("non-finite value".into()));
        }
        let stats = Standardizer { mean, std };
        let mut z = vec![0.0f32; raw.len()];
        for (zr, r) in z.chunks_exact_mut(dim).zip(raw.chunks_exact(dim)) {
            stats.apply(r, zr);
        }
        Ok(Index {
            schema_version,
            schema_hash: hash,
            dim,
            stats,
            paths,
            raw,
            z,
            ivf: Ivf {
                nlist,
                centroids,
                offsets,
            },
            lookup: OnceLock::new(),
            canonical_lookup: OnceLock::new(),
            settings: (u64_at(48) != 0).then(|| IndexSettings {
                fingerprint: u64_at(48),
                sample_rate: u32_at(56),
                max_duration_s: Some(f32::from_bits(u32_at(60))).filter(|d| *d > 0.0),
            }),
            record_settings,
        })
    }
}

struct HashingWriter<W: Write> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn write_f32s<W: Write>(w: &mut W, xs: &[f32]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4 * 4096);
    for chunk in xs.chunks(4096) {
        buf.clear();
        for x in chunk {
            buf.extend_from_slice(&x.to_le_bytes());
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<(String, Vec<f32>)> {
        (0..n)
            .map(|i| {
                (
                    format!("t{i}"),
                    (0..DIM).map(|d| ((i * 31 + d * 7) % 17) as f32).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn roundtrip_and_corruption() {
        let idx = Index::build(entries(40)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.idx");
        idx.save(&p).unwrap();
        let back = Index::load(&p).unwrap();
        assert_eq!(back.paths, idx.paths);
        assert_eq!(back.raw, idx.raw);
        let mut bytes = fs::read(&p).unwrap();
        bytes[200] ^= 1;
        assert!(matches!(
            Index::from_bytes(&bytes, &p),
            Err(SimilarityError::Corrupt { .. })
        ));
        assert!(matches!(
            Index::from_bytes(b"hello world, not an index", &p),
            Err(SimilarityError::NotAnIndex { .. })
        ));
        let q = idx.z_vector(3).to_vec();
        let w = Metric::default().dim_weights();
        let r = idx.search(&q, 1, &w, SearchMode::Exact, None);
        assert_eq!(r[0].distance, 0.0);
    }

    #[test]
    fn add_keeps_stats_and_replaces_paths() {
        let mut idx = Index::build(entries(10)).unwrap();
        let before = idx.stats.clone();
        let mut more = entries(12);
        more.drain(..5);
        idx.add(more).unwrap();
        assert_eq!(idx.len(), 12);
        assert_eq!(idx.stats, before);
        assert!(idx.find("t11").is_some());
    }
}
