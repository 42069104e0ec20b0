"""Onset strength, as ``librosa.onset``."""
from __future__ import annotations

import numpy as np

from . import _leitmotif as _native
from ._util import out_dtype, per_channel, unsupported, valid_matrix
from .core import power_to_db
from .feature import melspectrogram

__all__ = ["onset_strength"]


def onset_strength(*, y=None, sr=22050, S=None, lag=1, max_size=1, ref=None, detrend=False,
                   center=True, feature=None, aggregate=None, **kwargs):
    """Spectral-flux onset strength envelope, as ``librosa.onset.onset_strength``.

    ``mean_m max(0, S[m, t] − S[m, t − lag])`` over the bands of ``S =
    power_to_db(melspectrogram(y))`` (or the given log-power `S`), padded with
    ``lag + n_fft // (2 * hop_length)`` leading zeros when `center` so that it lines up
    with the STFT frames.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)] or None
        Audio time series.
    sr : number > 0
        Default 22050.
    S : np.ndarray [shape=(..., d, m)] or None
        Pre-computed log-power spectrogram.
    lag : int > 0
        Time lag for the difference. Default 1.
    max_size : 1
        Only 1 (no local-maximum reference filter).
    ref : None
        Only None.
    detrend : bool
        Remove the DC component (first-order IIR, as librosa). Default False.
    center : bool
        Centre the envelope on the frames. Default True.
    feature : None
        Only the mel spectrogram.
    aggregate : None, np.mean or np.median
        How band differences are combined. Default mean.
    **kwargs
        ``n_fft`` (2048), ``hop_length`` (512) and the mel options of
        :func:`leitmotif.feature.melspectrogram`.

    Returns
    -------
    onset_envelope : np.ndarray [shape=(..., m)]

    Raises
    ------
    ValueError
        On a non-positive `lag` or when neither `y` nor `S` is given.
    """
    if feature is not None and feature is not melspectrogram:
        unsupported("feature", feature, "None")
    if max_size != 1:
        unsupported("max_size", max_size, "1")
    if ref is not None:
        unsupported("ref", "<array>", "None")
    if aggregate is None or aggregate is np.mean:
        median = False
    elif aggregate is np.median:
        median = True
    else:
        unsupported("aggregate", aggregate, "None, np.mean, np.median")
    if not isinstance(lag, (int, np.integer)) or lag < 1:
        raise ValueError("lag must be a positive integer")
    n_fft = int(kwargs.get("n_fft", 2048))
    hop_length = int(kwargs.get("hop_length", 512))
    if S is None:
        if y is None:
            raise ValueError("Either y or S must be provided")
        S = power_to_db(melspectrogram(y=y, sr=sr, **kwargs))
    else:
        valid_matrix(S)
    env = per_channel(S, 2, lambda s: _native.onset_strength(
        s, int(lag), n_fft, hop_length, bool(center), median))
    env = env.astype(out_dtype(S), copy=False)
    if detrend:
        # y[t] = x[t] − x[t−1] + 0.99·y[t−1]  (scipy.signal.lfilter([1, −1], [1, −0.99]))
        out = np.empty_like(env)
        prev_x = np.zeros(env.shape[:-1], env.dtype)
        prev_y = np.zeros(env.shape[:-1], env.dtype)
        for t in range(env.shape[-1]):
            x = env[..., t]
            prev_y = x - prev_x + 0.99 * prev_y
            out[..., t] = prev_y
            prev_x = x
        env = out
    return env
