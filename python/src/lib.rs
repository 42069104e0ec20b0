//! `leitmotif._leitmotif`: the native half of the Python package.
//!
//! Thin bindings over [`leitmotif::array`] (librosa-compatible functions), the track
//! [`leitmotif::Pipeline`] and the similarity [`leitmotif::similarity::Index`]. Argument
//! checking, multichannel handling and dtype conversion live in the Python half
//! (`python/leitmotif/*.py`); every function here takes contiguous `float32` arrays of one
//! channel and releases the GIL while it computes.

use pyo3::prelude::*;

mod arrays;
mod errors;
mod index;
mod track;

#[pymodule]
fn _leitmotif(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // a decoder panic on hostile bytes becomes an AudioError, not also a printed panic
    leitmotif::quiet_caught_decoder_panics();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    arrays::register(m)?;
    track::register(m)?;
    index::register(m)?;
    Ok(())
}
