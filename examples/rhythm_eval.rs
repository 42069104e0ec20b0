//! End-to-end rhythm evaluation: decode → resample → STFT (`leitmotif::Analyzer`) → onset
//! envelope → `features::rhythm`, over every audio file in a folder.
//!
//! usage: cargo run --release --example rhythm_eval -- AUDIO_DIR OUT_DIR
//!
//! Writes
//! - `OUT_DIR/estimates.json`: `{file: {"leitmotif": {"bpm": x}}}` (score.py's format; `bpm`
//!   is `null` when no pulse was found),
//! - `OUT_DIR/rhythm.json`: `{file: {"bpm", "confidence", "beats", "onset_rate", "duration_s",
//!   "rhythm_ms", "total_ms"}}` for beat scoring (tools/eval_rhythm.py),
//! - `OUT_DIR/env.json`: the envelopes (`{file: {"env": [...], "duration": s}}`).
//!
//! The onset envelope is librosa 0.11's `onset.onset_strength(y, sr=22050)` default, computed
//! here by [`OnsetSink`]: 128-band Slaney mel of `|STFT|²`, `power_to_db(ref=1, amin=1e-10,
//! top_db=80)` against the whole track's maximum, first difference (lag 1), half-wave
//! rectified, mean over bands, 3 leading zeros, as many values as STFT frames.
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use leitmotif::dsp::Frame;
use leitmotif::features::rhythm::Rhythm;
use leitmotif::{AnalysisConfig, Analyzer, FrameSink};

/// Slaney mel scale (librosa `hz_to_mel(htk=False)`).
fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let logstep = (6.4f64).ln() / 27.0;
    if f >= 1000.0 { 15.0 + (f / 1000.0).ln() / logstep } else { f / f_sp }
}

fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let logstep = (6.4f64).ln() / 27.0;
    if m >= 15.0 { 1000.0 * (logstep * (m - 15.0)).exp() } else { f_sp * m }
}

/// Slaney-normalised triangular mel filters (librosa `filters.mel(norm='slaney')`), stored
/// sparsely as (first bin, weights).
fn mel_filters(sr: u32, n_fft: usize, n_mels: usize) -> Vec<(usize, Vec<f32>)> {
    let n_bins = n_fft / 2 + 1;
    let fmax = sr as f64 / 2.0;
    let (m0, m1) = (hz_to_mel(0.0), hz_to_mel(fmax));
    let mel_f: Vec<f64> =
        (0..n_mels + 2).map(|i| mel_to_hz(m0 + (m1 - m0) * i as f64 / (n_mels + 1) as f64)).collect();
    let fft_f: Vec<f64> = (0..n_bins).map(|k| k as f64 * sr as f64 / n_fft as f64).collect();
    (0..n_mels)
        .map(|i| {
            let enorm = 2.0 / (mel_f[i + 2] - mel_f[i]);
            let (d0, d1) = (mel_f[i + 1] - mel_f[i], mel_f[i + 2] - mel_f[i + 1]);
            let w: Vec<f32> = fft_f
                .iter()
                .map(|&f| {
                    let lower = (f - mel_f[i]) / d0;
                    let upper = (mel_f[i + 2] - f) / d1;
                    (lower.min(upper).max(0.0) * enorm) as f32
                })
                .collect();
            let first = w.iter().position(|&v| v > 0.0).unwrap_or(0);
            let last = w.iter().rposition(|&v| v > 0.0).map_or(first, |p| p + 1);
            (first, w[first..last.max(first)].to_vec())
        })
        .collect()
}

/// Collects mel power in dB per frame; the envelope is formed at the end (top_db needs the
/// track maximum).
struct OnsetSink {
    filters: Vec<(usize, Vec<f32>)>,
    db: Vec<f32>,
    frames: usize,
}

impl OnsetSink {
    fn new(sr: u32, n_fft: usize) -> Self {
        OnsetSink { filters: mel_filters(sr, n_fft, 128), db: Vec::new(), frames: 0 }
    }

    fn envelope(&self) -> Vec<f32> {
        let n_mels = self.filters.len();
        let max = self.db.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let floor = max - 80.0;
        let mut env = vec![0.0f32; self.frames];
        for t in 1..self.frames {
            let (a, b) = (&self.db[(t - 1) * n_mels..t * n_mels], &self.db[t * n_mels..(t + 1) * n_mels]);
            let mut s = 0.0f32;
            for (x, y) in a.iter().zip(b) {
                s += (y.max(floor) - x.max(floor)).max(0.0);
            }
            let out = t + 2; // diff index t−1, plus 3 leading zeros
            if out < self.frames {
                env[out] = s / n_mels as f32;
            }
        }
        env
    }
}

impl FrameSink for OnsetSink {
    fn begin(&mut self, _sr: u32, _n_fft: usize, _hop: usize) {
        self.db.clear();
        self.frames = 0;
    }

    fn frame(&mut self, frame: &Frame<'_>) {
        for (first, w) in &self.filters {
            let mut p = 0.0f32;
            for (m, &wk) in frame.magnitude[*first..*first + w.len()].iter().zip(w) {
                p += wk * m * m;
            }
            self.db.push(10.0 * p.max(1e-10).log10());
        }
        self.frames += 1;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: rhythm_eval AUDIO_DIR OUT_DIR");
        std::process::exit(2);
    }
    let (dir, out) = (Path::new(&args[1]), Path::new(&args[2]));
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    let config = AnalysisConfig::default();
    let (sr, n_fft, hop) = (config.sample_rate, config.n_fft, config.hop_length);
    let mut analyzer = Analyzer::new(config).expect("analyzer");
    let mut sink = OnsetSink::new(sr, n_fft);
    let mut rhythm = Rhythm::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("read AUDIO_DIR")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "json" && e != "txt" && e != "md"))
        .collect();
    files.sort();
    let mut estimates = BTreeMap::new();
    let mut details = BTreeMap::new();
    let mut envs = BTreeMap::new();
    let (mut rhythm_total, mut all_total) = (0.0f64, 0.0f64);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let t0 = Instant::now();
        let features = match analyzer.run(path, &mut sink) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let env = sink.envelope();
        let t1 = Instant::now();
        let r = rhythm.analyze(&env, sr, hop);
        let t2 = Instant::now();
        let rhythm_ms = (t2 - t1).as_secs_f64() * 1e3;
        let total_ms = (t2 - t0).as_secs_f64() * 1e3;
        rhythm_total += rhythm_ms;
        all_total += total_ms;
        println!(
            "{name}: bpm {:?} conf {:.2} beats {} onset_rate {:.2} rhythm {rhythm_ms:.2} ms total {total_ms:.0} ms",
            r.bpm,
            r.confidence,
            r.beats.len(),
            r.onset_rate
        );
        estimates.insert(name.clone(), serde_json::json!({"leitmotif": {"bpm": r.bpm}}));
        details.insert(
            name.clone(),
            serde_json::json!({
                "bpm": r.bpm, "confidence": r.confidence, "beats": r.beats, "onset_rate": r.onset_rate,
                "duration_s": features.duration_s, "rhythm_ms": rhythm_ms, "total_ms": total_ms,
            }),
        );
        envs.insert(name, serde_json::json!({"env": env, "duration": features.duration_s}));
    }
    let write = |f: &str, v: &BTreeMap<String, serde_json::Value>| {
        std::fs::write(out.join(f), serde_json::to_string_pretty(v).unwrap()).expect("write output");
    };
    write("estimates.json", &estimates);
    write("rhythm.json", &details);
    std::fs::write(out.join("env.json"), serde_json::to_string(&envs).unwrap()).expect("write env");
    println!(
        "{} files; rhythm stage {:.2} ms total ({:.3} ms/file); end to end {:.0} ms ({:.1} ms/file); rhythm share {:.3} %",
        files.len(),
        rhythm_total,
        rhythm_total / files.len().max(1) as f64,
        all_total,
        all_total / files.len().max(1) as f64,
        100.0 * rhythm_total / all_total.max(1e-9)
    );
}
