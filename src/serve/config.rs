//! Settings of `leitmotif serve`, with the defaults the command line uses.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the service needs to start. [`ServeConfig::default`] gives the documented
/// defaults; the command line overrides them field by field.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to bind. Default `127.0.0.1:8080` (loopback only: put a proxy or a
    /// Kubernetes Service in front to expose it). Port 0 picks a free port; the bound
    /// address is printed on standard output as `leitmotif serve: listening on http://ADDR`.
    pub listen: SocketAddr,
    /// Analysis workers, each with its own reusable pipeline. Default: the number of cores.
    pub jobs: usize,
    /// Requests admitted beyond the `jobs` being analysed (uploading or waiting for a
    /// worker). When `jobs + queue` requests are admitted, the next gets 503 with
    /// `Retry-After`. Default: `2 × jobs`.
    pub queue: usize,
    /// Largest accepted request body in bytes (413 beyond). Default 256 MB.
    pub max_body: u64,
    /// Bodies up to this size are kept in memory; larger ones are spooled to an unnamed
    /// temporary file in `spool_dir`. Default 8 MiB, so at most `(jobs + queue) × 8 MiB`
    /// of bodies are in memory at once.
    pub memory_body: u64,
    /// Analyse at most this many seconds of each upload (a warning in the record). Default
    /// `None`: the library's cap ([`crate::config::DEFAULT_MAX_DURATION_S`], 3 hours).
    pub max_duration_s: Option<f64>,
    /// Per-track analysis time limit in seconds (504 beyond). Default 60 s.
    pub timeout_s: f64,
    /// Slow-client limit: the time allowed to send the request headers, and the longest
    /// pause between two pieces of a request body (408 for the body). Default 10 s.
    pub client_timeout: Duration,
    /// How long a SIGTERM/SIGINT waits for in-flight requests before exiting. Default 30 s.
    pub shutdown_timeout: Duration,
    /// Similarity index for `POST /v1/similar` (`leitmotif index build`). Default: none
    /// (the route answers 404).
    pub index: Option<PathBuf>,
    /// Where large bodies are spooled. Default: the system temporary directory.
    pub spool_dir: Option<PathBuf>,
    /// Analysis sample rate in Hz, as `extract --sample-rate`. Default 22050.
    pub sample_rate: u32,
    /// Tempo search range and prior of the analyses ([`crate::FeatureOptions::tempo_range`],
    /// [`crate::FeatureOptions::tempo_prior`]; `keep_frames` is set per request). Default:
    /// the library's defaults.
    pub features: crate::FeatureOptions,
}

/// Largest request head (request line and headers) in bytes; larger gets 431.
pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Most header fields in one request; more gets 431.
pub(crate) const MAX_HEADERS: usize = 64;
/// Longest `?name=` label, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 1024;

impl Default for ServeConfig {
    fn default() -> Self {
        let jobs = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        ServeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            jobs,
            queue: 2 * jobs,
            max_body: 256_000_000,
            memory_body: 8 << 20,
            max_duration_s: None,
            timeout_s: 60.0,
            client_timeout: Duration::from_secs(10),
            shutdown_timeout: Duration::from_secs(30),
            index: None,
            spool_dir: None,
            sample_rate: crate::AnalysisConfig::default().sample_rate,
            features: crate::FeatureOptions::default(),
        }
    }
}
