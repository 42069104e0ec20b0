"""Beat tracking, as ``librosa.beat``."""
from __future__ import annotations

import numpy as np

from . import _leitmotif as _native
from ._util import check_sr, unsupported
from .onset import onset_strength

__all__ = ["beat_track"]


def beat_track(*, y=None, sr=22050, onset_envelope=None, hop_length=512, start_bpm=120.0,
               tightness=100, trim=True, bpm=None, prior=None, units="frames", sparse=True):
    """Dynamic-programming beat tracker, as ``librosa.beat.beat_track``.

    The tempo is estimated from the autocorrelation tempogram of the onset envelope with a
    log-normal prior around `start_bpm`; beats are then picked by Ellis' dynamic programme
    (tightness `tightness`) and weak leading/trailing beats trimmed.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)] or None
        Mono audio time series.
    sr : number > 0
        Default 22050.
    onset_envelope : np.ndarray [shape=(n,)] or None
        Pre-computed onset strength; by default ``onset_strength(y=y, sr=sr,
        hop_length=hop_length, aggregate=np.median)``, as librosa.
    hop_length : int > 0
        Default 512.
    start_bpm : float > 0
        Centre of the tempo prior. Default 120.
    tightness : float > 0
        Default 100.
    trim : bool
        Default True.
    bpm : float or None
        Skip tempo estimation and use this tempo.
    prior : None
        Only the default log-normal prior.
    units : {'frames', 'samples', 'time'}
    sparse : True
        Only sparse output (beat positions).

    Returns
    -------
    tempo : np.ndarray [shape=(1,)]
        Estimated tempo in BPM (0 when the envelope is all zeros).
    beats : np.ndarray
        Beat positions in `units`.

    Raises
    ------
    ValueError
        If neither `y` nor `onset_envelope` is given, or on an invalid `units`.
    """
    sr = check_sr(sr)
    if prior is not None:
        unsupported("prior", prior, "None")
    if sparse is not True:
        unsupported("sparse", sparse, "True")
    if units not in ("frames", "samples", "time"):
        raise ValueError(f"Invalid unit type: {units}")
    if onset_envelope is None:
        if y is None:
            raise ValueError("y or onset_envelope must be provided")
        onset_envelope = onset_strength(y=y, sr=sr, hop_length=hop_length,
                                        aggregate=np.median)
    env = np.asarray(onset_envelope)
    if env.ndim != 1:
        raise ValueError(
            f"sparse=True (default) does not support {env.ndim}-dimensional inputs. "
            "Either set sparse=False or convert the signal to mono.")
    if not np.isfinite(env).all():
        raise ValueError("onset_envelope is not finite everywhere")
    if tightness <= 0:
        raise ValueError("tightness must be strictly positive")
    if bpm is not None and bpm <= 0:
        raise ValueError(f"bpm={bpm} must be strictly positive")
    tempo, beats = _native.beat_track(np.ascontiguousarray(env, dtype=np.float32), sr,
                                      int(hop_length), float(start_bpm), float(tightness),
                                      bool(trim), None if bpm is None else float(bpm))
    tempo = np.atleast_1d(np.asarray(tempo, dtype=np.float64))
    if units == "samples":
        return tempo, beats * hop_length
    if units == "time":
        return tempo, beats * hop_length / float(sr)
    return tempo, beats
