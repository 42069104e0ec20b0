//! Development helper: runs the rhythm stage on envelopes stored as JSON
//! (`{file: {"env": [...], "duration": s}}`, e.g. dumped from librosa) and prints per-file
//! estimates with a quick beat F-measure against the synthetic grid `k·60/bpm`.
//!
//! usage: rhythm_envjson ENV.json TRUTH.json [tightness] [latency_s]
use leitmotif::features::rhythm::{Rhythm, RhythmConfig};

fn f_measure(reference: &[f64], estimate: &[f64], win: f64) -> f64 {
    let r: Vec<f64> = reference.iter().copied().filter(|&t| t >= 5.0).collect();
    let e: Vec<f64> = estimate.iter().copied().filter(|&t| t >= 5.0).collect();
    if r.is_empty() || e.is_empty() {
        return 0.0;
    }
    let mut used = vec![false; e.len()];
    let mut hits = 0usize;
    for &t in &r {
        let mut best: Option<(usize, f64)> = None;
        for (j, &x) in e.iter().enumerate() {
            let d = (x - t).abs();
            if !used[j] && d <= win && best.is_none_or(|b| d < b.1) {
                best = Some((j, d));
            }
        }
        if let Some((j, _)) = best {
            used[j] = true;
            hits += 1;
        }
    }
    let p = hits as f64 / e.len() as f64;
    let q = hits as f64 / r.len() as f64;
    if p + q == 0.0 {
        0.0
    } else {
        2.0 * p * q / (p + q)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[1]).unwrap()).unwrap();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let mut cfg = RhythmConfig::default();
    if let Some(a) = args.get(3) {
        cfg.tightness = a.parse().unwrap();
    }
    if let Some(a) = args.get(4) {
        cfg.latency_s = a.parse().unwrap();
    }
    let mut rh = Rhythm::new(cfg);
    let (mut n, mut a1, mut a2) = (0, 0, 0);
    let (mut fd, mut nd, mut fa) = (0.0, 0, 0.0);
    let mut offsets = Vec::new();
    for (file, v) in env.as_object().unwrap() {
        let e: Vec<f32> = v["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let dur = v["duration"].as_f64().unwrap();
        let t = &truth[file];
        let bpm_t = t["bpm"].as_f64().unwrap();
        let style = t["style"].as_str().unwrap();
        let r = rh.analyze(&e, 22050, 512);
        let tm = rh.last_tempo;
        let est = r.bpm.map(|b| b as f64).unwrap_or(0.0);
        let ok1 = (est - bpm_t).abs() <= 0.04 * bpm_t;
        let ok2 = [1.0, 2.0, 3.0, 0.5, 1.0 / 3.0]
            .iter()
            .any(|f| (est - bpm_t * f).abs() <= 0.04 * bpm_t * f);
        n += 1;
        a1 += ok1 as usize;
        a2 += ok2 as usize;
        let period = 60.0 / bpm_t;
        let nb = (dur / period - 1e-9).floor() as usize + 1;
        let reference: Vec<f64> = (0..nb).map(|k| k as f64 * period).collect();
        let est_b: Vec<f64> = r.beats.iter().map(|&x| x as f64).collect();
        let f = f_measure(&reference, &est_b, 0.07);
        if ok1 {
            for &b in &est_b {
                if b > 5.0 {
                    let k = (b / period).round();
                    offsets.push(b - k * period);
                }
            }
        }
        fa += f;
        if style == "groove" {
            fd += f;
            nd += 1;
        }
        println!(
            "{file} {style:8} truth {bpm_t:6.1} est {est:6.1} {} conf {:.2} m {:.2} sub {:.2} dbl {} F {f:.3}",
            if ok1 {
                "OK "
            } else if ok2 {
                "ok2"
            } else {
                "BAD"
            },
            r.confidence,
            tm.map(|t| t.mid_ratio).unwrap_or(0.0),
            tm.map(|t| t.sub_ratio).unwrap_or(0.0),
            tm.map(|t| t.doubled).unwrap_or(false),
        );
    }
    offsets.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let med = if offsets.is_empty() {
        0.0
    } else {
        offsets[offsets.len() / 2]
    };
    println!(
        "n={n} ACC1={:.3} ACC2={:.3} F_drums={:.3} (n={nd}) F_all={:.3} median beat offset {:.4} s",
        a1 as f64 / n as f64,
        a2 as f64 / n as f64,
        fd / nd as f64,
        fa / n as f64,
        med
    );
}
