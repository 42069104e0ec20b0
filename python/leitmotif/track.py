"""Track records (``leitmotif extract``'s), batches and the similarity index."""
from __future__ import annotations

import json
import os
import sys

import numpy as np

from . import _leitmotif as _native
from ._util import valid_audio

__all__ = ["analyze", "analyze_many", "to_pandas", "columns", "Index"]


def _check_config(sr, max_duration):
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr={sr!r} must be a positive integer")
    if max_duration is not None and not max_duration > 0:
        raise ValueError(f"max_duration={max_duration!r} must be positive or None")


def _tempo_options(tempo_range, tempo_prior):
    """``(tempo_range, tempo_prior)`` as the native layer takes them: ``None`` or a pair of
    floats each (a bare number as `tempo_prior` is its centre, with the default width)."""
    def pair(x, what):
        try:
            a, b = x
            return float(a), float(b)
        except (TypeError, ValueError):
            raise TypeError(f"{what}={x!r} must be a pair of numbers or None") from None
    if tempo_range is not None:
        tempo_range = pair(tempo_range, "tempo_range")
    if isinstance(tempo_prior, (int, float, np.integer, np.floating)):
        tempo_prior = (float(tempo_prior), _native.DEFAULT_TEMPO_PRIOR_OCTAVES)
    elif tempo_prior is not None:
        tempo_prior = pair(tempo_prior, "tempo_prior")
    return tempo_range, tempo_prior


def analyze(src, *, sr=22050, max_duration=None, tempo_range=None, tempo_prior=None):
    """Analyses one track; returns the record ``leitmotif extract`` writes, as a dict.

    Parameters
    ----------
    src : str, os.PathLike, bytes, binary file object, or (y, sr) tuple
        An audio file path; the encoded bytes of an audio file; an open binary file (read
        to its end); or a numpy signal ``y`` (``(n,)`` or ``(channels, n)``, float) with its
        sample rate.
    sr : int > 0
        Analysis sample rate. Default 22050.
    max_duration : float > 0 or None
        Analyse at most this many seconds.
    tempo_range : (min, max) or None
        Tempo search range in BPM, ``0 < min < max <= 1000`` (``extract --tempo-range``).
        Default ``None``: 40-250.
    tempo_prior : float, (bpm, octaves) or None
        Centre (BPM) and width (octaves) of the tempo prior that decides between metrical
        levels the audio cannot tell apart (``extract --tempo-prior``, as librosa's
        ``start_bpm`` and ``std_bpm``); a number is the centre with the default width.
        Default ``None``: 130 BPM, 0.6 octave.

    Returns
    -------
    record : dict
        ``path`` (the path, the file object's ``name``, ``"<bytes>"`` or ``"<array>"``),
        ``duration_s``, ``source``, ``analysis``, the features and the feature ``vector``.

    Raises
    ------
    TypeError
        On an unsupported `src` type or a non-float array.
    ValueError
        On invalid parameters or a non-finite array.
    FileNotFoundError
        If a path does not exist.
    leitmotif.AudioError
        If the audio cannot be decoded.
    """
    _check_config(sr, max_duration)
    tempo = _tempo_options(tempo_range, tempo_prior)
    if isinstance(src, (str, os.PathLike)):
        line = _native.analyze_path(os.fspath(src), os.fspath(src), int(sr), max_duration,
                                    *tempo)
    elif isinstance(src, (bytes, bytearray, memoryview)):
        line = _native.analyze_bytes(bytes(src), "<bytes>", int(sr), max_duration, *tempo)
    elif isinstance(src, tuple):
        if len(src) != 2:
            raise TypeError("an array source must be a (y, sr) tuple")
        y, rate = src
        valid_audio(y)
        if y.ndim > 2:
            raise ValueError(f"y must be (n,) or (channels, n), given y.shape={y.shape}")
        if not isinstance(rate, (int, np.integer)) or rate <= 0:
            raise ValueError(f"sr={rate!r} of the (y, sr) source must be a positive integer")
        y2 = np.ascontiguousarray(np.atleast_2d(y), dtype=np.float32)
        line = _native.analyze_samples(y2, int(rate), "<array>", int(sr), max_duration, *tempo)
    elif hasattr(src, "read"):
        data = src.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("a file object source must be opened in binary mode")
        name = getattr(src, "name", "<stream>")
        name = os.fspath(name) if isinstance(name, (str, os.PathLike)) else "<stream>"
        line = _native.analyze_bytes(bytes(data), name, int(sr), max_duration, *tempo)
    else:
        raise TypeError(
            f"src must be a path, bytes, a binary file object or a (y, sr) tuple, "
            f"given {type(src).__name__}")
    return json.loads(line)


def analyze_many(paths, jobs=None, progress=True, *, sr=22050, max_duration=None,
                 tempo_range=None, tempo_prior=None):
    """Analyses many files in parallel; yields their records in input order.

    Tracks are analysed by `jobs` native worker threads (one pipeline each) while the GIL is
    released, so other Python threads keep running. A track that fails yields an error
    record (``{"path": ..., "error": {"kind": ..., "message": ...}}``), as the CLI writes
    it, instead of stopping the batch.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
    jobs : int > 0 or None
        Worker threads; ``None`` means ``os.cpu_count()``.
    progress : bool
        Print ``done/total`` to stderr while running. Default True.
    sr : int > 0
        Analysis sample rate. Default 22050.
    max_duration : float > 0 or None
    tempo_range, tempo_prior
        As :func:`analyze`.

    Yields
    ------
    record : dict
    """
    _check_config(sr, max_duration)
    tempo = _tempo_options(tempo_range, tempo_prior)
    paths = [os.fspath(p) for p in paths]
    if jobs is None:
        jobs = os.cpu_count() or 1
    if not isinstance(jobs, (int, np.integer)) or jobs < 1:
        raise ValueError(f"jobs={jobs!r} must be a positive integer or None")
    batch = _native.Batch(paths, int(jobs), int(sr), max_duration, *tempo)
    return _iterate(batch, progress)


def _iterate(batch, progress):
    total = len(batch)
    try:
        for i, line in enumerate(batch, 1):
            if progress:
                sys.stderr.write(f"\rleitmotif: {i}/{total}")
                if i == total:
                    sys.stderr.write("\n")
                sys.stderr.flush()
            yield json.loads(line)
    finally:
        batch.close()


def columns():
    """The flat column names and types of the CSV/Parquet outputs, in order.

    Returns
    -------
    list of (name, type)
        ``type`` is ``'int'``, ``'float'``, ``'str'`` or ``'float_list'``. The feature
        vector is one ``vector.values.i`` column per dimension here; Parquet and
        :func:`to_pandas` pack it into one ``vector`` column.
    """
    return list(_native.columns())


def to_pandas(records):
    """Records as a DataFrame with the columns of ``leitmotif extract -o out.parquet``.

    One row per record; nested fields flattened with ``.`` (``spectral.centroid.mean``,
    ``mfcc.mean.0`` …), ``beats`` a list, ``warnings`` joined, the feature vector as one
    ``vector`` column of float32 arrays. Integer columns use pandas' nullable ``Int64``;
    failed tracks leave the feature columns empty.

    Parameters
    ----------
    records : iterable of dict

    Returns
    -------
    pandas.DataFrame
    """
    import pandas as pd

    cols = [(n, t) for n, t in _native.columns() if not n.startswith("vector.values.")]
    dim = sum(1 for n, _ in _native.columns() if n.startswith("vector.values."))
    data = {n: [] for n, _ in cols}
    vectors = []
    for rec in records:
        flat = json.loads(_native.flatten(json.dumps(rec)))
        for n, _ in cols:
            data[n].append(flat.get(n))
        vals = [flat.get(f"vector.values.{i}") for i in range(dim)]
        vectors.append(None if vals[0] is None else np.asarray(vals, dtype=np.float32))
    frame = {}
    for n, t in cols:
        if t == "int":
            frame[n] = pd.array(data[n], dtype="Int64")
        elif t == "float":
            frame[n] = pd.array([np.nan if v is None else v for v in data[n]], dtype="float64")
        else:
            frame[n] = pd.Series(data[n], dtype=object)
    frame["vector"] = pd.Series(vectors, dtype=object)
    return pd.DataFrame(frame)


class Index:
    """A similarity index written by ``leitmotif index``.

    Use :meth:`open`; :meth:`similar` finds the nearest tracks, :meth:`vectors` returns the
    stored feature vectors.
    """

    def __init__(self, native):
        self._native = native

    @classmethod
    def open(cls, path):
        """Loads the index file at `path` (checks its format, version and checksum).

        Raises
        ------
        OSError
            If the file cannot be read.
        ValueError
            If it is not a leitmotif index, is damaged, or has another schema version.
        """
        return cls(_native.Index.open(os.fspath(path)))

    def __len__(self):
        return len(self._native)

    @property
    def paths(self):
        """list of str: the indexed paths, in row order."""
        return list(self._native.paths)

    @property
    def settings(self):
        """dict or None: the analysis settings of the indexed records (the ``settings`` of an
        extract record: sample rate, FFT size, hop, duration limit, tempo range, analysis
        version), or None for an index built from records that do not carry them."""
        return self._native.settings

    def vectors(self):
        """The raw feature vectors, ``np.ndarray [shape=(n, dim)]`` float32, row order."""
        return self._native.vectors()

    def similar(self, src, k=10):
        """The `k` nearest indexed tracks to `src`.

        Parameters
        ----------
        src : str or os.PathLike
            An indexed path (excluded from its own answer) or any audio file (analysed with
            the index's sample rate, duration limit and tempo search range, as
            ``leitmotif similar``).
        k : int > 0
            Default 10.

        Returns
        -------
        paths : np.ndarray [shape=(m,)] of str
        distances : np.ndarray [shape=(m,)] float32
            Nearest first; ``m = min(k, len(index) − 1)`` for an indexed query.
        """
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k={k!r} must be a positive integer")
        if not isinstance(src, (str, os.PathLike)):
            raise TypeError(f"src must be a path, given {type(src).__name__}")
        pairs = self._native.similar(os.fspath(src), int(k))
        paths = np.array([p for p, _ in pairs], dtype=object)
        dists = np.array([d for _, d in pairs], dtype=np.float32)
        return paths, dists

