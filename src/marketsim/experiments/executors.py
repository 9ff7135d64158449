"""Where the runs of a sweep execute: in this process, on local processes, or on Dask.

Every executor takes the same run specifications and yields one :class:`Outcome` per run as
runs finish (in any order; ``map(tasks, function)`` runs another function of each task, e.g.
:func:`call` of a :class:`Job`, as ``run_many`` and the studies do); a run is a pure function
of its scenario and seed, so the numbers are the same on every executor. Workers compute, the
sweep process writes: only it touches the output folder, so remote Dask workers need no shared
file system.

- :class:`SerialExecutor`: one run after another in this process (Numba uses every thread).
- :class:`ProcessExecutor` (the default): a pool of local processes, one per core; each loads
  the cached Numba kernels once (a tiny warm-up run in its initializer) and then runs many
  simulations with one Numba thread each.
- :class:`DaskExecutor`: a Dask distributed cluster (``tcp://host:port``) or a LocalCluster it
  starts; workers warm up the same way, one Numba thread per run.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marketsim.errors import RunOptionError

if TYPE_CHECKING:  # pydantic loads when a scenario is read, not for `marketsim --help`
    from marketsim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

EXECUTORS = ("serial", "processes", "dask")


@dataclass
class Task:
    """What a worker needs for one run (small and picklable)."""

    key: str
    scenario: Scenario
    seed: int
    allow_code: bool = False  # run a strategy named "file.py:Class" (user code)


@dataclass
class Outcome:
    """What one run produced: its metrics, or the error that stopped it."""

    key: str
    metrics: pd.DataFrame | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    worker: str = ""
    details: str = ""
    value: Any = None  # what a :class:`Job`'s function returned (``run_many``, studies)

    @property
    def ok(self) -> bool:
        return self.error is None


def simulate(task: Task, threads: int | None = 1) -> Outcome:
    """Run one simulation; never raises (an error is returned in the outcome)."""
    from marketsim.api import run

    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        result = run(task.scenario, seed=task.seed, threads=threads, allow_code=task.allow_code)
    except Exception as exc:  # a failing run is recorded and the sweep goes on
        tail = traceback.format_exc(limit=-3)
        return Outcome(task.key, error=f"{type(exc).__name__}: {exc}", worker=worker,
                       timings={"worker_s": time.perf_counter() - started}, details=tail)
    timings = dict(result.timings)
    timings["worker_s"] = time.perf_counter() - started
    return Outcome(task.key, metrics=result.metrics, timings=timings, worker=worker)


@dataclass
class Job:
    """One call of a picklable function of a seed (``function(seed)``): the unit of work of
    :func:`marketsim.experiments.replicate.replicate` on any executor."""

    key: str
    function: Callable[[int], Any]
    seed: int


def call(job: Job, threads: int | None = 1) -> Outcome:
    """Run ``job.function(job.seed)``; never raises (the error, and the exception itself when
    it pickles, are returned in the outcome). ``threads`` is the executors' argument: the
    function sets its own."""
    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        value = job.function(job.seed)
    except Exception as exc:
        import pickle

        try:
            pickle.dumps(exc)
            kept = exc
        except Exception:  # an exception that does not pickle: its text only
            kept = None
        return Outcome(job.key, error=f"{type(exc).__name__}: {exc}", worker=worker,
                       timings={"worker_s": time.perf_counter() - started},
                       details=traceback.format_exc(limit=-3), value=kept)
    return Outcome(job.key, worker=worker, value=value,
                   timings={"worker_s": time.perf_counter() - started})


def warm_worker(scenario: Scenario | None = None, parent_pid: int | None = None) -> str:
    """Prepare a worker process: one Numba thread, Ctrl-C left to the sweep process, the
    worker ended when the sweep process ``parent_pid`` dies (even by ``kill -9``:
    :mod:`marketsim.experiments.parent_watch`), and the cached kernels loaded (compiled on the
    first run ever) by a tiny run of ``scenario``."""
    import signal
    import threading

    if parent_pid is not None:
        from marketsim.experiments.parent_watch import exit_with_parent

        exit_with_parent(parent_pid)
    import numba

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    numba.set_num_threads(1)
    if scenario is not None:
        from marketsim.api import run

        tiny = scenario.with_overrides(customers=min(scenario.population.customers, 200), periods=1)
        data = tiny.model_dump()
        for firm in data["firms"]:  # compiling the kernels needs no strategy, nor user code
            firm.update(strategy="static", strategy_params={})
        run(data, seed=0, threads=1)
    return f"{socket.gethostname()}:{os.getpid()}"


def _failed(task: Task, exc: BaseException) -> Outcome:
    return Outcome(task.key, error=f"{type(exc).__name__}: {exc} (the worker was lost)")


class SerialExecutor:
    """Runs one after another in this process, each on every Numba thread."""

    name = "serial"
    workers = 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, tasks: Sequence[Task], function: Callable = simulate) -> Iterator[Outcome]:
        for task in tasks:
            yield function(task, threads=None)


class ProcessExecutor:
    """A pool of local processes (default: one per core), one Numba thread per run."""

    name = "processes"

    def __init__(self, workers: int | None = None, warm_scenario: Scenario | None = None):
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise RunOptionError(f"--workers must be at least 1 (got {self.workers})")
        self.warm_scenario = warm_scenario
        self.pool = None

    def __enter__(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the parent may already run Numba's thread pool, which must not be
        # forked; every worker imports marketsim afresh and loads the cached kernels.
        self.pool = ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=warm_worker, initargs=(self.warm_scenario, os.getpid()))
        return self

    def __exit__(self, exc_type, *exc):
        # On Ctrl-C or an error: drop the runs not started; runs in progress end on their own.
        self.pool.shutdown(wait=exc_type is None, cancel_futures=True)
        self.pool = None
        return False

    def map(self, tasks: Sequence[Task], function: Callable = simulate) -> Iterator[Outcome]:
        from concurrent.futures import as_completed

        futures = {self.pool.submit(function, task, 1): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # BrokenProcessPool: a worker died (killed, out of memory)
                yield _failed(futures[future], exc)


class DaskExecutor:
    """Runs on a Dask distributed cluster: an existing scheduler, or a LocalCluster.

    Parameters
    ----------
    scheduler : address of a running scheduler (``tcp://host:port``).
    local_workers : start a LocalCluster with this many workers (one thread each) instead.
    processes : LocalCluster workers as processes (default) or as threads of this process.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None,
                 processes: bool = True, warm_scenario: Scenario | None = None):
        if (scheduler is None) == (local_workers is None):
            raise RunOptionError("the dask executor needs --scheduler tcp://host:port or "
                                 "--dask-local N (one of them)")
        if local_workers is not None and local_workers < 1:
            raise RunOptionError(f"--dask-local must be at least 1 (got {local_workers})")
        self.scheduler = scheduler
        self.local_workers = local_workers
        self.processes = processes
        self.warm_scenario = warm_scenario
        self.cluster = None
        self.client = None

    @property
    def workers(self) -> int:
        if self.client is not None:
            return max(1, len(self.client.scheduler_info().get("workers", {})))
        return self.local_workers or 1

    def __enter__(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency
            raise RunOptionError("the dask executor needs the 'distributed' package "
                                 "(pip install distributed)") from None
        if self.local_workers is not None:
            self.cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1,
                                        processes=self.processes, dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise RunOptionError(
                    f"--scheduler {self.scheduler}: cannot connect ({exc})") from None
        if self.processes or self.scheduler is not None:
            self.client.run(warm_worker, self.warm_scenario)
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
        return False

    def map(self, tasks: Sequence[Task], function: Callable = simulate) -> Iterator[Outcome]:
        from distributed import as_completed

        futures = {}
        for task in tasks:
            future = self.client.submit(function, task, 1, key=f"marketsim-run-{task.key}",
                                        pure=False)
            futures[future.key] = (future, task)
        try:
            for future in as_completed([f for f, _ in futures.values()]):
                task = futures[future.key][1]
                try:
                    yield future.result()
                except Exception as exc:  # KilledWorker: a worker died on this run
                    yield _failed(task, exc)
                future.release()
        finally:
            for future, _ in futures.values():
                future.cancel()


def make_executor(kind: str | None = None, *, workers: int | None = None,
                  scheduler: str | None = None, dask_local: int | None = None,
                  dask_processes: bool = True, warm_scenario: Scenario | None = None):
    """The executor for the command-line options (``--scheduler``/``--dask-local`` imply dask)."""
    if kind is None:
        kind = "dask" if (scheduler or dask_local) else "processes"
    if kind not in EXECUTORS:
        raise RunOptionError(f"--executor must be one of {', '.join(EXECUTORS)} (got {kind!r})")
    if kind != "dask" and (scheduler or dask_local):
        raise RunOptionError("--scheduler and --dask-local go with --executor dask")
    if workers is not None and workers < 1:
        raise RunOptionError(f"--workers must be at least 1 (got {workers})")
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers, warm_scenario=warm_scenario)
    return DaskExecutor(scheduler, dask_local, processes=dask_processes,
                        warm_scenario=warm_scenario)
