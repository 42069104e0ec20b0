from typing import Any, Optional, Tuple

import numpy as np
import numpy.typing as npt

def beat_track(*, y: Optional[npt.NDArray[np.floating]] = ..., sr: float = ..., onset_envelope: Optional[npt.NDArray[np.floating]] = ..., hop_length: int = ..., start_bpm: float = ..., tightness: float = ..., trim: bool = ..., bpm: Optional[float] = ..., prior: None = ..., units: str = ..., sparse: bool = ...) -> Tuple[npt.NDArray[np.float64], npt.NDArray[Any]]: ...
