"""One place for the Numba compilation options shared by every kernel.

Set ``MARKETSIM_NO_CACHE=1`` to switch the on-disk cache off, or ``NUMBA_DISABLE_JIT=1`` to run
every kernel as plain Python (slow, but debuggable and measurable by coverage tools).

Numba's cache is keyed on each kernel's own source file: after changing the options here,
delete the cached machine code (``find src -name '*.nb[ci]' -delete``) or kernels whose files
did not change keep their old options.
"""

from __future__ import annotations

import os

from numba import njit

#: Options for kernels that loop over customers (parallel over a fixed number of chunks).
PARALLEL = {"cache": os.environ.get("MARKETSIM_NO_CACHE") != "1", "parallel": True,
            "fastmath": False, "nogil": True, "error_model": "numpy"}
#: Options for small helpers inlined into kernels and for serial kernels.
SERIAL = {"cache": PARALLEL["cache"], "parallel": False, "fastmath": False, "nogil": True, "error_model": "numpy"}

#: Number of chunks every customer loop is split into. Fixed, independent of the thread
#: count, so that reductions (per-chunk partial sums added in chunk order) are bit-identical
#: for any number of threads.
N_CHUNKS = 256


def parallel_kernel(func):
    """Compile ``func`` as a parallel, cached kernel."""
    return njit(**PARALLEL)(func)


def inline_helper(func):
    """Compile ``func`` as a helper called from kernels for each customer (or smaller).

    Helpers take arrays but never allocate, so they are compiled without the Numba runtime
    (``_nrt=False``): otherwise every call increments and decrements the reference count of
    every array argument, atomically, and with two threads on the same arrays that cost
    about ten times the helper's own work (measured: 32 ns against 3 ns per call with ten
    arrays). Not ``inline="always"``: Numba's IR-level inlining can let a helper's local
    variables clash with the caller's (numba#7365, numba#7652); we saw it silently change
    results. Instead ``forceinline=True`` gives the compiled function LLVM's ``alwaysinline``
    attribute, so LLVM (not Numba's IR) inlines it when the caller's module is linked: a
    kernel's loop body then holds every helper's code, with no call or array-argument
    marshalling per customer (each array argument is a struct of ~7 words) and with the
    helpers' loads and checks optimised together (the fused period ran 1.6x faster).
    LLVM inlining keeps the floating-point operations and their order, so results stay
    bit-identical.
    """
    return njit(_nrt=False, forceinline=True, **SERIAL)(func)


def serial_kernel(func):
    """Compile ``func`` as a serial, cached kernel or inlinable helper."""
    return njit(**SERIAL)(func)
