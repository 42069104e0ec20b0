"""leitmotif: music-information-retrieval features at native speed.

- :func:`analyze` / :func:`analyze_many` / :func:`to_pandas`: the track records of
  ``leitmotif extract`` as dicts and as a DataFrame with the Parquet output's columns.
- :func:`stft`, :func:`load`, :mod:`leitmotif.feature`, :mod:`leitmotif.onset`,
  :mod:`leitmotif.beat`: librosa 0.11-compatible functions on numpy arrays (same names,
  parameters, defaults and shapes), so ``import leitmotif as librosa`` works for them.
- :class:`Index`: nearest neighbours in a ``leitmotif index`` file.
- :mod:`leitmotif.spark`: the tested recipe for extracting a collection with PySpark.
"""
from __future__ import annotations

from . import _leitmotif as _native
from . import beat, feature, onset
from .core import load, power_to_db, stft
from .track import Index, analyze, analyze_many, columns, to_pandas

AudioError = _native.AudioError
__version__: str = _native.__version__

__all__ = [
    "__version__", "AudioError", "Index", "analyze", "analyze_many", "beat", "columns",
    "feature", "load", "onset", "power_to_db", "stft", "to_pandas",
]
