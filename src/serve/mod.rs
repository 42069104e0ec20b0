//! `leitmotif serve`: the upload worker's HTTP analysis service.
//!
//! An HTTP/1.1 server (tokio, hyper, axum) in front of a fixed pool of analysis workers:
//!
//! - `POST /v1/analyze[?name=LABEL][&frames=1]`: the body is an audio file, kept in memory
//!   when small and otherwise streamed to an unnamed temporary file; the answer is the record `leitmotif
//!   extract` writes (`path` = the label), or the per-frame matrices as NPZ.
//! - `POST /v1/similar[?k=10]`: the nearest tracks of `--index` to an uploaded file or a
//!   posted vector.
//! - `GET /healthz`, `/readyz`, `/metrics` (Prometheus text), `/openapi.json`.
//!
//! Errors are RFC 9457 problem details carrying the record's `error.kind`: 400 bad
//! parameters, 408 slow body, 413 body over the limit, 415 not audio or unsupported codec,
//! 422 undecodable, 503 + `Retry-After` when the queue is full, 504 on the time limit.
//! SIGTERM/SIGINT stop accepting, let in-flight requests finish (up to a deadline) and exit
//! with status 0.

mod config;
mod metrics;
mod openapi;
mod pool;
mod problem;
mod routes;
mod spool;

pub use config::ServeConfig;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::config::AnalysisConfig;
use crate::output::settings::Settings;
use crate::similarity::Index;
use metrics::Metrics;
use pool::Pool;
use routes::{AppState, IndexState};
use spool::SpoolSettings;

/// Runs the service until SIGTERM or SIGINT; returns the process exit status (0 after a
/// graceful shutdown, 2 when it cannot start). Logs go to standard error through `tracing`
/// (filter with `RUST_LOG`, default `info`); the bound address is printed on standard
/// output.
pub fn run(config: ServeConfig) -> i32 {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("leitmotif-http")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("leitmotif: cannot start the runtime: {e}");
            return 2;
        }
    };
    let result = runtime.block_on(serve(config));
    // Connections still open after the shutdown deadline are dropped here.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("leitmotif: {e}");
            2
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .try_init();
}

fn validate(c: &ServeConfig) -> Result<(), String> {
    if c.jobs == 0 {
        return Err("--jobs must be at least 1".into());
    }
    if c.max_body == 0 {
        return Err("--max-body must be positive".into());
    }
    if !(c.timeout_s.is_finite() && c.timeout_s > 0.0) {
        return Err("--timeout must be a positive number of seconds".into());
    }
    if c.max_duration_s
        .is_some_and(|d| !(d.is_finite() && d > 0.0))
    {
        return Err("--max-duration must be a positive number of seconds".into());
    }
    if c.client_timeout.is_zero() {
        return Err("--client-timeout must be positive".into());
    }
    c.features.check()
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    validate(&config)?;
    // Handlers first, so a SIGTERM during start-up is a graceful stop, not a kill.
    let signal = shutdown_signal();
    let index = match &config.index {
        None => None,
        Some(p) => {
            let index = Index::load(p).map_err(|e| e.to_string())?;
            Some(IndexState {
                index,
                weights: routes::default_weights(),
            })
        }
    };
    let analysis = AnalysisConfig {
        sample_rate: config.sample_rate,
        max_duration_s: config.max_duration_s,
        timeout_s: Some(config.timeout_s),
        ..AnalysisConfig::default()
    };
    let metrics = Arc::new(Metrics::default());
    let settings = Settings::new(&analysis, &config.features);
    // uploads are analysed with the service's settings: an index whose vectors were made
    // with others would be searched with incomparable queries
    if let (Some(path), Some(state)) = (&config.index, &index)
        && let Some(theirs) = state.index.settings_differ_from(&settings)
    {
        return Err(format!(
            "{}: the index's vectors were made with other analysis settings ({theirs}) \
             than this service analyses uploads with ({}); start the service with the \
             index's --sample-rate/--tempo-range/--tempo-prior, or rebuild the index from \
             records made with the service's settings",
            path.display(),
            settings.describe()
        ));
    }
    let pool = Pool::start(
        config.jobs,
        config.queue,
        analysis,
        config.features,
        Arc::clone(&metrics),
    )
    .map_err(|e| e.to_string())?;
    // Safety net behind the analyzer's deadline: the longest a request may wait for its
    // turn and its analysis.
    let rounds = 2 + config.queue.div_ceil(config.jobs) as u32;
    let wait_limit = Duration::from_secs_f64(config.timeout_s) * rounds + Duration::from_secs(5);
    let state = Arc::new(AppState {
        pool,
        metrics,
        spool: SpoolSettings {
            max_body: config.max_body,
            memory_body: config.memory_body,
            idle: config.client_timeout,
            dir: config.spool_dir.clone().unwrap_or_else(std::env::temp_dir),
        },
        index,
        wait_limit,
        shutting_down: AtomicBool::new(false),
        settings,
    });
    let app = routes::router(Arc::clone(&state));
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot read the bound address: {e}"))?;
    println!("leitmotif serve: listening on http://{bound}");
    tracing::info!(
        address = %bound,
        jobs = config.jobs,
        queue = config.queue,
        max_body = config.max_body,
        "listening"
    );

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.client_timeout)
        .max_buf_size(config::MAX_HEAD_BYTES.max(8192))
        .max_headers(config::MAX_HEADERS);
    let graceful = GracefulShutdown::new();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(app.clone());
                let conn = http.serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                });
            }
            () = &mut signal => break,
        }
    }
    drop(listener);
    state.shutting_down.store(true, Ordering::Relaxed);
    tracing::info!("shutting down: finishing in-flight requests");
    let deadline = std::time::Instant::now() + config.shutdown_timeout;
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(config.shutdown_timeout) => {
            tracing::warn!("shutdown deadline reached; dropping the remaining requests");
        }
    }
    // Workers still busy after the deadline (a long analysis) get one more second; their
    // spool files are removed either way.
    let st = Arc::clone(&state);
    let _ = tokio::task::spawn_blocking(move || {
        st.pool
            .shutdown(deadline.max(std::time::Instant::now()) + Duration::from_secs(1))
    })
    .await;
    Ok(())
}

/// Registers the SIGTERM and SIGINT handlers now; the future resolves on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut t), Some(mut i)) => {
                    tokio::select! {
                        _ = t.recv() => {}
                        _ = i.recv() => {}
                    }
                }
                (Some(mut t), None) => {
                    t.recv().await;
                }
                (None, Some(mut i)) => {
                    i.recv().await;
                }
                (None, None) => std::future::pending::<()>().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
