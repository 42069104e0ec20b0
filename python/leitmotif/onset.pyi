from typing import Any, Callable, Optional

import numpy as np
import numpy.typing as npt

_A = npt.NDArray[np.floating]

def onset_strength(*, y: Optional[_A] = ..., sr: float = ..., S: Optional[_A] = ..., lag: int = ..., max_size: int = ..., ref: None = ..., detrend: bool = ..., center: bool = ..., feature: Optional[Callable[..., Any]] = ..., aggregate: Optional[Callable[..., Any]] = ..., **kwargs: Any) -> _A: ...
