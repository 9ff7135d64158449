"""The Python entry point: run a scenario and keep (or save) what it produced.

>>> from marketsim import run
>>> result = run("scenarios/default.toml", customers=20_000, periods=26, seed=1)
>>> result.summary()                      # per-firm shares, share of customer, retention, profit
>>> result.save("runs/default")           # Parquet tables, resolved scenario, run.json, figures

:func:`run` is what the ``marketsim run`` command calls; everything it prints comes from the
:class:`RunResult` returned here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from marketsim.errors import RunOptionError
from marketsim.market.memory import check_memory
from marketsim.outputs.run_result import RunResult
from marketsim.progress import ProgressBar
from marketsim.scenario.schema import Scenario, load_scenario, parse_scenario
from marketsim.scenario.strategy_registry import check_code_allowed

#: A progress callback receives (periods done, periods in the run).
ProgressCallback = Callable[[int, int], None]

#: Largest seed accepted (the counter-based generator mixes it as a 64-bit integer).
MAX_SEED = 2**63 - 1

def resolve_scenario(scenario: str | Path | Mapping | Scenario) -> Scenario:
    """A :class:`Scenario` from a TOML path, a dictionary or a scenario (returned as is)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    if isinstance(scenario, Mapping):
        return parse_scenario(dict(scenario), source="<dict>")
    raise TypeError(f"scenario must be a path, a dict or a Scenario, not {type(scenario).__name__}")


def _check_seed(seed: Any) -> int:
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RunOptionError(f"seed must be a whole number, got {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise RunOptionError(f"seed must be between 0 and {MAX_SEED}, got {seed}")
    return seed


def _check_threads(threads: Any) -> int | None:
    """The thread count to use (validated), or ``None`` to keep Numba's current setting."""
    if threads is None:
        return None
    import numba

    available = numba.config.NUMBA_NUM_THREADS
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= available:
        raise RunOptionError(
            f"threads must be a whole number from 1 to {available} (the threads Numba can use "
            f"on this machine; set NUMBA_NUM_THREADS to change that), got {threads!r}")
    return threads


class _RichProgress(ProgressBar):
    """A rich progress bar of periods on stdout, shown only when stdout is a terminal."""

    def __init__(self, total: int, label: str):
        from rich.console import Console

        super().__init__(Console(), "[bold]{task.description}", ("periods",), left="eta")
        self.label = label
        self.task = self.progress.add_task("building market", total=total)

    def started(self):
        self.progress.update(self.task, description="simulating")

    def __call__(self, done: int, total: int):
        self.progress.update(self.task, completed=done)


class _NoProgress:
    def __init__(self, callback: ProgressCallback | None = None):
        self.callback = callback

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def started(self):
        pass

    def __call__(self, done: int, total: int):
        if self.callback is not None:
            self.callback(done, total)


def run(scenario: str | Path | Mapping | Scenario, *, seed: int | None = None,
        customers: int | None = None, periods: int | None = None, threads: int | None = None,
        transactions: bool = False, progress: bool | ProgressCallback = False,
        state: bool | None = None, allow_code: bool = False,
        checkpoint: str | Path | None = None, checkpoint_every: int | None = None,
        save_options: Mapping[str, Any] | None = None) -> RunResult:
    """Run a scenario and return its :class:`RunResult`.

    Parameters
    ----------
    scenario : a TOML file path, a dictionary in the same shape, or a :class:`Scenario`.
    seed : the run's seed (default 0); the same scenario and seed give the same numbers, for
        any thread count.
    customers, periods : override the scenario's population size and number of periods.
    threads : Numba threads for the kernels (1 to ``numba.config.NUMBA_NUM_THREADS``); the
        previous setting is restored afterwards. Default: Numba's current setting.
    transactions : keep the transaction log (one row per customer, firm, category and period
        with a purchase; memory grows with it).
    progress : ``True`` for a progress bar on stdout (a bar on a terminal or in Jupyter,
        plain lines on stderr elsewhere), or a callable receiving (periods done, periods in
        the run) after each period.
    state : keep a snapshot of the final population state (satisfaction, ties, tenure, ...
        per customer and firm) for the relationship measures; default: when ``transactions``.
    allow_code : run a strategy the scenario names as ``"file.py:Class"`` or
        ``"module:Class"``, importing (executing) that code; without it such a scenario is
        refused before anything runs (``docs/strategies.md``).
    checkpoint, checkpoint_every : write the whole state of the run to
        ``checkpoint/checkpoint.marketsim`` every ``checkpoint_every`` periods (atomically;
        :mod:`marketsim.outputs.checkpoint`), so that :func:`resume` can finish a run that was
        killed, with bit-identical results. ``save_options`` (``out``, ``figures``,
        ``report``) are kept in it for ``marketsim resume``, which saves the finished run so.

    Raises
    ------
    ScenarioError : the scenario or an override is invalid.
    RunOptionError : the seed, thread count or checkpoint options are invalid.
    MemoryLimitError : the run would need more memory than there is (estimated before anything
        is allocated: :mod:`marketsim.market.memory`).
    SimulationError : a period produced an undefined (NaN, infinite) or impossible number; the
        message names the period, the firm and the quantity.
    """
    from marketsim.market.model import MarketModel
    from marketsim.measures.segments import SegmentTracker
    from marketsim.outputs.checkpoint import RunCheckpoint

    started = time.perf_counter()
    resolved = resolve_scenario(scenario)
    if customers is not None or periods is not None:
        resolved = resolved.with_overrides(customers=customers, periods=periods)
    seed = _check_seed(seed)
    check_code_allowed(resolved, allow_code)
    keep_state = transactions if state is None else bool(state)
    check_memory(resolved, transactions=transactions, state=keep_state)  # before any allocation
    threads = _check_threads(threads)
    every = _check_checkpoint(checkpoint, checkpoint_every)
    reporter = _reporter(progress, resolved)
    with _numba_threads(threads), reporter:
        model = MarketModel(resolved, seed, record_transactions=transactions,
                            allow_code=allow_code)
        job = RunCheckpoint(model=model, seed=seed, transactions=transactions,
                            keep_state=keep_state, allow_code=allow_code,
                            tracker=SegmentTracker(model) if transactions else None,
                            every=every, folder=None if checkpoint is None else str(checkpoint),
                            save=dict(save_options or {}),
                            timings={"setup_s": time.perf_counter() - started, "periods_s": 0.0})
        _continue(job, reporter)
    return _result(job)


def resume(checkpoint, *, threads: int | None = None,
           progress: bool | ProgressCallback = False, allow_code: bool = False) -> RunResult:
    """Finish a run from its checkpoint and return its :class:`RunResult`, bit-identical to
    the run never interrupted.

    ``checkpoint`` is a run folder holding ``checkpoint.marketsim``, the file itself, or a
    :class:`~marketsim.outputs.checkpoint.RunCheckpoint` already loaded. Further checkpoints
    are written as the run had asked. A checkpoint written by someone else (not signed with
    your key) is refused unless ``allow_code=True``: resuming unpickles Python objects.
    """
    from marketsim.outputs.checkpoint import RunCheckpoint, load_checkpoint

    started = time.perf_counter()
    job = checkpoint if isinstance(checkpoint, RunCheckpoint) else load_checkpoint(
        checkpoint, trust=allow_code)
    threads = _check_threads(threads)
    reporter = _reporter(progress, job.model.scenario)
    job.timings["setup_s"] = job.timings.get("setup_s", 0.0) + time.perf_counter() - started
    with _numba_threads(threads), reporter:
        _continue(job, reporter)
    return _result(job)


def _check_checkpoint(folder, every) -> int | None:
    if every is None:
        return None
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise RunOptionError(f"checkpoint_every must be a whole number of periods, at least 1, "
                             f"got {every!r}")
    if folder is None:
        raise RunOptionError("checkpoint_every needs checkpoint= (the folder to write it to)")
    from marketsim.outputs.atomic import check_writable

    check_writable(folder)
    return every


def _reporter(progress, scenario: Scenario):
    if progress is True:
        return _RichProgress(scenario.market.periods, scenario.market.name)
    return _NoProgress(progress if callable(progress) else None)


class _numba_threads:
    """Use ``threads`` Numba threads inside the block (``None``: keep the setting)."""

    def __init__(self, threads: int | None):
        self.threads = threads

    def __enter__(self):
        import numba

        self.previous = numba.get_num_threads()
        if self.threads is not None:
            numba.set_num_threads(self.threads)
        return numba.get_num_threads()

    def __exit__(self, *exc):
        import numba

        numba.set_num_threads(self.previous)
        return False


def _continue(job, reporter) -> None:
    """Run the job's remaining periods, writing its checkpoints on the way."""
    import numba

    from marketsim.outputs.checkpoint import save_checkpoint

    model, total = job.model, job.model.scenario.market.periods
    reporter.started()
    if model.period > 0:  # resumed: the bar starts where the run stopped
        reporter(model.period, total)
    job.threads = numba.get_num_threads()
    clock = time.perf_counter()

    def on_period(period: int) -> None:
        nonlocal clock
        if job.tracker is not None:
            job.tracker(model)
        reporter(period, total)
        if job.every is not None and period % job.every == 0 and period < total:
            now = time.perf_counter()
            job.timings["periods_s"] += now - clock
            save_checkpoint(job.folder, job)
            clock = time.perf_counter()
            job.timings["setup_s"] += clock - now  # writing checkpoints counts as overhead

    model.run(on_period=on_period)
    job.timings["periods_s"] += time.perf_counter() - clock


def _result(job) -> RunResult:
    """The :class:`RunResult` of a finished job."""
    from marketsim.measures.relationship_measures import snapshot
    from marketsim.outputs.analysis import levers_frame

    started = time.perf_counter()
    model, resolved = job.model, job.model.scenario
    metrics = model.metrics()
    log = model.transactions() if job.transactions else None
    final_state = snapshot(model.population) if job.keep_state else None
    if final_state is not None and model.buying_centres.n_business:
        from marketsim.market.buying_centre import centre_snapshot

        final_state.update(centre_snapshot(model.buying_centres))
    setup_s, periods_s = job.timings["setup_s"], job.timings["periods_s"]
    customer_periods = resolved.population.customers * model.period
    timings = {
        "setup_s": setup_s,
        "periods_s": periods_s,
        "total_s": setup_s + periods_s + time.perf_counter() - started,
        "customer_periods_per_s": customer_periods / periods_s if periods_s > 0 else float("nan"),
    }
    result = RunResult(scenario=resolved, seed=job.seed, metrics=metrics, transactions=log,
                       timings=timings, threads=job.threads, state_bytes=model.state_bytes(),
                       state=final_state, levers=levers_frame(model.firms))
    if job.tracker is not None:
        result.customer_segments = job.tracker.segment
        result.segment_retention = job.tracker.frame([f.name for f in model.firms],
                                                     [s.name for s in resolved.segments])
    return result
