//! Track analysis: one record (`analyze`) and an ordered, parallel batch (`Batch`).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use leitmotif::output::record::record_value;
use leitmotif::output::settings::{Settings, attach};
use leitmotif::{AnalysisConfig, FeatureOptions, Input, Pipeline};
use numpy::PyReadonlyArray2;

use crate::errors::to_py;

/// An analysis configuration and the feature options it runs with.
type Setup = (AnalysisConfig, FeatureOptions);

fn config(
    sr: u32,
    max_duration: Option<f64>,
    tempo_range: Option<(f32, f32)>,
    tempo_prior: Option<(f32, f32)>,
) -> PyResult<Setup> {
    if sr == 0 {
        return Err(PyValueError::new_err("sr must be a positive integer"));
    }
    if max_duration.is_some_and(|d| d.is_nan() || d <= 0.0) {
        return Err(PyValueError::new_err(
            "max_duration must be positive or None",
        ));
    }
    let options = FeatureOptions {
        tempo_range,
        tempo_prior,
        ..FeatureOptions::default()
    };
    options.check().map_err(PyValueError::new_err)?;
    Ok((
        AnalysisConfig {
            sample_rate: sr,
            max_duration_s: max_duration,
            ..AnalysisConfig::default()
        },
        options,
    ))
}

/// The record line `extract` writes for `outcome`: the record with its `settings`, no
/// file stamp.
fn record_line(
    name: &str,
    outcome: &leitmotif::Result<leitmotif::TrackFeatures>,
    (cfg, options): &Setup,
) -> String {
    let mut v = record_value(name, None, outcome);
    attach(&mut v, &Settings::new(cfg, options));
    v.to_string()
}

thread_local! {
    /// One planned pipeline per thread, re-planned when the configuration changes.
    static PIPELINE: RefCell<Option<(Setup, Pipeline)>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's pipeline for `setup`.
fn with_pipeline<T>(
    setup: &Setup,
    f: impl FnOnce(&mut Pipeline) -> leitmotif::Result<T>,
) -> leitmotif::Result<T> {
    PIPELINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(s, _)| s != setup) {
            *slot = Some((setup.clone(), Pipeline::new(setup.0.clone(), setup.1)?));
        }
        match slot.as_mut() {
            Some((_, p)) => f(p),
            None => unreachable_config(),
        }
    })
}

fn unreachable_config<T>() -> leitmotif::Result<T> {
    Err(leitmotif::Error::Config {
        cause: "pipeline could not be planned".into(),
    })
}

/// The JSON record of the file at `path` (`extract`'s record); raises on failure.
#[pyfunction]
#[pyo3(signature = (path, name, sr=22050, max_duration=None, tempo_range=None, tempo_prior=None))]
fn analyze_path(
    py: Python<'_>,
    path: PathBuf,
    name: String,
    sr: u32,
    max_duration: Option<f64>,
    tempo_range: Option<(f32, f32)>,
    tempo_prior: Option<(f32, f32)>,
) -> PyResult<String> {
    let cfg = config(sr, max_duration, tempo_range, tempo_prior)?;
    let record = py
        .detach(|| with_pipeline(&cfg, |p| p.analyze(&path)))
        .map_err(to_py)?
        .record;
    Ok(record_line(&name, &Ok(record), &cfg))
}

/// The JSON record of an encoded file held in memory, labelled `name`; raises on failure.
#[pyfunction]
#[pyo3(signature = (data, name, sr=22050, max_duration=None, tempo_range=None, tempo_prior=None))]
fn analyze_bytes(
    py: Python<'_>,
    data: &[u8],
    name: String,
    sr: u32,
    max_duration: Option<f64>,
    tempo_range: Option<(f32, f32)>,
    tempo_prior: Option<(f32, f32)>,
) -> PyResult<String> {
    let cfg = config(sr, max_duration, tempo_range, tempo_prior)?;
    let record = py
        .detach(|| with_pipeline(&cfg, |p| p.analyze_input(Input::Bytes(data), &name)))
        .map_err(to_py)?
        .record;
    Ok(record_line(&name, &Ok(record), &cfg))
}

/// The JSON record of decoded samples `y` (`(channels, n)` float32) at `rate` Hz.
#[pyfunction]
#[pyo3(signature = (y, rate, name, sr=22050, max_duration=None, tempo_range=None, tempo_prior=None))]
// one argument per Python parameter: the signature is the Python API
#[allow(clippy::too_many_arguments)]
fn analyze_samples(
    py: Python<'_>,
    y: PyReadonlyArray2<'_, f32>,
    rate: u32,
    name: String,
    sr: u32,
    max_duration: Option<f64>,
    tempo_range: Option<(f32, f32)>,
    tempo_prior: Option<(f32, f32)>,
) -> PyResult<String> {
    let cfg = config(sr, max_duration, tempo_range, tempo_prior)?;
    let y = y.as_array();
    let channels = y.nrows();
    // interleave: samples[frame * channels + channel]
    let interleaved: Vec<f32> = y.t().iter().copied().collect();
    let record = py
        .detach(|| {
            with_pipeline(&cfg, |p| {
                p.analyze_input(
                    Input::Samples {
                        samples: &interleaved,
                        channels,
                        sample_rate: rate,
                    },
                    &name,
                )
            })
        })
        .map_err(to_py)?
        .record;
    Ok(record_line(&name, &Ok(record), &cfg))
}

/// The record line of one track of a batch: features or an error record.
fn record_of(p: &mut Pipeline, path: &str, cfg: &Setup) -> String {
    let outcome = p.analyze(Path::new(path)).map(|t| t.record);
    record_line(path, &outcome, cfg)
}

struct State {
    rx: Receiver<(usize, String)>,
    ready: BTreeMap<usize, String>,
    next: usize,
}

/// An ordered iterator over the JSON records of a list of paths, analysed by `jobs` worker
/// threads (one pipeline each) in the background, without the GIL.
#[pyclass(module = "leitmotif._leitmotif")]
struct Batch {
    state: Mutex<State>,
    total: usize,
    stop: Arc<AtomicBool>,
    workers: Arc<Mutex<HashSet<ThreadId>>>,
}

#[pymethods]
impl Batch {
    #[new]
    #[pyo3(signature = (paths, jobs, sr=22050, max_duration=None, tempo_range=None, tempo_prior=None))]
    fn new(
        paths: Vec<String>,
        jobs: usize,
        sr: u32,
        max_duration: Option<f64>,
        tempo_range: Option<(f32, f32)>,
        tempo_prior: Option<(f32, f32)>,
    ) -> PyResult<Self> {
        let cfg = config(sr, max_duration, tempo_range, tempo_prior)?;
        // fail early on a configuration no worker could plan
        Pipeline::new(cfg.0.clone(), cfg.1).map_err(to_py)?;
        let total = paths.len();
        let paths = Arc::new(paths);
        let (tx, rx) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let workers = Arc::new(Mutex::new(HashSet::new()));
        let cursor = Arc::new(AtomicUsize::new(0));
        for _ in 0..jobs.max(1).min(total.max(1)) {
            let (tx, paths, stop, cursor, cfg) = (
                tx.clone(),
                paths.clone(),
                stop.clone(),
                cursor.clone(),
                cfg.clone(),
            );
            let workers = workers.clone();
            std::thread::spawn(move || {
                let mut pipeline = Pipeline::new(cfg.0.clone(), cfg.1).ok();
                loop {
                    let i = cursor.fetch_add(1, Ordering::Relaxed);
                    if i >= paths.len() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Ok(mut w) = workers.lock() {
                        w.insert(std::thread::current().id());
                    }
                    let line = match pipeline.as_mut() {
                        Some(p) => record_of(p, &paths[i], &cfg),
                        None => record_line(&paths[i], &unreachable_config(), &cfg),
                    };
                    if tx.send((i, line)).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Batch {
            state: Mutex::new(State {
                rx,
                ready: BTreeMap::new(),
                next: 0,
            }),
            total,
            stop,
            workers,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<String>> {
        py.detach(|| {
            let mut st = match self.state.lock() {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
            loop {
                let next = st.next;
                if let Some(line) = st.ready.remove(&next) {
                    st.next += 1;
                    return Ok(Some(line));
                }
                if st.next >= self.total {
                    return Ok(None);
                }
                match st.rx.recv() {
                    Ok((i, line)) => {
                        st.ready.insert(i, line);
                    }
                    Err(_) => return Ok(None),
                }
            }
        })
    }

    fn __len__(&self) -> usize {
        self.total
    }

    /// Number of distinct worker threads that have analysed a track so far.
    #[getter]
    fn workers_used(&self) -> usize {
        self.workers.lock().map(|w| w.len()).unwrap_or(0)
    }

    /// Asks the workers to stop after their current track.
    fn close(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The flat column names and types of the tabular outputs (`leitmotif::output::columns`).
#[pyfunction]
fn columns() -> Vec<(String, &'static str)> {
    use leitmotif::output::columns::ColumnType as T;
    leitmotif::output::columns::columns()
        .into_iter()
        .map(|c| {
            let ty = match c.ty {
                T::Int => "int",
                T::Float => "float",
                T::Str => "str",
                T::FloatList => "float_list",
            };
            (c.name, ty)
        })
        .collect()
}

/// The record flattened into `(column, value)` pairs as JSON text, like the CSV/Parquet rows.
#[pyfunction]
fn flatten(line: &str) -> PyResult<String> {
    let v: serde_json::Value =
        serde_json::from_str(line).map_err(|e| PyValueError::new_err(e.to_string()))?;
    let pairs: serde_json::Map<String, serde_json::Value> = leitmotif::output::columns::flatten(&v)
        .into_iter()
        .collect();
    Ok(serde_json::Value::Object(pairs).to_string())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyze_path, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(analyze_samples, m)?)?;
    m.add_function(wrap_pyfunction!(columns, m)?)?;
    m.add_function(wrap_pyfunction!(flatten, m)?)?;
    m.add_class::<Batch>()?;
    m.add(
        "DEFAULT_TEMPO_PRIOR_BPM",
        leitmotif::DEFAULT_TEMPO_PRIOR_BPM,
    )?;
    m.add(
        "DEFAULT_TEMPO_PRIOR_OCTAVES",
        leitmotif::DEFAULT_TEMPO_PRIOR_OCTAVES,
    )?;
    Ok(())
}
