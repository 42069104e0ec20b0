//! Parquet export of an index: one row per track with columns
//! `path` (utf8), `schema_version` (int32) and `vector` (`FixedSizeList<float32, dim>`,
//! the raw, unstandardised values in schema order — `leitmotif schema` names them), and the
//! records' analysis settings, when the index knows them, as the file's key-value metadata
//! [`SETTINGS_KEY`] (the JSON of an `extract` record's `settings`).
//! Written in row groups of 65 536 tracks, to a temporary file renamed into place (a device
//! such as /dev/null is written in place).

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, FixedSizeListArray, Float32Array, Int32Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use super::{Index, SimilarityError};

/// Key of the Parquet key-value metadata entry that holds the analysis settings (JSON).
pub const SETTINGS_KEY: &str = "leitmotif.settings";

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
    let mut failure = None;
    let result = crate::atomic::write_atomically(out, |file| {
        let inner = (|| -> Result<(), SimilarityError> {
            let props = index.record_settings().map(|st| {
                parquet::file::properties::WriterProperties::builder()
                    .set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
                        SETTINGS_KEY.to_string(),
                        st.to_value().to_string(),
                    )]))
                    .build()
            });
            let mut writer = ArrowWriter::try_new(&mut *file, schema.clone(), props)
                .map_err(|e| err(e.to_string()))?;
            let n = index.len();
            let mut start = 0;
            while start < n || (n == 0 && start == 0) {
                let end = (start + BATCH).min(n);
                let paths = StringArray::from_iter_values(index.paths()[start..end].iter());
                let versions = Int32Array::from(vec![index.schema_version() as i32; end - start]);
                let values =
                    Float32Array::from(index.raw_vectors()[start * dim..end * dim].to_vec());
                let vectors =
                    FixedSizeListArray::try_new(item.clone(), dim as i32, Arc::new(values), None)
                        .map_err(|e| err(e.to_string()))?;
                let columns: Vec<ArrayRef> =
                    vec![Arc::new(paths), Arc::new(versions), Arc::new(vectors)];
                let batch = RecordBatch::try_new(schema.clone(), columns)
                    .map_err(|e| err(e.to_string()))?;
                writer.write(&batch).map_err(|e| err(e.to_string()))?;
                if n == 0 {
                    break;
                }
                start = end;
            }
            writer.close().map_err(|e| err(e.to_string()))?;
            Ok(())
        })();
        inner.map_err(|e| {
            let io = std::io::Error::other(e.to_string());
            failure = Some(e);
            io
        })
    });
    if let Some(e) = failure {
        return Err(e);
    }
    result.map_err(|e| SimilarityError::Io {
        path: out.into(),
        source: e,
    })
}
