//! `leitmotif extract`: analyse files, directories and lists; write JSON Lines, CSV or
//! Parquet (by the extension of `-o`), with progress, resume and sharding.

use std::io::BufReader;
use std::path::{Path, PathBuf};

use clap::Args;
use leitmotif::batch::{self, Shard};
use leitmotif::output::csv::write_csv_from_journal;
use leitmotif::output::journal::{Journal, done_key};
use leitmotif::output::npz::write_npz;
use leitmotif::output::parquet::write_parquet_from_journal;
use leitmotif::output::{FileStamp, JsonlWriter, record_value};
use leitmotif::progress::Progress;
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline};

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Audio files or directories (searched recursively).
    inputs: Vec<PathBuf>,
    /// Read more input paths from FILE, one per line (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    from_list: Option<PathBuf>,
    /// Output file; the format follows the extension: .jsonl (default), .csv, .parquet.
    /// Without it, JSON Lines go to standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Skip inputs already in the output (same path, size and modification time) and
    /// append the rest; a partial last record left by a killed run is repaired.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Process only shard I of N (`--shard 3/10`): a deterministic split by path hash.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Tracks analysed in parallel (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Also write per-frame matrices, one .npz per track, into this directory.
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Analysis sample rate in Hz.
    #[arg(long, default_value_t = 22050)]
    sample_rate: u32,
    /// Analyse at most this many seconds of each track (longer tracks: a warning).
    #[arg(long, value_name = "SECONDS")]
    max_duration: Option<f64>,
    /// Give up on a track after this many seconds (an error record; the run goes on).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Tempo search range in BPM, `MIN-MAX` (default 40-250): the reported tempo and its
    /// candidates lie inside it.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_tempo_range)]
    tempo_range: Option<(f32, f32)>,
    /// No progress bar, progress lines or summary.
    #[arg(short, long)]
    quiet: bool,
    /// Benchmarking only: skip the tonal stage (tuning, chroma and key are then left at their
    /// silent-input values), to measure its share of a full extraction (tools/bench_batch.sh).
    #[arg(long, hide = true)]
    bench_skip_tonal: bool,
}

/// Parses `--tempo-range MIN-MAX` (BPM, `0 < MIN < MAX <= 1000`).
fn parse_tempo_range(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("expected MIN-MAX in BPM with 0 < MIN < MAX <= 1000, got {s:?}");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let lo: f32 = a.trim().parse().map_err(|_| bad())?;
    let hi: f32 = b.trim().parse().map_err(|_| bad())?;
    if lo.is_finite() && hi.is_finite() && lo > 0.0 && lo < hi && hi <= 1000.0 {
        Ok((lo, hi))
    } else {
        Err(bad())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Jsonl,
    Csv,
    Parquet,
}

fn format_of(path: &Path) -> Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Format::Csv,
        Some("parquet") | Some("pq") => Format::Parquet,
        _ => Format::Jsonl,
    }
}

/// Where records go while the run is in progress.
enum Sink {
    Stdout(JsonlWriter),
    Journal(Journal),
}

fn journal_path(output: &Path, format: Format) -> PathBuf {
    match format {
        Format::Jsonl => output.to_path_buf(),
        _ => {
            let mut name = output
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            name.push(".journal.jsonl");
            output.with_file_name(name)
        }
    }
}

fn gather_inputs(args: &ExtractArgs) -> Result<Vec<PathBuf>, String> {
    let mut inputs = args.inputs.clone();
    if let Some(list) = &args.from_list {
        let listed = if list.as_os_str() == "-" {
            batch::read_list(std::io::stdin().lock())
        } else {
            std::fs::File::open(list).and_then(|f| batch::read_list(BufReader::new(f)))
        };
        inputs.extend(
            listed.map_err(|e| format!("{}: cannot read input list: {e}", list.display()))?,
        );
    }
    if inputs.is_empty() {
        return Err("no inputs: give files, directories or --from-list".into());
    }
    let mut paths = batch::discover(&inputs);
    if let Some(shard) = args.shard {
        paths.retain(|p| shard.contains(p));
    }
    Ok(paths)
}

pub fn run(args: ExtractArgs) -> i32 {
    let config = AnalysisConfig {
        sample_rate: args.sample_rate,
        max_duration_s: args.max_duration,
        timeout_s: args.timeout,
        ..AnalysisConfig::default()
    };
    let options = FeatureOptions {
        keep_frames: args.frames.is_some(),
        skip_tonal: args.bench_skip_tonal,
        tempo_range: args.tempo_range,
    };
    if let Err(e) = Pipeline::new(config.clone(), options) {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    let mut paths = match gather_inputs(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("leitmotif: {e}");
            return 2;
        }
    };
    let format = args
        .output
        .as_deref()
        .map(format_of)
        .unwrap_or(Format::Jsonl);
    let (mut sink, skipped) = match &args.output {
        None => (Sink::Stdout(JsonlWriter::stdout()), 0),
        Some(out) => {
            let jpath = journal_path(out, format);
            match Journal::open(&jpath, args.resume) {
                Ok((journal, state)) => {
                    let before = paths.len();
                    if args.resume {
                        paths.retain(|p| {
                            done_key(&p.to_string_lossy(), FileStamp::of(p))
                                .is_none_or(|k| !state.done.contains(&k))
                        });
                        if state.repaired_bytes > 0 && !args.quiet {
                            eprintln!(
                                "leitmotif: {}: removed a partial last record ({} bytes) left by an interrupted run",
                                jpath.display(),
                                state.repaired_bytes
                            );
                        }
                    }
                    (Sink::Journal(journal), before - paths.len())
                }
                Err(e) => {
                    eprintln!("leitmotif: {}: cannot open output: {e}", jpath.display());
                    return 2;
                }
            }
        }
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let mut progress = Progress::new(paths.len(), skipped, args.quiet);
    let frames_dir = args.frames.clone();
    let mut write_error = None;
    let result = batch::run(
        &paths,
        jobs,
        || Pipeline::new(config.clone(), options),
        |pipeline, path| {
            let mut outcome = match pipeline {
                Ok(p) => p.analyze(path),
                Err(e) => Err(leitmotif::Error::Config {
                    cause: e.to_string(),
                }),
            };
            if let (Ok(a), Some(dir)) = (&mut outcome, &frames_dir)
                && let Some(m) = a.frames.take()
                && let Err(e) = write_npz(dir, path, &m)
            {
                a.record
                    .warnings
                    .push(format!("cannot write frames to {}: {e}", dir.display()));
            }
            let record = outcome.map(|a| a.record);
            let audio_s = record.as_ref().map(|r| r.duration_s).unwrap_or(0.0);
            let value = record_value(&path.to_string_lossy(), FileStamp::of(path), &record);
            (value.to_string(), record.is_ok(), audio_s)
        },
        |_, _, (line, ok, audio_s): (String, bool, f64)| {
            progress.track(ok, audio_s);
            let written = match &mut sink {
                Sink::Stdout(w) => w.write_line(&line),
                Sink::Journal(j) => j.append(&line),
            };
            if let Err(e) = written
                && write_error.is_none()
            {
                write_error = Some(e);
            }
        },
    );
    let failed = progress.failed();
    progress.finish();
    if let Err(e) = result {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    if let Some(e) = write_error {
        eprintln!("leitmotif: cannot write output: {e}");
        return 1;
    }
    if let (Sink::Journal(mut journal), Some(out)) = (sink, &args.output) {
        if let Err(e) = journal.sync() {
            eprintln!("leitmotif: {}: {e}", journal.path().display());
            return 1;
        }
        let converted = match format {
            Format::Jsonl => Ok(0),
            Format::Csv => write_csv_from_journal(journal.path(), out),
            Format::Parquet => write_parquet_from_journal(journal.path(), out),
        };
        match converted {
            Ok(_) if format != Format::Jsonl => {
                let _ = std::fs::remove_file(journal.path());
            }
            Ok(_) => {}
            Err(e) => {
                eprintln!(
                    "leitmotif: {}: cannot write output: {e} (records kept in {})",
                    out.display(),
                    journal.path().display()
                );
                return 1;
            }
        }
    }
    if failed > 0 { 1 } else { 0 }
}
