"""Spectral features, as ``librosa.feature`` (librosa 0.11 names, parameters, defaults and
output shapes).

Every function accepts mono ``(n,)`` or multichannel ``(..., n)`` signals (or spectrograms
``(..., n_bins, n_frames)``) in float32 or float64; results are float32 for float32 input
and float64 for float64 input (computed in float32 with float64 accumulations).
Parameter values that leitmotif does not implement raise ``NotImplementedError``.
"""
from __future__ import annotations

import numpy as np

from . import _leitmotif as _native
from ._util import (check_sr, out_dtype, per_channel, rows, spectrogram, unsupported,
                    valid_audio, valid_matrix)
from .core import power_to_db

__all__ = [
    "spectral_centroid", "spectral_bandwidth", "spectral_rolloff", "spectral_flatness",
    "spectral_contrast", "zero_crossing_rate", "rms", "melspectrogram", "mfcc", "chroma_stft",
]

_STFT_DOC = """
    y : np.ndarray [shape=(..., n)] or None
        Audio time series (float32 or float64).
    sr : number > 0
        Sample rate of `y`. Default 22050.
    S : np.ndarray [shape=(..., d, t)] or None
        Pre-computed spectrogram (used instead of `y`).
    n_fft : int > 0
        FFT window size. Default 2048.
    hop_length : int > 0
        Hop length. Default 512.
    win_length, window, center, pad_mode
        STFT options; only librosa's defaults are supported."""


def _doc(text):
    def wrap(fn):
        fn.__doc__ = text.replace("{stft}", _STFT_DOC)
        return fn
    return wrap


@_doc("""Spectral centroid, as ``librosa.feature.spectral_centroid``.

    The magnitude-weighted mean frequency of each frame, ``Σ f·S / Σ S`` in Hz (0 for a
    silent frame).

    Parameters
    ----------{stft}
    freq : None
        Only the default FFT bin frequencies are supported.

    Returns
    -------
    centroid : np.ndarray [shape=(..., 1, t)]
    """)
def spectral_centroid(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, freq=None,
                      win_length=None, window="hann", center=True, pad_mode="constant"):
    sr = check_sr(sr)
    if freq is not None:
        unsupported("freq", "<array>", "None")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    return rows(S, lambda s: _native.spectral_centroid(s, sr), dt)


@_doc("""Spectral bandwidth, as ``librosa.feature.spectral_bandwidth`` (``p=2``).

    ``√(Σ Ŝ·(f − centroid)²)`` with ``Ŝ = S / Σ S``, in Hz.

    Parameters
    ----------{stft}
    freq, centroid : None
        Only the defaults are supported.
    norm : True
    p : 2

    Returns
    -------
    bandwidth : np.ndarray [shape=(..., 1, t)]
    """)
def spectral_bandwidth(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512,
                       win_length=None, window="hann", center=True, pad_mode="constant",
                       freq=None, centroid=None, norm=True, p=2):
    sr = check_sr(sr)
    if freq is not None or centroid is not None:
        unsupported("freq/centroid", "<array>", "None")
    if norm is not True:
        unsupported("norm", norm, "True")
    if p != 2:
        unsupported("p", p, "2")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    return rows(S, lambda s: _native.spectral_bandwidth(s, sr), dt)


@_doc("""Roll-off frequency, as ``librosa.feature.spectral_rolloff``.

    The lowest bin frequency below which `roll_percent` of the frame's magnitude lies.

    Parameters
    ----------{stft}
    freq : None
    roll_percent : float in (0, 1)
        Default 0.85.

    Returns
    -------
    rolloff : np.ndarray [shape=(..., 1, t)]
    """)
def spectral_rolloff(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512,
                     win_length=None, window="hann", center=True, pad_mode="constant",
                     freq=None, roll_percent=0.85):
    sr = check_sr(sr)
    if freq is not None:
        unsupported("freq", "<array>", "None")
    if not 0.0 < roll_percent < 1.0:
        raise ValueError("roll_percent must lie in the range (0, 1)")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    return rows(S, lambda s: _native.spectral_rolloff(s, sr, float(roll_percent)), dt)


@_doc("""Spectral flatness, as ``librosa.feature.spectral_flatness``.

    Geometric over arithmetic mean of ``max(S**power, amin)`` per frame.

    Parameters
    ----------{stft}
    amin : float > 0
        Default 1e-10.
    power : float > 0
        Default 2.0.

    Returns
    -------
    flatness : np.ndarray [shape=(..., 1, t)]
    """)
def spectral_flatness(*, y=None, S=None, n_fft=2048, hop_length=512, win_length=None,
                      window="hann", center=True, pad_mode="constant", amin=1e-10, power=2.0):
    if amin <= 0:
        raise ValueError("amin must be strictly positive")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    if np.any(S < 0):
        raise ValueError("Spectral flatness is only defined with non-negative energies")
    return rows(S, lambda s: _native.spectral_flatness(s, float(amin), float(power)), dt)


@_doc("""Spectral contrast, as ``librosa.feature.spectral_contrast``.

    Per octave band, ``power_to_db(peak) − power_to_db(valley)`` of the frame's magnitudes
    (peak and valley: means of the top and bottom `quantile` of the band).

    Parameters
    ----------{stft}
    freq : None
    fmin : float > 0
        Lower edge of the first band. Default 200.
    n_bands : int > 0
        Number of bands. Default 6.
    quantile : float in (0, 1)
        Default 0.02.
    linear : bool
        Return ``peak − valley`` instead of the dB difference. Default False.

    Returns
    -------
    contrast : np.ndarray [shape=(..., n_bands + 1, t)]
    """)
def spectral_contrast(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512,
                      win_length=None, window="hann", center=True, pad_mode="constant",
                      freq=None, fmin=200.0, n_bands=6, quantile=0.02, linear=False):
    sr = check_sr(sr)
    if freq is not None:
        unsupported("freq", "<array>", "None")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=1.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    if not isinstance(n_bands, (int, np.integer)) or n_bands < 1:
        raise ValueError("n_bands must be a positive integer")
    out = per_channel(S, 2, lambda s: _native.spectral_contrast(
        s, sr, float(fmin), int(n_bands), float(quantile), bool(linear)))
    return out.astype(dt, copy=False)


@_doc("""Zero-crossing rate, as ``librosa.feature.zero_crossing_rate``.

    The fraction of sign changes per frame (threshold 1e-10, zero counted as positive;
    with `center`, the signal is padded with its edge values).

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    frame_length : int > 0
        Default 2048.
    hop_length : int > 0
        Default 512.
    center : bool
        Default True.

    Returns
    -------
    zcr : np.ndarray [shape=(..., 1, t)]
    """)
def zero_crossing_rate(y, *, frame_length=2048, hop_length=512, center=True, **kwargs):
    valid_audio(y)
    for k, v in kwargs.items():
        default = {"threshold": 1e-10, "ref_magnitude": None, "pad": False,
                   "zero_pos": True, "axis": -1}.get(k, object())
        if v != default:
            unsupported(k, v, repr(default))
    out = per_channel(y, 1, lambda c: _native.zero_crossing_rate(
        c, int(frame_length), int(hop_length), bool(center)))
    return out[..., None, :].astype(out_dtype(y), copy=False)


@_doc("""Root-mean-square energy per frame, as ``librosa.feature.rms``.

    From `y`: ``√(mean x²)`` over frames of `frame_length` (zero-padded when `center`).
    From `S` (magnitudes, ``frame_length // 2 + 1`` rows): Parseval's sum.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
    S : np.ndarray [shape=(..., d, t)] or None
    frame_length : int > 0
        Default 2048.
    hop_length : int > 0
        Default 512.
    center : bool
        Default True.
    pad_mode : 'constant'
    dtype : numpy float dtype
        Default float32.

    Returns
    -------
    rms : np.ndarray [shape=(..., 1, t)]
    """)
def rms(*, y=None, S=None, frame_length=2048, hop_length=512, center=True,
        pad_mode="constant", dtype=np.float32):
    if pad_mode != "constant":
        unsupported("pad_mode", pad_mode, "'constant'")
    if y is not None:
        valid_audio(y)
        out = per_channel(y, 1, lambda c: _native.rms(
            c, int(frame_length), int(hop_length), bool(center)))
    elif S is not None:
        valid_matrix(S)
        out = per_channel(S, 2, lambda s: _native.rms_from_spectrum(s, int(frame_length)))
    else:
        raise ValueError("Either `y` or `S` must be input.")
    return out[..., None, :].astype(dtype, copy=False)


def _mel_kwargs(kwargs):
    n_mels = kwargs.pop("n_mels", 128)
    fmin = kwargs.pop("fmin", 0.0)
    fmax = kwargs.pop("fmax", None)
    if kwargs.pop("htk", False):
        unsupported("htk", True, "False")
    norm = kwargs.pop("norm", "slaney")
    if norm != "slaney":
        unsupported("norm", norm, "'slaney'")
    kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"unexpected keyword arguments: {sorted(kwargs)}")
    return int(n_mels), float(fmin), None if fmax is None else float(fmax)


@_doc("""Mel-scaled spectrogram, as ``librosa.feature.melspectrogram``.

    Slaney-scale, area-normalised triangular filters applied to ``|stft(y)|**power`` (or
    to `S`).

    Parameters
    ----------{stft}
    power : float > 0
        Exponent of the magnitude. Default 2.0 (power).
    **kwargs
        ``n_mels`` (128), ``fmin`` (0.0), ``fmax`` (``sr / 2``); ``htk=False`` and
        ``norm='slaney'`` only.

    Returns
    -------
    S : np.ndarray [shape=(..., n_mels, t)]
    """)
def melspectrogram(*, y=None, sr=22050, S=None, n_fft=2048, hop_length=512, win_length=None,
                   window="hann", center=True, pad_mode="constant", power=2.0, **kwargs):
    sr = check_sr(sr)
    n_mels, fmin, fmax = _mel_kwargs(dict(kwargs))
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=power,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    out = per_channel(S, 2, lambda s: _native.melspectrogram(s, sr, n_mels, fmin, fmax))
    return out.astype(dt, copy=False)


@_doc("""Mel-frequency cepstral coefficients, as ``librosa.feature.mfcc``.

    The orthonormal DCT-II of ``power_to_db(melspectrogram(y))`` (or of `S`, a log-power
    mel spectrogram), first `n_mfcc` coefficients.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
    sr : number > 0
        Default 22050.
    S : np.ndarray [shape=(..., d, t)] or None
        Log-power mel spectrogram.
    n_mfcc : int > 0
        Default 20.
    dct_type : 2
    norm : 'ortho'
    lifter : number >= 0
        Cepstral liftering; default 0 (none).
    **kwargs
        Passed to :func:`melspectrogram`.

    Returns
    -------
    M : np.ndarray [shape=(..., n_mfcc, t)]
    """)
def mfcc(*, y=None, sr=22050, S=None, n_mfcc=20, dct_type=2, norm="ortho", lifter=0,
         **kwargs):
    if dct_type != 2:
        unsupported("dct_type", dct_type, "2")
    if norm != "ortho":
        unsupported("norm", norm, "'ortho'")
    if not isinstance(n_mfcc, (int, np.integer)) or n_mfcc < 1:
        raise ValueError(f"n_mfcc={n_mfcc!r} must be a positive integer")
    if S is None:
        S = power_to_db(melspectrogram(y=y, sr=sr, **kwargs))
    else:
        valid_matrix(S)
    dt = out_dtype(S)
    M = per_channel(S, 2, lambda s: _native.mfcc(s, int(n_mfcc))).astype(dt, copy=False)
    if lifter > 0:
        n = np.arange(1, 1 + M.shape[-2], dtype=M.dtype)
        M = M * (1 + (lifter / 2) * np.sin(np.pi * n / lifter))[:, None]
    elif lifter != 0:
        raise ValueError(f"MFCC lifter={lifter} must be a non-negative number")
    return M


@_doc("""Chromagram from a power spectrogram, as ``librosa.feature.chroma_stft``.

    12 pitch classes (C first), each frame divided by its maximum (``norm=inf``); the
    tuning is estimated from the spectrogram when not given.

    Parameters
    ----------{stft}
    norm : float
        Only ``np.inf``.
    tuning : float or None
        Deviation from A440 in fractions of a bin; estimated when None.
    n_chroma : int
        Only 12.

    Returns
    -------
    chromagram : np.ndarray [shape=(..., 12, t)]
    """)
def chroma_stft(*, y=None, sr=22050, S=None, norm=np.inf, n_fft=2048, hop_length=512,
                win_length=None, window="hann", center=True, pad_mode="constant",
                tuning=None, n_chroma=12, **kwargs):
    sr = check_sr(sr)
    if norm != np.inf:
        unsupported("norm", norm, "np.inf")
    if n_chroma != 12:
        unsupported("n_chroma", n_chroma, "12")
    if kwargs:
        unsupported("kwargs", sorted(kwargs), "none")
    S, _, dt = spectrogram(y=y, S=S, n_fft=n_fft, hop_length=hop_length, power=2.0,
                           win_length=win_length, window=window, center=center,
                           pad_mode=pad_mode)
    if tuning is None:
        # one tuning for all channels, estimated over every frame of every channel (as
        # librosa's estimate_tuning on a multichannel spectrogram)
        frames = S.reshape((-1,) + S.shape[-2:])
        tuning = _native.estimate_tuning(
            np.ascontiguousarray(np.concatenate(list(frames), axis=-1), dtype=np.float32), sr)
    t = float(tuning)
    out = per_channel(S, 2, lambda s: _native.chroma_stft(s, sr, t))
    return out.astype(dt, copy=False)
