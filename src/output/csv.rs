//! CSV: one row per track, the stable columns of [`super::columns`], header first.
//!
//! RFC 4180 quoting (fields with `,`, `"` or newlines are quoted, quotes doubled); missing
//! values (the features of a failed track, a null tempo) are empty; `beats` is a JSON array.

use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde_json::Value;

use super::columns::{Column, columns, flatten};
use crate::atomic::write_atomically;

/// A CSV field, quoted (quotes doubled) when it holds a comma, a quote or a line break.
pub(crate) fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The CSV cell of a flattened value: empty for none or null, strings as they are, else JSON.
pub(crate) fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => quote(s),
        Some(other) => quote(&other.to_string()),
    }
}

/// The header line (no newline): the column names, quoted where needed.
pub fn header_line(cols: &[Column]) -> String {
    let header: Vec<String> = cols.iter().map(|c| quote(&c.name)).collect();
    header.join(",")
}

/// Writes the CSV row of one record.
pub fn write_row(out: &mut impl Write, cols: &[Column], record: &Value) -> io::Result<()> {
    let flat: std::collections::HashMap<String, Value> = flatten(record).into_iter().collect();
    let row: Vec<String> = cols.iter().map(|c| cell(flat.get(&c.name))).collect();
    writeln!(out, "{}", row.join(","))
}

/// Converts a JSON Lines journal into `path` (atomically), streaming record by record.
pub fn write_csv_from_journal(journal: &Path, path: &Path) -> io::Result<usize> {
    let cols = columns();
    let mut rows = 0;
    write_atomically(path, |f| {
        let mut out = BufWriter::new(f);
        writeln!(out, "{}", header_line(&cols))?;
        for line in BufReader::new(std::fs::File::open(journal)?).lines() {
            if let Ok(v) = serde_json::from_str::<Value>(&line?) {
                write_row(&mut out, &cols, &v)?;
                rows += 1;
            }
        }
        out.flush()
    })?;
    Ok(rows)
}
