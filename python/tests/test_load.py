"""leitmotif.load against the samples read independently, and against librosa.load."""
import os

import numpy as np
import pytest

import leitmotif
from conftest import SIGNALS, read_float_wav, read_pcm16_wav


def test_native_rate_is_bit_exact():
    path = os.path.join(SIGNALS, "music44.wav")
    want, rate = read_pcm16_wav(path)
    y, sr = leitmotif.load(path, sr=None, mono=False)
    assert sr == rate == 44100 and y.dtype == np.float32
    np.testing.assert_array_equal(y, want)
    mono, _ = leitmotif.load(path, sr=None)
    np.testing.assert_allclose(mono, want.mean(axis=0), rtol=0, atol=1e-7)
    y, _ = leitmotif.load(os.path.join(SIGNALS, "chirp.wav"), sr=None)
    np.testing.assert_array_equal(y, read_float_wav(os.path.join(SIGNALS, "chirp.wav")))


def test_offset_duration_and_dtype():
    path = os.path.join(SIGNALS, "music44.wav")
    full, _ = leitmotif.load(path, sr=None, mono=False)
    part, _ = leitmotif.load(path, sr=None, mono=False, offset=1.0, duration=0.5,
                             dtype=np.float64)
    assert part.dtype == np.float64
    np.testing.assert_array_equal(part, full[:, 44100:44100 + 22050])


def test_resampled_load_follows_librosa(ref):
    # librosa.load(music44.wav, sr=22050) (soxr_hq) is stored with the Rust fixtures
    with np.load(os.path.join(SIGNALS, "music44.npz")) as z:
        want = z["y"]
    y, sr = leitmotif.load(os.path.join(SIGNALS, "music44.wav"))
    assert sr == 22050 and y.shape == want.shape
    # different resampling filters (ours vs soxr HQ): compare the error energy
    err = np.sqrt(np.mean((y - want) ** 2)) / np.sqrt(np.mean(want ** 2))
    print(f"resampled load: relative RMS difference {err:.2e}")
    assert err < 5e-3  # measured 5.0e-4


@pytest.mark.parametrize("ext", ["mp3", "flac", "ogg", "m4a", "wav"])
def test_every_sample_format_loads(sample_paths, ext):
    path = next(p for p in sample_paths if p.endswith(ext))
    y, sr = leitmotif.load(path, duration=3.0)
    assert sr == 22050 and y.ndim == 1
    assert abs(len(y) - 3 * 22050) <= 2 * 1152 * 22050 // 44100 + 1
    assert np.isfinite(y).all() and np.abs(y).max() > 0.01
    st, _ = leitmotif.load(path, mono=False, duration=1.0)
    assert st.ndim == 2
