//! Per-frame matrices as one `.npz` per track (`numpy.load` reads it).
//!
//! Arrays (float32): `centroid`, `bandwidth`, `rolloff`, `flatness`, `zcr`, `rms`
//! (each `(1, n_frames)`), `contrast` `(7, n)`, `mel` `(128, n)`, `mfcc` `(20, n)`,
//! `onset_strength` `(n,)`, `chroma` `(12, n)` and `times` `(n,)` — the shapes librosa
//! returns. The file is written to a temporary name in the same directory and renamed, so
//! a reader never sees a half-written file.

use std::io::{self, BufWriter, Write};
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

/// The folder, under the frames directory, that holds tracks given by an absolute path or a
/// path leaving the working directory (`..`); see [`npz_relative_path`].
pub const ABSOLUTE_DIR: &str = "@abs";

/// Where a track's `.npz` goes, relative to the frames directory: the input tree mirrored,
/// so names are unique and reversible. A relative path without `..` maps to itself plus
/// `.npz` (`coll/a/b_c.wav` → `coll/a/b_c.wav.npz`); any other path (absolute, with `..`,
/// or starting with a folder named [`ABSOLUTE_DIR`]) maps to `@abs/` plus its canonical
/// absolute path (`/data/x.flac` → `@abs/data/x.flac.npz`); standard input (`-`) maps to
/// `-.npz`.
pub fn npz_relative_path(track: &Path) -> PathBuf {
    use std::path::Component;
    if track.as_os_str() == "-" {
        return PathBuf::from("-.npz");
    }
    let mut rel = PathBuf::new();
    let mut plain = true;
    for c in track.components() {
        match c {
            Component::Normal(p) => rel.push(p),
            Component::CurDir => {}
            _ => plain = false,
        }
    }
    let first_is_abs = rel
        .components()
        .next()
        .is_some_and(|c| c.as_os_str() == ABSOLUTE_DIR);
    if !plain || first_is_abs || rel.as_os_str().is_empty() {
        let canonical = std::fs::canonicalize(track).unwrap_or_else(|_| track.to_path_buf());
        rel = PathBuf::from(ABSOLUTE_DIR);
        for c in canonical.components() {
            if let Component::Normal(p) = c {
                rel.push(p);
            }
        }
    }
    let mut name = rel.into_os_string();
    name.push(".npz");
    PathBuf::from(name)
}

/// Writes `m` to `dir/<npz_relative_path(track)>` atomically; returns the final path.
pub fn write_npz(dir: &Path, track: &Path, m: &FrameMatrices) -> io::Result<PathBuf> {
    let path = dir.join(npz_relative_path(track));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    write_atomically(&path, |file| {
        let mut npz = NpzWriter::new(BufWriter::new(file));
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
        npz.finish().map_err(io_err)?.flush()
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_mirror_the_tree_and_do_not_collide() {
        let a = npz_relative_path(Path::new("coll/a/b_c.wav"));
        let b = npz_relative_path(Path::new("coll/a_b/c.wav"));
        assert_eq!(a, PathBuf::from("coll/a/b_c.wav.npz"));
        assert_eq!(b, PathBuf::from("coll/a_b/c.wav.npz"));
        assert_eq!(
            npz_relative_path(Path::new("./x.wav")),
            PathBuf::from("x.wav.npz")
        );
        assert_eq!(
            npz_relative_path(Path::new("/nonexistent/x.wav")),
            PathBuf::from("@abs/nonexistent/x.wav.npz")
        );
        assert!(npz_relative_path(Path::new("@abs/y.wav")).starts_with("@abs"));
        assert_ne!(
            npz_relative_path(Path::new("@abs/y.wav")),
            PathBuf::from("@abs/y.wav.npz")
        );
    }
}
