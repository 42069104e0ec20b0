//! `index export`: the stored vectors in the format the output's extension names.
//!
//! - `.parquet`/`.pq`: see [`super::parquet`] (`path`, `schema_version`, `vector` list; the
//!   analysis settings in the file's key-value metadata).
//! - `.jsonl`/`.ndjson`: one `{"path": ..., "vector": {"version": V, "values": [...]},
//!   "settings": {...}}` per track, the shapes of an `extract` record's `vector` and
//!   `settings`.
//! - `.csv`: columns `path`, `vector.version`, `vector.values.0` …, then `settings.*` (the
//!   names of the `extract` CSV).
//!
//! The analysis settings are those of the records the index was built from, when the index
//! knows them ([`Index::record_settings`]; absent otherwise). Every format is read back by
//! `index build`, settings included. Values are the raw, unstandardised vector
//! in schema order (`leitmotif schema` names them); files are written atomically.

use std::io::{BufWriter, Write};
use std::path::Path;

#[cfg(feature = "parquet")]
use super::parquet;
use super::{Index, SimilarityError};
use crate::output::Format;

/// Writes `index`'s vectors to `out` in `format`.
pub fn export(index: &Index, out: &Path, format: Format) -> Result<(), SimilarityError> {
    if format == Format::Parquet {
        #[cfg(feature = "parquet")]
        return parquet::export(index, out);
        #[cfg(not(feature = "parquet"))]
        return Err(SimilarityError::Export {
            path: out.into(),
            cause: "this leitmotif was built without Parquet support (feature `parquet`)".into(),
        });
    }
    let dim = index.dim();
    let version = index.schema_version();
    let settings = index.record_settings().map(|st| st.to_value());
    // CSV: the flat `settings.*` cells of the extract CSV, the same on every row
    let settings_cells: Vec<(String, String)> = settings
        .iter()
        .flat_map(|st| crate::output::columns::flatten(&serde_json::json!({ "settings": st })))
        .map(|(name, v)| (name, crate::output::csv::cell(Some(&v))))
        .collect();
    crate::atomic::write_atomically(out, |file| {
        let mut w = BufWriter::new(file);
        if format == Format::Csv {
            write!(w, "path,vector.version")?;
            for i in 0..dim {
                write!(w, ",vector.values.{i}")?;
            }
            for (name, _) in &settings_cells {
                write!(w, ",{}", crate::output::csv::quote(name))?;
            }
            writeln!(w)?;
        }
        for (i, path) in index.paths().iter().enumerate() {
            let values = index.raw_vector(i as u32);
            match format {
                Format::Csv => {
                    write!(w, "{},{version}", crate::output::csv::quote(path))?;
                    for v in values {
                        write!(w, ",{}", serde_json::json!(v))?;
                    }
                    for (_, text) in &settings_cells {
                        write!(w, ",{text}")?;
                    }
                    writeln!(w)?;
                }
                _ => {
                    let mut line = serde_json::json!({
                        "path": path,
                        "vector": {"version": version, "values": values},
                    });
                    if let Some(st) = &settings {
                        line["settings"] = st.clone();
                    }
                    writeln!(w, "{line}")?;
                }
            }
        }
        w.flush()
    })
    .map_err(|e| SimilarityError::Io {
        path: out.into(),
        source: e,
    })
}
