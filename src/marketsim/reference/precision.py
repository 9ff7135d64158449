"""Single precision as the engine's float32 state arrays impose it, in plain Python.

The kernels keep per-customer state in float32 arrays but compute in float64: every float32
value read is widened exactly to float64, and every result is rounded to the nearest float32
when it is stored. The reference model keeps its state in Python floats (float64) and calls
:func:`f32` on every store, so it holds exactly the values the arrays hold.

Integer state saturates instead of wrapping (tenure is uint16, recency uint8).
"""

from __future__ import annotations

import numpy as np

UINT8_MAX = 255
UINT16_MAX = 65535


def f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (what storing into a float32 array does)."""
    return float(np.float32(x))


def increment_saturating(value: int, maximum: int) -> int:
    """``value + 1``, but never above ``maximum`` (an unsigned counter that saturates)."""
    return value + 1 if value < maximum else value
