//! Feature vectors, the similarity index and the `schema` / `index` / `similar` commands,
//! through the real CLI binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{repo, sine, write_wav};
use leitmotif::similarity::{Index, SimilarityError};
use leitmotif::vector::{DIM, FeatureVector, SCHEMA_VERSION, schema, schema_hash};

const BIN: &str = env!("CARGO_BIN_EXE_leitmotif");

fn lm(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run leitmotif")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The committed layout of schema version 1. If this fails you changed the vector layout:
/// bump `SCHEMA_VERSION` and update both constants (and docs/similarity.md).
#[test]
fn schema_is_stable() {
    assert_eq!(
        (SCHEMA_VERSION, schema_hash()),
        (1, 0x3daba232f5f48d4b),
        "vector layout changed without a version bump"
    );
    assert_eq!(schema().len(), DIM);
    let o = lm(&["schema", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["dimensions"].as_array().unwrap().len(), DIM);
    assert_eq!(v["dimensions"][0]["name"], "spectral.centroid_mean");
    let o = lm(&["schema"]);
    assert!(stdout(&o).contains("mfcc.mean_0"));
}

/// Writes a features JSONL file with the given (path, version, values) records.
fn write_records(path: &Path, recs: &[(String, u32, Vec<f32>)]) {
    let mut text = String::new();
    for (p, v, values) in recs {
        let line = serde_json::json!({"path": p, "duration_s": 1.0, "vector": {"version": v, "values": values}});
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

fn toy(i: usize) -> Vec<f32> {
    (0..DIM)
        .map(|d| (((i * 37 + d * 11) % 23) as f32) * 0.5 + i as f32 * 0.01)
        .collect()
}

#[test]
fn version_mismatch_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v2.jsonl");
    write_records(
        &f,
        &[("a.wav".into(), 1, toy(1)), ("b.wav".into(), 2, toy(2))],
    );
    let o = lm(&["index", "build", s(&f), "-o", s(&dir.path().join("x.idx"))]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("schema version 2 cannot be compared with version 1"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("x.idx").exists());

    let idx = Index::build(vec![("a".into(), toy(1)), ("b".into(), toy(2))]).unwrap();
    let err = idx
        .standardize(
            &FeatureVector {
                version: 2,
                values: toy(3),
            },
            "query",
        )
        .unwrap_err();
    assert!(matches!(
        err,
        SimilarityError::VersionMismatch {
            found: 2,
            expected: 1,
            ..
        }
    ));
}

#[test]
fn corrupt_or_foreign_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("lib.jsonl");
    let recs: Vec<(String, u32, Vec<f32>)> =
        (0..20).map(|i| (format!("t{i}"), 1, toy(i))).collect();
    write_records(&f, &recs);
    let idx = dir.path().join("lib.idx");
    let o = lm(&["index", "build", s(&f), "-o", s(&idx)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut bytes = std::fs::read(&idx).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let bad = dir.path().join("bad.idx");
    std::fs::write(&bad, &bytes).unwrap();
    let o = lm(&["similar", "--index", s(&bad), "t1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("corrupt") && stderr(&o).contains("checksum"),
        "{}",
        stderr(&o)
    );
    // Truncated.
    std::fs::write(&bad, &std::fs::read(&idx).unwrap()[..100]).unwrap();
    let o = lm(&["similar", "--index", s(&bad), "t1"]);
    assert!(stderr(&o).contains("corrupt"), "{}", stderr(&o));
    // Not an index at all.
    let o = lm(&["similar", "--index", s(&f), "t1"]);
    assert!(
        stderr(&o).contains("not a leitmotif index"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn empty_library() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("empty.jsonl");
    std::fs::write(&f, "").unwrap();
    let idx = dir.path().join("empty.idx");
    let o = lm(&["index", "build", s(&f), "-o", s(&idx)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("empty"));
    let q = repo("audio-samples/song5_75bpm_g_major_nodrums.wav");
    let o = lm(&["similar", "--index", s(&idx), "--json", s(&q)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["neighbors"].as_array().unwrap().len(), 0);
    let o = lm(&[
        "index",
        "export",
        s(&idx),
        "-o",
        s(&dir.path().join("v.parquet")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn extract(inputs: &[PathBuf], out: &Path) {
    let mut args = vec!["extract".to_string(), "-o".into(), s(out).into()];
    args.extend(inputs.iter().map(|p| s(p).to_string()));
    let o = Command::new(BIN).args(&args).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
}

fn fixture(name: &str) -> PathBuf {
    repo("tests/fixtures/formats").join(name)
}

/// Audio → features → index → neighbours, plus a query that cannot be decoded, `index add`
/// and Parquet export.
#[test]
fn end_to_end_audio_index_neighbours() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("lib.jsonl");
    extract(
        &[
            repo("audio-samples"),
            fixture("wav_pcm_s16_stereo_44k.wav"),
            fixture("mp3_vbr_mono_22k.mp3"),
            fixture("opus_stereo_48k.opus"),
        ],
        &lib,
    );
    let text = std::fs::read_to_string(&lib).unwrap();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["vector"]["version"], 1, "{line}");
        let vals = v["vector"]["values"].as_array().unwrap();
        assert_eq!(vals.len(), DIM);
        assert!(vals.iter().all(|x| x.as_f64().is_some_and(f64::is_finite)));
    }
    let idx = dir.path().join("lib.idx");
    let o = lm(&["index", "build", s(&lib), "-o", s(&idx)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let garbage = dir.path().join("garbage.mp3");
    std::fs::write(
        &garbage,
        b"this is not audio at all, just text pretending to be an mp3",
    )
    .unwrap();
    // A real transcode of an indexed song (FLAC → 96 kbit/s MP3, another codec and container:
    // `tools/make_similarity_fixtures.sh`) must find its original first.
    let copy = repo("tests/fixtures/similarity/song2_transcode_96k.mp3");
    let song = repo("audio-samples/song2_120bpm_c_major.flac");
    let indexed = repo("audio-samples/song1_92bpm_a_minor.mp3");
    let o = lm(&[
        "similar",
        "--index",
        s(&idx),
        "-k",
        "3",
        "--json",
        s(&copy),
        s(&garbage),
        s(&indexed),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["query"], s(&copy));
    assert_eq!(lines[0]["neighbors"][0]["path"], s(&song));
    let d0 = lines[0]["neighbors"][0]["distance"].as_f64().unwrap();
    let d1 = lines[0]["neighbors"][1]["distance"].as_f64().unwrap();
    println!("transcode: distance to its original {d0:.4}, to the next track {d1:.4}");
    // measured (`cargo test --release --test similarity -- --nocapture end_to_end`): 1.27 to
    // the original, 4.21 to the next track; the original must stay well ahead
    assert!(
        d0 < 0.5 * d1,
        "transcode: {d0} to its original, {d1} to the next"
    );
    assert_eq!(lines[0]["neighbors"].as_array().unwrap().len(), 3);
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("garbage.mp3"),
        "{}",
        lines[1]
    );
    assert!(lines[1].get("neighbors").is_none());
    // An indexed path is answered from the index, without itself.
    let n2 = lines[2]["neighbors"].as_array().unwrap();
    assert_eq!(n2.len(), 3);
    assert!(n2.iter().all(|n| n["path"] != s(&indexed)));
    let d: Vec<f64> = n2.iter().map(|n| n["distance"].as_f64().unwrap()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]));

    // Weights, approximate mode and text output.
    let o = lm(&[
        "similar",
        "--index",
        s(&idx),
        "--weight",
        "timbre=2,tempo=0.5",
        "--approx",
        s(&indexed),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("1. "));
    let o = lm(&[
        "similar",
        "--index",
        s(&idx),
        "--weight",
        "bogus=1",
        s(&indexed),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown group"));

    // index add: the copy becomes a library track, statistics unchanged.
    let before = Index::load(&idx).unwrap();
    let o = lm(&["index", "add", "--index", s(&idx), s(&copy)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let after = Index::load(&idx).unwrap();
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after.stats(), before.stats());
    assert!(after.find(s(&copy)).is_some());

    // Parquet export.
    let pq = dir.path().join("v.parquet");
    let o = lm(&["index", "export", s(&idx), "-o", s(&pq)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&pq).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&pq).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut rows = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let schema = batch.schema();
        assert_eq!(schema.field(0).name(), "path");
        assert_eq!(schema.field(0).data_type(), &arrow_schema::DataType::Utf8);
        assert_eq!(schema.field(1).data_type(), &arrow_schema::DataType::Int32);
        match schema.field(2).data_type() {
            arrow_schema::DataType::FixedSizeList(item, n) => {
                assert_eq!(*n as usize, DIM);
                assert_eq!(item.data_type(), &arrow_schema::DataType::Float32);
            }
            other => panic!("vector column is {other:?}"),
        }
        rows += batch.num_rows();
    }
    assert_eq!(rows, after.len());
}

/// Silence and a 10 ms file have finite vectors (no tempo, no key, no loudness).
#[test]
fn degenerate_inputs_give_finite_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let silence = dir.path().join("silence.wav");
    write_wav(&silence, 44100, 1, &vec![0.0; 44100 * 2]);
    let short = dir.path().join("short.wav");
    write_wav(&short, 44100, 1, &sine(440.0, 44100, 0.01, 0.5));
    for p in [&silence, &short] {
        let a = common::analyze(p).unwrap();
        let v = a.record.vector;
        assert_eq!(v.version, SCHEMA_VERSION);
        assert_eq!(v.values.len(), DIM);
        assert!(
            v.values.iter().all(|x| x.is_finite()),
            "{}: {:?}",
            p.display(),
            v.values
        );
    }
}

/// An index file written by format version 1 / schema version 1 (committed) still loads.
/// Regenerate only together with a format or schema version bump, keeping the old file.
#[test]
fn stored_v1_index_still_loads() {
    let p = repo("tests/fixtures/similarity/v1_toy.idx");
    let idx = Index::load(&p).unwrap();
    assert_eq!(idx.len(), 4);
    assert_eq!(idx.schema_version(), 1);
    for i in 0..4u32 {
        let id = idx.find(&format!("toy/track{i}.flac")).unwrap();
        let want: Vec<f32> = (0..DIM)
            .map(|d| (((i as usize * 37 + d * 11) % 23) as f32) * 0.5 + i as f32 * 0.01)
            .collect();
        for (a, b) in idx.raw_vector(id).iter().zip(&want) {
            assert!((a - b).abs() < 1e-5);
        }
    }
    let o = lm(&[
        "similar",
        "--index",
        s(&p),
        "--json",
        "-k",
        "2",
        "toy/track0.flac",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line = stdout(&o);
    assert!(
        line.starts_with("{\"query\":\"toy/track0.flac\",\"neighbors\":[{\"path\":"),
        "{line}"
    );
}

/// A format-1 index knew only the fingerprint of its analysis settings: it still loads, and
/// `index add` with records of the same settings fills in the full settings (format 2).
#[test]
fn index_add_fills_in_the_settings_of_a_format_1_index() {
    let dir = tempfile::tempdir().unwrap();
    let records = dir.path().join("r.jsonl");
    let o = lm(&[
        "extract",
        "-q",
        "-o",
        s(&records),
        s(&repo("audio-samples/song1_92bpm_a_minor.mp3")),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let record: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&records).unwrap().trim()).unwrap();
    let settings = leitmotif::output::Settings::of_record(&record).unwrap();
    // a format-2 index of two toy tracks, rewritten as format 1: no settings block,
    // version 1, CRC recomputed
    let entries = (0..2)
        .map(|i| (format!("toy{i}.flac"), vec![i as f32 + 0.5; DIM]))
        .collect();
    let mut idx = Index::build(entries).unwrap();
    idx.set_record_settings(Some(settings.clone()));
    let v2 = dir.path().join("v2.idx");
    idx.save(&v2).unwrap();
    let bytes = std::fs::read(&v2).unwrap();
    let json = settings.to_value().to_string();
    let body_end = bytes.len() - 4 - 4 - json.len();
    let mut v1 = bytes[..body_end].to_vec();
    v1[8..12].copy_from_slice(&1u32.to_le_bytes());
    let crc = crc32fast::hash(&v1);
    v1.extend_from_slice(&crc.to_le_bytes());
    let v1_path = dir.path().join("v1.idx");
    std::fs::write(&v1_path, &v1).unwrap();
    let loaded = Index::load(&v1_path).unwrap();
    assert!(loaded.record_settings().is_none());
    assert_eq!(
        loaded.settings().map(|st| st.fingerprint),
        Some(settings.fingerprint())
    );
    let o = lm(&["index", "add", "--index", s(&v1_path), s(&records)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = lm(&["index", "info", s(&v1_path)]);
    let info: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(info["format_version"], 2);
    assert_eq!(info["vectors"], 3);
    assert_eq!(info["settings"], record["settings"]);
}

/// An index made from records extracted with `--tempo-range`: an audio query (`similar`) and
/// audio added to it (`index add`) are analysed over the same range, so a copy of an indexed
/// track finds it at distance 0 and can be added.
#[test]
fn audio_queries_and_additions_use_the_tempo_range_of_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let accuracy = repo("tests/fixtures/accuracy");
    // 96 BPM over the default range, 192 inside 150–250: the range changes its vector
    let groove = accuracy.join("groove_sparse_96.ogg");
    let tracks = [
        groove.clone(),
        accuracy.join("groove_waltz_138.ogg"),
        repo("audio-samples/song1_92bpm_a_minor.mp3"),
    ];
    let records = dir.path().join("r.jsonl");
    let mut args = vec![
        "extract",
        "-q",
        "--tempo-range",
        "150-250",
        "-o",
        s(&records),
    ];
    args.extend(tracks.iter().map(|p| s(p)));
    let o = lm(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let copy = dir.path().join("copy.ogg");
    std::fs::copy(&groove, &copy).unwrap();
    let default_range = dir.path().join("d.jsonl");
    assert!(
        lm(&["extract", "-q", "-o", s(&default_range), s(&copy)])
            .status
            .success()
    );
    let vector = |path: &Path, line: usize| -> serde_json::Value {
        let text = std::fs::read_to_string(path).unwrap();
        let r: serde_json::Value = serde_json::from_str(text.lines().nth(line).unwrap()).unwrap();
        r["vector"]["values"].clone()
    };
    assert_ne!(vector(&records, 0), vector(&default_range, 0));

    let idx = dir.path().join("lib.idx");
    let o = lm(&["index", "build", s(&records), "-o", s(&idx)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = lm(&["similar", "--index", s(&idx), "-k", "1", "--json", s(&copy)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let answer: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(answer["neighbors"][0]["path"], s(&groove), "{answer}");
    let d = answer["neighbors"][0]["distance"].as_f64().unwrap();
    assert!(d < 1e-4, "distance of the copy to its original: {d}");
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));

    // records of an older analysis version: an audio query is analysed with this version's
    // methods, and `similar` says once that the distances are not fully comparable
    let old_records = dir.path().join("old.jsonl");
    let text = std::fs::read_to_string(&records).unwrap();
    let old: Vec<String> = text
        .lines()
        .map(|l| {
            let mut r: serde_json::Value = serde_json::from_str(l).unwrap();
            r["settings"]["analysis_version"] = 4.into();
            r.to_string()
        })
        .collect();
    std::fs::write(&old_records, old.join("\n") + "\n").unwrap();
    let old_idx = dir.path().join("old.idx");
    assert!(
        lm(&["index", "build", s(&old_records), "-o", s(&old_idx)])
            .status
            .success()
    );
    let o = lm(&[
        "similar",
        "--index",
        s(&old_idx),
        "-k",
        "1",
        s(&copy),
        s(&copy),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("warning").count(), 1, "{err}");
    assert!(
        err.contains("analysis_version=4") && err.contains("analysis_version=5"),
        "{err}"
    );

    let o = lm(&["index", "add", "--index", s(&idx), s(&copy)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = lm(&["index", "info", s(&idx)]);
    let info: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(info["vectors"], 4, "{info}");
    assert_eq!(info["settings"]["tempo_min_bpm"], 150.0, "{info}");
}
