//! Failure injection: `kill -9` at random points of real runs (while records go to the
//! journal, while the journal becomes Parquet, while an index is written), then resume or
//! rerun. Every track must end up in the output exactly once, and no output may ever be
//! seen truncated or unreadable. Several rounds, a few seconds in all; the seed is printed
//! so a failure can be replayed (`LEITMOTIF_KILL_SEED`).

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use arrow_array::{Array, StringArray};
use common::write_tone;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Runs `args`, killing it with SIGKILL after `kill_after` unless it ended first; returns
/// the exit code (`None` when killed).
fn run_or_kill(dir: &Path, args: &[&str], kill_after: Duration) -> Option<i32> {
    let mut child = spawn(dir, args);
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if start.elapsed() >= kill_after {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// Every path of a Parquet output; panics when the file is truncated or unreadable.
fn parquet_paths(path: &Path) -> Vec<String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: unreadable Parquet: {e}", path.display()))
        .build()
        .unwrap();
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = batch.column_by_name("path").unwrap();
        let col = col.as_any().downcast_ref::<StringArray>().unwrap();
        out.extend((0..col.len()).map(|i| col.value(i).to_string()));
    }
    out
}

/// True when a temporary file of an atomic write of `name` is left in `dir` (the kill landed
/// while that file was being written); removes it, so the next kill is counted afresh.
fn killed_mid_write(dir: &Path, name: &str) -> bool {
    let prefix = format!(".{name}");
    let mut found = false;
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) && n.contains(".tmp-") {
            fs::remove_file(e.path()).unwrap();
            found = true;
        }
    }
    found
}

fn seed() -> u64 {
    std::env::var("LEITMOTIF_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        })
}

#[test]
fn kill_9_at_random_points_then_resume_loses_and_duplicates_nothing() {
    let seed = seed();
    eprintln!("LEITMOTIF_KILL_SEED={seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 6;
    let names: Vec<String> = (0..n).map(|i| format!("t{i}.wav")).collect();
    for (i, name) in names.iter().enumerate() {
        write_tone(&d.join(name), 200.0 + 70.0 * i as f32, 1.0);
    }
    // how long an uninterrupted run takes here, to spread the kills over it
    let t = Instant::now();
    let mut args: Vec<&str> = vec!["extract", "-q", "-j", "1", "-o", "full.parquet"];
    args.extend(names.iter().map(String::as_str));
    assert_eq!(run_or_kill(d, &args, Duration::from_secs(120)), Some(0));
    let full_ms = t.elapsed().as_millis().max(20) as u64;
    let mut kills = 0;
    // kills that landed inside an atomic write (journal seeding, Parquet conversion, index)
    let (mut mid_output, mut mid_index) = (0, 0);
    for round in 0..4 {
        let out = format!("r{round}.parquet");
        let idx = format!("r{round}.idx");
        let mut args: Vec<&str> = vec!["extract", "-q", "-j", "1", "--resume", "-o", &out];
        args.extend(names.iter().map(String::as_str));
        // kill the extraction (journal appends, Parquet conversion) until a run completes
        let mut finished = false;
        for _ in 0..40 {
            let after = Duration::from_millis(rng.below(full_ms + 10));
            match run_or_kill(d, &args, after) {
                Some(code) => {
                    assert_eq!(code, 0, "round {round}");
                    finished = true;
                    break;
                }
                None => {
                    kills += 1;
                    mid_output += killed_mid_write(d, &out) as usize;
                }
            }
            // whatever was killed, an existing output is whole
            if d.join(&out).exists() {
                let paths = parquet_paths(&d.join(&out));
                assert!(paths.len() <= n);
            }
        }
        assert!(finished, "round {round}: no run finished (seed {seed})");
        let mut paths = parquet_paths(&d.join(&out));
        paths.sort();
        assert_eq!(
            paths, names,
            "round {round}: every track exactly once (seed {seed})"
        );
        assert!(!d.join(format!("{out}.journal.jsonl")).exists());
        // a resume with nothing left to do only reads back and rewrites: kill it there
        for _ in 0..3 {
            let after = Duration::from_millis(rng.below(full_ms / 2 + 5));
            if run_or_kill(d, &args, after).is_none() {
                kills += 1;
                mid_output += killed_mid_write(d, &out) as usize;
            }
            let mut p = parquet_paths(&d.join(&out));
            p.sort();
            assert_eq!(p, names, "round {round}: conversion killed (seed {seed})");
        }
        // the index: a killed rebuild leaves the previous index whole
        let build = ["index", "build", out.as_str(), "-o", idx.as_str()];
        assert_eq!(run_or_kill(d, &build, Duration::from_secs(60)), Some(0));
        for _ in 0..4 {
            let after = Duration::from_millis(rng.below(30));
            if run_or_kill(d, &build, after).is_none() {
                kills += 1;
                mid_index += killed_mid_write(d, &idx) as usize;
            }
            let o = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
                .current_dir(d)
                .args(["index", "info", idx.as_str()])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "index damaged (seed {seed})");
            let info: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(info["vectors"], n);
        }
        // no temporary file is left visible as an output
        let stray: Vec<PathBuf> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.ends_with(".parquet")
                    && !name.starts_with('.')
                    && !name.starts_with('r')
                    && name != "full.parquet"
            })
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
    eprintln!(
        "{kills} runs killed; {mid_output} left a partial output/journal temporary, \
         {mid_index} a partial index temporary"
    );
    assert!(kills > 0, "the test killed nothing (seed {seed})");
}
