"""Core functions: ``stft``, ``load`` and ``power_to_db``, as in librosa 0.11."""
from __future__ import annotations

import os

import numpy as np

from . import _leitmotif as _native
from ._util import (check_n_fft_hop, check_sr, check_stft_options, out_dtype, per_channel,
                    valid_audio)

__all__ = ["stft", "load", "power_to_db"]


def stft(y, *, n_fft=2048, hop_length=None, win_length=None, window="hann", center=True,
         dtype=None, pad_mode="constant", out=None):
    """Short-time Fourier transform, as ``librosa.stft``.

    Periodic Hann window of length `n_fft`, frames centred by ``n_fft // 2`` zeros on
    each side; windowing and FFT in float64, rounded to complex64.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)], floating point
        Audio signal, mono or multichannel.
    n_fft : int > 0, even
        FFT size. Default 2048.
    hop_length : int > 0 or None
        Hop between frames; ``None`` means ``n_fft // 4``.
    win_length, window, center, pad_mode
        Only librosa's defaults are supported (``None``/`n_fft`, ``'hann'``, ``True``,
        ``'constant'``); other values raise ``NotImplementedError``.
    dtype : complex dtype or None
        Output dtype; ``None`` gives complex64 for float32 input, complex128 for float64.
    out : None
        Not supported (must be None).

    Returns
    -------
    D : np.ndarray [shape=(..., 1 + n_fft/2, 1 + n // hop_length)]
        Complex STFT matrix.

    Raises
    ------
    TypeError
        If `y` is not a floating-point numpy array.
    ValueError
        On a non-finite signal or invalid `n_fft` / `hop_length`.
    """
    valid_audio(y)
    if hop_length is None:
        hop_length = int(n_fft) // 4 if isinstance(n_fft, (int, np.integer)) else n_fft
    check_n_fft_hop(n_fft, hop_length)
    check_stft_options(win_length, n_fft, window, center, pad_mode)
    if out is not None:
        raise NotImplementedError("out= is not supported by leitmotif")
    D = per_channel(y, 1, lambda c: _native.stft(c, int(n_fft), int(hop_length)))
    if dtype is None:
        dtype = np.complex128 if y.dtype == np.float64 else np.complex64
    return D.astype(dtype, copy=False)


def power_to_db(S, *, ref=1.0, amin=1e-10, top_db=80.0):
    """Power spectrogram to decibels, as ``librosa.power_to_db``.

    ``10·log10(max(S, amin)) − 10·log10(max(|ref|, amin))``, floored at the maximum minus
    `top_db`.

    Parameters
    ----------
    S : np.ndarray
        Power values (real, non-negative).
    ref : float or callable
        Reference power; a callable (e.g. ``np.max``) is applied to `S`. Default 1.0.
    amin : float > 0
        Floor of `S` and `ref`. Default 1e-10.
    top_db : float >= 0 or None
        Dynamic range kept below the maximum. Default 80.

    Returns
    -------
    S_db : np.ndarray, same shape as `S`
    """
    S = np.asarray(S)
    if np.iscomplexobj(S):
        raise TypeError("power_to_db was called on complex input; use np.abs(S)**2 first")
    ref_value = float(ref(S)) if callable(ref) else float(np.abs(ref))
    dtype = out_dtype(S) if np.issubdtype(S.dtype, np.floating) else np.float32
    if S.ndim < 2:
        S2 = np.atleast_2d(S)
    else:
        S2 = S
    # the top_db floor is over the whole array, so run it as one matrix
    flat = np.ascontiguousarray(S2.reshape(-1, S2.shape[-1]), dtype=np.float32)
    out = _native.power_to_db(flat, ref_value, float(amin),
                              None if top_db is None else float(top_db))
    return out.reshape(S.shape).astype(dtype, copy=False)


def load(path, *, sr=22050, mono=True, offset=0.0, duration=None, dtype=np.float32,
         res_type="soxr_hq"):
    """Loads an audio file as a floating-point time series, as ``librosa.load``.

    Decodes every format leitmotif reads (WAV, FLAC, MP3, AAC/ALAC in MP4, Ogg Vorbis and
    Opus, AIFF, CAF, MKV/WebM), downmixes to mono (mean of the channels) when `mono`, and
    resamples to `sr` with leitmotif's resampler (sized to follow soxr's HQ filter).

    Parameters
    ----------
    path : str or os.PathLike
        The audio file.
    sr : int > 0 or None
        Target sample rate; ``None`` keeps the file's. Default 22050.
    mono : bool
        Downmix to mono. Default True.
    offset : float >= 0
        Start reading after this many seconds.
    duration : float >= 0 or None
        Read at most this many seconds.
    dtype : numpy float dtype
        Output dtype. Default float32.
    res_type : str
        Accepted for compatibility; leitmotif always uses its own resampler.

    Returns
    -------
    y : np.ndarray [shape=(n,) or (channels, n)]
    sr : int
        Sample rate of `y`.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    leitmotif.AudioError
        If the file cannot be decoded (the message names the file and the cause).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, given {type(path).__name__}")
    rate = None if sr is None else check_sr(sr)
    y, sr_out = _native.load(os.fspath(path), rate, bool(mono), float(offset),
                             None if duration is None else float(duration))
    if mono:
        y = y[0]
    return y.astype(dtype, copy=False), sr_out

