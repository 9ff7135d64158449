"""One place for the Numba compilation options shared by every kernel.

Set ``MARKETSIM_NO_CACHE=1`` to switch the on-disk cache off, or ``NUMBA_DISABLE_JIT=1`` to run
every kernel as plain Python (slow, but debuggable and measurable by coverage tools).

Numba's own cache is keyed on each kernel's source file only, but helpers are inlined into
the kernels that call them (:func:`inline_helper`), so a kernel's cached machine code also
depends on its helpers' files and on the options here. The cache is therefore kept in a folder
named after a digest of every compiled module's source (:func:`kernel_source_digest`): any
change to a kernel, a helper, the RNG, the layout or these options compiles afresh, and the
folders of older sources are removed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import numba
from numba import njit

_PACKAGE = Path(__file__).resolve().parents[1]
#: Modules whose source the compiled kernels depend on (relative to the package): every
#: kernel, helper, the RNG, the column layout and these options live in ``kernels/``.
COMPILED_SOURCES = ("kernels/*.py",)


def kernel_source_digest() -> str:
    """A digest of every module whose code is compiled into the kernels, and of Numba's
    version: the key of the on-disk cache."""
    digest = hashlib.sha256(numba.__version__.encode())
    for pattern in COMPILED_SOURCES:
        for path in sorted(_PACKAGE.glob(pattern)):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _use_source_keyed_cache() -> None:
    """Point Numba's cache at ``<base>/marketsim-<digest>``, where ``<base>`` is the user's
    ``NUMBA_CACHE_DIR`` or the package's ``__pycache__`` (Numba's usual place); remove the
    folders of other digests there that nothing has used for an hour. Leaves Numba's default
    alone if the folder cannot be written (e.g. a read-only install)."""
    base = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else _PACKAGE / "__pycache__"
    folder = base / f"marketsim-{kernel_source_digest()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if not os.access(folder, os.W_OK):
        return
    folder.touch()  # marks it in use (mtime)
    for old in base.glob("marketsim-*"):
        try:
            stale = old != folder and time.time() - old.stat().st_mtime > 3600
        except OSError:  # another process removed it first
            continue
        if stale:
            shutil.rmtree(old, ignore_errors=True)
    numba.config.CACHE_DIR = str(folder)


if os.environ.get("MARKETSIM_NO_CACHE") != "1":
    _use_source_keyed_cache()

def cache_is_warm() -> bool:
    """Whether this machine already holds the compiled period kernel for the current source
    (its index file is in the source-keyed cache folder): if not, the first run compiles every
    kernel, about a minute on 2 cores, and the command line says so before it starts."""
    if os.environ.get("MARKETSIM_NO_CACHE") == "1" or not numba.config.CACHE_DIR:
        return False
    folder = Path(numba.config.CACHE_DIR)
    return folder.is_dir() and any(folder.rglob("period.*.nbi"))


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
