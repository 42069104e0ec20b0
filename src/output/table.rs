//! The readable view of `leitmotif extract` on a terminal: one compact row per track
//! (path, duration, BPM, key, integrated loudness, status) instead of JSON Lines.

use serde_json::Value;

/// Widest path column; longer paths keep their end, behind `…`.
const MAX_PATH: usize = 48;

/// Formats table rows for a run whose longest path is `longest` characters.
#[derive(Debug, Clone)]
pub struct Table {
    path_width: usize,
}

fn shorten(path: &str, width: usize) -> String {
    let n = path.chars().count();
    if n <= width {
        return path.to_string();
    }
    let tail: String = path.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}

impl Table {
    /// A table whose path column fits `longest` characters (at most 48).
    pub fn new(longest: usize) -> Self {
        Table {
            path_width: longest.clamp(4, MAX_PATH),
        }
    }

    /// The header line.
    pub fn header(&self) -> String {
        format!(
            "{:<w$}  {:>8}  {:>6}  {:<9}  {:>6}  status",
            "path",
            "duration",
            "bpm",
            "key",
            "lufs",
            w = self.path_width
        )
    }

    /// The row of one record: `-` where a value is missing (a failed track, a null tempo);
    /// status `ok`, `ok, N warnings`, or the error kind.
    pub fn row(&self, record: &Value) -> String {
        let num = |v: Option<&Value>, prec: usize| {
            v.and_then(Value::as_f64)
                .map_or_else(|| "-".to_string(), |x| format!("{x:.prec$}"))
        };
        let duration = record
            .get("duration_s")
            .and_then(Value::as_f64)
            .map_or_else(
                || "-".to_string(),
                |s| format!("{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0),
            );
        let key = match (
            record.pointer("/key/tonic").and_then(Value::as_str),
            record.pointer("/key/mode").and_then(Value::as_str),
        ) {
            (Some(t), Some(m)) => format!("{t} {m}"),
            _ => "-".into(),
        };
        let status = match record.pointer("/error/kind").and_then(Value::as_str) {
            Some(kind) => format!("error: {kind}"),
            None => match record
                .get("warnings")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
            {
                0 => "ok".into(),
                1 => "ok, 1 warning".into(),
                n => format!("ok, {n} warnings"),
            },
        };
        format!(
            "{:<w$}  {:>8}  {:>6}  {:<9}  {:>6}  {status}",
            shorten(
                record.get("path").and_then(Value::as_str).unwrap_or("?"),
                self.path_width
            ),
            duration,
            num(record.pointer("/tempo/bpm"), 1),
            key,
            num(record.pointer("/loudness/integrated_lufs"), 1),
            w = self.path_width
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_show_values_dashes_and_errors() {
        let t = Table::new(10);
        let ok = serde_json::json!({"path": "a.wav", "duration_s": 75.3,
            "tempo": {"bpm": 120.04}, "key": {"tonic": "A", "mode": "minor"},
            "loudness": {"integrated_lufs": -14.26}, "warnings": []});
        assert_eq!(
            t.row(&ok),
            "a.wav         1:15.3   120.0  A minor     -14.3  ok"
        );
        let err = serde_json::json!({"path": "0123456789abc.wav", "error": {"kind": "io"}});
        let row = t.row(&err);
        assert!(row.starts_with("…89abc.wav  "), "{row}");
        assert!(row.ends_with("-  error: io"), "{row}");
        assert!(t.header().starts_with("path        duration"));
    }
}
