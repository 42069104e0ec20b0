//! `leitmotif extract`: analyse files, directories, lists and standard input; write JSON
//! Lines, CSV or Parquet (by the extension of `-o`), or a readable table on a terminal, with
//! progress, resume and sharding.
//!
//! Finished work is never destroyed: an existing output (or the journal of an interrupted
//! CSV/Parquet run) is refused unless `--resume` (keep it, add the missing tracks) or
//! `--overwrite` (start over) is given; `--resume` reads JSON Lines, CSV and Parquet back
//! and refuses records made with other analysis settings.

use std::fs::OpenOptions;
use std::io::{BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};
use leitmotif::batch::{self, Shard};
use leitmotif::output::columns::columns;
use leitmotif::output::csv::{header_line, write_csv_from_journal, write_row};
use leitmotif::output::journal::{Journal, canonical, done_key};
use leitmotif::output::npz::write_npz;
use leitmotif::output::parquet::write_parquet_from_journal;
use leitmotif::output::read::for_each_record;
use leitmotif::output::settings::attach;
use leitmotif::output::table::Table;
use leitmotif::output::{
    FORMAT_EXTENSIONS, FileStamp, Format, Settings, is_special, record_value, sync_parent,
    write_atomically,
};
use leitmotif::progress::Progress;
use leitmotif::{AnalysisConfig, FeatureOptions, Input, Pipeline};

#[derive(Args, Debug)]
pub struct ExtractArgs {
    /// Audio files or directories (searched recursively); `-` reads one track from
    /// standard input.
    inputs: Vec<PathBuf>,
    /// Read more input paths from FILE, one per line (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    from_list: Option<PathBuf>,
    /// Output file; the format follows the extension: .jsonl (or .ndjson), .csv, .parquet
    /// (or .pq). `-` is standard output; devices such as /dev/null are written in place.
    /// Without it, a table goes to a terminal and JSON Lines to a pipe or file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Keep an existing output and add the inputs it lacks (matched by canonical path,
    /// size and modification time); finishes an interrupted run.
    #[arg(long, requires = "output", conflicts_with = "overwrite")]
    resume: bool,
    /// With --resume: analyse again the inputs whose record is an error (a timeout, a file
    /// that could not be read), replacing their error records.
    #[arg(long, requires = "resume")]
    retry_failed: bool,
    /// Replace an existing output (and the journal of an interrupted run).
    #[arg(long, requires = "output")]
    overwrite: bool,
    /// Standard-output view: `table` (default on a terminal) or `jsonl` (default otherwise).
    #[arg(long, value_enum)]
    format: Option<View>,
    /// Process only shard I of N (`--shard 3/10`): a deterministic split by path hash.
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// Tracks analysed in parallel (default: all cores).
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Also write per-frame matrices, one .npz per track, into this directory, mirroring
    /// the input tree (`DIR/<input path>.npz`; absolute paths under `DIR/@abs/`).
    #[arg(long, value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Analysis sample rate in Hz.
    #[arg(long, default_value_t = 22050)]
    sample_rate: u32,
    /// Analyse at most this many seconds of each track (default: 10800, three hours; longer
    /// tracks are truncated with a warning, and `duration_s` keeps their full length).
    #[arg(long, value_name = "SECONDS")]
    max_duration: Option<f64>,
    /// Give up on a track after this many seconds (an error record; the run goes on).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<f64>,
    /// Tempo search range in BPM, `MIN-MAX` (default 40-250): the reported tempo and its
    /// candidates lie inside it.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_tempo_range)]
    tempo_range: Option<(f32, f32)>,
    /// Tempo prior, `BPM` or `BPM,OCTAVES` (default 130,0.6): the tempo where the search
    /// centres its choice between metrical levels the audio cannot tell apart (half or double
    /// tempo), and its width, as librosa's `start_bpm` and `std_bpm` (docs/accuracy.md: real
    /// soundtracks agree more often with librosa and Essentia at 120).
    #[arg(long, value_name = "BPM[,OCTAVES]", value_parser = parse_tempo_prior)]
    tempo_prior: Option<(f32, f32)>,
    /// No progress bar, progress lines or summary (failed tracks are still named).
    #[arg(short, long)]
    quiet: bool,
    /// Benchmarking only: skip the tonal stage (tuning, chroma and key are then left at their
    /// silent-input values), to measure its share of a full extraction (tools/bench_batch.sh).
    #[arg(long, hide = true)]
    bench_skip_tonal: bool,
}

/// Parses `--tempo-range MIN-MAX` (BPM, `0 < MIN < MAX <= 1000`).
pub(crate) fn parse_tempo_range(s: &str) -> Result<(f32, f32), String> {
    let bad = || format!("expected MIN-MAX in BPM with 0 < MIN < MAX <= 1000, got {s:?}");
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let lo: f32 = a.trim().parse().map_err(|_| bad())?;
    let hi: f32 = b.trim().parse().map_err(|_| bad())?;
    let options = FeatureOptions {
        tempo_range: Some((lo, hi)),
        ..FeatureOptions::default()
    };
    options.check().map(|_| (lo, hi)).map_err(|_| bad())
}

/// Parses `--tempo-prior BPM[,OCTAVES]` (`0 < BPM <= 1000`, `0 < OCTAVES <= 4`; default width
/// 0.6 octave).
pub(crate) fn parse_tempo_prior(s: &str) -> Result<(f32, f32), String> {
    let bad = || {
        format!("expected BPM or BPM,OCTAVES with 0 < BPM <= 1000 and 0 < OCTAVES <= 4, got {s:?}")
    };
    let (a, b) = s.split_once(',').unwrap_or((s, ""));
    let bpm: f32 = a.trim().parse().map_err(|_| bad())?;
    let octaves: f32 = if b.trim().is_empty() && !s.contains(',') {
        leitmotif::DEFAULT_TEMPO_PRIOR_OCTAVES
    } else {
        b.trim().parse().map_err(|_| bad())?
    };
    let options = FeatureOptions {
        tempo_prior: Some((bpm, octaves)),
        ..FeatureOptions::default()
    };
    options.check().map(|_| (bpm, octaves)).map_err(|_| bad())
}

/// How records are shown on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// One JSON object per line.
    Jsonl,
    /// A compact table: path, duration, BPM, key, LUFS, status.
    Table,
}

/// Where records go while the run is in progress.
enum Sink {
    /// Standard output or a special file, written as the records come.
    Stream {
        out: Box<dyn Write>,
        view: StreamView,
    },
    /// A regular file: the durable journal (the output itself for JSON Lines).
    Journal(Journal),
}

#[derive(Clone, Copy, PartialEq)]
enum StreamView {
    Jsonl,
    Csv,
    Table,
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

fn usage(msg: impl std::fmt::Display) -> i32 {
    eprintln!("leitmotif: {msg}");
    2
}

/// The inputs, discovered; `Err((message, exit status))`.
fn gather_inputs(args: &ExtractArgs) -> Result<Vec<PathBuf>, (String, i32)> {
    let mut inputs = args.inputs.clone();
    if let Some(list) = &args.from_list {
        let listed = if list.as_os_str() == "-" {
            batch::read_list(std::io::stdin().lock())
        } else {
            std::fs::File::open(list).and_then(|f| batch::read_list(BufReader::new(f)))
        };
        inputs.extend(listed.map_err(|e| {
            (
                format!("{}: cannot read input list: {e}", list.display()),
                2,
            )
        })?);
    }
    if inputs.is_empty() {
        return Err((
            "no inputs: give files, directories, - (standard input) or --from-list".into(),
            2,
        ));
    }
    let stdin_count = inputs.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 0 && args.resume {
        return Err((
            "--resume cannot tell whether standard input (-) was analysed already; \
             save it to a file first"
                .into(),
            2,
        ));
    }
    if stdin_count > 0 && (stdin_count > 1 || args.from_list.as_deref() == Some(Path::new("-"))) {
        return Err(("standard input (-) can be read only once".into(), 2));
    }
    let found = batch::discover(&inputs);
    for p in &found.empty_skipped {
        eprintln!("leitmotif: {}: skipped: empty file (0 bytes)", p.display());
    }
    for p in &found.loops_skipped {
        eprintln!(
            "leitmotif: {}: skipped: directory already searched (symbolic-link loop or alias)",
            p.display()
        );
    }
    for p in &found.duplicates_skipped {
        eprintln!(
            "leitmotif: {}: skipped: the same file is already an input",
            p.display()
        );
    }
    if found.paths.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err((format!("no audio files found in {}", names.join(", ")), 1));
    }
    let mut paths = found.paths;
    if let Some(shard) = args.shard {
        paths.retain(|p| shard.contains(p));
    }
    Ok(paths)
}

/// Standard input copied into a temporary file (removed when dropped), analysed through
/// `Pipeline::analyze_input` with seeking (MP4 with its index at the end needs it) and
/// without holding the whole upload in memory.
struct Spool(PathBuf);

impl Spool {
    fn from_stdin() -> std::io::Result<Spool> {
        let path = std::env::temp_dir().join(format!(
            "leitmotif-stdin-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let spool = Spool(path);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&spool.0)?;
        std::io::copy(&mut std::io::stdin().lock(), &mut file)?;
        Ok(spool)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// One finished track, formatted on the worker thread.
struct Done {
    line: String,
    row: Option<String>,
    ok: bool,
    audio_s: f64,
    /// `path: kind: message` of a failed track.
    failure: Option<String>,
}

fn failure_line(path: &str, record: &serde_json::Value) -> Option<String> {
    let kind = record.pointer("/error/kind")?.as_str()?;
    let message = record
        .pointer("/error/message")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    let message = message
        .strip_prefix(path)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message);
    Some(format!("{path}: {kind}: {message}"))
}

/// Checks the output against `--resume` / `--overwrite`; returns its format.
fn check_output(args: &ExtractArgs, out: &Path) -> Result<Format, String> {
    if out.is_dir() {
        return Err(format!(
            "{}: is a directory; -o takes a file ({FORMAT_EXTENSIONS})",
            out.display()
        ));
    }
    let format = Format::of(out).ok_or_else(|| {
        format!(
            "{}: unknown output format; the extension must be one of {FORMAT_EXTENSIONS} \
             (or -o - for standard output)",
            out.display()
        )
    })?;
    if args.format.is_some() {
        return Err(format!(
            "--format chooses the view of standard output; {} is written as {format:?} \
             (its extension)",
            out.display()
        ));
    }
    let jpath = journal_path(out, format);
    if args.resume || args.overwrite {
        return Ok(format);
    }
    if format != Format::Jsonl && jpath.exists() {
        return Err(format!(
            "{}: an interrupted run left its records here; --resume finishes that run, \
             --overwrite discards them and starts over",
            jpath.display()
        ));
    }
    if out.exists() {
        return Err(format!(
            "{}: the output exists; --resume adds the tracks it lacks, --overwrite replaces it",
            out.display()
        ));
    }
    Ok(format)
}

/// Opens the journal of a regular output (seeding it from an existing CSV/Parquet output on
/// `--resume`); returns it, the inputs left to do and how many were skipped.
fn open_journal(
    args: &ExtractArgs,
    out: &Path,
    format: Format,
    settings: &Settings,
    paths: &mut Vec<PathBuf>,
) -> Result<(Journal, usize), (String, i32)> {
    let jpath = journal_path(out, format);
    let seeded = args.resume && format != Format::Jsonl && !jpath.exists() && out.exists();
    if seeded {
        // the finished output becomes the journal again (atomically: a kill here leaves no
        // partial journal that a later resume would trust over the output)
        write_atomically(&jpath, |f| {
            let mut w = std::io::BufWriter::new(f);
            for_each_record(out, format, |v| writeln!(w, "{v}"))?;
            w.flush()
        })
        .map_err(|e| (format!("{}: cannot read back: {e}", out.display()), 1))?;
    }
    let (mut journal, state) = Journal::open(&jpath, args.resume)
        .map_err(|e| (format!("{}: cannot open output: {e}", jpath.display()), 1))?;
    if let Some(other) = state.settings.iter().find(|s| *s != settings) {
        if seeded {
            // the output is untouched; leave no journal that would look like an interrupted run
            drop(journal);
            let _ = std::fs::remove_file(&jpath);
        }
        return Err((
            format!(
                "{}: holds records made with other analysis settings ({}); this run uses {}. \
                 Use the same options, or another output",
                out.display(),
                other.describe(),
                settings.describe()
            ),
            2,
        ));
    }
    if state.repaired_bytes > 0 && !args.quiet {
        eprintln!(
            "leitmotif: {}: removed a partial last record ({} bytes) left by an interrupted run",
            jpath.display(),
            state.repaired_bytes
        );
    }
    let before = paths.len();
    if args.resume {
        // the inputs analysed again that already have a record (retried after a failure, or
        // changed since) go into `redo`: their old records are removed, so that each keeps
        // exactly one. An input that cannot be stat'ed now keeps its record and is skipped
        // (a mount that is down must not turn finished features into an error record).
        let mut redo = std::collections::HashSet::new();
        paths.retain(|p| {
            let text = p.to_string_lossy();
            match done_key(&text, FileStamp::of(p)) {
                Some(k) => {
                    let again = !state.done.contains(&k)
                        || (args.retry_failed && state.failed.contains(&k));
                    if again && state.paths.contains(&k.0) {
                        redo.insert(k.0);
                    }
                    again
                }
                None => !state.paths.contains(&canonical(&text)),
            }
        });
        let removed = journal.remove_records_of(&redo).map_err(|e| {
            (
                format!(
                    "{}: cannot remove the records to redo: {e}",
                    jpath.display()
                ),
                1,
            )
        })?;
        if removed > 0 && !args.quiet {
            eprintln!(
                "leitmotif: {}: {removed} record(s) of failed or changed tracks will be replaced",
                jpath.display()
            );
        }
    }
    Ok((journal, before - paths.len()))
}

/// Converts the journal into the CSV/Parquet output and removes it.
fn finish_journal(mut journal: Journal, out: &Path, format: Format) -> Result<(), String> {
    journal
        .sync()
        .and_then(|_| sync_parent(journal.path()))
        .map_err(|e| format!("{}: {e}", journal.path().display()))?;
    let converted = match format {
        Format::Jsonl => return Ok(()),
        Format::Csv => write_csv_from_journal(journal.path(), out),
        Format::Parquet => write_parquet_from_journal(journal.path(), out),
    };
    match converted {
        Ok(_) => {
            let _ = std::fs::remove_file(journal.path());
            let _ = sync_parent(journal.path());
            Ok(())
        }
        Err(e) => Err(format!(
            "{}: cannot write output: {e} (records kept in {})",
            out.display(),
            journal.path().display()
        )),
    }
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
        tempo_prior: args.tempo_prior,
    };
    if let Err(e) = Pipeline::new(config.clone(), options) {
        return usage(e);
    }
    let settings = Settings::new(&config, &options);
    let out = args.output.clone().filter(|o| o.as_os_str() != "-");
    let to_stdout = out.is_none();
    let special = out.as_deref().is_some_and(is_special);
    if (to_stdout || special) && (args.resume || args.overwrite) {
        return usage("--resume and --overwrite need a regular output file");
    }
    // check the output before any work, so a refused run costs nothing
    let mut format = None;
    if let Some(o) = out.as_deref().filter(|_| !special) {
        match check_output(&args, o) {
            Ok(f) => format = Some(f),
            Err(e) => return usage(e),
        }
    }
    let mut paths = match gather_inputs(&args) {
        Ok(p) => p,
        Err((e, code)) => {
            eprintln!("leitmotif: {e}");
            return code;
        }
    };
    let longest = paths
        .iter()
        .map(|p| p.to_string_lossy().chars().count())
        .max()
        .unwrap_or(4);
    let (mut sink, skipped) = if let (Some(o), Some(fmt)) = (out.as_deref(), format) {
        match open_journal(&args, o, fmt, &settings, &mut paths) {
            Ok((j, skipped)) => (Sink::Journal(j), skipped),
            Err((e, code)) => {
                eprintln!("leitmotif: {e}");
                return code;
            }
        }
    } else {
        let view = match (out.as_deref(), args.format) {
            (_, Some(View::Table)) => StreamView::Table,
            (_, Some(View::Jsonl)) => StreamView::Jsonl,
            (Some(o), None) => match Format::of(o) {
                Some(Format::Csv) => StreamView::Csv,
                Some(Format::Parquet) => {
                    return usage(format!(
                        "{}: Parquet needs a regular file (it is not written as a stream)",
                        o.display()
                    ));
                }
                _ => StreamView::Jsonl,
            },
            (None, None) if args.output.is_none() && std::io::stdout().is_terminal() => {
                StreamView::Table
            }
            (None, None) => StreamView::Jsonl,
        };
        let mut w: Box<dyn Write> = match out.as_deref() {
            Some(o) => match OpenOptions::new().write(true).open(o) {
                Ok(f) => Box::new(f),
                Err(e) => return usage(format!("{}: cannot open output: {e}", o.display())),
            },
            None => Box::new(std::io::stdout()),
        };
        let header = match view {
            StreamView::Csv => Some(header_line(&columns())),
            StreamView::Table => Some(Table::new(longest).header()),
            StreamView::Jsonl => None,
        };
        if let Some(h) = header
            && let Err(e) = writeln!(w, "{h}").and_then(|_| w.flush())
        {
            eprintln!("leitmotif: cannot write output: {e}");
            return 1;
        }
        (Sink::Stream { out: w, view }, 0)
    };
    let spool = if paths.iter().any(|p| p.as_os_str() == "-") {
        match Spool::from_stdin() {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("leitmotif: -: cannot read standard input: {e}");
                return 1;
            }
        }
    } else {
        None
    };
    let jobs = args.jobs.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let mut progress = Progress::new(paths.len(), skipped, args.quiet);
    let frames_dir = args.frames.clone();
    let table = match &sink {
        Sink::Stream {
            view: StreamView::Table,
            ..
        } => Some(Table::new(longest)),
        _ => None,
    };
    let csv_cols = matches!(
        &sink,
        Sink::Stream {
            view: StreamView::Csv,
            ..
        }
    )
    .then(columns);
    let spool_path = spool.as_ref().map(|s| s.0.clone());
    let mut write_error = None;
    let reader_gone = AtomicBool::new(false);
    let result = batch::run(
        &paths,
        jobs,
        || Pipeline::new(config.clone(), options),
        |pipeline, path| {
            if reader_gone.load(Ordering::Relaxed) {
                // standard output's reader has gone (`| head`): skip the remaining tracks
                return Done {
                    line: String::new(),
                    row: None,
                    ok: true,
                    audio_s: 0.0,
                    failure: None,
                };
            }
            let is_stdin = path.as_os_str() == "-";
            let mut outcome = match (pipeline, &spool_path) {
                (Ok(p), Some(spooled)) if is_stdin => match std::fs::File::open(spooled) {
                    Ok(f) => p.analyze_input(Input::Reader(Box::new(f)), "-"),
                    Err(e) => Err(leitmotif::Error::Io {
                        path: path.to_path_buf(),
                        source: e,
                    }),
                },
                (Ok(p), _) => p.analyze(path),
                (Err(e), _) => Err(leitmotif::Error::Config {
                    cause: e.to_string(),
                }),
            };
            let mut frames_error = None;
            if let (Ok(a), Some(dir)) = (&mut outcome, &frames_dir)
                && let Some(m) = a.frames.take()
                && let Err(e) = write_npz(dir, path, &m)
            {
                frames_error = Some(format!("cannot write frames under {}: {e}", dir.display()));
            }
            let record = outcome.map(|a| a.record);
            let path_text = path.to_string_lossy();
            let stamp = if is_stdin { None } else { FileStamp::of(path) };
            let mut value = record_value(&path_text, stamp, &record);
            if let Some(message) = frames_error {
                value = serde_json::json!({
                    "path": path_text,
                    "file_size": stamp.map(|s| s.size),
                    "file_mtime": stamp.map(|s| s.mtime),
                    "error": {"kind": "io", "message": format!("{path_text}: {message}")},
                });
            }
            attach(&mut value, &settings);
            let failure = failure_line(&path_text, &value);
            let ok = failure.is_none();
            let audio_s = value
                .get("duration_s")
                .and_then(|d| d.as_f64())
                .unwrap_or(0.0);
            let row = table.as_ref().map(|t| t.row(&value));
            let line = match &csv_cols {
                Some(cols) => {
                    let mut buf = Vec::new();
                    let _ = write_row(&mut buf, cols, &value);
                    String::from_utf8_lossy(&buf).trim_end().to_string()
                }
                None => value.to_string(),
            };
            Done {
                line,
                row,
                ok,
                audio_s,
                failure,
            }
        },
        |_, _, done: Done| {
            progress.track(done.ok, done.audio_s);
            if let Some(f) = &done.failure {
                progress.message(f);
            }
            if reader_gone.load(Ordering::Relaxed) {
                return;
            }
            let written = match &mut sink {
                Sink::Stream { out, .. } => {
                    let text = done.row.as_ref().unwrap_or(&done.line);
                    progress.suspend(|| writeln!(out, "{text}").and_then(|_| out.flush()))
                }
                Sink::Journal(j) => j.append(&done.line),
            };
            match written {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    reader_gone.store(true, Ordering::Relaxed);
                }
                Err(e) if write_error.is_none() => write_error = Some(e),
                _ => {}
            }
        },
    );
    if reader_gone.load(Ordering::Relaxed) {
        // like ripgrep: a reader that stopped reading is not an error
        return 0;
    }
    let failed = progress.failed();
    progress.finish();
    drop(spool);
    if let Err(e) = result {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    if let Some(e) = write_error {
        eprintln!("leitmotif: cannot write output: {e}");
        return 1;
    }
    if let (Sink::Journal(journal), Some(o), Some(fmt)) = (sink, out.as_deref(), format)
        && let Err(e) = finish_journal(journal, o, fmt)
    {
        eprintln!("leitmotif: {e}");
        return 1;
    }
    if failed > 0 { 1 } else { 0 }
}
