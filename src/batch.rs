//! Many tracks: input discovery, a rayon worker pool, per-track errors, ordered delivery.
//!
//! Workers (one [`crate::Pipeline`] each, reused for every track) take the next track from a
//! shared scheduler (the costliest among the next few unstarted ones, see `Scheduler`), so
//! at most `jobs` tracks are in memory at once; results travel through a bounded channel to
//! the caller's thread, which receives them in input order. A panic inside
//! a dependency is caught and becomes an `internal` error record for that track.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, mpsc};

use crate::error::{Error, Result};

/// File extensions taken as audio when walking directories.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "wav", "wave", "aif", "aiff", "aifc", "caf", "flac", "mp3", "mp2", "mp1", "mpa", "aac", "m4a",
    "m4b", "mp4", "alac", "ogg", "oga", "opus", "mka", "mkv", "webm", "weba",
];

/// True when the first bytes look like a container leitmotif can read.
pub fn sniff_audio(head: &[u8]) -> bool {
    let starts = |m: &[u8]| head.starts_with(m);
    starts(b"RIFF")
        || starts(b"RF64")
        || starts(b"FORM")
        || starts(b"caff")
        || starts(b"fLaC")
        || starts(b"OggS")
        || starts(b"ID3")
        || starts(&[0x1A, 0x45, 0xDF, 0xA3])
        || (head.len() >= 8 && &head[4..8] == b"ftyp")
        || (head.len() >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0)
}

fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
        .unwrap_or(false)
}

fn sniff_file(path: &Path) -> bool {
    let mut head = [0u8; 16];
    match fs::File::open(path) {
        Ok(mut f) => match f.read(&mut head) {
            Ok(n) => sniff_audio(&head[..n]),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

/// What [`discover`] found: the tracks, and what it left out (for the caller to report).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Discovered {
    /// The tracks, in order: explicit inputs as given, directories in sorted order.
    pub paths: Vec<PathBuf>,
    /// Zero-byte files met while walking a directory (skipped; an explicit zero-byte input
    /// is kept and yields an `empty` error record).
    pub empty_skipped: Vec<PathBuf>,
    /// Directories reached a second time through a symbolic link (a loop or an alias of a
    /// directory already walked); not walked again.
    pub loops_skipped: Vec<PathBuf>,
    /// Inputs dropped because the same file (by canonical path) was already listed.
    pub duplicates_skipped: Vec<PathBuf>,
}

/// Expands inputs into the list of tracks: a file is taken as given (even without an audio
/// extension, or empty: it was named explicitly); a directory is searched recursively, in
/// sorted order, for non-empty files with an audio extension or whose first bytes look like
/// audio. A path that does not exist is kept, so that it yields an error record; `-`
/// (standard input) is kept as is. Directories are identified by canonical path, so a
/// symbolic-link loop is walked once; a file reached twice (same canonical path) is listed
/// once.
pub fn discover(inputs: &[PathBuf]) -> Discovered {
    let mut out = Discovered::default();
    let mut dirs = HashSet::new();
    let mut files = HashSet::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            out.paths.push(input.clone());
        } else if input.is_dir() {
            walk(input, &mut out, &mut dirs, &mut files, 0);
        } else {
            if fs::canonicalize(input).is_ok_and(|c| !files.insert(c)) {
                out.duplicates_skipped.push(input.clone());
            } else {
                out.paths.push(input.clone());
            }
        }
    }
    out
}

fn walk(
    dir: &Path,
    out: &mut Discovered,
    dirs: &mut HashSet<PathBuf>,
    files: &mut HashSet<PathBuf>,
    depth: usize,
) {
    if depth > 64 {
        out.loops_skipped.push(dir.to_path_buf());
        return;
    }
    let Ok(canonical) = fs::canonicalize(dir) else {
        return;
    };
    if !dirs.insert(canonical) {
        out.loops_skipped.push(dir.to_path_buf());
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let name_hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if name_hidden {
            continue;
        }
        let Ok(meta) = fs::metadata(&p) else { continue };
        if meta.is_dir() {
            walk(&p, out, dirs, files, depth + 1);
        } else if meta.is_file() && (has_audio_extension(&p) || sniff_file(&p)) {
            if meta.len() == 0 {
                out.empty_skipped.push(p);
            } else if fs::canonicalize(&p).is_ok_and(|c| !files.insert(c)) {
                out.duplicates_skipped.push(p);
            } else {
                out.paths.push(p);
            }
        }
    }
}

/// Tracks a worker may look ahead of the first unstarted one, per worker.
const WINDOW_PER_JOB: usize = 16;

/// Relative analysis cost per byte of a file, by extension: full extractions of the batch
/// benchmark corpus (`tools/make_bench_corpus.sh`, 44.1 kHz stereo) took about 9 ms per MB of
/// WAV/AIFF, 25 of FLAC, 50 of ALAC, 100 of MP3, 120 of AAC, 150 of Vorbis/Opus. ALAC and AAC
/// share the `.m4a` extension, which gets the AAC factor (ALAC files are larger, so they
/// still rank as costly).
fn cost_per_byte(path: &Path) -> u64 {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("wav" | "wave" | "aif" | "aiff" | "aifc" | "caf") => 1,
        Some("flac") => 3,
        Some("alac") => 5,
        Some("mp3" | "mp2" | "mp1" | "mpa") => 11,
        Some("ogg" | "oga" | "opus" | "webm" | "weba" | "mka" | "mkv") => 16,
        _ => 13, // AAC / M4A / MP4 and unknown
    }
}

/// Hands out track indices: the costliest track (file size × [`cost_per_byte`] of its
/// format, an estimate of its analysis time) among the first `window` tracks not yet started.
/// Long tracks start early and short ones fill the end, so that no worker is left alone with
/// one long track while the others idle (longest-processing-time-first scheduling); and a
/// track starts at most `window` places ahead of the first unstarted one, so the finished
/// records waiting for an earlier track (output stays in input order) stay few. Sizes are
/// read (`stat`) only when a track enters the window.
struct Scheduler {
    window: usize,
    state: Mutex<SchedulerState>,
}

struct SchedulerState {
    /// First index not yet handed out.
    low: usize,
    /// Per track: handed out already.
    taken: Vec<bool>,
    /// Per track: estimated cost, once read (0 when the size cannot be read).
    cost: Vec<Option<u64>>,
}

impl Scheduler {
    fn new(n: usize, jobs: usize) -> Self {
        Scheduler {
            // one worker gains nothing from reordering: keep input order
            window: if jobs <= 1 { 1 } else { WINDOW_PER_JOB * jobs },
            state: Mutex::new(SchedulerState {
                low: 0,
                taken: vec![false; n],
                cost: vec![None; n],
            }),
        }
    }

    /// The next track to start, or `None` when every track has been handed out.
    fn claim(&self, paths: &[PathBuf]) -> Option<usize> {
        // a worker that panicked while holding the lock left consistent data behind
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *guard;
        while st.taken.get(st.low) == Some(&true) {
            st.low += 1;
        }
        let end = (st.low + self.window).min(paths.len());
        let mut best: Option<(u64, usize)> = None;
        for (i, path) in paths.iter().enumerate().take(end).skip(st.low) {
            if st.taken[i] {
                continue;
            }
            let cost = *st.cost[i].get_or_insert_with(|| {
                let bytes = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                bytes.saturating_mul(cost_per_byte(path))
            });
            if best.is_none_or(|(b, _)| cost > b) {
                best = Some((cost, i));
            }
        }
        let (_, i) = best?;
        st.taken[i] = true;
        Some(i)
    }
}

/// Runs `process` over `paths` on `jobs` worker threads, each with its own state from
/// `make_worker` (e.g. a [`crate::Pipeline`] holding FFT plans), and calls
/// `deliver(index, path, result)` for each track **in input order** on the calling thread.
pub fn run<W, T>(
    paths: &[PathBuf],
    jobs: usize,
    make_worker: impl Fn() -> W + Sync,
    process: impl Fn(&mut W, &Path) -> T + Sync,
    mut deliver: impl FnMut(usize, &Path, T),
) -> Result<()>
where
    T: Send,
{
    let jobs = jobs.max(1).min(paths.len().max(1));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("leitmotif-worker-{i}"))
        .build()
        .map_err(|e| Error::Config {
            cause: format!("cannot start {jobs} worker threads: {e}"),
        })?;
    let next = Scheduler::new(paths.len(), jobs);
    let (tx, rx) = mpsc::sync_channel::<(usize, T)>(jobs * 2);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            pool.scope(|s| {
                for _ in 0..jobs {
                    let tx = tx.clone();
                    let (next, make_worker, process) = (&next, &make_worker, &process);
                    s.spawn(move |_| {
                        let mut worker = make_worker();
                        while let Some(i) = next.claim(paths) {
                            let path = &paths[i];
                            let item = process(&mut worker, path);
                            if tx.send((i, item)).is_err() {
                                break;
                            }
                        }
                    });
                }
            });
            drop(tx);
        });
        let mut pending: BTreeMap<usize, T> = BTreeMap::new();
        let mut want = 0usize;
        for (i, item) in rx.iter() {
            pending.insert(i, item);
            while let Some(item) = pending.remove(&want) {
                deliver(want, &paths[want], item);
                want += 1;
            }
        }
    });
    Ok(())
}

/// Reads an input list: one path per line; blank lines and lines starting with `#` are
/// skipped; surrounding whitespace is trimmed.
pub fn read_list(reader: impl std::io::BufRead) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for line in reader.lines() {
        let line = line?;
        let t = line.trim();
        if !t.is_empty() && !t.starts_with('#') {
            out.push(PathBuf::from(t));
        }
    }
    Ok(out)
}

/// 64-bit FNV-1a of a path's bytes: stable across runs, machines and input order.
pub fn path_hash(path: &Path) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.to_string_lossy().as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A shard `index` of `count` (`--shard I/N`, `0 ≤ I < N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("expected I/N, got {s:?}"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("bad shard index {i:?}"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("bad shard count {n:?}"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: need 0 ≤ I < N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// True when `path` belongs to this shard: `fnv1a(path) mod N == I`. Membership depends
    /// only on the path as written, so N machines given the same list (in any order) cover
    /// it exactly once.
    pub fn contains(&self, path: &Path) -> bool {
        path_hash(path) % self.count == self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_inputs() {
        let paths: Vec<PathBuf> = (0..1000)
            .map(|i| PathBuf::from(format!("music/{i:04}.mp3")))
            .collect();
        let n = 7;
        let mut seen = vec![0; paths.len()];
        for i in 0..n {
            let s = Shard { index: i, count: n };
            for (k, p) in paths.iter().enumerate() {
                if s.contains(p) {
                    seen[k] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&c| c == 1));
    }

    #[test]
    fn scheduler_starts_costly_tracks_first_within_its_window_and_hands_out_each_once() {
        let dir = tempfile::tempdir().unwrap();
        // (name, bytes): costs 40·1, 10·11, 20·3, 5·16, 200·1, 1·11
        let files = [
            ("a.wav", 40),
            ("b.mp3", 10),
            ("c.flac", 20),
            ("d.ogg", 5),
            ("e.wav", 200),
            ("f.mp3", 1),
        ];
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|(name, bytes)| {
                let p = dir.path().join(name);
                fs::write(&p, vec![0u8; *bytes]).unwrap();
                p
            })
            .collect();
        // window 4 (one job would keep input order; two jobs → window 32 covers everything)
        let s = Scheduler {
            window: 4,
            state: Mutex::new(SchedulerState {
                low: 0,
                taken: vec![false; paths.len()],
                cost: vec![None; paths.len()],
            }),
        };
        let order: Vec<usize> = std::iter::from_fn(|| s.claim(&paths)).collect();
        // window a..d: b (110) first, then d (80), c (60), a (40); then e, f
        assert_eq!(order, [1, 3, 2, 0, 4, 5]);
        let one = Scheduler::new(paths.len(), 1);
        let order: Vec<usize> = std::iter::from_fn(|| one.claim(&paths)).collect();
        assert_eq!(order, [0, 1, 2, 3, 4, 5]);
        // a missing file costs 0 and still gets handed out
        let missing = vec![dir.path().join("gone.mp3"), paths[4].clone()];
        let two = Scheduler::new(2, 2);
        let order: Vec<usize> = std::iter::from_fn(|| two.claim(&missing)).collect();
        assert_eq!(order, [1, 0]);
    }

    #[test]
    fn parses_shard_specs() {
        assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
        assert!("5/5".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn reads_lists() {
        let l = read_list("a.mp3\n\n# comment\n  b c.flac  \n".as_bytes()).unwrap();
        assert_eq!(l, vec![PathBuf::from("a.mp3"), PathBuf::from("b c.flac")]);
    }
}
