//! Evaluation of the similarity search (driven by `tools/eval_similarity.sh`).
//!
//! ```text
//! eval_similarity duplicates COPIES.tsv COPIES.jsonl LIBRARY.idx
//!     COPIES.tsv: "copy<TAB>original" lines; COPIES.jsonl: `leitmotif extract` of the copies.
//!     Prints the top-1 rate (original = nearest neighbour) per encoding and per metric variant.
//! eval_similarity music LIBRARY.idx TRUTH.json... [--oracle]
//!     For every rendered song of the truth files found in the index, ranks all other tracks and
//!     reports how often a song sharing tempo (±4 %) and key ranks above one sharing neither
//!     (pairwise AUC), per metric variant. --oracle replaces the tempo and key dimensions by
//!     the truth (an upper bound showing what the metric does with a perfect estimator).
//! ```

use std::collections::HashMap;
use std::path::Path;

use leitmotif::similarity::index::read_records;
use leitmotif::similarity::{Index, Metric, SearchMode};
use leitmotif::vector::{self, FeatureVector, SCHEMA_VERSION};

fn variants() -> Vec<(&'static str, Metric)> {
    let d = Metric::default();
    let unbalanced = Metric {
        balance_groups: false,
        ..Metric::default()
    };
    let all_one = {
        let mut m = Metric::default();
        m.group_weights.values_mut().for_each(|w| *w = 1.0);
        m
    };
    let timbre_only = {
        let mut m = Metric::default();
        m.group_weights.values_mut().for_each(|w| *w = 0.0);
        m.group_weights.insert("timbre".into(), 1.0);
        m
    };
    let first = Metric::default()
        .with_overrides(
            "timbre=1,contrast=1,spectral=1,loudness=1,duration=0.5,tempo=1,key=1,chroma=1",
        )
        .unwrap_or_default();
    let pre_merge = Metric::default()
        .with_overrides("tempo=2,key=2,chroma=1")
        .unwrap_or_default();
    let musical = d
        .clone()
        .with_overrides("tempo=2,key=4,chroma=3")
        .unwrap_or_default();
    let mut out: Vec<(&'static str, Metric)> = vec![
        ("default (group-balanced)", d),
        ("first draft (all 1 but tuning)", first),
        ("tempo=2,key=2,chroma=1", pre_merge),
        ("all groups weight 1", all_one),
        ("per-dimension (unbalanced)", unbalanced),
        ("timbre only", timbre_only),
        ("tempo=2,key=4,chroma=3", musical),
    ];
    // EVAL_VARIANTS="spec;spec;..." adds variants (weights over the defaults).
    if let Ok(extra) = std::env::var("EVAL_VARIANTS") {
        for spec in extra.split(';').filter(|s| !s.trim().is_empty()) {
            let m = Metric::default()
                .with_overrides(spec)
                .unwrap_or_else(|e| die(e.to_string()));
            out.push((Box::leak(spec.to_string().into_boxed_str()), m));
        }
    }
    out
}

fn die(msg: String) -> ! {
    eprintln!("eval_similarity: {msg}");
    std::process::exit(2)
}

fn duplicates(tsv: &Path, copies: &Path, idx: &Path) {
    let index = Index::load(idx).unwrap_or_else(|e| die(e.to_string()));
    let text =
        std::fs::read_to_string(tsv).unwrap_or_else(|e| die(format!("{}: {e}", tsv.display())));
    let original: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    let recs = read_records(copies).unwrap_or_else(|e| die(e.to_string()));
    println!(
        "duplicate detection: {} copies analysed ({} failed to analyse), library of {} tracks",
        recs.entries.len(),
        recs.skipped.len(),
        index.len()
    );
    for (name, metric) in variants() {
        let w = metric.dim_weights();
        let mut per_kind: HashMap<String, (usize, usize)> = HashMap::new();
        let (mut ok, mut total, mut rr) = (0usize, 0usize, 0.0f64);
        for (copy, v) in &recs.entries {
            let Some(orig) = original.get(copy.as_str()) else {
                continue;
            };
            let z = index
                .standardize(
                    &FeatureVector {
                        version: SCHEMA_VERSION,
                        values: v.clone(),
                    },
                    copy,
                )
                .unwrap_or_else(|e| die(e.to_string()));
            let ns = index.search(&z, 10, &w, SearchMode::Exact, None);
            let rank = ns.iter().position(|n| index.path(n.id) == *orig);
            let hit = rank == Some(0);
            rr += rank.map(|r| 1.0 / (r + 1) as f64).unwrap_or(0.0);
            let kind = copy
                .rsplit('/')
                .next()
                .unwrap_or(copy)
                .split_once('_')
                .map_or("?", |x| x.1)
                .to_string();
            let e = per_kind.entry(kind).or_default();
            e.0 += hit as usize;
            e.1 += 1;
            ok += hit as usize;
            total += 1;
        }
        let mut kinds: Vec<_> = per_kind.into_iter().collect();
        kinds.sort();
        let detail: Vec<String> = kinds
            .iter()
            .map(|(k, (h, t))| format!("{k} {:.1} % ({h}/{t})", 100.0 * *h as f64 / *t as f64))
            .collect();
        println!(
            "  {name:<28} top-1 {:.1} % ({ok}/{total}), MRR@10 {:.3}; {}",
            100.0 * ok as f64 / total.max(1) as f64,
            rr / total.max(1) as f64,
            detail.join(", ")
        );
    }
}

#[derive(Clone, Copy)]
struct Truth {
    bpm: f64,
    pc: usize,
    minor: bool,
}

fn music(idx: &Path, truths: &[String], oracle: bool) {
    let mut index = Index::load(idx).unwrap_or_else(|e| die(e.to_string()));
    let mut songs: Vec<(u32, Truth)> = Vec::new();
    for t in truths {
        let tp = Path::new(t);
        let dir = tp.parent().unwrap_or(Path::new("."));
        let text = std::fs::read_to_string(tp).unwrap_or_else(|e| die(format!("{t}: {e}")));
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| die(format!("{t}: {e}")));
        let Some(obj) = v.as_object() else {
            die(format!("{t}: not an object"))
        };
        for (name, s) in obj {
            let p = dir.join(name).to_string_lossy().into_owned();
            let (Some(bpm), Some(key), Some(mode)) =
                (s["bpm"].as_f64(), s["key"].as_str(), s["mode"].as_str())
            else {
                continue;
            };
            let Some(pc) = vector::pitch_class(key) else {
                continue;
            };
            if let Some(id) = index.find(&p) {
                songs.push((
                    id,
                    Truth {
                        bpm,
                        pc,
                        minor: mode == "minor",
                    },
                ));
            }
        }
    }
    if oracle {
        let names: Vec<&str> = vector::schema().iter().map(|d| d.name).collect();
        let at = |n: &str| {
            names
                .iter()
                .position(|x| *x == n)
                .unwrap_or_else(|| die(format!("no dim {n}")))
        };
        let mut paths = index.paths().to_vec();
        let mut raw = index.raw_vectors().to_vec();
        let dim = index.dim();
        for &(id, t) in &songs {
            let r = &mut raw[id as usize * dim..(id as usize + 1) * dim];
            let th = std::f64::consts::TAU * (t.bpm / 60.0).log2();
            r[at("tempo.has_pulse")] = 1.0;
            r[at("tempo.octave_sin")] = th.sin() as f32;
            r[at("tempo.octave_cos")] = th.cos() as f32;
            r[at("tempo.log2_rel120")] = (t.bpm / 120.0).log2().clamp(-2.0, 2.0) as f32;
            r[at("tempo.confidence")] = 1.0;
            let major_pc = if t.minor { (t.pc + 3) % 12 } else { t.pc };
            let ph = std::f64::consts::TAU * ((7 * major_pc) % 12) as f64 / 12.0;
            r[at("key.fifths_sin")] = ph.sin() as f32;
            r[at("key.fifths_cos")] = ph.cos() as f32;
            r[at("key.mode")] = if t.minor { -1.0 } else { 1.0 };
            r[at("key.confidence")] = 1.0;
        }
        let ids: Vec<u32> = songs.iter().map(|s| s.0).collect();
        index = Index::from_raw(std::mem::take(&mut paths), raw);
        // from_raw may regroup rows; map the songs by path again.
        let _ = ids;
        let old = songs.clone();
        songs.clear();
        let orig = Index::load(idx).unwrap_or_else(|e| die(e.to_string()));
        for (id, t) in old {
            if let Some(n) = index.find(orig.path(id)) {
                songs.push((n, t));
            }
        }
    }
    let by_id: HashMap<u32, Truth> = songs.iter().copied().collect();
    let same_tempo = |a: &Truth, b: &Truth| (a.bpm / b.bpm).log2().abs() < 1.04f64.log2();
    let same_key = |a: &Truth, b: &Truth| a.pc == b.pc && a.minor == b.minor;
    println!(
        "musical sense{}: {} rendered songs in a library of {} (AUC = P(a song sharing X ranks above one sharing neither))",
        if oracle { " (oracle tempo/key)" } else { "" },
        songs.len(),
        index.len()
    );
    for (name, metric) in variants() {
        let w = metric.dim_weights();
        // (wins, pairs) for: both, key only, tempo only (each vs neither)
        let mut acc = [(0.0f64, 0usize); 3];
        let mut both_top10 = (0usize, 0usize);
        for &(q, tq) in &songs {
            let ns = index.search(
                index.z_vector(q),
                index.len(),
                &w,
                SearchMode::Exact,
                Some(q),
            );
            let mut ranks: [Vec<usize>; 4] = Default::default();
            for (r, n) in ns.iter().enumerate() {
                let Some(t) = by_id.get(&n.id) else { continue };
                let (st, sk) = (same_tempo(&tq, t), same_key(&tq, t));
                let c = match (st, sk) {
                    (true, true) => 0,
                    (false, true) => 1,
                    (true, false) => 2,
                    (false, false) => 3,
                };
                ranks[c].push(r);
                if c == 0 {
                    both_top10.1 += 1;
                    both_top10.0 += (r < 10) as usize;
                }
            }
            for c in 0..3 {
                for &a in &ranks[c] {
                    for &b in &ranks[3] {
                        acc[c].0 += if a < b {
                            1.0
                        } else if a == b {
                            0.5
                        } else {
                            0.0
                        };
                        acc[c].1 += 1;
                    }
                }
            }
        }
        let f = |x: (f64, usize)| if x.1 == 0 { f64::NAN } else { x.0 / x.1 as f64 };
        println!(
            "  {name:<28} AUC both {:.3} ({} pairs), key only {:.3}, tempo only {:.3}; both-sharing songs in top-10: {}/{}",
            f(acc[0]),
            acc[0].1,
            f(acc[1]),
            f(acc[2]),
            both_top10.0,
            both_top10.1
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("duplicates") if args.len() == 4 => {
            duplicates(Path::new(&args[1]), Path::new(&args[2]), Path::new(&args[3]))
        }
        Some("music") if args.len() >= 3 => {
            let oracle = args.iter().any(|a| a == "--oracle");
            let truths: Vec<String> = args[2..].iter().filter(|a| *a != "--oracle").cloned().collect();
            music(Path::new(&args[1]), &truths, oracle)
        }
        _ => die("usage: eval_similarity duplicates COPIES.tsv COPIES.jsonl LIBRARY.idx | music LIBRARY.idx TRUTH.json... [--oracle]".into()),
    }
}
