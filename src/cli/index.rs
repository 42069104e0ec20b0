//! `leitmotif index build|add|export|info`: the embedded similarity index.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leitmotif::similarity::index::read_records;
use leitmotif::similarity::{Index, SimilarityError, parquet};
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline, batch};

#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    /// Build an index from `leitmotif extract` JSONL files (or audio files and directories,
    /// analysed on the fly). Standardisation statistics and IVF cells are computed here.
    Build {
        /// Features files (.jsonl) or audio files/directories.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The index file to write.
        #[arg(short, long)]
        output: PathBuf,
        /// Tracks analysed in parallel when inputs are audio (default: all cores).
        #[arg(short, long)]
        jobs: Option<usize>,
    },
    /// Add (or replace, by path) tracks without a rebuild. Statistics and cells are NOT
    /// recomputed: new vectors are standardised with the stored statistics.
    Add {
        /// The index to update (rewritten atomically).
        #[arg(long)]
        index: PathBuf,
        /// Features files (.jsonl) or audio files/directories.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        #[arg(short, long)]
        jobs: Option<usize>,
    },
    /// Export the vectors to Parquet (path, schema_version, vector).
    Export {
        /// The index file.
        index: PathBuf,
        /// The Parquet file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print what an index holds.
    Info {
        /// The index file.
        index: PathBuf,
    },
}

fn is_features_file(p: &Path) -> bool {
    p.is_file()
        && p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["jsonl", "json", "ndjson"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Reads features files and analyses audio inputs; returns the entries and the number of
/// failed tracks (reported on stderr).
/// `(path, vector)` pairs.
type Entries = Vec<(String, Vec<f32>)>;

fn gather(inputs: &[PathBuf], jobs: Option<usize>) -> Result<(Entries, usize), SimilarityError> {
    let mut entries = Vec::new();
    let mut failed = 0usize;
    let mut audio = Vec::new();
    for input in inputs {
        if is_features_file(input) {
            let r = read_records(input)?;
            for p in &r.skipped {
                eprintln!(
                    "leitmotif: {}: skipping error record of {p}",
                    input.display()
                );
            }
            failed += r.skipped.len();
            entries.extend(r.entries);
        } else {
            audio.push(input.clone());
        }
    }
    if !audio.is_empty() {
        let paths = batch::discover(&audio);
        let jobs = jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        let res = batch::run(
            &paths,
            jobs,
            || Pipeline::new(AnalysisConfig::default(), FeatureOptions::default()),
            |p, path| match p {
                Ok(p) => p.analyze(path).map(|a| a.record.vector),
                Err(e) => Err(leitmotif::Error::Config {
                    cause: e.to_string(),
                }),
            },
            |_, path, r| match r {
                Ok(v) => entries.push((path.to_string_lossy().into_owned(), v.values)),
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    failed += 1;
                }
            },
        );
        if let Err(e) = res {
            eprintln!("leitmotif: {e}");
            failed += paths.len();
        }
    }
    Ok((entries, failed))
}

pub fn run(args: IndexArgs) -> i32 {
    match args.command {
        IndexCommand::Build {
            inputs,
            output,
            jobs,
        } => {
            let (entries, failed) = match gather(&inputs, jobs) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            let t = std::time::Instant::now();
            let index = match Index::build(entries) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            if let Err(e) = index.save(&output) {
                eprintln!("leitmotif: {e}");
                return 1;
            }
            if index.is_empty() {
                eprintln!("leitmotif: warning: the index is empty");
            }
            eprintln!(
                "leitmotif: indexed {} tracks ({} cells) in {:.2} s → {}",
                index.len(),
                index.nlist(),
                t.elapsed().as_secs_f64(),
                output.display()
            );
            if failed > 0 { 1 } else { 0 }
        }
        IndexCommand::Add {
            index,
            inputs,
            jobs,
        } => {
            let mut idx = match Index::load(&index) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            let (entries, failed) = match gather(&inputs, jobs) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            let added = match idx.add(entries) {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            if let Err(e) = idx.save(&index) {
                eprintln!("leitmotif: {e}");
                return 1;
            }
            eprintln!(
                "leitmotif: added {added} tracks; the index holds {} → {}",
                idx.len(),
                index.display()
            );
            if failed > 0 { 1 } else { 0 }
        }
        IndexCommand::Export { index, output } => {
            let r = Index::load(&index)
                .and_then(|idx| parquet::export(&idx, &output).map(|_| idx.len()));
            match r {
                Ok(n) => {
                    eprintln!("leitmotif: exported {n} vectors → {}", output.display());
                    0
                }
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    1
                }
            }
        }
        IndexCommand::Info { index } => match Index::load(&index) {
            Ok(idx) => {
                println!(
                    "{}",
                    serde_json::json!({
                        "path": index.to_string_lossy(),
                        "format_version": leitmotif::similarity::index::FORMAT_VERSION,
                        "schema_version": idx.schema_version(),
                        "dim": idx.dim(),
                        "vectors": idx.len(),
                        "ivf_cells": idx.nlist(),
                    })
                );
                0
            }
            Err(e) => {
                eprintln!("leitmotif: {e}");
                1
            }
        },
    }
}
