//! `leitmotif index build|add|export|info`: the embedded similarity index.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use leitmotif::output::{FORMAT_EXTENSIONS, Format, Settings};
use leitmotif::similarity::index::{IndexSettings, read_records};
use leitmotif::similarity::{Index, SimilarityError, export};
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline, batch};

#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(subcommand)]
    command: IndexCommand,
}

#[derive(Subcommand, Debug)]
enum IndexCommand {
    /// Build an index from `leitmotif extract` outputs (JSON Lines, CSV, Parquet, or
    /// directories of them; or audio files and directories, analysed on the fly).
    /// Standardisation statistics and IVF cells are computed here. Vectors made with
    /// different analysis settings are refused.
    Build {
        /// Features files (.jsonl, .csv, .parquet), directories of them, or audio.
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
        /// Features files (.jsonl, .csv, .parquet), directories of them, or audio.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        #[arg(short, long)]
        jobs: Option<usize>,
    },
    /// Export the vectors (path, schema version, vector) as the extension of -o says:
    /// .parquet, .csv or .jsonl.
    Export {
        /// The index file.
        index: PathBuf,
        /// The file to write (.parquet/.pq, .csv, .jsonl/.ndjson).
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
            .is_some_and(|e| FEATURE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Extensions read as features files (records of `extract` or `index export`).
const FEATURE_EXTENSIONS: &[&str] = &["jsonl", "ndjson", "json", "csv", "parquet", "pq"];

/// Features files under `dir`, recursively, in sorted order (each directory once, by
/// canonical path, so symbolic-link loops end).
fn features_files_in(dir: &Path, seen: &mut HashSet<PathBuf>, out: &mut Vec<PathBuf>) {
    let Ok(c) = std::fs::canonicalize(dir) else {
        return;
    };
    if !seen.insert(c) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            features_files_in(&p, seen, out);
        } else if is_features_file(&p) {
            out.push(p);
        }
    }
}

/// `(path, vector)` pairs.
type Entries = Vec<(String, Vec<f32>)>;

/// What the inputs of `index build`/`add` gave.
struct Gathered {
    entries: Entries,
    /// Tracks that could not be used (reported on stderr).
    failed: usize,
    /// The analysis settings of the entries, when known.
    settings: Option<Settings>,
}

/// Reads features files (JSON Lines, CSV, Parquet, and directories holding them) and
/// analyses audio inputs with `config`; refuses vectors of mixed analysis settings.
fn gather(
    inputs: &[PathBuf],
    jobs: Option<usize>,
    config: &AnalysisConfig,
    options: FeatureOptions,
) -> Result<Gathered, SimilarityError> {
    let mut entries = Vec::new();
    let mut failed = 0usize;
    let mut audio = Vec::new();
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let before = files.len();
            features_files_in(input, &mut HashSet::new(), &mut files);
            let audio_here = batch::discover(std::slice::from_ref(input)).paths;
            if files.len() == before && audio_here.is_empty() {
                return Err(SimilarityError::Record {
                    path: input.clone(),
                    line: 0,
                    cause: format!(
                        "no features files (.{}) and no audio files in this directory",
                        FEATURE_EXTENSIONS.join(", .")
                    ),
                });
            }
            audio.extend(audio_here);
        } else if is_features_file(input) {
            files.push(input.clone());
        } else {
            audio.push(input.clone());
        }
    }
    let mut settings: Vec<(Settings, String)> = Vec::new();
    let mut note = |s: Settings, from: String| -> Result<(), SimilarityError> {
        match settings.iter().find(|(t, _)| *t != s) {
            Some((t, other)) => Err(SimilarityError::MixedSettings {
                what: format!("{from} ({}) and {other} ({})", s.describe(), t.describe()),
            }),
            None => {
                if settings.is_empty() {
                    settings.push((s, from));
                }
                Ok(())
            }
        }
    };
    for file in &files {
        let r = read_records(file)?;
        for s in r.settings {
            note(s, file.display().to_string())?;
        }
        for p in &r.skipped {
            eprintln!(
                "leitmotif: {}: skipping error record of {p}",
                file.display()
            );
        }
        failed += r.skipped.len();
        entries.extend(r.entries);
    }
    if !audio.is_empty() {
        note(Settings::new(config, &options), "audio analysed now".into())?;
        let found = batch::discover(&audio);
        let paths = found.paths;
        let jobs = jobs.unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
        let res = batch::run(
            &paths,
            jobs,
            || Pipeline::new(config.clone(), options),
            |p, path| match p {
                Ok(p) => p.analyze(path).map(|a| a.record.vector),
                Err(e) => Err(leitmotif::Error::Config {
                    cause: e.to_string(),
                }),
            },
            |_, path, r| match r {
                Ok(v) => entries.push((path.to_string_lossy().into_owned(), v.values)),
                Err(e) => {
                    let kind = e.kind().as_str();
                    eprintln!("{}: {kind}: {e}", path.display());
                    failed += 1;
                }
            },
        );
        if let Err(e) = res {
            eprintln!("leitmotif: {e}");
            failed += paths.len();
        }
    }
    Ok(Gathered {
        entries,
        failed,
        settings: settings.into_iter().next().map(|(s, _)| s),
    })
}

pub fn run(args: IndexArgs) -> i32 {
    match args.command {
        IndexCommand::Build {
            inputs,
            output,
            jobs,
        } => {
            let g = match gather(
                &inputs,
                jobs,
                &AnalysisConfig::default(),
                FeatureOptions::default(),
            ) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            let failed = g.failed;
            let t = std::time::Instant::now();
            let mut index = match Index::build(g.entries) {
                Ok(i) => i,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            index.set_record_settings(g.settings.clone());
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
            let g = match gather(&inputs, jobs, &idx.analysis_config(), idx.feature_options()) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("leitmotif: {e}");
                    return 1;
                }
            };
            let failed = g.failed;
            let new = g.settings.as_ref().map(IndexSettings::of);
            match (idx.settings(), new) {
                (Some(a), Some(b)) if a.fingerprint != b.fingerprint => {
                    eprintln!(
                        "leitmotif: {}",
                        SimilarityError::MixedSettings {
                            what: format!(
                                "{} and the new vectors ({})",
                                index.display(),
                                g.settings.map(|s| s.describe()).unwrap_or_default()
                            )
                        }
                    );
                    return 1;
                }
                (None, Some(_)) if idx.is_empty() => idx.set_record_settings(g.settings.clone()),
                // an index of format 1 knew only the fingerprint: keep the full settings now
                (Some(_), Some(_)) if idx.record_settings().is_none() => {
                    idx.set_record_settings(g.settings.clone())
                }
                _ => {}
            }
            let added = match idx.add(g.entries) {
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
            // a device such as /dev/null or /dev/stdout: JSON Lines unless its name says else
            let special = leitmotif::output::is_special(&output).then_some(Format::Jsonl);
            let Some(format) = Format::of(&output).or(special) else {
                eprintln!(
                    "leitmotif: {}: unknown export format; the extension must be one of {FORMAT_EXTENSIONS}",
                    output.display()
                );
                return 2;
            };
            let r = Index::load(&index)
                .and_then(|idx| export::export(&idx, &output, format).map(|_| idx.len()));
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
                        "analysis": idx.settings().map(|st| serde_json::json!({
                            "sample_rate": st.sample_rate,
                            "max_duration_s": st.max_duration_s,
                        })),
                        // the records' full `settings` (format 2; null when unknown)
                        "settings": idx.record_settings().map(|st| st.to_value()),
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
