//! The similarity index (`leitmotif index` files) from Python.

use std::ffi::CString;
use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2};
use pyo3::exceptions::{PyOSError, PyUserWarning, PyValueError};
use pyo3::prelude::*;

use leitmotif::Pipeline;
use leitmotif::output::Settings;
use leitmotif::similarity::{Index as Inner, Metric, SearchMode};

use crate::errors::to_py;

fn sim_err(e: leitmotif::similarity::SimilarityError) -> PyErr {
    use leitmotif::similarity::SimilarityError as E;
    match e {
        E::Io { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A loaded similarity index.
#[pyclass(module = "leitmotif._leitmotif", frozen)]
struct Index {
    inner: Inner,
    weights: Vec<f32>,
}

#[pymethods]
impl Index {
    #[staticmethod]
    fn open(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| Inner::load(&path)).map_err(sim_err)?;
        Ok(Index {
            inner,
            weights: Metric::default().dim_weights(),
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Indexed paths, in row order.
    #[getter]
    fn paths(&self) -> Vec<String> {
        self.inner.paths().to_vec()
    }

    /// The analysis settings of the indexed records (the `settings` of an extract record),
    /// or `None` for an index that does not know them (built from older records).
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.record_settings() {
            Some(st) => Ok(Some(
                py.import("json")?
                    .call_method1("loads", (st.to_value().to_string(),))?,
            )),
            None => Ok(None),
        }
    }

    /// The raw feature vectors, `(n, dim)` float32, in row order.
    fn vectors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let dim = self.inner.dim();
        let a = ndarray::Array2::from_shape_vec(
            (self.inner.len(), dim),
            self.inner.raw_vectors().to_vec(),
        )
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(a.into_pyarray(py))
    }

    /// The `k` nearest tracks to `path` (an indexed path, or any audio file, analysed
    /// first): `(path, distance)` pairs, nearest first, the query itself excluded.
    #[pyo3(signature = (path, k=10))]
    fn similar(&self, py: Python<'_>, path: PathBuf, k: usize) -> PyResult<Vec<(String, f32)>> {
        let q = path.to_string_lossy().into_owned();
        let (config, options) = (self.inner.analysis_config(), self.inner.feature_options());
        let (found, analysed) = py.detach(|| -> PyResult<_> {
            let (qz, skip) = match self.inner.find(&q) {
                Some(id) => (self.inner.z_vector(id).to_vec(), Some(id)),
                None => {
                    // analysed with the settings of the index's vectors, as `leitmotif similar`
                    let mut p = Pipeline::new(config.clone(), options).map_err(to_py)?;
                    let v = p.analyze(&path).map_err(to_py)?.record.vector;
                    (self.inner.standardize(&v, &q).map_err(sim_err)?, None)
                }
            };
            let found = self
                .inner
                .search(&qz, k, &self.weights, SearchMode::Exact, skip);
            Ok((found, skip.is_none()))
        })?;
        // as `leitmotif similar`: say when the query could not be analysed with the index's
        // own settings (an older analysis version, a format-1 index of another tempo range)
        let now = Settings::new(&config, &options);
        if analysed && let Some(message) = self.inner.query_settings_warning(&now) {
            let message =
                CString::new(message).map_err(|e| PyValueError::new_err(e.to_string()))?;
            PyErr::warn(py, &py.get_type::<PyUserWarning>(), &message, 1)?;
        }
        Ok(found
            .into_iter()
            .map(|n| (self.inner.path(n.id).to_string(), n.distance))
            .collect())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Index>()
}
