//! JSON Lines: one record per line, each written with a single `write` and flushed, so a
//! killed run leaves only whole lines (plus at most one partial last line, which a resumed
//! run detects and repairs).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Writes records as JSON Lines to stdout or a file.
pub struct JsonlWriter {
    out: Box<dyn Write + Send>,
}

impl JsonlWriter {
    /// Writes to standard output.
    pub fn stdout() -> Self {
        JsonlWriter {
            out: Box::new(io::stdout()),
        }
    }

    /// Creates (truncates) `path`, or appends to it when `append` is set.
    pub fn create(path: &Path, append: bool) -> io::Result<Self> {
        let file: File = if append {
            OpenOptions::new().create(true).append(true).open(path)?
        } else {
            File::create(path)?
        };
        Ok(JsonlWriter {
            out: Box::new(file),
        })
    }

    /// Writes one record line and flushes it.
    pub fn write_line(&mut self, line: &str) -> io::Result<()> {
        let mut buf = String::with_capacity(line.len() + 1);
        buf.push_str(line);
        buf.push('\n');
        self.out.write_all(buf.as_bytes())?;
        self.out.flush()
    }
}
