//! leitmotif errors as Python exceptions.

use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    leitmotif,
    AudioError,
    PyValueError,
    "The audio could not be decoded: unsupported format or codec, no audio track, a broken or empty stream. The message names the file and the cause."
);

/// Maps a leitmotif error to `ValueError` (bad parameters), `FileNotFoundError` / `OSError`
/// (I/O) or [`AudioError`] (everything about the audio itself).
pub fn to_py(e: leitmotif::Error) -> PyErr {
    use leitmotif::ErrorKind as K;
    match e.kind() {
        K::Config => PyValueError::new_err(e.to_string()),
        K::Io => match &e {
            leitmotif::Error::Io { source, .. }
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                PyFileNotFoundError::new_err(e.to_string())
            }
            _ => PyOSError::new_err(e.to_string()),
        },
        _ => AudioError::new_err(e.to_string()),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("AudioError", m.py().get_type::<AudioError>())
}
