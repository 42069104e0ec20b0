//! `index export`: the stored vectors in the format the output's extension names.
//!
//! - `.parquet`/`.pq`: see [`super::parquet`] (`path`, `schema_version`, `vector` list).
//! - `.jsonl`/`.ndjson`: one `{"path": ..., "vector": {"version": V, "values": [...]}}` per
//!   track, the shape of an `extract` record's `vector`.
//! - `.csv`: columns `path`, `vector.version`, `vector.values.0` … (the names of the
//!   `extract` CSV).
//!
//! Every format is read back by `index build`. Values are the raw, unstandardised vector
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
    crate::atomic::write_atomically(out, |file| {
        let mut w = BufWriter::new(file);
        if format == Format::Csv {
            write!(w, "path,vector.version")?;
            for i in 0..dim {
                write!(w, ",vector.values.{i}")?;
            }
            writeln!(w)?;
        }
        for (i, path) in index.paths().iter().enumerate() {
            let values = index.raw_vector(i as u32);
            match format {
                Format::Csv => {
                    let quoted = if path.contains([',', '"', '\n', '\r']) {
                        format!("\"{}\"", path.replace('"', "\"\""))
                    } else {
                        path.clone()
                    };
                    write!(w, "{quoted},{version}")?;
                    for v in values {
                        write!(w, ",{}", serde_json::json!(v))?;
                    }
                    writeln!(w)?;
                }
                _ => {
                    let line = serde_json::json!({
                        "path": path,
                        "vector": {"version": version, "values": values},
                    });
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
