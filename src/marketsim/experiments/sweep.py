"""Running a sweep: every run of an experiment's design not already finished, then tables.

>>> from marketsim.experiments import load_experiment, run_sweep
>>> experiment = load_experiment("experiments/reward_structural.toml")
>>> report = run_sweep(experiment, "sweeps/reward_structural")          # all cores
>>> report.summary.query("firm == 'CloseCo' and output == 'share_of_customer'")

Finished runs are never run again: each run's file is named by the content hash of its
resolved scenario, seed and the code version, so a sweep that was interrupted (Ctrl-C,
``kill -9``, a lost worker) continues with ``resume=True`` where it stopped. A run that fails
is logged with its error in the manifest and the sweep goes on; it is tried again on resume.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.experiments.analysis import results_table, save_sweep_figures, summarise
from marketsim.experiments.design import Experiment, RunSpec
from marketsim.experiments.executors import SerialExecutor, Task, make_executor
from marketsim.experiments.store import ResultsStore, count_events, host
from marketsim.market.memory import check_memory, estimate_memory
from marketsim.outputs.atomic import check_writable
from marketsim.scenario.strategy_registry import check_code_allowed

#: Rough single-core speed of the engine for ``--dry-run`` estimates (customer-periods per
#: second: the default scenario at 10,000 customers x 52 periods took 0.45 s on one thread of
#: the project's 2-core machine) and the per-run overhead outside the period loop (about
#: 15 ms measured by benchmarks/test_sweep_throughput.py).
ESTIMATE_CUSTOMER_PERIODS_PER_S = 1.0e6
ESTIMATE_OVERHEAD_S = 0.015


@dataclass
class SweepReport:
    """What a sweep did and produced."""

    out: Path
    runs: int
    skipped: int
    done: int
    failed: int
    seconds: float
    results: pd.DataFrame
    summary: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def runs_per_second(self) -> float:
        return (self.done + self.failed) / self.seconds if self.seconds > 0 else float("nan")


class Progress:
    """Callbacks of a sweep (override to show progress): start, then one call per run."""

    def start(self, total: int, finished: int) -> None:
        pass

    def advance(self, ok: bool) -> None:
        pass


def pending_runs(experiment: Experiment, store: ResultsStore) -> tuple[list[RunSpec], int]:
    """The runs still to do (one per distinct key) and how many are already finished."""
    finished = store.finished_keys()
    pending, seen, skipped = [], set(), 0
    for spec in experiment.runs:
        if spec.key in seen:
            continue
        seen.add(spec.key)
        if spec.key in finished:
            skipped += 1
        else:
            pending.append(spec)
    return pending, skipped


def estimate_seconds(runs: list[RunSpec], workers: int) -> float:
    """A rough duration of ``runs`` on ``workers`` cores (see the ESTIMATE_ constants)."""
    work = sum(s.scenario.population.customers
               * (s.scenario.market.periods + s.scenario.market.warmup_periods) for s in runs)
    return (work / ESTIMATE_CUSTOMER_PERIODS_PER_S + ESTIMATE_OVERHEAD_S * len(runs)) / max(workers, 1)


def run_sweep(experiment: Experiment, out: str | Path, *, executor=None, resume: bool = False,
              figures: bool = True, progress: Progress | None = None,
              on_outcome: Callable | None = None, allow_code: bool = False) -> SweepReport:
    """Run every unfinished run of ``experiment`` into the folder ``out``; write the results
    table, the summary and the figures; return a :class:`SweepReport`.

    ``executor`` is one of :mod:`marketsim.experiments.executors` (default: local processes
    on every core). Without ``resume``, ``out`` must not already hold a sweep. A design whose
    scenarios name a strategy as ``"file.py:Class"`` runs only with ``allow_code`` (user code).
    """
    started = time.perf_counter()
    scenarios = list({id(s): s for s in experiment.scenarios}.values())
    for scenario in scenarios:
        check_code_allowed(scenario, allow_code)
    check_writable(out)  # before any run, not when the results are written
    _check_memory(experiment, scenarios, executor)
    store = ResultsStore(out)
    existing = store.finished_keys() or store.manifest_path.exists()
    if existing and not resume:
        raise RunOptionError(
            f"{store.root}: already holds a sweep ({len(store.finished_keys())} finished runs); "
            "pass --resume (resume=True) to continue it, or choose another --out")
    store.create()
    lock = store.lock()
    try:
        return _sweep(experiment, store, executor, figures, progress, on_outcome, started,
                      allow_code)
    finally:
        if lock is not None:
            lock.close()


def _check_memory(experiment: Experiment, scenarios: list, executor) -> None:
    """A :class:`~marketsim.errors.MemoryLimitError` if the largest run, times the runs the
    executor does at once on this machine, would not fit (a remote Dask cluster: not checked)."""
    if not scenarios or getattr(executor, "scheduler", None):
        return
    workers = (os.cpu_count() or 1) if executor is None else executor.workers
    at_once = max(1, min(workers, len({spec.key for spec in experiment.runs})))
    check_memory(max(scenarios, key=lambda s: estimate_memory(s).total), runs_at_once=at_once)


def _sweep(experiment, store, executor, figures, progress, on_outcome, started,
           allow_code) -> SweepReport:
    store.remove_partial_files()
    if experiment.text:
        store.write_text(experiment.text, "experiment.toml")
    store.write_table(experiment.design_frame(), "design.csv")

    specs_by_key: dict[str, list[RunSpec]] = {}
    for spec in experiment.runs:
        specs_by_key.setdefault(spec.key, []).append(spec)
    pending, skipped = pending_runs(experiment, store)
    # Runs finished by a sweep killed before it logged them: log them now.
    logged = count_events(store.manifest(), "done")
    for key in store.finished_keys() & specs_by_key.keys():
        if key not in logged:
            store.log("recovered", key=key)

    if executor is None:
        executor = make_executor(warm_scenario=experiment.base)
    progress = progress or Progress()
    progress.start(len(specs_by_key), skipped)
    store.log("sweep_started", experiment=experiment.name, executor=executor.name,
              pending=len(pending), finished=skipped, host=host())
    done = failed = 0
    errors: dict[str, str] = {}
    tasks = [Task(spec.key, spec.scenario, spec.seed, allow_code) for spec in pending]
    try:
        if tasks:
            with executor:
                for outcome in executor.map(tasks):
                    spec = specs_by_key[outcome.key][0]
                    where = {"key": outcome.key, "point": spec.point,
                             "replication": spec.replication, "seed": spec.seed,
                             "worker": outcome.worker}
                    if outcome.ok:
                        store.write_run(outcome.key, outcome.metrics,
                                        {**where, "code_version": spec.code_version})
                        store.log("done", **where, timings=outcome.timings)
                        done += 1
                    else:
                        store.log("failed", **where, error=outcome.error, details=outcome.details)
                        errors[outcome.key] = outcome.error
                        failed += 1
                    progress.advance(outcome.ok)
                    if on_outcome is not None:
                        on_outcome(outcome)
    except BaseException:
        store.log("sweep_interrupted", done=done, failed=failed)
        raise
    store.log("sweep_ended", done=done, failed=failed)

    results = results_table(experiment, store)
    summary = summarise(results)
    files = [store.write_table(results, "results.parquet"),
             store.write_table(summary, "summary.csv")]
    if figures:
        files.extend(save_sweep_figures(results, store.root, experiment.focus_firm))
    return SweepReport(out=store.root, runs=len(specs_by_key), skipped=skipped, done=done,
                       failed=failed, seconds=time.perf_counter() - started, results=results,
                       summary=summary, files=files, errors=errors)


__all__ = ["Progress", "SerialExecutor", "SweepReport", "estimate_seconds", "pending_runs",
           "run_sweep"]
