//! Command-line conventions through the real binary: `-o -`, special files, unknown
//! extensions, `extract -`, symbolic-link loops, empty inputs, the table view, and
//! `index build`/`export` in every format with mixed settings refused.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::write_tone;

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

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn dash_and_special_files_are_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_tone(&d.join("a.wav"), 440.0, 1.0);
    let o = lm_in(d, &["extract", "-q", "-o", "-", "a.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let rec: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(rec["path"], "a.wav");
    assert!(!d.join("-").exists(), "no file named -");
    let o = lm_in(d, &["extract", "-o", "/dev/null", "a.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("Invalid argument"), "{}", err(&o));
    let o = lm_in(d, &["extract", "-q", "-o", "/dev/stdout", "a.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let rec: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(rec["path"], "a.wav");
    let o = lm_in(
        d,
        &["extract", "-q", "--resume", "-o", "/dev/null", "a.wav"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn unknown_extensions_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_tone(&d.join("a.wav"), 440.0, 1.0);
    for name in ["x.txt", "x.json", "noext"] {
        let o = lm_in(d, &["extract", "-q", "-o", name, "a.wav"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        assert!(err(&o).contains(".jsonl") && err(&o).contains(".parquet"));
        assert!(!d.join(name).exists());
    }
    let o = lm_in(d, &["extract", "-q", "-o", "f.jsonl", "a.wav"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(d, &["index", "build", "f.jsonl", "-o", "lib.idx"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(d, &["index", "export", "lib.idx", "-o", "v.bin"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains(".csv"));
    // the index keeps the records' full analysis settings (index format 2)
    let info = |name: &str| -> serde_json::Value {
        let o = lm_in(d, &["index", "info", name]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        serde_json::from_str(out(&o).trim()).unwrap()
    };
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("f.jsonl")).unwrap()).unwrap();
    assert!(record["settings"].is_object());
    assert_eq!(info("lib.idx")["settings"], record["settings"]);
    // export writes what the extension says, with the settings, and build reads each back
    for ext in ["csv", "jsonl", "parquet"] {
        let v = format!("v.{ext}");
        let o = lm_in(d, &["index", "export", "lib.idx", "-o", &v]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let bytes = fs::read(d.join(&v)).unwrap();
        match ext {
            "csv" => {
                assert!(bytes.starts_with(b"path,vector.version,vector.values.0,"));
                let text = String::from_utf8(bytes).unwrap();
                let header = text.lines().next().unwrap();
                assert!(header.contains(",settings.sample_rate,"), "{header}");
                assert!(header.ends_with(",settings.analysis_version"), "{header}");
            }
            "jsonl" => {
                let r: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert_eq!(r["path"], "a.wav");
                assert_eq!(r["settings"], record["settings"]);
            }
            _ => assert!(bytes.starts_with(b"PAR1")),
        }
        let o = lm_in(d, &["index", "build", &v, "-o", "back.idx"]);
        assert_eq!(o.status.code(), Some(0), "{ext}: {}", err(&o));
        assert!(err(&o).contains("indexed 1 tracks"), "{}", err(&o));
        assert_eq!(info("back.idx")["settings"], record["settings"], "{ext}");
    }
}

#[test]
fn index_build_reads_csv_parquet_and_directories_and_refuses_mixed_settings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..4 {
        write_tone(&d.join(format!("t{i}.wav")), 200.0 + 90.0 * i as f32, 1.0);
    }
    fs::create_dir(d.join("shards")).unwrap();
    let o = lm_in(
        d,
        &["extract", "-q", "-o", "shards/a.csv", "t0.wav", "t1.wav"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(
        d,
        &[
            "extract",
            "-q",
            "-o",
            "shards/b.parquet",
            "t2.wav",
            "t3.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(d, &["index", "build", "shards", "-o", "lib.idx"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(d, &["index", "info", "lib.idx"]);
    let info: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(info["vectors"], 4);
    assert_eq!(info["analysis"]["sample_rate"], 22050);
    fs::create_dir(d.join("nothing")).unwrap();
    let o = lm_in(d, &["index", "build", "nothing", "-o", "n.idx"]);
    assert_ne!(o.status.code(), Some(0));
    assert!(!d.join("n.idx").exists());
    // other settings: refused in one build and by `index add`
    let o = lm_in(
        d,
        &[
            "extract",
            "-q",
            "--sample-rate",
            "44100",
            "-o",
            "hi.jsonl",
            "t0.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let o = lm_in(
        d,
        &["index", "build", "shards", "hi.jsonl", "-o", "mix.idx"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("different analysis settings"),
        "{}",
        err(&o)
    );
    assert!(!d.join("mix.idx").exists());
    let o = lm_in(d, &["index", "add", "--index", "lib.idx", "hi.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("different analysis settings"),
        "{}",
        err(&o)
    );
}

#[test]
fn extract_dash_reads_audio_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_tone(&d.join("a.wav"), 440.0, 2.0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .args(["extract", "-q", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = fs::read(d.join("a.wav")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let rec: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(rec["path"], "-");
    // 2 s of audio, 44 100 samples at 22 050 Hz
    assert!((rec["duration_s"].as_f64().unwrap() - 2.0).abs() < 1e-3);
}

#[test]
fn loops_empty_files_and_empty_directories_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("lib/sub")).unwrap();
    write_tone(&d.join("lib/a.wav"), 440.0, 1.0);
    fs::write(d.join("lib/empty.wav"), b"").unwrap();
    std::os::unix::fs::symlink("..", d.join("lib/sub/up")).unwrap();
    let o = lm_in(d, &["extract", "-q", "-o", "o.jsonl", "lib"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let n = fs::read_to_string(d.join("o.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(n, 1, "one record for one file, whatever the loop");
    assert!(err(&o).contains("lib/sub/up: skipped"), "{}", err(&o));
    assert!(
        err(&o).contains("lib/empty.wav: skipped: empty"),
        "{}",
        err(&o)
    );
    // an explicit zero-byte input is an error record
    let o = lm_in(d, &["extract", "-q", "lib/empty.wav"]);
    assert_eq!(o.status.code(), Some(1));
    let rec: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert!(rec["error"]["kind"].is_string());
    // nothing to analyse: said, and not a success
    fs::create_dir(d.join("none")).unwrap();
    let o = lm_in(d, &["extract", "-q", "none"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("no audio files found in none"),
        "{}",
        err(&o)
    );
}

#[test]
fn table_view_on_request_and_jsonl_in_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_tone(&d.join("a.wav"), 440.0, 2.0);
    let o = lm_in(
        d,
        &["extract", "-q", "--format", "table", "a.wav", "gone.wav"],
    );
    assert_eq!(o.status.code(), Some(1));
    let text = out(&o);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    for col in ["path", "duration", "bpm", "key", "lufs", "status"] {
        assert!(rows[0].contains(col), "{}", rows[0]);
    }
    assert!(
        rows[1].starts_with("a.wav") && rows[1].ends_with(" ok"),
        "{text}"
    );
    assert!(rows[1].contains("0:02.0"), "{text}");
    assert!(rows[2].starts_with("gone.wav") && rows[2].ends_with("error: io"));
    // a pipe gets JSON Lines by default, and --format jsonl forces them
    for args in [
        vec!["extract", "-q", "a.wav"],
        vec!["extract", "-q", "--format", "jsonl", "a.wav"],
    ] {
        let o = lm_in(d, &args);
        let rec: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
        assert_eq!(rec["path"], "a.wav");
    }
    let o = lm_in(
        d,
        &[
            "extract", "-q", "--format", "table", "-o", "x.jsonl", "a.wav",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_reader_that_stops_reading_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let names: Vec<String> = (0..4).map(|i| format!("t{i}.wav")).collect();
    for (i, n) in names.iter().enumerate() {
        write_tone(&d.join(n), 300.0 + 50.0 * i as f32, 1.0);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .current_dir(d)
        .args(["extract", "-q", "-j", "1"])
        .args(&names)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap(); // the pipe closes here, like `| head -1`
    assert!(first.contains("t0.wav"));
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!err(&o).contains("Broken pipe"), "{}", err(&o));
}
