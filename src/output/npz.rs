//! Per-frame matrices as one `.npz` per track (`numpy.load` reads it).
//!
//! Arrays (float32): `centroid`, `bandwidth`, `rolloff`, `flatness`, `zcr`, `rms`
//! (each `(1, n_frames)`), `contrast` `(7, n)`, `mel` `(128, n)`, `mfcc` `(20, n)`,
//! `onset_strength` `(n,)`, `chroma` `(12, n)` and `times` `(n,)` — the shapes librosa
//! returns. The file is written to a temporary name in the same directory and renamed, so
//! a reader never sees a half-written file.

use std::io::{self, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2};
use ndarray_npy::NpzWriter;

use crate::atomic::write_atomically;
use crate::features::extractor::FrameMatrices;

fn io_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// `(dim, n)` array from frame-major rows.
fn by_feature(rows: &[f32], n: usize, dim: usize) -> Array2<f32> {
    let mut a = Array2::<f32>::zeros((dim, n));
    for t in 0..n {
        for i in 0..dim {
            if let Some(v) = rows.get(t * dim + i) {
                a[[i, t]] = *v;
            }
        }
    }
    a
}

/// The `.npz` name for a track: its path with separators replaced, so that tracks with the
/// same file name in different folders do not collide.
pub fn npz_name(track: &Path) -> String {
    let s: String = track
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.npz", s.trim_start_matches(['.', '_']))
}

/// Writes `m` to `dir/<npz_name(track)>` atomically; returns the final path.
pub fn write_npz(dir: &Path, track: &Path, m: &FrameMatrices) -> io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(npz_name(track));
    write_atomically(&path, |file| write_npz_to(BufWriter::new(file), m)?.flush())?;
    Ok(path)
}

/// Writes the arrays of `m` as an `.npz` archive into `w` (a file, or a
/// `Cursor<Vec<u8>>` for an in-memory archive); returns the writer.
pub fn write_npz_to<W: Write + Seek>(w: W, m: &FrameMatrices) -> io::Result<W> {
    let mut npz = NpzWriter::new(w);
    let n = m.n_frames;
    for (name, rows) in [
        ("centroid", &m.centroid),
        ("bandwidth", &m.bandwidth),
        ("rolloff", &m.rolloff),
        ("flatness", &m.flatness),
        ("zcr", &m.zcr),
        ("rms", &m.rms),
    ] {
        npz.add_array(name, &by_feature(rows, n, 1))
            .map_err(io_err)?;
    }
    npz.add_array("contrast", &by_feature(&m.contrast, n, 7))
        .map_err(io_err)?;
    npz.add_array("mel", &by_feature(&m.mel, n, 128))
        .map_err(io_err)?;
    npz.add_array("mfcc", &by_feature(&m.mfcc, n, 20))
        .map_err(io_err)?;
    npz.add_array("onset_strength", &Array1::from(m.onset_strength.clone()))
        .map_err(io_err)?;
    npz.add_array("chroma", &by_feature(&m.chroma, n, 12))
        .map_err(io_err)?;
    npz.add_array("times", &Array1::from(m.times.clone()))
        .map_err(io_err)?;
    npz.finish().map_err(io_err)
}
