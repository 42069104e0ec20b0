//! `leitmotif serve`: the HTTP analysis service (see the library's `serve` module).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use leitmotif::serve::{self, ServeConfig};

use super::extract::{parse_tempo_prior, parse_tempo_range};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (loopback by default; port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Analysis workers (default: all cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// Requests admitted beyond the running ones before 503 (default: 2 × jobs).
    #[arg(long)]
    queue: Option<usize>,
    /// Largest request body in MB (10^6 bytes).
    #[arg(long, value_name = "MB", default_value_t = 256.0)]
    max_body: f64,
    /// Bodies up to this size (MB) stay in memory; larger ones go to an unnamed temporary file.
    #[arg(long, value_name = "MB", default_value_t = 8.388608)]
    memory_body: f64,
    /// Analyse at most this many seconds of each upload (default: 3 hours).
    #[arg(long, value_name = "SECONDS")]
    max_duration: Option<f64>,
    /// Per-track analysis time limit (504 beyond).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    timeout: f64,
    /// Slow-client limit: time to send the headers, and longest pause within a body.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    client_timeout: f64,
    /// On SIGTERM/SIGINT, how long to wait for in-flight requests.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    shutdown_timeout: f64,
    /// Similarity index for POST /v1/similar (`leitmotif index build`).
    #[arg(long, value_name = "FILE")]
    index: Option<PathBuf>,
    /// Directory for spooled uploads (default: the system temporary directory).
    #[arg(long, value_name = "DIR")]
    spool_dir: Option<PathBuf>,
    /// Analysis sample rate in Hz, as `extract --sample-rate`.
    #[arg(long, value_name = "HZ", default_value_t = 22050)]
    sample_rate: u32,
    /// Tempo search range in BPM, `MIN-MAX` (default 40-250), as `extract --tempo-range`.
    #[arg(long, value_name = "MIN-MAX", value_parser = parse_tempo_range)]
    tempo_range: Option<(f32, f32)>,
    /// Tempo prior, `BPM` or `BPM,OCTAVES` (default 130,0.6), as `extract --tempo-prior`.
    #[arg(long, value_name = "BPM[,OCTAVES]", value_parser = parse_tempo_prior)]
    tempo_prior: Option<(f32, f32)>,
}

fn seconds(v: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(v)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag} must be a positive number of seconds"))
}

pub fn run(args: ServeArgs) -> i32 {
    let mut config = ServeConfig::default();
    let parsed = (|| -> Result<(), String> {
        config.listen = args.listen;
        if let Some(j) = args.jobs {
            config.jobs = j;
            config.queue = 2 * j;
        }
        if let Some(q) = args.queue {
            config.queue = q;
        }
        if !(args.max_body.is_finite() && args.max_body > 0.0) {
            return Err("--max-body must be a positive number of MB".into());
        }
        config.max_body = (args.max_body * 1e6) as u64;
        if !(args.memory_body.is_finite() && args.memory_body >= 0.0) {
            return Err("--memory-body must be a number of MB".into());
        }
        config.memory_body = (args.memory_body * 1e6) as u64;
        config.max_duration_s = args.max_duration;
        config.timeout_s = args.timeout;
        config.client_timeout = seconds(args.client_timeout, "--client-timeout")?;
        config.shutdown_timeout = seconds(args.shutdown_timeout, "--shutdown-timeout")?;
        config.index = args.index;
        config.spool_dir = args.spool_dir;
        config.sample_rate = args.sample_rate;
        config.features.tempo_range = args.tempo_range;
        config.features.tempo_prior = args.tempo_prior;
        Ok(())
    })();
    if let Err(e) = parsed {
        eprintln!("leitmotif: {e}");
        return 2;
    }
    serve::run(config)
}
