//! `leitmotif extract`: analyse files and directories, write JSON Lines.

use std::path::PathBuf;

use clap::Args;
use leitmotif::batch;
use leitmotif::output::npz::write_npz;
use leitmotif::output::{JsonlWriter, record_line};
use leitmotif::{AnalysisConfig, FeatureOptions, Pipeline};

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Audio files or directories (searched recursively).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Write records to this file instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Tracks analysed in parallel (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Also write per-frame matrices, one .npz per track, into this directory.
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Analysis sample rate in Hz.
    #[arg(long, default_value_t = 22050)]
    sample_rate: u32,
    /// Analyse at most this many seconds of each track.
    #[arg(long, value_name = "SECONDS")]
    max_duration: Option<f64>,
    /// Give up on a track after this many seconds (an error record; the run goes on).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
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
    };
    if let Err(e) = Pipeline::new(config.clone(), options) {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    let paths = batch::discover(&args.inputs);
    let mut writer = match &args.output {
        Some(p) => match JsonlWriter::create(p, false) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("leitmotif: {}: cannot create output file: {e}", p.display());
                return 2;
            }
        },
        None => JsonlWriter::stdout(),
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let frames_dir = args.frames.clone();
    let mut failed = 0usize;
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
            (
                record_line(&path.to_string_lossy(), &record),
                record.is_ok(),
            )
        },
        |_, _, (line, ok): (String, bool)| {
            if !ok {
                failed += 1;
            }
            if write_error.is_none()
                && let Err(e) = writer.write_line(&line)
            {
                write_error = Some(e);
            }
        },
    );
    if let Err(e) = result {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    if let Some(e) = write_error {
        eprintln!("leitmotif: cannot write output: {e}");
        return 1;
    }
    if failed > 0 { 1 } else { 0 }
}
