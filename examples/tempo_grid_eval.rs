//! Tempo-stage tuning study: computes the onset envelope of every file of one or more
//! evaluation sets (the full leitmotif pipeline, as the CLI runs it) once, then runs the rhythm
//! stage (as the pipeline calls it: with the chroma rows and the noise-like hint) over a grid of
//! level-salience modes (blend or demotion), tempo-prior centres `μ`, widths `σ`, and
//! harmonic-span ratios and demotions ([`RhythmConfig`]; the level exponent `γ`, the span window
//! (3) and the low-register span ratio (1.6) stay at their defaults unless `--wide` also
//! searches windows 1–4 and low-register ratios ∞ (off), 1.5–1.8) and prints ACC1/ACC2 per set
//! for each setting, best mean ACC1 first.
//! Used on the TUNING sets only (tools/eval_accuracy.sh; docs/accuracy.md).
//!
//! usage: cargo run --release --example tempo_grid_eval -- SET_DIR... [--verbose] [--no-grid] [--all] [--wide] [--dump OUT.jsonl]
//!
//! `SET_DIR/truth.json` holds the tempo truth (`{"file": {"bpm": 120.0, ...}}`, the format of
//! `../shared/eval/real_dev_corpus.py` and `synth_corpus.py`). `--verbose` prints the comb peaks
//! of every ACC1 miss at the default setting, with the span ratios of the full and the
//! low-register chroma at the truth's and the estimate's level; `--no-grid` skips the grid; `--all` prints every
//! grid row (default: the best 40). `LM_NO_BLEND=1` makes the default setting (the `--verbose`
//! one) use the level demotion instead of the blend, `LM_LOW_SPAN=R` its low-register span ratio
//! `R` (`inf`: off), `LM_GRID_DEMOTION=F` its metrical-grid demotion `F` (1: off). `--dump OUT.jsonl` writes, per track, every examined comb peak with the
//! quantities an octave decision can use (tools/octave_model_study.py reads it).
use std::path::Path;

use leitmotif::features::rhythm::harmony::ChromaRows;
use leitmotif::features::rhythm::{NoiseFlatness, Rhythm, RhythmConfig};
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let config = AnalysisConfig::default();
    let (sr, hop) = (config.sample_rate, config.hop_length);
    let mut keeper = Pipeline::new(
        config,
        FeatureOptions {
            keep_frames: true,
            ..Default::default()
        },
    )
    .expect("pipeline");
    // (set, file, truth bpm, envelope, chroma rows, low-register chroma rows, noise-like)
    type Track = (
        String,
        String,
        f64,
        Vec<f32>,
        Vec<[f32; 12]>,
        Vec<[f32; 12]>,
        bool,
    );
    let mut data: Vec<Track> = Vec::new();
    let dump_at = args.iter().position(|a| a == "--dump").map(|i| i + 1);
    for (_, dir) in args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && Some(*i) != dump_at)
    {
        let dir = Path::new(dir);
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("truth.json")).expect("read truth.json"),
        )
        .expect("parse truth.json");
        let set = dir.file_name().unwrap().to_string_lossy().to_string();
        for (file, t) in truth.as_object().expect("truth object") {
            let Some(bpm) = t["bpm"].as_f64() else {
                continue;
            };
            match keeper.analyze(&dir.join(file)) {
                Ok(a) => {
                    let noise_like = a.frames.as_ref().is_some_and(|f| {
                        NoiseFlatness::of_frames(&f.flatness, &f.rms).is_noise_like()
                    });
                    let (env, rows, low) = a
                        .frames
                        .map(|f| {
                            let (rows, low) = (f.chroma_rows(), f.low_chroma_rows());
                            (f.onset_strength, rows, low)
                        })
                        .unwrap_or_default();
                    data.push((set.clone(), file.clone(), bpm, env, rows, low, noise_like));
                }
                Err(e) => eprintln!("{file}: {e}"),
            }
        }
    }
    let sets: Vec<String> = {
        let mut s: Vec<String> = data.iter().map(|d| d.0.clone()).collect();
        s.dedup();
        s
    };
    let score = |cfg: &RhythmConfig, print: bool| -> Vec<(f64, f64)> {
        let mut rh = Rhythm::new(cfg.clone());
        sets.iter()
            .map(|set| {
                let (mut n, mut a1, mut a2) = (0usize, 0usize, 0usize);
                for (s, file, bpm, env, chroma, low, noise_like) in &data {
                    if s != set {
                        continue;
                    }
                    let r = rh.analyze_hinted(
                        env,
                        ChromaRows {
                            full: chroma,
                            low,
                        },
                        sr,
                        hop,
                        *noise_like,
                    );
                    let est = r.bpm.map(|b| b as f64).unwrap_or(0.0);
                    let ok1 = (est - bpm).abs() <= 0.04 * bpm;
                    let ok2 = [1.0, 2.0, 3.0, 0.5, 1.0 / 3.0]
                        .iter()
                        .any(|f| (est - bpm * f).abs() <= 0.04 * bpm * f);
                    n += 1;
                    a1 += ok1 as usize;
                    a2 += ok2 as usize;
                    if print && !ok1 {
                        let t = rh.last_tempo;
                        let peaks: Vec<String> = t
                            .map(|t| {
                                t.peaks[..t.n_peaks]
                                    .iter()
                                    .map(|p| {
                                        format!(
                                            "{:.1}:S{:.2} m{:.2} m3{:.2} sc{:.3}",
                                            p[0], p[1], p[2], p[3], p[4]
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        // span ratio g(8)/g(4) at the truth's and the estimate's level
                        let fps = sr as f32 / hop as f32;
                        let mut rect = Vec::new();
                        leitmotif::features::rhythm::tempo::detrend(
                            env,
                            ((leitmotif::features::rhythm::tempo::DETREND_S * fps).round()
                                as usize)
                                .max(3),
                            &mut rect,
                        );
                        rect.iter_mut().for_each(|v| *v = v.max(0.0));
                        let window = (leitmotif::features::rhythm::tempo::FOLD_WINDOW_S * fps)
                            .round() as usize;
                        let mut sc = leitmotif::features::rhythm::harmony::SpanScratch::default();
                        let mut span = |rows: &[[f32; 12]], b: f64| {
                            leitmotif::features::rhythm::harmony::span_ratio(
                                &rect,
                                rows,
                                60.0 * fps / b as f32,
                                window,
                                cfg.span_window,
                                &mut sc,
                            )
                            .unwrap_or(f32::NAN)
                        };
                        let (r_truth, r_est) = (span(chroma, *bpm), span(chroma, est.max(1.0)));
                        let (l_truth, l_est) = (span(low, *bpm), span(low, est.max(1.0)));
                        println!(
                            "{set}/{file}: truth {bpm:.1} est {est:.1} span r {r_truth:.2}/{r_est:.2} low {l_truth:.2}/{l_est:.2} | {}",
                            peaks.join(" | ")
                        );
                    }
                }
                (a1 as f64 / n.max(1) as f64, a2 as f64 / n.max(1) as f64)
            })
            .collect()
    };
    let default = RhythmConfig {
        level_blend: std::env::var("LM_NO_BLEND").is_err(),
        low_span_ratio: std::env::var("LM_LOW_SPAN")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(leitmotif::features::rhythm::harmony::LOW_SPAN_RATIO),
        grid_demotion: std::env::var("LM_GRID_DEMOTION")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(leitmotif::features::rhythm::tempo::GRID_DEMOTION),
        ..RhythmConfig::default()
    };
    println!("default {:?}", score(&default, verbose));
    // `--dump PATH`: per track, every examined comb peak with the quantities a level decision
    // can use (JSON lines), for offline study of the octave decision
    if let Some(path) = dump_at.and_then(|i| args.get(i)) {
        use leitmotif::features::rhythm::harmony::{SpanScratch, span_ratios};
        use leitmotif::features::rhythm::tempo::{
            ACF_SPAN_S, COMB_HARMONICS, DETREND_S, FOLD_WINDOW_S, autocorrelation, comb_salience,
            detrend, fold_ratios,
        };
        use std::io::Write;
        let fps = sr as f32 / hop as f32;
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("dump file"));
        let mut rh = Rhythm::new(default.clone());
        let (mut det, mut rho, mut sc) = (Vec::new(), Vec::new(), SpanScratch::default());
        for (set, file, bpm, env, chroma, low, noise_like) in &data {
            let rows = ChromaRows { full: chroma, low };
            let r = rh.analyze_hinted(env, rows, sr, hop, *noise_like);
            let Some(t) = rh.last_tempo else { continue };
            detrend(env, ((DETREND_S * fps).round() as usize).max(3), &mut det);
            // the lag span of `tempo::estimate` at the default range's slowest tempo
            let slowest = 60.0 * fps / default.min_bpm;
            let max_lag = ((ACF_SPAN_S * fps).max(COMB_HARMONICS as f32 * slowest)).ceil() as usize;
            autocorrelation(&det, max_lag.min(env.len() / 2).max(2), &mut rho);
            det.iter_mut().for_each(|v| *v = v.max(0.0));
            let window = (FOLD_WINDOW_S * fps).round() as usize;
            let per = |b: f32| 60.0 * fps / b;
            let sal = |b: f32| comb_salience(&rho, per(b), COMB_HARMONICS);
            let peaks: Vec<serde_json::Value> = t.peaks[..t.n_peaks]
                .iter()
                .map(|p| {
                    let b = p[0];
                    let (m, m3) = (p[2], p[3]);
                    let (alt2, _) = fold_ratios(&det, 2.0 * per(b), window);
                    let (_, alt3) = fold_ratios(&det, 3.0 * per(b), window);
                    let (mf, m3f) = fold_ratios(&det, 0.5 * per(b), window);
                    let [full, lowr] = span_ratios(&det, rows, per(b), window, 3, &mut sc);
                    let [full_h, low_h] = span_ratios(&det, rows, 2.0 * per(b), window, 3, &mut sc);
                    serde_json::json!({
                        "bpm": b, "S": p[1], "m": m, "m3": m3, "score": p[4],
                        "S2": sal(2.0 * b), "Sh": sal(0.5 * b), "S3": sal(3.0 * b), "S13": sal(b / 3.0),
                        "alt2": alt2, "alt3": alt3, "mf": mf, "m3f": m3f,
                        "span": full, "span_low": lowr, "span_h": full_h, "span_low_h": low_h,
                    })
                })
                .collect();
            let line = serde_json::json!({
                "set": set, "file": file, "truth": bpm, "est": r.bpm, "noise_like": noise_like,
                "conf": r.confidence, "peaks": peaks,
            });
            writeln!(out, "{line}").expect("write dump");
        }
    }
    let mut rows = Vec::new();
    let grid = !args.iter().any(|a| a == "--no-grid");
    // `--wide`: also the harmonic-span windows 1–4 and the low-register ratios (∞ = off)
    let wide = args.iter().any(|a| a == "--wide");
    let windows: &[usize] = if wide { &[1, 2, 3, 4] } else { &[3] };
    let lows: &[f32] = if wide {
        &[f32::INFINITY, 1.5, 1.6, 1.7, 1.8]
    } else {
        &[1.6]
    };
    for level_blend in [false, true] {
        for mu in [110.0, 120.0, 130.0, 140.0] {
            for sigma in [0.6, 0.8, 1.0] {
                for &span_window in windows {
                    for &low_span_ratio in lows {
                        for (span_ratio, span_demotion) in [
                            (1.65, 1.0),
                            (1.4, 0.1),
                            (1.5, 0.1),
                            (1.6, 0.1),
                            (1.65, 0.1),
                            (1.7, 0.1),
                            (1.8, 0.1),
                        ] {
                            if !grid || (span_demotion == 1.0 && span_window > 1) {
                                continue;
                            }
                            let cfg = RhythmConfig {
                                prior_bpm: mu,
                                prior_octaves: sigma,
                                span_ratio,
                                span_demotion,
                                span_window,
                                low_span_ratio,
                                level_blend,
                                ..default.clone()
                            };
                            let r = score(&cfg, false);
                            let mean = r.iter().map(|x| x.0).sum::<f64>() / r.len().max(1) as f64;
                            rows.push((
                                mean,
                                mu,
                                sigma,
                                span_window,
                                (span_ratio, span_demotion, low_span_ratio, level_blend),
                                r,
                            ));
                        }
                    }
                }
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    println!("sets {sets:?}");
    let shown = if args.iter().any(|a| a == "--all") {
        rows.len()
    } else {
        40
    };
    for (mean, mu, sigma, window, span, r) in rows.iter().take(shown) {
        let per: Vec<String> = r
            .iter()
            .map(|(a1, a2)| format!("{a1:.3}/{a2:.3}"))
            .collect();
        println!(
            "mean ACC1 {mean:.3}  mu {mu} sigma {sigma} span window {window} ratio/demotion {span:?}  {per:?}"
        );
    }
}
