"""Single precision as the engine's float32 state arrays impose it, in plain Python.

The kernels keep per-customer state in float32 arrays but compute in float64: every float32
value read is widened exactly to float64, and every result is rounded to the nearest float32
when it is stored. The reference model keeps its state in Python floats (float64) and calls
:func:`f32` on every store, so it holds exactly the values the arrays hold.

Two places in the kernels compute *in* single precision, because Numba types a function by its
arguments: :func:`marketsim.rng.poisson` is handed a float32 purchase rate, so its ``exp`` and
``sqrt`` are the single-precision ``expf`` and ``sqrtf`` of the C maths library. :func:`expf`
calls that same library function, so the reference draws the same purchase counts bit for bit.

Integer state saturates instead of wrapping (tenure is uint16, recency uint8).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

UINT8_MAX = 255
UINT16_MAX = 65535


def f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (what storing into a float32 array does)."""
    return float(np.float32(x))


def _load_expf():
    name = ctypes.util.find_library("m")
    try:
        libm = ctypes.CDLL(name)
        function = libm.expf
    except (OSError, AttributeError, TypeError):  # pragma: no cover - no C maths library
        return None
    function.restype = ctypes.c_float
    function.argtypes = [ctypes.c_float]
    return function


_EXPF = _load_expf()


def expf(x: float) -> float:
    """Single-precision ``exp`` of a float32 value, as the C library's ``expf`` computes it.

    ``expf`` is accurate to about half a unit in the last place but not always correctly
    rounded, so ``f32(math.exp(x))`` differs from it for about one argument in two thousand;
    where no C maths library can be loaded that is the fallback.
    """
    if _EXPF is None:  # pragma: no cover
        return f32(math.exp(x))
    return float(_EXPF(x))


def sqrtf(x: float) -> float:
    """Single-precision square root (correctly rounded, so rounding the double root is exact)."""
    return f32(math.sqrt(x))


def increment_saturating(value: int, maximum: int) -> int:
    """``value + 1``, but never above ``maximum`` (an unsigned counter that saturates)."""
    return value + 1 if value < maximum else value
