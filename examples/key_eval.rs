//! Key evaluation: runs `leitmotif::frontend::Frontend::run` over every audio file in a folder with a
//! [`TonalAnalyzer`] as the frame sink and writes `estimates.json` in the format of
//! `score.py` (`{"file.ext": {"leitmotif": {"key": "A", "mode": "minor"}}}`).
//!
//! ```text
//! cargo run --release --example key_eval -- DIR [OUT.json] [--profiles PROFILES.json]
//! ```
//! `--profiles` also writes, per file, the tuning and the track-level HPCP and mean chroma
//! (for studying key-profile methods offline). Prints timing: total wall time, audio seconds
//! and the share spent inside the tonal stage.
//!
//! Environment variables override the defaults, for the ablations in `docs/accuracy.md`:
//! `LM_PROFILE` (`krumhansl`, `temperley`, `aarden`), `LM_OPEN_W` (opening weight), `LM_BASS_W`
//! (bass-profile weight), `LM_DOM_W` (dominant-seventh weight), `LM_MIN_W` (harmonic-minor
//! weight), `LM_BASS_MARGIN` (score margin below which the bass counts), `LM_HARM`
//! (harmonics), `LM_POW` (peak weight exponent), `LM_HOP` (HPCP hop), `LM_RECORD` (also write
//! every HPCP frame to the `--profiles` file). `LM_MIN_WS=w1,w2,…` also writes
//! `OUT.minw{w}.json`, the estimates with each harmonic-minor weight, from one analysis.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leitmotif::dsp::Frame;
use leitmotif::features::tonal::{KeyProfile, TonalAnalyzer, TonalConfig};
use leitmotif::frontend::{FrameSink, Frontend};
use leitmotif::{AnalysisConfig, Input};

struct Sink {
    tonal: Option<TonalAnalyzer>,
    power: Vec<f32>,
    spent: Duration,
}

impl FrameSink for Sink {
    fn begin(&mut self, sr: u32, n_fft: usize, hop: usize) {
        let t = Instant::now();
        match &mut self.tonal {
            Some(a) => a.reset(),
            None => {
                let mut cfg = TonalConfig::default();
                if let Some(h) = std::env::var("LM_HARM").ok().and_then(|v| v.parse().ok()) {
                    cfg.hpcp.harmonics = h;
                }
                if let Some(w) = std::env::var("LM_OPEN_W").ok().and_then(|v| v.parse().ok()) {
                    cfg.opening_weight = w;
                }
                if let Some(w) = std::env::var("LM_DOM_W").ok().and_then(|v| v.parse().ok()) {
                    cfg.dominant_weight = w;
                }
                if let Some(w) = std::env::var("LM_MIN_W").ok().and_then(|v| v.parse().ok()) {
                    cfg.minor_weight = w;
                }
                if let Some(w) = std::env::var("LM_BASS_W").ok().and_then(|v| v.parse().ok()) {
                    cfg.bass_weight = w;
                }
                if let Some(d) = std::env::var("LM_BASS_MARGIN")
                    .ok()
                    .and_then(|v| v.parse().ok())
                {
                    cfg.bass_margin = d;
                }
                match std::env::var("LM_PROFILE").as_deref() {
                    Ok("krumhansl") => cfg.key_profile = KeyProfile::KrumhanslKessler,
                    Ok("temperley") => cfg.key_profile = KeyProfile::Temperley,
                    Ok("aarden") => cfg.key_profile = KeyProfile::Aarden,
                    Ok("kk") => cfg.key_profile = KeyProfile::KrumhanslKessler,
                    _ => {}
                }
                if let Some(h) = std::env::var("LM_HOP").ok().and_then(|v| v.parse().ok()) {
                    cfg.hpcp.hop = h;
                }
                if let Some(q) = std::env::var("LM_POW").ok().and_then(|v| v.parse().ok()) {
                    cfg.hpcp.magnitude_power = q;
                }
                let mut a = TonalAnalyzer::with_config(sr, n_fft, hop, cfg);
                if std::env::var("LM_RECORD").is_ok() {
                    a.debug_record_hpcp_frames();
                }
                self.tonal = Some(a)
            }
        }
        self.spent += t.elapsed();
    }
    fn analysis_audio(&mut self, samples: &[f32]) {
        let t = Instant::now();
        if let Some(a) = &mut self.tonal {
            a.audio(samples);
        }
        self.spent += t.elapsed();
    }
    fn frame(&mut self, frame: &Frame<'_>) {
        let t = Instant::now();
        self.power.clear();
        self.power.extend(frame.magnitude.iter().map(|m| m * m));
        if let Some(a) = &mut self.tonal {
            a.frame(&self.power);
        }
        self.spent += t.elapsed();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let mut out = PathBuf::from("estimates.json");
    let mut profiles: Option<PathBuf> = None;
    let mut i = 0;
    let mut positional = 0;
    while i < args.len() {
        if args[i] == "--profiles" && i + 1 < args.len() {
            profiles = Some(PathBuf::from(&args[i + 1]));
            i += 2;
            continue;
        }
        if positional == 0 {
            dir = Some(PathBuf::from(&args[i]));
        } else {
            out = PathBuf::from(&args[i]);
        }
        positional += 1;
        i += 1;
    }
    let Some(dir) = dir else {
        eprintln!("usage: key_eval DIR [OUT.json] [--profiles PROFILES.json]");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    [
                        "wav", "flac", "mp3", "ogg", "m4a", "aac", "opus", "aiff", "aif",
                    ]
                    .contains(&e.to_ascii_lowercase().as_str())
                })
            })
            .collect(),
        Err(e) => {
            eprintln!("{}: {e}", dir.display());
            std::process::exit(2);
        }
    };
    files.sort();
    let mut analyzer = Frontend::new(AnalysisConfig::default()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let mut sink = Sink {
        tonal: None,
        power: Vec::new(),
        spent: Duration::ZERO,
    };
    let mut est = BTreeMap::new();
    let mut sweep: BTreeMap<String, BTreeMap<String, serde_json::Value>> = BTreeMap::new();
    let mut prof = BTreeMap::new();
    let (mut wall, mut tonal_t, mut audio_s) = (Duration::ZERO, Duration::ZERO, 0.0);
    let mut errors = 0;
    for f in &files {
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let t0 = Instant::now();
        sink.spent = Duration::ZERO;
        let res = analyzer.run(Input::Path(Path::new(f)), Path::new(f), &mut sink);
        let r = match (res, sink.tonal.as_mut()) {
            (Ok(feat), Some(a)) => {
                let t1 = Instant::now();
                let r = a.finish();
                sink.spent += t1.elapsed();
                audio_s += feat.duration_s;
                r
            }
            (Err(e), _) => {
                eprintln!("{}: {e}", f.display());
                errors += 1;
                continue;
            }
            (Ok(_), None) => continue,
        };
        wall += t0.elapsed();
        tonal_t += sink.spent;
        if let (Ok(ws), Some(a)) = (std::env::var("LM_MIN_WS"), sink.tonal.as_ref()) {
            for w in ws.split(',').filter_map(|w| w.parse::<f64>().ok()) {
                let k = a.debug_key_with_minor_weight(r.tuning_cents as f64, w);
                sweep.entry(format!("{w}")).or_default().insert(
                    name.clone(),
                    serde_json::json!({"leitmotif": {"key": k.tonic, "mode": k.mode}}),
                );
            }
        }
        est.insert(
            name.clone(),
            serde_json::json!({"leitmotif": {"key": r.key.tonic, "mode": r.key.mode, "confidence": r.key.confidence,
                "tuning_cents": r.tuning_cents}}),
        );
        prof.insert(
            name,
            serde_json::json!({"tuning_cents": r.tuning_cents, "hpcp": r.hpcp,
                "chroma_mean": r.chroma_mean,
                "frames": sink.tonal.as_ref().map(|a| a.debug_hpcp_frames()).unwrap_or_default()}),
        );
    }
    let write = |p: &Path, v: &serde_json::Value| {
        if let Err(e) = std::fs::write(p, serde_json::to_string_pretty(v).unwrap_or_default()) {
            eprintln!("{}: {e}", p.display());
            std::process::exit(1);
        }
    };
    write(&out, &serde_json::to_value(&est).unwrap_or_default());
    // `LM_MIN_WS=w1,w2,…`: OUT.minw{w}.json, the estimates with each harmonic-minor weight
    for (w, e) in &sweep {
        let p = out.with_extension(format!("minw{w}.json"));
        write(&p, &serde_json::to_value(e).unwrap_or_default());
    }
    if let Some(p) = profiles {
        write(&p, &serde_json::to_value(&prof).unwrap_or_default());
    }
    eprintln!(
        "{} files ({} errors), {:.1} s of audio: pipeline+tonal {:.3} s, tonal {:.3} s ({:.1} %), tonal {:.1} ms per minute of audio",
        est.len(),
        errors,
        audio_s,
        wall.as_secs_f64(),
        tonal_t.as_secs_f64(),
        100.0 * tonal_t.as_secs_f64() / wall.as_secs_f64().max(1e-9),
        1000.0 * tonal_t.as_secs_f64() / (audio_s / 60.0).max(1e-9)
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
