//! Parquet export of an index: one row per track with columns
//! `path` (utf8), `schema_version` (int32) and `vector` (`FixedSizeList<float32, dim>`,
//! the raw, unstandardised values in schema order — `leitmotif schema` names them).
//! Written in row groups of 65 536 tracks, to a temporary file renamed into place.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use super::{Index, SimilarityError};

/// Rows per record batch / row group.
const BATCH: usize = 65_536;

/// Writes `index` to `out` as Parquet.
pub fn export(index: &Index, out: &Path) -> Result<(), SimilarityError> {
    let err = |cause: String| SimilarityError::Export {
        path: out.into(),
        cause,
    };
    let dim = index.dim();
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let schema = Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("schema_version", DataType::Int32, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(item.clone(), dim as i32),
            false,
        ),
    ]));
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vectors".into());
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| -> Result<(), SimilarityError> {
        let file = fs::File::create(&tmp).map_err(|e| SimilarityError::Io {
            path: tmp.clone(),
            source: e,
        })?;
        let mut writer =
            ArrowWriter::try_new(file, schema.clone(), None).map_err(|e| err(e.to_string()))?;
        let n = index.len();
        let mut start = 0;
        while start < n || (n == 0 && start == 0) {
            let end = (start + BATCH).min(n);
            let paths = StringArray::from_iter_values(index.paths()[start..end].iter());
            let versions = Int32Array::from(vec![index.schema_version() as i32; end - start]);
            let values = Float32Array::from(index.raw_vectors()[start * dim..end * dim].to_vec());
            let vectors =
                FixedSizeListArray::try_new(item.clone(), dim as i32, Arc::new(values), None)
                    .map_err(|e| err(e.to_string()))?;
            let columns: Vec<ArrayRef> =
                vec![Arc::new(paths), Arc::new(versions), Arc::new(vectors)];
            let batch =
                RecordBatch::try_new(schema.clone(), columns).map_err(|e| err(e.to_string()))?;
            writer.write(&batch).map_err(|e| err(e.to_string()))?;
            if n == 0 {
                break;
            }
            start = end;
        }
        let file = writer.into_inner().map_err(|e| err(e.to_string()))?;
        file.sync_all().map_err(|e| SimilarityError::Io {
            path: tmp.clone(),
            source: e,
        })?;
        fs::rename(&tmp, out).map_err(|e| SimilarityError::Io {
            path: out.into(),
            source: e,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
