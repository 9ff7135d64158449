"""Sweep workers end with the sweep: a worker whose sweep process died (even by ``kill -9``,
which lets the sweep clean nothing up) exits instead of finishing its run and then waiting
forever for work that will never come.

:func:`exit_with_parent` runs in each worker of the process executor as it starts. On Linux the
kernel kills the worker when its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); on every
system a daemon thread also checks every :data:`POLL_S` seconds that the worker's parent is
still the sweep process (an orphan is adopted by another process, so ``os.getppid()`` changes).
Multiprocessing's resource tracker, the sweep's third child, exits by itself once the workers
are gone. Workers compute and never write the sweep's files, so killing them loses nothing a
``--resume`` does not redo.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

#: Seconds between two checks of the parent by the watching thread.
POLL_S = 0.5
_PR_SET_PDEATHSIG = 1


def _kill_on_parent_death() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; ``False`` where it cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while True:
        time.sleep(POLL_S)
        if os.getppid() != parent_pid:
            os._exit(1)  # the sweep is gone: nothing to report to, nothing to clean up


def exit_with_parent(parent_pid: int) -> None:
    """End this process (a sweep worker) when ``parent_pid`` stops being its parent."""
    _kill_on_parent_death()
    if os.getppid() != parent_pid:  # the sweep died before the line above
        os._exit(1)
    threading.Thread(target=_watch, args=(parent_pid,), name="marketsim-parent-watch",
                     daemon=True).start()
