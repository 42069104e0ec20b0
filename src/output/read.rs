//! Reading records back from any output format (JSON Lines, CSV, Parquet), as the JSON
//! records they were written from: `--resume` of a CSV or Parquet output and
//! `leitmotif index build` use it.
//!
//! CSV and Parquet rows are rebuilt by splitting the flat column names of
//! [`super::columns`] at `.` (`spectral.centroid.mean` → nested objects; `mfcc.mean.0` … →
//! arrays); empty cells are left out, `warnings` is split at ` | `, `beats` is a list and the
//! Parquet `vector` list column becomes `vector.values`. Flattening a rebuilt record gives
//! the row it came from, so a resumed CSV/Parquet output keeps its rows unchanged.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

#[cfg(feature = "parquet")]
use arrow_array::{
    Array, FixedSizeListArray, Float32Array, Float64Array, Int32Array, Int64Array, ListArray,
    StringArray,
};
#[cfg(feature = "parquet")]
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::{Map, Number, Value};

use super::Format;
use super::columns::{ColumnType, columns};

fn bad(path: &Path, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("{}: {what}", path.display()),
    )
}

/// Calls `each` with every record of `path`, read as `format`; returns the number of
/// records. A JSON Lines file may end in a partial line (a killed run), which is ignored;
/// any other damaged line, row or file is an `InvalidData` error naming the file.
pub fn for_each_record(
    path: &Path,
    format: Format,
    mut each: impl FnMut(Value) -> io::Result<()>,
) -> io::Result<usize> {
    match format {
        Format::Jsonl => {
            let mut reader = BufReader::new(File::open(path)?);
            let mut line = String::new();
            let (mut n, mut line_no) = (0, 0);
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    break;
                }
                line_no += 1;
                if !line.ends_with('\n') {
                    break; // partial last line of a killed run
                }
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line.trim_end())
                    .map_err(|e| bad(path, format!("line {line_no}: not a JSON record: {e}")))?;
                each(v)?;
                n += 1;
            }
            Ok(n)
        }
        Format::Csv => read_csv(path, each),
        #[cfg(feature = "parquet")]
        Format::Parquet => read_parquet(path, each),
        #[cfg(not(feature = "parquet"))]
        Format::Parquet => Err(bad(
            path,
            "this leitmotif was built without Parquet support (feature `parquet`)",
        )),
    }
}

/// Rebuilds a nested record from `(flat name, value)` pairs.
pub fn unflatten(pairs: Vec<(String, Value)>) -> Value {
    let mut root = Map::new();
    for (name, value) in pairs {
        if value.is_null() {
            continue;
        }
        let value = if name == "warnings" {
            match value {
                Value::String(s) if s.is_empty() => Value::Array(vec![]),
                Value::String(s) => {
                    Value::Array(s.split(" | ").map(|w| Value::String(w.into())).collect())
                }
                other => other,
            }
        } else {
            value
        };
        let mut node = &mut root;
        let mut parts = name.split('.').peekable();
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.insert(part.to_string(), value);
                break;
            }
            let child = node
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            let Value::Object(m) = child else { break };
            node = m;
        }
    }
    // a successful record always has a warnings list (an empty CSV cell loses it)
    if !root.contains_key("error") && root.contains_key("duration_s") {
        root.entry("warnings")
            .or_insert_with(|| Value::Array(vec![]));
    }
    arrays(Value::Object(root))
}

/// Objects whose keys are exactly `0..n` become arrays, recursively.
fn arrays(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let is_array = !m.is_empty()
                && m.keys()
                    .enumerate()
                    .all(|(i, k)| k.parse::<usize>().ok() == Some(i));
            if is_array {
                Value::Array(m.into_iter().map(|(_, v)| arrays(v)).collect())
            } else {
                Value::Object(m.into_iter().map(|(k, v)| (k, arrays(v))).collect())
            }
        }
        other => other,
    }
}

fn column_types() -> HashMap<String, ColumnType> {
    columns().into_iter().map(|c| (c.name, c.ty)).collect()
}

fn csv_cell(text: String, ty: Option<ColumnType>) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match ty {
        Some(ColumnType::Int) => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or(Value::String(text)),
        Some(ColumnType::Float) => match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(text),
        },
        Some(ColumnType::FloatList) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        Some(ColumnType::Str) | None => Value::String(text),
    }
}

/// Splits RFC 4180 CSV text into rows of fields (quoted fields may hold `,`, `"` and
/// newlines). A final quoted field left open is an error.
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                at_start = true;
                continue;
            }
            other => field.push(other),
        }
        at_start = false;
    }
    if quoted {
        return Err("a quoted field is not closed (truncated file?)".into());
    }
    if !at_start {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

fn read_csv(path: &Path, mut each: impl FnMut(Value) -> io::Result<()>) -> io::Result<usize> {
    let text = std::fs::read_to_string(path)?;
    let rows = csv_rows(&text).map_err(|e| bad(path, e))?;
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(bad(path, "empty file: no CSV header"));
    };
    if header.first().map(String::as_str) != Some("path") {
        return Err(bad(
            path,
            "not a leitmotif CSV (the first column is not `path`)",
        ));
    }
    let types = column_types();
    let col_types: Vec<Option<ColumnType>> = header.iter().map(|h| types.get(h).copied()).collect();
    let mut n = 0;
    for (i, row) in rows.enumerate() {
        if row.len() != header.len() {
            return Err(bad(
                path,
                format!(
                    "row {}: {} fields, the header has {}",
                    i + 2,
                    row.len(),
                    header.len()
                ),
            ));
        }
        let pairs = header
            .iter()
            .zip(row)
            .zip(&col_types)
            .map(|((h, cell), ty)| (h.clone(), csv_cell(cell, *ty)))
            .collect();
        each(unflatten(pairs))?;
        n += 1;
    }
    Ok(n)
}

#[cfg(feature = "parquet")]
fn f64_value(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// The JSON value of row `i` of a Parquet column.
#[cfg(feature = "parquet")]
fn parquet_cell(col: &dyn Array, i: usize) -> Value {
    if col.is_null(i) {
        return Value::Null;
    }
    let any = col.as_any();
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Int32Array>() {
        Value::from(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        f64_value(a.value(i))
    } else if let Some(a) = any.downcast_ref::<Float32Array>() {
        f64_value(a.value(i) as f64)
    } else if let Some(a) = any.downcast_ref::<StringArray>() {
        Value::String(a.value(i).to_string())
    } else if let Some(a) = any.downcast_ref::<ListArray>() {
        let inner = a.value(i);
        Value::Array((0..inner.len()).map(|j| parquet_cell(&inner, j)).collect())
    } else if let Some(a) = any.downcast_ref::<FixedSizeListArray>() {
        let inner = a.value(i);
        Value::Array((0..inner.len()).map(|j| parquet_cell(&inner, j)).collect())
    } else {
        Value::Null
    }
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path, mut each: impl FnMut(Value) -> io::Result<()>) -> io::Result<usize> {
    let file = File::open(path)?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| bad(path, format!("not a readable Parquet file: {e}")))?;
    // `index export` keeps the analysis settings in the file's key-value metadata: every row
    // gets them as its `settings`, as in an extract record
    let file_settings: Option<Value> = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| {
            kv.iter()
                .find(|e| e.key == crate::similarity::parquet::SETTINGS_KEY)
        })
        .and_then(|e| e.value.as_deref())
        .and_then(|v| serde_json::from_str(v).ok());
    let reader = builder
        .with_batch_size(1024)
        .build()
        .map_err(|e| bad(path, format!("not a readable Parquet file: {e}")))?;
    let mut n = 0;
    for batch in reader {
        let batch = batch.map_err(|e| bad(path, format!("damaged Parquet data: {e}")))?;
        let schema = batch.schema();
        let names: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| match f.name().as_str() {
                // the vector list column (extract output and `index export`)
                "vector" => "vector.values".to_string(),
                "schema_version" => "vector.version".to_string(),
                other => other.to_string(),
            })
            .collect();
        if names.first().map(String::as_str) != Some("path") {
            return Err(bad(
                path,
                "not a leitmotif Parquet file (the first column is not `path`)",
            ));
        }
        for i in 0..batch.num_rows() {
            let pairs = names
                .iter()
                .zip(batch.columns())
                .map(|(name, col)| (name.clone(), parquet_cell(col.as_ref(), i)))
                .collect();
            let mut record = unflatten(pairs);
            if let (Some(st), Some(obj)) = (&file_settings, record.as_object_mut()) {
                obj.entry("settings").or_insert_with(|| st.clone());
            }
            each(record)?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_quotes_commas_and_newlines() {
        let rows = csv_rows("a,b\n\"x,1\",\"say \"\"hi\"\"\nthere\"\n,\n").unwrap();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_string(), "b".into()],
                vec!["x,1".into(), "say \"hi\"\nthere".into()],
                vec!["".into(), "".into()],
            ]
        );
        assert!(csv_rows("a\n\"open").is_err());
    }

    #[test]
    fn unflatten_inverts_flatten() {
        let rec = serde_json::json!({
            "path": "a.wav", "duration_s": 1.5, "warnings": ["w1", "w2"],
            "mfcc": {"mean": [1.0, 2.0]}, "beats": [0.5, 1.0],
            "key": {"tonic": "A"}
        });
        let back = unflatten(super::super::columns::flatten(&rec));
        assert_eq!(back, rec);
    }
}
