//! End-to-end rhythm evaluation over every audio file in a folder: the full leitmotif
//! extraction (`leitmotif::Pipeline`: decode → resample → STFT → every frame feature,
//! including the onset envelope of `features::onset` → `features::rhythm`), as the CLI runs it.
//!
//! usage: cargo run --release --example rhythm_eval -- AUDIO_DIR OUT_DIR
//!
//! Writes
//! - `OUT_DIR/estimates.json`: `{file: {"leitmotif": {"bpm": x}}}` (score.py's format; `bpm`
//!   is `null` when no pulse was found),
//! - `OUT_DIR/rhythm.json`: `{file: {"bpm", "confidence", "beats", "onset_rate", "duration_s",
//!   "rhythm_ms", "total_ms"}}` for beat scoring (tools/eval_rhythm.py),
//! - `OUT_DIR/env.json`: the onset envelopes and chroma rows (`{file: {"env": [...],
//!   "chroma": [12 per frame...], "duration": s}}`).
//!
//! Each file is analysed twice: once as the CLI does (no per-frame rows kept; its wall time
//! is `total_ms` and its tempo/beats are the reported ones), and once keeping the per-frame
//! rows to obtain the onset envelope, on which the rhythm stage alone is timed
//! (`rhythm_ms`, best of 3 runs) and checked to reproduce the first pass.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use leitmotif::features::rhythm::Rhythm;
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: rhythm_eval AUDIO_DIR OUT_DIR");
        std::process::exit(2);
    }
    let (dir, out) = (Path::new(&args[1]), Path::new(&args[2]));
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    let config = AnalysisConfig::default();
    let (sr, hop) = (config.sample_rate, config.hop_length);
    let mut pipeline = Pipeline::new(config.clone(), FeatureOptions::default()).expect("pipeline");
    let mut keeper = Pipeline::new(
        config,
        FeatureOptions {
            keep_frames: true,
            ..Default::default()
        },
    )
    .expect("pipeline");
    let mut rhythm = Rhythm::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read AUDIO_DIR")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .is_some_and(|e| e != "json" && e != "txt" && e != "md")
        })
        .collect();
    files.sort();
    let mut estimates = BTreeMap::new();
    let mut details = BTreeMap::new();
    let mut envs = BTreeMap::new();
    let (mut rhythm_total, mut all_total) = (0.0f64, 0.0f64);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let t0 = Instant::now();
        let analysis = match pipeline.analyze(path) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let total_ms = t0.elapsed().as_secs_f64() * 1e3;
        let features = &analysis.record.features;
        let (env, chroma, rows, low, noise_like) = match keeper.analyze(path) {
            Ok(a) => a
                .frames
                .map(|f| {
                    let (rows, low) = (f.chroma_rows(), f.low_chroma_rows());
                    let noise =
                        leitmotif::features::rhythm::NoiseFlatness::of_frames(&f.flatness, &f.rms);
                    (f.onset_strength, f.chroma, rows, low, noise.is_noise_like())
                })
                .unwrap_or_default(),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let mut rhythm_ms = f64::INFINITY;
        let mut r = Default::default();
        for _ in 0..3 {
            let t1 = Instant::now();
            r = rhythm.analyze_hinted(
                &env,
                leitmotif::features::rhythm::harmony::ChromaRows {
                    full: &rows,
                    low: &low,
                },
                sr,
                hop,
                noise_like,
            );
            rhythm_ms = rhythm_ms.min(t1.elapsed().as_secs_f64() * 1e3);
        }
        let r: leitmotif::features::rhythm::RhythmResult = r;
        assert_eq!(
            r.bpm.map(|b| b as f64),
            features.tempo.bpm,
            "{name}: rhythm stage not reproduced"
        );
        rhythm_total += rhythm_ms;
        all_total += total_ms;
        println!(
            "{name}: bpm {:?} conf {:.2} beats {} onset_rate {:.2} rhythm {rhythm_ms:.2} ms, full extraction {total_ms:.0} ms",
            features.tempo.bpm,
            features.tempo.confidence,
            features.beats.len(),
            features.onset_rate
        );
        estimates.insert(
            name.clone(),
            serde_json::json!({"leitmotif": {"bpm": features.tempo.bpm}}),
        );
        details.insert(
            name.clone(),
            serde_json::json!({
                "bpm": features.tempo.bpm, "confidence": features.tempo.confidence, "beats": features.beats,
                "onset_rate": features.onset_rate, "duration_s": analysis.record.duration_s,
                "rhythm_ms": rhythm_ms, "total_ms": total_ms,
            }),
        );
        envs.insert(
            name,
            serde_json::json!({"env": env, "chroma": chroma, "duration": analysis.record.duration_s,
                "peaks": rhythm.last_tempo.map(|t| t.peaks[..t.n_peaks].to_vec()).unwrap_or_default()}),
        );
    }
    let write = |f: &str, v: &BTreeMap<String, serde_json::Value>| {
        std::fs::write(out.join(f), serde_json::to_string_pretty(v).unwrap())
            .expect("write output");
    };
    write("estimates.json", &estimates);
    write("rhythm.json", &details);
    std::fs::write(out.join("env.json"), serde_json::to_string(&envs).unwrap()).expect("write env");
    println!(
        "{} files; rhythm stage {:.2} ms total ({:.3} ms/file); full extraction {:.0} ms ({:.1} ms/file); rhythm share {:.3} %",
        files.len(),
        rhythm_total,
        rhythm_total / files.len().max(1) as f64,
        all_total,
        all_total / files.len().max(1) as f64,
        100.0 * rhythm_total / all_total.max(1e-9)
    );
}
