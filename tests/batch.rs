//! Batch extraction through the real CLI: output formats read back, resume after a kill,
//! sharding, input lists, failures recorded in every format.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use arrow_array::Array;
use common::repo;

fn leitmotif(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .args(args)
        .output()
        .unwrap()
}

fn samples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo("audio-samples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "md" && e != "json"))
        .collect();
    v.sort();
    v
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn jsonl_csv_and_parquet_hold_every_track_and_failure() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.flac");
    let mut inputs: Vec<String> = samples().iter().map(|p| s(p).to_string()).collect();
    inputs.push(s(&missing).to_string());
    for ext in ["jsonl", "csv", "parquet"] {
        let out = dir.path().join(format!("out.{ext}"));
        let mut args = vec!["extract", "-q", "-o", s(&out)];
        args.extend(inputs.iter().map(String::as_str));
        let o = leitmotif(&args);
        assert_eq!(o.status.code(), Some(1), "{ext}: a failed track → exit 1");
        assert!(
            !dir.path().join(format!("out.{ext}.journal.jsonl")).exists(),
            "journal removed"
        );
        match ext {
            "jsonl" => {
                let recs = lines(&out);
                assert_eq!(recs.len(), 6);
                assert_eq!(recs[5]["error"]["kind"], "io");
                assert!(recs[0]["tempo"]["bpm"].is_number());
            }
            "csv" => {
                let text = std::fs::read_to_string(&out).unwrap();
                let mut rows = text.lines();
                let header = rows.next().unwrap();
                // stable header: the documented names, in order
                assert!(header.starts_with(
                    "path,file_size,file_mtime,duration_s,analysed_s,source.container,"
                ));
                for col in [
                    "spectral.centroid.mean",
                    "mfcc.mean.19",
                    "loudness.integrated_lufs",
                    "tempo.bpm",
                    "tempo.candidates.0.0",
                    "tempo.candidates.3.1",
                    "key.tonic",
                    "key.candidates.0.0",
                    "key.candidates.3.1",
                    "error.kind",
                ] {
                    assert!(header.split(',').any(|h| h == col), "missing column {col}");
                }
                let n_cols = header.split(',').count();
                let rows: Vec<&str> = rows.collect();
                assert_eq!(rows.len(), 6);
                assert!(rows[5].contains(",io,"), "failure recorded: {}", rows[5]);
                assert!(n_cols > 100);
            }
            _ => {
                let file = std::fs::File::open(&out).unwrap();
                let reader =
                    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                        .unwrap()
                        .build()
                        .unwrap();
                let mut rows = 0;
                for batch in reader {
                    let batch = batch.unwrap();
                    rows += batch.num_rows();
                    let schema = batch.schema();
                    assert!(schema.field_with_name("spectral.centroid.mean").is_ok());
                    let kind = batch.column_by_name("error.kind").unwrap();
                    let kind = kind
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .unwrap();
                    assert_eq!(kind.value(5), "io");
                    assert!(kind.is_null(0));
                    let vector = batch.column_by_name("vector").unwrap();
                    let vector = vector
                        .as_any()
                        .downcast_ref::<arrow_array::FixedSizeListArray>()
                        .unwrap();
                    assert_eq!(vector.value_length() as usize, leitmotif::vector::DIM);
                    assert!(
                        vector.is_valid(0) && vector.is_null(5),
                        "the failed track has no vector"
                    );
                    let bpm = batch.column_by_name("tempo.bpm").unwrap();
                    let bpm = bpm
                        .as_any()
                        .downcast_ref::<arrow_array::Float64Array>()
                        .unwrap();
                    assert!(bpm.value(0) > 50.0);
                    // the first tempo candidate is the tempo; key candidates are named keys
                    let first = batch.column_by_name("tempo.candidates.0.0").unwrap();
                    let first = first
                        .as_any()
                        .downcast_ref::<arrow_array::Float64Array>()
                        .unwrap();
                    assert_eq!(first.value(0), bpm.value(0));
                    let key = batch.column_by_name("key.candidates.0.0").unwrap();
                    let key = key
                        .as_any()
                        .downcast_ref::<arrow_array::StringArray>()
                        .unwrap();
                    assert!(
                        key.value(0).ends_with(" major") || key.value(0).ends_with(" minor"),
                        "{}",
                        key.value(0)
                    );
                }
                assert_eq!(rows, 6);
            }
        }
    }
}

#[test]
fn resume_after_a_kill_finishes_every_track_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let all = samples();
    // a complete run of the first two tracks, then a "killed" third record cut mid-line
    let o = leitmotif(&[
        "extract",
        "-q",
        "-o",
        s(&out),
        s(&all[0]),
        s(&all[1]),
        s(&all[2]),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(&out).unwrap();
    let keep: Vec<&str> = text.lines().collect();
    let partial = format!(
        "{}\n{}\n{}",
        keep[0],
        keep[1],
        &keep[2][..keep[2].len() / 2]
    );
    std::fs::write(&out, partial).unwrap();
    let mut args = vec!["extract", "-q", "--resume", "-o", s(&out)];
    args.extend(all.iter().map(|p| s(p)));
    let o = leitmotif(&args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let recs = lines(&out);
    assert_eq!(recs.len(), all.len(), "every track exactly once");
    let mut paths: Vec<&str> = recs.iter().map(|r| r["path"].as_str().unwrap()).collect();
    paths.sort();
    let mut want: Vec<&str> = all.iter().map(|p| s(p)).collect();
    want.sort();
    assert_eq!(paths, want);
    // a second resume has nothing left to do
    let o = leitmotif(&args);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(lines(&out).len(), all.len());
}

#[test]
fn shards_cover_the_inputs_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let formats: Vec<String> = std::fs::read_dir(repo("tests/fixtures/formats"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .map(|p| s(&p).to_string())
        .collect();
    let mut seen: Vec<String> = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard{i}.jsonl"));
        let spec = format!("{i}/3");
        let mut args = vec!["extract", "-q", "--shard", spec.as_str(), "-o", s(&out)];
        // each machine may list the inputs in a different order
        let mut inputs = formats.clone();
        inputs.rotate_left(i * 5);
        args.extend(inputs.iter().map(String::as_str));
        leitmotif(&args);
        seen.extend(
            lines(&out)
                .iter()
                .map(|r| r["path"].as_str().unwrap().to_string()),
        );
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "no track in two shards");
    assert_eq!(
        seen.len(),
        formats.len(),
        "the shards together cover every input"
    );
}

#[test]
fn inputs_from_a_list_on_stdin() {
    let all = samples();
    let list = format!("# manifest\n{}\n\n{}\n", s(&all[0]), s(&all[3]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_leitmotif"))
        .args(["extract", "-q", "--from-list", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let recs: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["path"], s(&all[3]));
}

#[test]
fn usage_errors_exit_2_and_max_duration_truncates() {
    assert_eq!(leitmotif(&["extract"]).status.code(), Some(2));
    assert_eq!(
        leitmotif(&["extract", "--shard", "3/3", "x.mp3"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        leitmotif(&["extract", "--resume", "x.mp3"]).status.code(),
        Some(2)
    );
    let o = leitmotif(&["extract", "-q", "--max-duration", "5", s(&samples()[0])]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["analysed_s"], 5.0);
    assert_eq!(r["duration_s"], 24.0, "the real length is kept");
    assert!(r["warnings"][0].as_str().unwrap().contains("truncated"));
}

#[test]
fn frames_npz_has_librosa_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let track = samples()[1].clone();
    let o = leitmotif(&["extract", "-q", "--frames", s(dir.path()), s(&track)]);
    assert_eq!(o.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let n = r["analysis"]["frames"].as_u64().unwrap() as usize;
    // the input tree is mirrored; an absolute input goes under @abs/
    let canonical = std::fs::canonicalize(&track).unwrap();
    let npz = dir.path().join("@abs").join(format!(
        "{}.npz",
        canonical.to_str().unwrap().trim_start_matches('/')
    ));
    let mut z = ndarray_npy::NpzReader::new(std::fs::File::open(npz).unwrap()).unwrap();
    for (name, rows) in [
        ("mfcc", 20),
        ("mel", 128),
        ("contrast", 7),
        ("chroma", 12),
        ("centroid", 1),
        ("zcr", 1),
    ] {
        let a: ndarray::ArrayD<f32> = z.by_name(name).unwrap();
        assert_eq!(a.shape(), &[rows, n], "{name}");
    }
    for name in ["onset_strength", "times"] {
        let a: ndarray::ArrayD<f32> = z.by_name(name).unwrap();
        assert_eq!(a.shape(), &[n], "{name}");
    }
}

#[test]
fn a_track_over_the_time_limit_is_an_error_record() {
    let o = leitmotif(&[
        "extract",
        "-q",
        "--timeout",
        "0",
        s(&samples()[0]),
        s(&samples()[1]),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2, "the run goes on");
    assert_eq!(recs[0]["error"]["kind"], "timeout");
}

/// `--resume --retry-failed` analyses again the tracks whose record is an error and replaces
/// their error records (JSON Lines, and CSV through its journal); plain `--resume` keeps them.
#[test]
fn resume_retry_failed_replaces_error_records() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (samples()[0].clone(), samples()[1].clone());
    for name in ["out.jsonl", "out.csv"] {
        let out = dir.path().join(name);
        let out_s = out.to_str().unwrap();
        // (records, error records): JSON Lines parsed; CSV one row per record after the
        // header, a timed-out row holding `timeout` in its error.kind column
        let counts = || -> (usize, usize) {
            if name.ends_with(".jsonl") {
                let recs = lines(&out);
                let errors = recs
                    .iter()
                    .filter(|r| r.get("error").is_some_and(|e| !e.is_null()))
                    .count();
                (recs.len(), errors)
            } else {
                let text = std::fs::read_to_string(&out).unwrap();
                let rows: Vec<&str> = text.lines().skip(1).collect();
                let errors = rows.iter().filter(|r| r.contains(",timeout,")).count();
                (rows.len(), errors)
            }
        };
        // every track times out: two error records
        let o = leitmotif(&["extract", "-q", "--timeout", "0", "-o", out_s, s(&a), s(&b)]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert_eq!(counts(), (2, 2), "{name}");
        // plain --resume: both are done already
        let o = leitmotif(&["extract", "-q", "--resume", "-o", out_s, s(&a), s(&b)]);
        assert_eq!(o.status.code(), Some(0), "{name}");
        assert_eq!(counts(), (2, 2), "{name}");
        // --retry-failed: both analysed again, one record each, no error left
        let o = leitmotif(&[
            "extract",
            "-q",
            "--resume",
            "--retry-failed",
            "-o",
            out_s,
            s(&a),
            s(&b),
        ]);
        assert_eq!(o.status.code(), Some(0), "{name}: {o:?}");
        assert_eq!(counts(), (2, 0), "{name}");
    }
    // --retry-failed without --resume is a usage error
    let o = leitmotif(&["extract", "-q", "--retry-failed", "-o", "x.jsonl", s(&a)]);
    assert_eq!(o.status.code(), Some(2));
}

/// `--resume` analyses a file changed since its record again and replaces that record (one
/// record per track); a file gone since keeps its record.
#[test]
fn resume_replaces_the_record_of_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let track = dir.path().join("track.mp3");
    std::fs::copy(&samples()[0], &track).unwrap();
    let other = samples()[1].clone();
    let out = dir.path().join("out.jsonl");
    let (out_s, track_s) = (out.to_str().unwrap(), track.to_str().unwrap());
    let o = leitmotif(&["extract", "-q", "-o", out_s, track_s, s(&other)]);
    assert_eq!(o.status.code(), Some(0));
    let before = lines(&out);
    assert_eq!(before.len(), 2);
    // a new modification time: the track counts as changed
    let mtime = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&track)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let o = leitmotif(&["extract", "-q", "--resume", "-o", out_s, track_s, s(&other)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let after = lines(&out);
    assert_eq!(after.len(), 2, "one record per track");
    let of = |recs: &[serde_json::Value], name: &str| {
        recs.iter()
            .filter(|r| r["path"].as_str().unwrap().ends_with(name))
            .cloned()
            .collect::<Vec<_>>()
    };
    let (old, new) = (of(&before, "track.mp3"), of(&after, "track.mp3"));
    assert_eq!(new.len(), 1);
    assert_ne!(old[0]["file_mtime"], new[0]["file_mtime"]);
    assert_eq!(
        new[0]["tempo"], old[0]["tempo"],
        "same audio, same features"
    );
    // the file is gone: its record stays, no error record is added
    std::fs::remove_file(&track).unwrap();
    let o = leitmotif(&["extract", "-q", "--resume", "-o", out_s, track_s, s(&other)]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(lines(&out), after);
}
