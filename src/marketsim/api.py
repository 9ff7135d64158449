"""The Python entry point: run a scenario and keep (or save) what it produced.

>>> from marketsim import run
>>> result = run("scenarios/default.toml", customers=20_000, periods=26, seed=1)
>>> result.summary()                      # per-firm shares, share of customer, retention, profit
>>> result.save("runs/default")           # Parquet tables, resolved scenario, run.json, figures

:func:`run` is what the ``marketsim run`` command calls; everything it prints comes from the
:class:`RunResult` returned here.
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marketsim.analysis import RunAnalysis
from marketsim.errors import RunOptionError
from marketsim.progress import ProgressBar
from marketsim.scenario import Scenario, load_scenario, parse_scenario

#: A progress callback receives (periods done, periods in the run).
ProgressCallback = Callable[[int, int], None]

#: Largest seed accepted (the counter-based generator mixes it as a 64-bit integer).
MAX_SEED = 2**63 - 1

#: Packages whose versions ``run.json`` records (distribution names).
_VERSIONED = ("marketsim", "numpy", "numba", "mesa", "pandas")


@dataclass
class RunResult(RunAnalysis):
    """What one run produced.

    Attributes
    ----------
    scenario : the resolved scenario (overrides applied, every default filled in).
    seed : the seed; with the scenario it fixes every number of the run.
    metrics : tidy table, one row per period and firm (see ``marketsim.metrics.COLUMNS``).
    transactions : the transaction log (period, customer_id, firm, category, units, revenue),
        or ``None`` when the run did not record it.
    timings : seconds spent building the market (``setup_s``), simulating the periods
        (``periods_s``) and in all (``total_s``), and the throughput
        ``customer_periods_per_s`` (customers times periods over ``periods_s``).
    threads : Numba threads the kernels ran on.
    state_bytes : bytes of model state (population and network arrays).
    state : the final population state (:func:`marketsim.relationship_measures.snapshot`) behind the
        relationship measures, or ``None``; ``levers`` : the firms' retention levers at the
        end (:func:`marketsim.analysis.levers_frame`). Lifetime value, relationship measures
        and figures are methods (:class:`marketsim.analysis.RunAnalysis`).
    customer_segments, segment_retention : with the log, each customer's segment index and the
        per-period customers held (start, end) and lost per firm and segment
        (:class:`marketsim.segments.SegmentTracker`); ``segment_table`` : the
        ``segments.parquet`` of a run folder read back by :func:`marketsim.analysis.load_run`.
    """

    scenario: Scenario
    seed: int
    metrics: pd.DataFrame
    transactions: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    threads: int = 1
    state_bytes: int = 0
    state: dict | None = None
    levers: pd.DataFrame | None = None
    customer_segments: Any = None          # (N,) segment index of each customer (with the log)
    segment_retention: pd.DataFrame | None = None  # held and lost per period, firm, segment
    segment_table: pd.DataFrame | None = None  # segments.parquet of a loaded run folder

    @property
    def customers(self) -> int:
        return self.scenario.population.customers

    @property
    def periods(self) -> int:
        return self.scenario.market.periods

    def summary(self, last: int | None = None) -> pd.DataFrame:
        """Per-firm summary over the last ``last`` periods (default: the share-of-customer
        window of the scenario, at most the periods run): customers, market share by units
        and revenue, share of customer, retention, mean satisfaction, revenue, profit, and the
        relationship-strategy measures some firm uses (cost to serve, relationship cost, fees,
        terminations, complaints captured, directed units: totals; mean knowledge: at the end;
        categories per buyer: mean; :func:`marketsim.metrics.strategy_summary`)."""
        from marketsim.metrics import summary_frame

        if last is None:
            last = max(1, round(self.scenario.market.share_of_customer_window))
        return summary_frame(self.metrics, last=last)

    def _log(self) -> pd.DataFrame:
        if self.transactions is None:
            raise RunOptionError("brand measures need the transaction log: run with "
                                 "transactions=True (CLI: --transactions)")
        return self.transactions

    def brand_performance(self, periods=None, *, category=None) -> pd.DataFrame:
        """Observed brand measures over a window of periods (a ``range``, a list, or ``None``
        for the whole run): see :func:`marketsim.brand_performance.brand_performance`."""
        from marketsim.brand_performance import brand_performance

        return brand_performance(self._log(), category=category, periods=periods,
                                 n_customers=self.customers)

    def dirichlet(self, periods=None, *, category=None, **options) -> pd.DataFrame:
        """Observed brand measures beside the fitted NBD-Dirichlet's (Double Jeopardy check):
        see :func:`marketsim.dirichlet.dirichlet_comparison`."""
        from marketsim.dirichlet import dirichlet_comparison

        return dirichlet_comparison(self._log(), self.customers, category=category,
                                    periods=periods, **options)

    def segment_metrics(self) -> pd.DataFrame:
        """Per period, firm and segment: customers held, defections, churn, buyers, units,
        revenue, share of customer: see :func:`marketsim.segments.segment_metrics`."""
        from marketsim.segments import segment_metrics

        loaded = getattr(self, "segment_table", None)
        if loaded is not None and (self.transactions is None or self.segment_retention is None):
            return loaded.copy()
        return segment_metrics(self)

    def run_info(self) -> dict[str, Any]:
        """The facts ``run.json`` records: options, versions, timings, memory."""
        return {
            "scenario": self.scenario.market.name,
            "seed": self.seed,
            "customers": self.customers,
            "periods": self.periods,
            "threads": self.threads,
            "transactions": self.transactions is not None,
            "versions": versions(),
            "timings": {k: (v if math.isfinite(v) else None) for k, v in self.timings.items()},
            "state_bytes": self.state_bytes,
            "state_bytes_per_customer": self.state_bytes / max(self.customers, 1),
        }

    def save(self, out_dir: str | Path, *, figures: bool = True) -> list[Path]:
        """Write the run to ``out_dir`` (created if needed) and return the paths written.

        ``metrics.parquet``; ``transactions.parquet`` and ``segments.parquet`` (metrics by
        segment, :func:`marketsim.segments.segment_metrics`) when the log was recorded;
        ``scenario.toml``, the resolved scenario (rerun it with the same seed to get the same
        numbers); ``run.json`` (seed, sizes, threads, versions, timings, bytes per customer);
        ``state.npz`` (the final population snapshot, when kept) and ``levers.parquet`` (the
        firms' retention levers at the end), which ``marketsim report`` reads back;
        and, unless ``figures=False``, the PNG figures of :func:`marketsim.plots.save_figures`.
        """
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunOptionError(f"{out}: cannot create output folder ({exc.strerror})") from None
        if not out.is_dir():
            raise RunOptionError(f"{out}: output path exists and is not a folder")
        written = []
        path = out / "metrics.parquet"
        self.metrics.to_parquet(path, index=False)
        written.append(path)
        if self.transactions is not None:
            path = out / "transactions.parquet"
            self.transactions.to_parquet(path, index=False)
            written.append(path)
        if self.segment_retention is not None:
            path = out / "segments.parquet"
            self.segment_metrics().to_parquet(path, index=False)
            written.append(path)
        path = out / "scenario.toml"
        path.write_text(self.scenario.to_toml(), encoding="utf-8")
        written.append(path)
        path = out / "run.json"
        path.write_text(json.dumps(self.run_info(), indent=2) + "\n", encoding="utf-8")
        written.append(path)
        if self.state is not None:
            path = out / "state.npz"
            np.savez_compressed(path, **self.state)
            written.append(path)
        if self.levers is not None:
            path = out / "levers.parquet"
            self.levers.to_parquet(path)
            written.append(path)
        if figures:
            from marketsim.plots import save_figures

            written.extend(save_figures(self.metrics, out,
                                        window=self.scenario.market.share_of_customer_window))
        return written


def versions() -> dict[str, str]:
    """Versions of marketsim, its main dependencies and Python."""
    found = {}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "unknown"
    found["python"] = platform.python_version()
    return found


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
        state: bool | None = None) -> RunResult:
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
    progress : ``True`` for a progress bar on stdout (shown only on a terminal), or a callable
        receiving (periods done, periods in the run) after each period.
    state : keep a snapshot of the final population state (satisfaction, ties, tenure, ...
        per customer and firm) for the relationship measures; default: when ``transactions``.

    Raises
    ------
    ScenarioError : the scenario or an override is invalid.
    RunOptionError : the seed or thread count is invalid.
    """
    from marketsim.market import MarketModel
    from marketsim.segments import SegmentTracker

    started = time.perf_counter()
    resolved = resolve_scenario(scenario)
    if customers is not None or periods is not None:
        resolved = resolved.with_overrides(customers=customers, periods=periods)
    seed = _check_seed(seed)
    threads = _check_threads(threads)

    import numba

    previous_threads = numba.get_num_threads()
    total_periods = resolved.market.periods
    if progress is True:
        reporter = _RichProgress(total_periods, resolved.market.name)
    else:
        reporter = _NoProgress(progress if callable(progress) else None)
    try:
        if threads is not None:
            numba.set_num_threads(threads)
        used_threads = numba.get_num_threads()
        with reporter:
            model = MarketModel(resolved, seed, record_transactions=transactions)
            tracker = SegmentTracker(model) if transactions else None
            setup_done = time.perf_counter()
            reporter.started()

            def on_period(period: int) -> None:
                if tracker is not None:
                    tracker(model)
                reporter(period, total_periods)

            model.run(on_period=on_period)
            periods_done = time.perf_counter()
    finally:
        numba.set_num_threads(previous_threads)

    metrics = model.metrics()
    log = model.transactions() if transactions else None
    from marketsim.analysis import levers_frame
    from marketsim.relationship_measures import snapshot

    keep_state = transactions if state is None else bool(state)
    final_state = snapshot(model.population) if keep_state else None
    if final_state is not None and model.buying_centres.n_business:
        from marketsim.buying_centre import centre_snapshot

        final_state.update(centre_snapshot(model.buying_centres))
    finished = time.perf_counter()
    periods_s = periods_done - setup_done
    customer_periods = resolved.population.customers * model.period
    timings = {
        "setup_s": setup_done - started,
        "periods_s": periods_s,
        "total_s": finished - started,
        "customer_periods_per_s": customer_periods / periods_s if periods_s > 0 else float("nan"),
    }
    result = RunResult(scenario=resolved, seed=seed, metrics=metrics, transactions=log,
                       timings=timings, threads=used_threads, state_bytes=model.state_bytes(),
                       state=final_state, levers=levers_frame(model.firms))
    if tracker is not None:
        result.customer_segments = tracker.segment
        result.segment_retention = tracker.frame([f.name for f in model.firms],
                                                 [s.name for s in resolved.segments])
    return result
