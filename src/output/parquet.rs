//! Parquet: typed columns (Int64, Float64, Utf8; `beats` as `List<Float64>`; the feature
//! vector, when present, as `FixedSizeList<Float32>` named `vector`), one row per track,
//! Snappy-compressed, written in row groups of 4096 tracks while streaming the journal, to a
//! temporary name renamed at the end.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    FixedSizeListBuilder, Float32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

use super::columns::{Column, ColumnType, columns, flatten};
use crate::atomic::write_atomically;

/// Rows per record batch / row group.
const BATCH: usize = 4096;
/// Flattened columns packed into the `vector` list column.
const VECTOR_PREFIX: &str = "vector.values.";

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Str(StringBuilder),
    List(ListBuilder<Float64Builder>),
}

struct Table {
    cols: Vec<Column>,
    vector_dim: usize,
    builders: Vec<Builder>,
    vector: FixedSizeListBuilder<Float32Builder>,
    schema: Arc<Schema>,
    rows: usize,
}

impl Table {
    fn new() -> Self {
        let all = columns();
        let vector_dim = all
            .iter()
            .filter(|c| c.name.starts_with(VECTOR_PREFIX))
            .count();
        let cols: Vec<Column> = all
            .into_iter()
            .filter(|c| !c.name.starts_with(VECTOR_PREFIX))
            .collect();
        let mut fields: Vec<Field> = cols
            .iter()
            .map(|c| {
                let ty = match c.ty {
                    ColumnType::Int => DataType::Int64,
                    ColumnType::Float => DataType::Float64,
                    ColumnType::Str => DataType::Utf8,
                    ColumnType::FloatList => {
                        DataType::List(Arc::new(Field::new("item", DataType::Float64, true)))
                    }
                };
                Field::new(&c.name, ty, true)
            })
            .collect();
        if vector_dim > 0 {
            fields.push(Field::new(
                "vector",
                DataType::FixedSizeList(
                    Arc::new(Field::new("item", DataType::Float32, true)),
                    vector_dim as i32,
                ),
                true,
            ));
        }
        let mut t = Table {
            builders: Vec::new(),
            vector: FixedSizeListBuilder::new(Float32Builder::new(), vector_dim.max(1) as i32),
            schema: Arc::new(Schema::new(fields)),
            cols,
            vector_dim,
            rows: 0,
        };
        t.reset();
        t
    }

    fn reset(&mut self) {
        self.builders = self
            .cols
            .iter()
            .map(|c| match c.ty {
                ColumnType::Int => Builder::Int(Int64Builder::new()),
                ColumnType::Float => Builder::Float(Float64Builder::new()),
                ColumnType::Str => Builder::Str(StringBuilder::new()),
                ColumnType::FloatList => Builder::List(ListBuilder::new(Float64Builder::new())),
            })
            .collect();
        self.vector =
            FixedSizeListBuilder::new(Float32Builder::new(), self.vector_dim.max(1) as i32);
        self.rows = 0;
    }

    fn push(&mut self, record: &Value) {
        let flat: HashMap<String, Value> = flatten(record).into_iter().collect();
        for (c, b) in self.cols.iter().zip(self.builders.iter_mut()) {
            let v = flat.get(&c.name);
            match b {
                Builder::Int(b) => b.append_option(v.and_then(Value::as_i64)),
                Builder::Float(b) => b.append_option(v.and_then(Value::as_f64)),
                Builder::Str(b) => b.append_option(v.and_then(|v| v.as_str().map(str::to_string))),
                Builder::List(b) => match v.and_then(Value::as_array) {
                    Some(items) => {
                        for i in items {
                            b.values().append_option(i.as_f64());
                        }
                        b.append(true);
                    }
                    None => b.append(false),
                },
            }
        }
        if self.vector_dim > 0 {
            let present = flat.contains_key(&format!("{VECTOR_PREFIX}0"));
            for i in 0..self.vector_dim {
                let x = flat
                    .get(&format!("{VECTOR_PREFIX}{i}"))
                    .and_then(Value::as_f64);
                self.vector.values().append_value(x.unwrap_or(0.0) as f32);
            }
            self.vector.append(present);
        }
        self.rows += 1;
    }

    fn batch(&mut self) -> io::Result<RecordBatch> {
        let mut arrays: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Int(b) => Arc::new(b.finish()),
                    Builder::Float(b) => Arc::new(b.finish()),
                    Builder::Str(b) => Arc::new(b.finish()),
                    Builder::List(b) => Arc::new(b.finish()),
                }
            })
            .collect();
        if self.vector_dim > 0 {
            arrays.push(Arc::new(self.vector.finish()));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(io_err)?;
        self.reset();
        Ok(batch)
    }
}

/// Converts a JSON Lines journal into a Parquet file at `path` (atomically).
pub fn write_parquet_from_journal(journal: &Path, path: &Path) -> io::Result<usize> {
    let mut table = Table::new();
    let mut total = 0;
    write_atomically(path, |f| {
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer =
            ArrowWriter::try_new(f, table.schema.clone(), Some(props)).map_err(io_err)?;
        for line in BufReader::new(std::fs::File::open(journal)?).lines() {
            if let Ok(v) = serde_json::from_str::<Value>(&line?) {
                table.push(&v);
                total += 1;
                if table.rows == BATCH {
                    writer.write(&table.batch()?).map_err(io_err)?;
                }
            }
        }
        if table.rows > 0 || total == 0 {
            writer.write(&table.batch()?).map_err(io_err)?;
        }
        writer.close().map_err(io_err)?;
        Ok(())
    })?;
    Ok(total)
}
