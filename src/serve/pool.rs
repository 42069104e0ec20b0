//! The fixed pool of analysis workers: one OS thread per job slot, each owning its
//! [`Pipeline`]s (plans, filterbanks and buffers reused from track to track), fed through
//! one channel. Admission (how many requests may upload, wait or run at once) is a
//! semaphore of `jobs + queue` permits held by the request from its first body byte to
//! its response, so a client that disconnects gives its permit back when its handler is
//! dropped.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use super::metrics::Metrics;
use super::spool::Upload;
use crate::config::AnalysisConfig;
use crate::error::{Error, Result};
use crate::features::extractor::FeatureOptions;
use crate::pipeline::{Pipeline, TrackAnalysis};

/// One analysis to run: the upload, its label and whether to keep per-frame matrices.
pub(crate) struct Job {
    pub(crate) upload: Upload,
    pub(crate) name: String,
    pub(crate) frames: bool,
    pub(crate) reply: oneshot::Sender<Result<TrackAnalysis>>,
}

/// The worker threads and the admission semaphore.
pub(crate) struct Pool {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    admission: Arc<Semaphore>,
    metrics: Arc<Metrics>,
    shared: Arc<Shared>,
}

/// State the workers share with the pool.
#[derive(Default)]
struct Shared {
    /// Set at shutdown: queued jobs are dropped instead of analysed.
    stopping: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pool {
    /// Starts `jobs` workers (each plans its pipeline now, so a bad configuration fails at
    /// start-up) with `jobs + queue` admission slots.
    pub(crate) fn start(
        jobs: usize,
        queue: usize,
        config: AnalysisConfig,
        features: FeatureOptions,
        metrics: Arc<Metrics>,
    ) -> Result<Pool> {
        let jobs = jobs.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let shared = Arc::new(Shared::default());
        let mut threads = Vec::with_capacity(jobs);
        for i in 0..jobs {
            let plain = Pipeline::new(config.clone(), features)?;
            let rx = Arc::clone(&rx);
            let config = config.clone();
            let metrics = Arc::clone(&metrics);
            let shared = Arc::clone(&shared);
            let handle = std::thread::Builder::new()
                .name(format!("leitmotif-worker-{i}"))
                .spawn(move || worker(rx, plain, config, features, metrics, shared))
                .map_err(|e| Error::Internal {
                    path: PathBuf::from("serve"),
                    cause: format!("cannot start a worker thread: {e}"),
                })?;
            threads.push(handle);
        }
        metrics.workers.store(jobs as i64, Ordering::Relaxed);
        metrics
            .capacity
            .store((jobs + queue) as i64, Ordering::Relaxed);
        Ok(Pool {
            tx: Mutex::new(Some(tx)),
            threads: Mutex::new(threads),
            admission: Arc::new(Semaphore::new(jobs + queue)),
            metrics,
            shared,
        })
    }

    /// An admission slot, or `None` when `jobs + queue` requests are already admitted.
    pub(crate) fn try_admit(&self) -> Option<Admission> {
        let permit = Arc::clone(&self.admission).try_acquire_owned().ok()?;
        self.metrics.admitted.fetch_add(1, Ordering::Relaxed);
        Some(Admission {
            _permit: permit,
            metrics: Arc::clone(&self.metrics),
        })
    }

    /// Whether a new request would be admitted now.
    pub(crate) fn has_room(&self) -> bool {
        self.admission.available_permits() > 0
    }

    /// Queues `job`; the answer arrives on its `reply` channel.
    pub(crate) fn submit(&self, job: Job) -> std::result::Result<(), Job> {
        let guard = lock(&self.tx);
        let Some(tx) = guard.as_ref() else {
            return Err(job);
        };
        self.metrics.queue_depth.fetch_add(1, Ordering::Relaxed);
        tx.send(job).map_err(|e| {
            self.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
            e.0
        })
    }

    /// Stops the workers: queued jobs are dropped, running analyses get until `deadline`
    /// to finish (a worker still busy then is left to the process exit; spooled bodies are
    /// unnamed files, so nothing stays on disk).
    pub(crate) fn shutdown(&self, deadline: Instant) {
        self.shared.stopping.store(true, Ordering::Relaxed);
        lock(&self.tx).take();
        let threads = std::mem::take(&mut *lock(&self.threads));
        while threads.iter().any(|t| !t.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        for t in threads {
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// A held admission slot; released on drop (response sent, or client gone).
pub(crate) struct Admission {
    _permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.metrics.admitted.fetch_sub(1, Ordering::Relaxed);
    }
}

fn worker(
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
    plain: Pipeline,
    config: AnalysisConfig,
    features: FeatureOptions,
    metrics: Arc<Metrics>,
    shared: Arc<Shared>,
) {
    let mut plain = Some(plain);
    let mut framed: Option<Pipeline> = None;
    loop {
        let job = match lock(&rx).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
        if job.reply.is_closed() || shared.stopping.load(Ordering::Relaxed) {
            // The client went away while the job waited, or the service is stopping: skip
            // it (its file goes with it).
            continue;
        }
        metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let slot = if job.frames { &mut framed } else { &mut plain };
        let options = FeatureOptions {
            keep_frames: job.frames,
            ..features
        };
        let Job {
            upload,
            name,
            reply,
            ..
        } = job;
        // The upload (buffer or spool file) is consumed by the analysis and freed with it.
        let result = catch_unwind(AssertUnwindSafe(|| {
            analyze(slot, &config, options, upload, &name)
        }))
        .unwrap_or_else(|_| {
            *slot = None;
            Err(Error::Internal {
                path: PathBuf::from(&name),
                cause: "the analysis panicked".into(),
            })
        });
        metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        let (outcome, audio_s) = match &result {
            Ok(a) => ("ok", a.record.duration_s),
            Err(e) => (e.kind().as_str(), 0.0),
        };
        metrics.observe_track(outcome, audio_s);
        let _ = reply.send(result);
    }
}

fn analyze(
    slot: &mut Option<Pipeline>,
    config: &AnalysisConfig,
    options: FeatureOptions,
    upload: Upload,
    name: &str,
) -> Result<TrackAnalysis> {
    if slot.is_none() {
        *slot = Some(Pipeline::new(config.clone(), options)?);
    }
    let Some(p) = slot.as_mut() else {
        return Err(Error::Internal {
            path: PathBuf::from(name),
            cause: "no pipeline".into(),
        });
    };
    p.analyze_input(upload.into_input(), name)
}
