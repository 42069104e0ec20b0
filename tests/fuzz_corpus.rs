//! Fuzz smoke through the main crate: every seed of `fuzz/corpus/` (test fixtures and the
//! hostile repro files, `tools/make_fuzz_corpus.sh`) through `Decoder` and the whole
//! `Pipeline`, with one-byte mutations of each seed's first 256 bytes. Nothing may panic, no
//! error may be `internal`, and every decoded sample must be finite and within ±64. Under
//! `cargo test` (the test profile keeps overflow checks on) an arithmetic overflow on this
//! hostile input fails the test even where a release build would wrap.

mod common;

use std::io::Cursor;
use std::path::Path;

use leitmotif::audio::Decoder;
use leitmotif::{AnalysisConfig, ErrorKind, FeatureOptions, Input, Pipeline};

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for target in ["alac", "opus", "decode", "pipeline"] {
        let dir = common::repo(&format!("fuzz/corpus/{target}"));
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    assert!(out.len() >= 20, "{} seeds", out.len());
    out
}

fn decode(name: &str, bytes: &[u8]) {
    let Ok(mut d) = Decoder::open_reader(Path::new(name), Box::new(Cursor::new(bytes.to_vec())))
    else {
        return;
    };
    while let Ok(Some(c)) = d.next_chunk() {
        assert!(
            c.samples.iter().all(|x| x.is_finite() && x.abs() <= 64.0),
            "{name}: a sample left the decoder non-finite or beyond ±64"
        );
        if d.frames_decoded() > 5_000_000 {
            break;
        }
    }
}

#[test]
fn the_fuzz_corpus_and_its_mutations_pass_through_the_decoder() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for (name, bytes) in seeds() {
        decode(&name, &bytes);
        for _ in 0..8 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut m = bytes.clone();
            let k = (x as usize) % m.len().min(256);
            m[k] = (x >> 40) as u8;
            decode(&name, &m);
        }
    }
}

#[test]
fn the_fuzz_corpus_passes_through_the_pipeline() {
    let config = AnalysisConfig {
        max_duration_s: Some(30.0),
        ..AnalysisConfig::default()
    };
    let mut pipeline = Pipeline::new(config, FeatureOptions::default()).unwrap();
    for (name, bytes) in seeds() {
        if let Err(e) = pipeline.analyze_input(Input::Bytes(&bytes), &name) {
            assert_ne!(e.kind(), ErrorKind::Internal, "{name}: {e}");
        }
    }
}
