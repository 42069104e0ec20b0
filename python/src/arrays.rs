//! The librosa-compatible array functions (one channel, `float32`).

use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use leitmotif::array as a;

use crate::errors::to_py;

type Out1<'py> = Bound<'py, PyArray1<f32>>;
type Out2<'py> = Bound<'py, PyArray2<f32>>;

fn slice<'a>(y: &'a PyReadonlyArray1<'_, f32>) -> PyResult<&'a [f32]> {
    Ok(y.as_slice()?)
}

fn one(py: Python<'_>, r: leitmotif::Result<Array1<f32>>) -> PyResult<Out1<'_>> {
    Ok(r.map_err(to_py)?.into_pyarray(py))
}

fn two(py: Python<'_>, r: leitmotif::Result<Array2<f32>>) -> PyResult<Out2<'_>> {
    Ok(r.map_err(to_py)?.into_pyarray(py))
}

#[pyfunction]
fn stft<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    n_fft: usize,
    hop_length: usize,
) -> PyResult<Bound<'py, PyArray2<numpy::Complex32>>> {
    let y = slice(&y)?;
    let s = py.detach(|| a::stft(y, n_fft, hop_length)).map_err(to_py)?;
    Ok(s.into_pyarray(py))
}

#[pyfunction]
fn magnitude<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    n_fft: usize,
    hop_length: usize,
    power: f32,
) -> PyResult<Out2<'py>> {
    let y = slice(&y)?;
    two(py, py.detach(|| a::magnitude(y, n_fft, hop_length, power)))
}

#[pyfunction]
fn spectral_centroid<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
) -> PyResult<Out1<'py>> {
    let s = s.as_array();
    one(py, py.detach(|| Ok(a::spectral_centroid(s, sr))))
}

#[pyfunction]
fn spectral_bandwidth<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
) -> PyResult<Out1<'py>> {
    let s = s.as_array();
    one(py, py.detach(|| Ok(a::spectral_bandwidth(s, sr))))
}

#[pyfunction]
fn spectral_rolloff<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    roll_percent: f64,
) -> PyResult<Out1<'py>> {
    let s = s.as_array();
    one(py, py.detach(|| a::spectral_rolloff(s, sr, roll_percent)))
}

#[pyfunction]
fn spectral_flatness<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    amin: f64,
    power: f64,
) -> PyResult<Out1<'py>> {
    let s = s.as_array();
    one(py, py.detach(|| a::spectral_flatness(s, amin, power)))
}

#[pyfunction]
fn spectral_contrast<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    fmin: f64,
    n_bands: usize,
    quantile: f64,
    linear: bool,
) -> PyResult<Out2<'py>> {
    let s = s.as_array();
    two(
        py,
        py.detach(|| a::spectral_contrast(s, sr, fmin, n_bands, quantile, linear)),
    )
}

#[pyfunction]
fn rms_from_spectrum<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    frame_length: usize,
) -> PyResult<Out1<'py>> {
    let s = s.as_array();
    one(py, py.detach(|| a::rms_from_spectrum(s, frame_length)))
}

#[pyfunction]
fn rms<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    frame_length: usize,
    hop_length: usize,
    center: bool,
) -> PyResult<Out1<'py>> {
    let y = slice(&y)?;
    one(
        py,
        py.detach(|| a::rms(y, frame_length, hop_length, center)),
    )
}

#[pyfunction]
fn zero_crossing_rate<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f32>,
    frame_length: usize,
    hop_length: usize,
    center: bool,
) -> PyResult<Out1<'py>> {
    let y = slice(&y)?;
    one(
        py,
        py.detach(|| a::zero_crossing_rate(y, frame_length, hop_length, center)),
    )
}

#[pyfunction]
#[pyo3(signature = (s, sr, n_mels, fmin, fmax=None))]
fn melspectrogram<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
) -> PyResult<Out2<'py>> {
    let s = s.as_array();
    two(
        py,
        py.detach(|| a::melspectrogram(s, sr, n_mels, fmin, fmax)),
    )
}

#[pyfunction]
#[pyo3(signature = (s, ref_value, amin, top_db=None))]
fn power_to_db<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    ref_value: f32,
    amin: f32,
    top_db: Option<f32>,
) -> PyResult<Out2<'py>> {
    let s = s.as_array();
    two(py, py.detach(|| a::power_to_db(s, ref_value, amin, top_db)))
}

#[pyfunction]
fn mfcc<'py>(
    py: Python<'py>,
    s_db: PyReadonlyArray2<'py, f32>,
    n_mfcc: usize,
) -> PyResult<Out2<'py>> {
    let s = s_db.as_array();
    two(py, py.detach(|| a::mfcc(s, n_mfcc)))
}

#[pyfunction]
#[pyo3(signature = (s, sr, tuning=None))]
fn chroma_stft<'py>(
    py: Python<'py>,
    s: PyReadonlyArray2<'py, f32>,
    sr: u32,
    tuning: Option<f64>,
) -> PyResult<Out2<'py>> {
    let s = s.as_array();
    two(py, py.detach(|| a::chroma_stft(s, sr, tuning)))
}

#[pyfunction]
fn estimate_tuning(py: Python<'_>, s: PyReadonlyArray2<'_, f32>, sr: u32) -> PyResult<f64> {
    let s = s.as_array();
    py.detach(|| a::estimate_tuning(s, sr)).map_err(to_py)
}

#[pyfunction]
fn onset_strength<'py>(
    py: Python<'py>,
    s_db: PyReadonlyArray2<'py, f32>,
    lag: usize,
    n_fft: usize,
    hop_length: usize,
    center: bool,
    median: bool,
) -> PyResult<Out1<'py>> {
    let s = s_db.as_array();
    let agg = if median {
        a::Aggregate::Median
    } else {
        a::Aggregate::Mean
    };
    one(
        py,
        py.detach(|| a::onset_strength(s, lag, n_fft, hop_length, center, agg)),
    )
}

fn params(
    start_bpm: f64,
    std_bpm: f64,
    ac_size: f64,
    max_tempo: Option<f64>,
    tightness: f64,
    trim: bool,
) -> a::BeatParams {
    a::BeatParams {
        start_bpm,
        std_bpm,
        ac_size,
        max_tempo,
        tightness,
        trim,
    }
}

#[pyfunction]
#[pyo3(signature = (env, sr, hop_length, start_bpm, std_bpm, ac_size, max_tempo=None))]
#[allow(clippy::too_many_arguments)] // librosa's parameters, one by one
fn tempo(
    py: Python<'_>,
    env: PyReadonlyArray1<'_, f32>,
    sr: u32,
    hop_length: usize,
    start_bpm: f64,
    std_bpm: f64,
    ac_size: f64,
    max_tempo: Option<f64>,
) -> PyResult<f64> {
    let env = slice(&env)?;
    let p = params(start_bpm, std_bpm, ac_size, max_tempo, 100.0, true);
    py.detach(|| a::tempo(env, sr, hop_length, &p))
        .map_err(to_py)
}

#[pyfunction]
#[pyo3(signature = (env, sr, hop_length, start_bpm, tightness, trim, bpm=None))]
#[allow(clippy::too_many_arguments)] // librosa's parameters, one by one
fn beat_track<'py>(
    py: Python<'py>,
    env: PyReadonlyArray1<'py, f32>,
    sr: u32,
    hop_length: usize,
    start_bpm: f64,
    tightness: f64,
    trim: bool,
    bpm: Option<f64>,
) -> PyResult<(f64, Bound<'py, PyArray1<i64>>)> {
    let env = slice(&env)?;
    let p = params(start_bpm, 1.0, 8.0, Some(320.0), tightness, trim);
    let (t, beats) = py
        .detach(|| a::beat_track(env, sr, hop_length, bpm, &p))
        .map_err(to_py)?;
    let beats: Vec<i64> = beats.into_iter().map(|b| b as i64).collect();
    Ok((t, beats.into_pyarray(py)))
}

#[pyfunction]
#[pyo3(signature = (path, sr, mono, offset, duration=None))]
fn load<'py>(
    py: Python<'py>,
    path: std::path::PathBuf,
    sr: Option<u32>,
    mono: bool,
    offset: f64,
    duration: Option<f64>,
) -> PyResult<(Out2<'py>, u32)> {
    let (y, rate) = py
        .detach(|| a::load(&path, sr, mono, offset, duration))
        .map_err(to_py)?;
    Ok((y.into_pyarray(py), rate))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(stft, m)?)?;
    m.add_function(wrap_pyfunction!(magnitude, m)?)?;
    m.add_function(wrap_pyfunction!(spectral_centroid, m)?)?;
    m.add_function(wrap_pyfunction!(spectral_bandwidth, m)?)?;
    m.add_function(wrap_pyfunction!(spectral_rolloff, m)?)?;
    m.add_function(wrap_pyfunction!(spectral_flatness, m)?)?;
    m.add_function(wrap_pyfunction!(spectral_contrast, m)?)?;
    m.add_function(wrap_pyfunction!(rms_from_spectrum, m)?)?;
    m.add_function(wrap_pyfunction!(rms, m)?)?;
    m.add_function(wrap_pyfunction!(zero_crossing_rate, m)?)?;
    m.add_function(wrap_pyfunction!(melspectrogram, m)?)?;
    m.add_function(wrap_pyfunction!(power_to_db, m)?)?;
    m.add_function(wrap_pyfunction!(mfcc, m)?)?;
    m.add_function(wrap_pyfunction!(chroma_stft, m)?)?;
    m.add_function(wrap_pyfunction!(estimate_tuning, m)?)?;
    m.add_function(wrap_pyfunction!(onset_strength, m)?)?;
    m.add_function(wrap_pyfunction!(tempo, m)?)?;
    m.add_function(wrap_pyfunction!(beat_track, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    Ok(())
}
