"""Input checks and channel handling shared by the librosa-compatible functions."""
from __future__ import annotations

import numpy as np

from . import _leitmotif as _native


def valid_audio(y, name="y"):
    """Checks `y` as librosa's ``util.valid_audio`` does; returns it unchanged.

    Raises
    ------
    TypeError
        if `y` is not a floating-point numpy array.
    ValueError
        if `y` is zero-dimensional or not finite everywhere.
    """
    if not isinstance(y, np.ndarray):
        raise TypeError(f"Audio data must be of type numpy.ndarray, given {name}={type(y).__name__}")
    if not np.issubdtype(y.dtype, np.floating):
        raise TypeError(f"Audio data must be floating-point, given {name}.dtype={y.dtype}")
    if y.ndim == 0:
        raise ValueError(f"Audio data must be at least one-dimensional, given {name}.shape={y.shape}")
    if not np.isfinite(y).all():
        raise ValueError("Audio buffer is not finite everywhere")
    return y


def valid_matrix(S, name="S"):
    """Checks a spectrogram-like input: a real, finite numpy array with at least 2 axes."""
    if not isinstance(S, np.ndarray):
        raise TypeError(f"{name} must be of type numpy.ndarray, given {type(S).__name__}")
    if not (np.issubdtype(S.dtype, np.floating) or np.issubdtype(S.dtype, np.integer)):
        raise TypeError(f"{name} must be real-valued, given {name}.dtype={S.dtype}")
    if S.ndim < 2:
        raise ValueError(f"{name} must be at least two-dimensional, given {name}.shape={S.shape}")
    if not np.isfinite(S).all():
        raise ValueError(f"{name} is not finite everywhere")
    return S


def out_dtype(x):
    """librosa keeps float64 inputs in float64; everything else comes out as float32."""
    return np.float64 if x.dtype == np.float64 else np.float32


def per_channel(x, core_ndim, fn):
    """Applies `fn` to every channel of `x` (its last `core_ndim` axes as a float32 C-order
    array) and stacks the results with the leading axes of `x` in front."""
    lead = x.shape[: x.ndim - core_ndim]
    flat = x.reshape((-1,) + x.shape[x.ndim - core_ndim:])
    outs = [fn(np.ascontiguousarray(c, dtype=np.float32)) for c in flat]
    if not outs:
        raise ValueError(f"empty input of shape {x.shape}")
    first = np.asarray(outs[0])
    out = np.stack([np.asarray(o) for o in outs]) if len(outs) > 1 else first[None, ...]
    return out.reshape(lead + first.shape)


def unsupported(name, value, allowed):
    """NotImplementedError for a librosa parameter value leitmotif does not implement."""
    raise NotImplementedError(
        f"{name}={value!r} is not supported by leitmotif (supported: {allowed})"
    )


def check_stft_options(win_length, n_fft, window, center, pad_mode):
    if win_length is not None and win_length != n_fft:
        unsupported("win_length", win_length, "None or n_fft")
    if not (isinstance(window, str) and window in ("hann", "hanning")):
        unsupported("window", window, "'hann'")
    if center is not True:
        unsupported("center", center, "True")
    if pad_mode != "constant":
        unsupported("pad_mode", pad_mode, "'constant'")


def check_n_fft_hop(n_fft, hop_length):
    if not isinstance(n_fft, (int, np.integer)) or n_fft <= 0:
        raise ValueError(f"n_fft={n_fft!r} must be a positive integer")
    if not isinstance(hop_length, (int, np.integer)) or hop_length <= 0:
        raise ValueError(f"hop_length={hop_length!r} must be a positive integer")


def check_sr(sr):
    if not isinstance(sr, (int, np.integer, float)) or sr <= 0 or int(sr) != sr:
        raise ValueError(f"sr={sr!r} must be a positive integer number of Hz")
    return int(sr)


def spectrogram(*, y, S, n_fft, hop_length, power, win_length=None, window="hann",
                center=True, pad_mode="constant"):
    """librosa's ``_spectrogram``: `S` as given (with its implied n_fft), or
    ``|stft(y)|**power``. Returns ``(S, n_fft, dtype)``."""
    if S is not None:
        valid_matrix(S)
        return S, 2 * (S.shape[-2] - 1), out_dtype(S)
    if y is None:
        raise ValueError("Either y or S must be provided")
    valid_audio(y)
    check_n_fft_hop(n_fft, hop_length)
    check_stft_options(win_length, n_fft, window, center, pad_mode)
    S = per_channel(y, 1, lambda c: _native.magnitude(c, int(n_fft), int(hop_length), float(power)))
    return S, n_fft, out_dtype(y)


def rows(S, fn, dtype):
    """Per-frame scalar feature of every channel of `S`, shape ``(..., 1, n_frames)``."""
    out = per_channel(S, 2, fn)
    return out[..., None, :].astype(dtype, copy=False)
