//! The durable record journal behind every output format.
//!
//! Records are appended as JSON Lines, one `write` per record followed by a flush, so a run
//! killed at any point (even `kill -9`) keeps every finished record; at most the last line
//! is partial. Opening with `resume` reads the records already there, cuts a partial or
//! unparsable last line, and reports which inputs are done, matched by canonical path
//! (`../x/a.flac` and `/home/me/x/a.flac` are the same track), size and modification time,
//! and which analysis settings the records were made with. For `.jsonl` output the journal is the output file itself; CSV and
//! Parquet are converted from it at the end of the run.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::FileStamp;
use super::settings::Settings;

/// Key identifying an input already analysed: canonical path (the path as written when it
/// cannot be resolved), size, mtime bits.
pub type DoneKey = (String, u64, u64);

/// The canonical form of a path for matching (`fs::canonicalize`, else the text as given).
pub fn canonical(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// The key of an input file (`None` when it cannot be stat'ed).
pub fn done_key(path: &str, stamp: Option<FileStamp>) -> Option<DoneKey> {
    stamp.map(|s| (canonical(path), s.size, s.mtime.to_bits()))
}

/// The key of a record already written.
pub fn key_of(v: &Value) -> Option<DoneKey> {
    let path = v.get("path")?.as_str()?;
    let size = v.get("file_size")?.as_u64()?;
    let mtime = v.get("file_mtime")?.as_f64()?;
    Some((canonical(path), size, mtime.to_bits()))
}

/// What a resumed journal already holds.
#[derive(Debug, Default)]
pub struct ResumeState {
    /// Inputs already analysed (successfully or not).
    pub done: HashSet<DoneKey>,
    /// The inputs among `done` whose record is an error record (`--retry-failed`).
    pub failed: HashSet<DoneKey>,
    /// The canonical paths of all records, whatever their file stamp.
    pub paths: HashSet<String>,
    /// Number of complete records kept.
    pub records: usize,
    /// Bytes of a partial last line that were cut off.
    pub repaired_bytes: u64,
    /// The distinct analysis settings of the records (records without any are not counted).
    pub settings: Vec<Settings>,
}

impl ResumeState {
    /// Notes one record already written.
    pub fn note(&mut self, v: &Value) {
        if let Some(k) = key_of(v) {
            if v.get("error").is_some() {
                self.failed.insert(k.clone());
            }
            self.paths.insert(k.0.clone());
            self.done.insert(k);
        }
        if let Some(s) = Settings::of_record(v)
            && !self.settings.contains(&s)
        {
            self.settings.push(s);
        }
        self.records += 1;
    }
}

/// An append-only JSON Lines journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens (creating) `path`. With `resume`, keeps complete records and cuts a partial or
    /// damaged last line (what `kill -9` or a crash leaves); a damaged line followed by more
    /// records is an `InvalidData` error, nothing is cut. Without `resume`, starts empty.
    pub fn open(path: &Path, resume: bool) -> io::Result<(Self, ResumeState)> {
        let mut state = ResumeState::default();
        if !resume {
            let file = File::create(path)?;
            return Ok((
                Journal {
                    file,
                    path: path.to_path_buf(),
                },
                state,
            ));
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut good_end = 0u64;
        {
            let mut reader = BufReader::new(&mut file);
            let mut line = Vec::new();
            let mut pos = 0u64;
            loop {
                line.clear();
                let n = reader.read_until(b'\n', &mut line)?;
                if n == 0 {
                    break;
                }
                pos += n as u64;
                if line.last() != Some(&b'\n') {
                    break; // partial last line
                }
                match serde_json::from_slice::<Value>(&line) {
                    Ok(v) => {
                        state.note(&v);
                        good_end = pos;
                    }
                    Err(e) => {
                        // a damaged last line is cut like a partial one; a damaged line with
                        // records after it was not left by a killed run: refuse to cut them
                        let mut rest = [0u8; 1];
                        if std::io::Read::read(&mut reader, &mut rest)? > 0 {
                            return Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                format!(
                                    "line {} is not a JSON record ({e}) and records follow it; \
                                     fix or remove that line",
                                    state.records + 1
                                ),
                            ));
                        }
                        break;
                    }
                }
            }
            state.repaired_bytes = file_len(reader.get_ref())?.saturating_sub(good_end);
        }
        file.set_len(good_end)?;
        file.seek(SeekFrom::Start(good_end))?;
        Ok((
            Journal {
                file,
                path: path.to_path_buf(),
            },
            state,
        ))
    }

    /// Appends one record line and flushes it to the operating system.
    pub fn append(&mut self, line: &str) -> io::Result<()> {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        self.file.write_all(&buf)?;
        self.file.flush()
    }

    /// Removes the records of the inputs whose canonical path is in `redo` (tracks that this
    /// run analyses again: a failed track retried, a file changed since its record), so that
    /// every track keeps one record. The journal is rewritten atomically (a kill leaves the
    /// old journal or the new one, see [`crate::atomic::write_atomically`]) and reopened for
    /// appending. Returns the number of records removed.
    pub fn remove_records_of(&mut self, redo: &HashSet<String>) -> io::Result<usize> {
        if redo.is_empty() {
            return Ok(0);
        }
        self.file.flush()?;
        let mut removed = 0usize;
        let source = File::open(&self.path)?;
        crate::atomic::write_atomically(&self.path, |out| {
            let mut w = io::BufWriter::new(out);
            for line in BufReader::new(source).lines() {
                let line = line?;
                let drop = serde_json::from_str::<Value>(&line)
                    .is_ok_and(|v| key_of(&v).is_some_and(|k| redo.contains(&k.0)));
                if drop {
                    removed += 1;
                } else {
                    writeln!(w, "{line}")?;
                }
            }
            w.flush()
        })?;
        self.file = OpenOptions::new().append(true).open(&self.path)?;
        Ok(removed)
    }

    /// Forces the journal to disk.
    pub fn sync(&mut self) -> io::Result<()> {
        self.file.sync_data()
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn file_len(f: &File) -> io::Result<u64> {
    Ok(f.metadata()?.len())
}

/// Reads every complete record of a journal.
pub fn read_records(path: &Path) -> io::Result<Vec<Value>> {
    let reader = BufReader::new(File::open(path)?);
    let mut out = Vec::new();
    for line in reader.lines() {
        let line = line?;
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            out.push(v);
        }
    }
    Ok(out)
}
