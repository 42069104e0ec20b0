//! Finished work is never destroyed, and failures are visible: through the real binary.
//! Existing outputs refused without --resume/--overwrite, --resume reading CSV and Parquet
//! back, interrupted journals kept, settings checked, canonical paths, mirrored --frames
//! names, frames failures, failed tracks on stderr, bad arguments.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow_array::{Array, StringArray};
use common::write_tone;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn lm_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `n` distinct short tracks `t0.wav` … in `dir`.
fn tracks(dir: &Path, n: usize) -> Vec<PathBuf> {
    (0..n)
        .map(|i| {
            let p = dir.join(format!("t{i}.wav"));
            write_tone(&p, 220.0 + 55.0 * i as f32, 1.5);
            p
        })
        .collect()
}

fn parquet_paths(path: &Path) -> Vec<String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(fs::File::open(path).unwrap())
        .unwrap()
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

fn csv_paths(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

fn jsonl(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_existing_output_is_refused_and_resume_keeps_every_row_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = tracks(d, 4);
    for ext in ["parquet", "csv", "jsonl"] {
        let out = d.join(format!("out.{ext}"));
        let o = lm_in(
            d,
            &["extract", "-q", "-o", s(&out), "t0.wav", "t1.wav", "t2.wav"],
        );
        assert_eq!(o.status.code(), Some(0), "{ext}: {}", err(&o));
        let before = fs::read(&out).unwrap();
        // the data loss: one track, same output, no --resume
        let o = lm_in(d, &["extract", "-q", "-o", s(&out), "t3.wav"]);
        assert_eq!(o.status.code(), Some(2), "{ext}");
        assert!(err(&o).contains("--resume") && err(&o).contains("--overwrite"));
        assert_eq!(fs::read(&out).unwrap(), before, "{ext}: output untouched");
        // --resume with a track already there (named another way) and a new one
        let other_name = format!("../{}/t1.wav", d.file_name().unwrap().to_str().unwrap());
        let o = lm_in(
            d,
            &[
                "extract",
                "-q",
                "--resume",
                "-o",
                s(&out),
                &other_name,
                "t3.wav",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{ext}: {}", err(&o));
        let paths = match ext {
            "parquet" => parquet_paths(&out),
            "csv" => csv_paths(&out),
            _ => jsonl(&out)
                .iter()
                .map(|r| r["path"].as_str().unwrap().to_string())
                .collect(),
        };
        assert_eq!(paths, ["t0.wav", "t1.wav", "t2.wav", "t3.wav"], "{ext}");
        assert!(!d.join(format!("out.{ext}.journal.jsonl")).exists() || ext == "jsonl");
        // --overwrite replaces
        let o = lm_in(
            d,
            &["extract", "-q", "--overwrite", "-o", s(&out), "t3.wav"],
        );
        assert_eq!(o.status.code(), Some(0), "{ext}: {}", err(&o));
        let n = match ext {
            "parquet" => parquet_paths(&out).len(),
            "csv" => csv_paths(&out).len(),
            _ => jsonl(&out).len(),
        };
        assert_eq!(n, 1, "{ext}");
    }
    assert_eq!(t.len(), 4);
}

#[test]
fn resumed_csv_rows_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 3);
    let out = d.join("out.csv");
    let o = lm_in(d, &["extract", "-q", "-o", "out.csv", "t0.wav", "t1.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let first = fs::read_to_string(&out).unwrap();
    let o = lm_in(d, &["extract", "-q", "--resume", "-o", "out.csv", "t2.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let second = fs::read_to_string(&out).unwrap();
    assert!(
        second.starts_with(&first),
        "the rows read back are written back byte for byte"
    );
    assert_eq!(second.lines().count(), 4);
}

#[test]
fn an_interrupted_runs_journal_is_kept_until_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 3);
    // what a killed Parquet run leaves: its journal only
    let o = lm_in(d, &["extract", "-q", "-o", "j.jsonl", "t0.wav", "t1.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let journal = d.join("out.parquet.journal.jsonl");
    fs::rename(d.join("j.jsonl"), &journal).unwrap();
    let kept = fs::read(&journal).unwrap();
    let o = lm_in(d, &["extract", "-q", "-o", "out.parquet", "t2.wav"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("interrupted"), "{}", err(&o));
    assert_eq!(fs::read(&journal).unwrap(), kept, "journal untouched");
    let o = lm_in(
        d,
        &[
            "extract",
            "-q",
            "--resume",
            "-o",
            "out.parquet",
            "t0.wav",
            "t1.wav",
            "t2.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        parquet_paths(&d.join("out.parquet")),
        ["t0.wav", "t1.wav", "t2.wav"]
    );
    assert!(!journal.exists());
}

#[test]
fn resume_refuses_other_analysis_settings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 2);
    for out in ["out.jsonl", "out.parquet"] {
        let o = lm_in(d, &["extract", "-q", "-o", out, "t0.wav"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let before = fs::read(d.join(out)).unwrap();
        let o = lm_in(
            d,
            &[
                "extract",
                "-q",
                "--resume",
                "--sample-rate",
                "44100",
                "-o",
                out,
                "t1.wav",
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{out}");
        assert!(
            err(&o).contains("sample_rate=22050") && err(&o).contains("sample_rate=44100"),
            "{}",
            err(&o)
        );
        assert_eq!(fs::read(d.join(out)).unwrap(), before);
        assert!(!d.join("out.parquet.journal.jsonl").exists());
    }
    let rec = &jsonl(&d.join("out.jsonl"))[0];
    assert_eq!(rec["settings"]["sample_rate"], 22050);
}

/// `--tempo-range` changes the numbers, and so does a new analysis version: a resumed run
/// refuses both, and leaves the output as it was.
#[test]
fn resume_refuses_another_tempo_range_and_older_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 2);
    let o = lm_in(d, &["extract", "-q", "-o", "out.jsonl", "t0.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let before = fs::read(d.join("out.jsonl")).unwrap();
    let resume = ["extract", "-q", "--resume", "-o", "out.jsonl"];
    let o = lm_in(
        d,
        &[&resume[..], &["--tempo-range", "60-180", "t1.wav"]].concat(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("tempo_range=60-180"), "{}", err(&o));
    assert_eq!(fs::read(d.join("out.jsonl")).unwrap(), before);
    let o = lm_in(
        d,
        &[&resume[..], &["--tempo-prior", "100", "t1.wav"]].concat(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("tempo_prior=100/0.6"), "{}", err(&o));
    assert_eq!(fs::read(d.join("out.jsonl")).unwrap(), before);
    // the same record as an older version wrote it (no tempo range, no analysis version)
    let mut rec = jsonl(&d.join("out.jsonl"))[0].clone();
    let settings = rec["settings"].as_object_mut().unwrap();
    settings.remove("tempo_min_bpm");
    settings.remove("tempo_max_bpm");
    settings.remove("tempo_prior_bpm");
    settings.remove("tempo_prior_octaves");
    settings.remove("analysis_version");
    fs::write(d.join("out.jsonl"), format!("{rec}\n")).unwrap();
    let o = lm_in(d, &[&resume[..], &["t1.wav"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("analysis_version=1"), "{}", err(&o));
    // the default range given explicitly is the default
    let o = lm_in(
        d,
        &["extract", "-q", "--overwrite", "-o", "out.jsonl", "t0.wav"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(
        d,
        &[
            &resume[..],
            &[
                "--tempo-range",
                "40-250",
                "--tempo-prior",
                "130,0.6",
                "t1.wav",
            ],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(jsonl(&d.join("out.jsonl")).len(), 2);
}

#[test]
fn frames_names_mirror_the_input_tree() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("coll/a")).unwrap();
    fs::create_dir_all(d.join("coll/a_b")).unwrap();
    write_tone(&d.join("coll/a/b_c.wav"), 330.0, 1.0);
    write_tone(&d.join("coll/a_b/c.wav"), 440.0, 1.0);
    let o = lm_in(
        d,
        &["extract", "-q", "--frames", "fr", "-o", "o.jsonl", "coll"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let a = d.join("fr/coll/a/b_c.wav.npz");
    let b = d.join("fr/coll/a_b/c.wav.npz");
    assert!(a.is_file() && b.is_file());
    assert_ne!(fs::read(a).unwrap(), fs::read(b).unwrap());
}

#[test]
fn a_frames_write_failure_fails_the_track() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 1);
    fs::write(d.join("notadir"), b"x").unwrap();
    let o = lm_in(
        d,
        &[
            "extract", "-q", "--frames", "notadir", "-o", "o.jsonl", "t0.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let rec = &jsonl(&d.join("o.jsonl"))[0];
    assert_eq!(rec["error"]["kind"], "io");
    assert!(rec["error"]["message"].as_str().unwrap().contains("frames"));
    assert!(
        err(&o).contains("t0.wav: io: cannot write frames"),
        "{}",
        err(&o)
    );
}

#[test]
fn every_failed_track_gets_one_stderr_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 1);
    fs::write(d.join("junk.wav"), b"RIFF not really").unwrap();
    let o = lm_in(
        d,
        &[
            "extract",
            "-q",
            "-o",
            "o.jsonl",
            "missing.wav",
            "t0.wav",
            "junk.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let e = err(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 2, "{e}");
    assert!(lines[0].starts_with("missing.wav: io: "), "{e}");
    assert!(lines[1].starts_with("junk.wav: "), "{e}");
    // the message does not repeat the path
    assert_eq!(lines[0].matches("missing.wav").count(), 1, "{e}");
}

#[test]
fn bad_similar_arguments_are_usage_errors_and_paths_match_canonically() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 3);
    let o = lm_in(
        d,
        &[
            "extract", "-q", "-o", "f.jsonl", "t0.wav", "t1.wav", "t2.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(d, &["index", "build", "f.jsonl", "-o", "lib.idx"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    for bad in [
        vec!["similar", "--index", "lib.idx", "-k", "0", "t0.wav"],
        vec![
            "similar", "--index", "lib.idx", "--approx", "--nprobe", "0", "t0.wav",
        ],
        vec!["similar", "--index", "lib.idx", "-k", "x", "t0.wav"],
    ] {
        let o = lm_in(d, &bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", err(&o));
        assert!(!err(&o).is_empty());
    }
    // the stored t0.wav, asked for by its absolute path: itself is left out
    let abs = fs::canonicalize(d.join("t0.wav")).unwrap();
    let o = lm_in(
        d,
        &[
            "similar",
            "--index",
            "lib.idx",
            "--json",
            "-k",
            "5",
            s(&abs),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ns: Vec<&str> = v["neighbors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["path"].as_str().unwrap())
        .collect();
    assert_eq!(ns.len(), 2, "{ns:?}");
    assert!(!ns.contains(&"t0.wav"));
}

#[test]
fn resume_refuses_to_cut_records_after_a_damaged_line_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tracks(d, 3);
    let o = lm_in(d, &["extract", "-q", "-o", "o.jsonl", "t0.wav", "t1.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let text = fs::read_to_string(d.join("o.jsonl")).unwrap();
    let damaged = format!("{{\"path\": broken\n{text}");
    fs::write(d.join("o.jsonl"), &damaged).unwrap();
    let o = lm_in(d, &["extract", "-q", "--resume", "-o", "o.jsonl", "t2.wav"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("line 1"), "{}", err(&o));
    assert_eq!(fs::read_to_string(d.join("o.jsonl")).unwrap(), damaged);
    // a damaged *last* line (a crash) is cut, and the run goes on
    fs::write(d.join("o.jsonl"), format!("{text}{{\"path\": broken\n")).unwrap();
    let o = lm_in(d, &["extract", "-q", "--resume", "-o", "o.jsonl", "t2.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(jsonl(&d.join("o.jsonl")).len(), 3);
    // standard input has no identity to resume by
    let o = lm_in(d, &["extract", "-q", "--resume", "-o", "o.jsonl", "-"]);
    assert_eq!(o.status.code(), Some(2));
}
