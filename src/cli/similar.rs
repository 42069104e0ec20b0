//! `leitmotif similar`: the k nearest tracks of each query.
//!
//! A query is a path stored in the index, matched as written or as the same file by
//! canonical path (its stored vector is used, and the track itself is left out of its
//! neighbours), or an audio file (analysed on the fly, with the index's analysis settings). Output, in query
//! order: a block per query, or with `--json` one line per query:
//! `{"query": "...", "neighbors": [{"path": "...", "distance": 0.42}, ...]}`; a query that
//! fails yields `{"query": "...", "error": {"kind": "...", "message": "..."}}` (text mode:
//! a `leitmotif: path: cause` line on stderr) and the others are still answered (exit 1).

use std::path::{Path, PathBuf};

use clap::Args;
use leitmotif::output::Settings;
use leitmotif::similarity::{Index, Metric, SearchMode, ivf};
use leitmotif::{Pipeline, batch};

#[derive(Args, Debug)]
pub struct SimilarArgs {
    /// The index file (`leitmotif index build`).
    #[arg(long)]
    index: PathBuf,
    /// Number of neighbours (at least 1).
    #[arg(short, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    k: u32,
    /// One JSON line per query.
    #[arg(long)]
    json: bool,
    /// Group weights replacing the defaults, e.g. `timbre=6,tempo=0.5` (timbre doubled from
    /// its default 3; repeatable; see `leitmotif schema`).
    #[arg(long, value_name = "GROUP=W,...")]
    weight: Vec<String>,
    /// Approximate search (IVF) instead of the exact flat scan.
    #[arg(long)]
    approx: bool,
    /// IVF cells probed per query with --approx (default: nlist/16, at least 8).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    nprobe: Option<u32>,
    /// Weight every dimension alike instead of balancing groups (for evaluation).
    #[arg(long, hide = true)]
    unbalanced: bool,
    /// Queries analysed in parallel (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Audio files or paths stored in the index.
    #[arg(required = true)]
    queries: Vec<PathBuf>,
}

#[derive(serde::Serialize)]
struct JsonNeighbor<'a> {
    path: &'a str,
    distance: f32,
}

#[derive(serde::Serialize)]
struct JsonAnswer<'a> {
    query: &'a str,
    neighbors: Vec<JsonNeighbor<'a>>,
}

#[derive(serde::Serialize)]
struct JsonError<'a> {
    kind: &'a str,
    message: &'a str,
}

#[derive(serde::Serialize)]
struct JsonFailure<'a> {
    query: &'a str,
    error: JsonError<'a>,
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|e| format!("{{\"error\":{{\"kind\":\"internal\",\"message\":\"{e}\"}}}}"))
}

enum Answer {
    Neighbors(Vec<(String, f32)>),
    Failed { kind: &'static str, message: String },
}

pub fn run(args: SimilarArgs) -> i32 {
    let index = match Index::load(&args.index) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("leitmotif: {e}");
            return 2;
        }
    };
    let mut metric = Metric {
        balance_groups: !args.unbalanced,
        ..Metric::default()
    };
    for spec in &args.weight {
        metric = match metric.with_overrides(spec) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("leitmotif: {e}");
                return 2;
            }
        };
    }
    let w = metric.dim_weights();
    let mode = if args.approx {
        SearchMode::Approx {
            nprobe: args
                .nprobe
                .map(|n| n as usize)
                .unwrap_or_else(|| ivf::default_nprobe(index.nlist())),
        }
    } else {
        SearchMode::Exact
    };
    if index.is_empty() {
        eprintln!(
            "leitmotif: {}: warning: the index is empty",
            args.index.display()
        );
    }
    let k = args.k as usize;
    // queries given as audio are analysed with the settings of the index's vectors
    let config = index.analysis_config();
    let options = index.feature_options();
    // a query analysed now with settings other than the index's (an index of format 1 made
    // with `--tempo-range`, or vectors of an older analysis version) is not fully comparable
    let mismatch = index.query_settings_warning(&Settings::new(&config, &options));
    let warned = std::sync::atomic::AtomicBool::new(false);
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let answer = |pipeline: &mut Option<Pipeline>, q: &Path| -> Answer {
        let qs = q.to_string_lossy();
        let stored = index.find(&qs).or_else(|| index.find_canonical(q));
        let (qz, skip) = if let Some(id) = stored {
            (index.z_vector(id).to_vec(), Some(id))
        } else {
            if pipeline.is_none() {
                match Pipeline::new(config.clone(), options) {
                    Ok(p) => *pipeline = Some(p),
                    Err(e) => {
                        return Answer::Failed {
                            kind: e.kind().as_str(),
                            message: e.to_string(),
                        };
                    }
                }
            }
            let Some(p) = pipeline.as_mut() else {
                return Answer::Failed {
                    kind: "internal",
                    message: "no pipeline".into(),
                };
            };
            let v = match p.analyze(q) {
                Ok(a) => {
                    if let Some(warning) = &mismatch
                        && !warned.swap(true, std::sync::atomic::Ordering::Relaxed)
                    {
                        eprintln!("leitmotif: {}: warning: {warning}", args.index.display());
                    }
                    a.record.vector
                }
                Err(e) => {
                    let message = if q.exists() {
                        e.to_string()
                    } else {
                        format!("{qs}: not a path stored in the index, and not a readable file")
                    };
                    return Answer::Failed {
                        kind: e.kind().as_str(),
                        message,
                    };
                }
            };
            match index.standardize(&v, &qs) {
                Ok(z) => (z, None),
                Err(e) => {
                    return Answer::Failed {
                        kind: "schema",
                        message: e.to_string(),
                    };
                }
            }
        };
        let found = index.search(&qz, k, &w, mode, skip);
        Answer::Neighbors(
            found
                .into_iter()
                .map(|n| (index.path(n.id).to_string(), n.distance))
                .collect(),
        )
    };
    let mut failed = 0usize;
    let json = args.json;
    let res = batch::run(
        &args.queries,
        jobs,
        || None,
        answer,
        |_, q, a| {
            let qs = q.to_string_lossy();
            match a {
                Answer::Neighbors(ns) => {
                    if json {
                        let neighbors = ns
                            .iter()
                            .map(|(p, d)| JsonNeighbor {
                                path: p,
                                distance: *d,
                            })
                            .collect();
                        println!(
                            "{}",
                            to_json(&JsonAnswer {
                                query: &qs,
                                neighbors
                            })
                        );
                    } else {
                        println!("{qs}");
                        for (i, (p, d)) in ns.iter().enumerate() {
                            println!("  {:>3}. {d:>9.4}  {p}", i + 1);
                        }
                    }
                }
                Answer::Failed { kind, message } => {
                    failed += 1;
                    if json {
                        println!(
                            "{}",
                            to_json(&JsonFailure {
                                query: &qs,
                                error: JsonError {
                                    kind,
                                    message: &message
                                }
                            })
                        );
                    } else {
                        eprintln!("leitmotif: {message}");
                    }
                }
            }
        },
    );
    if let Err(e) = res {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    if failed > 0 { 1 } else { 0 }
}
