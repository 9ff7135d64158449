"""``run_many``: one scenario over many seeds, any measure with its 95% interval over seeds.

>>> import marketsim
>>> many = marketsim.run_many("scenarios/default.toml", seeds=5, customers=10_000,
...                           measures=["summary", "brand_performance", "metrics"])
>>> many.table.query("measure == 'share_of_customer'")      # mean, lo, hi over the 5 seeds
>>> many.trajectories.query("measure == 'profit'")          # period, firm, measure, mean, lo, hi
>>> many.difference("market_share_buyers", "MassMart", "CloseCo")   # paired over seeds
>>> many.fan_chart("customers")                             # mean line and 95% band per firm

Every variant of a comparison should run on the same seeds (common random numbers: the
counter-based generator makes two variants differ only by what the variant changes), so
:func:`paired_difference` of two ``run_many`` results on the same seeds has a far narrower
interval than the two intervals side by side (Law 2015, *Simulation Modeling and Analysis*,
section 11.2). Intervals are Student t over seeds: mean +- t(0.975, n - 1) sd / sqrt(n).

Measures computed from the transaction log run inside the worker, so a log never travels
between processes; the numbers are the same on every executor and worker count (results are
put in seed order, whatever order the runs finish in).
:func:`marketsim.experiments.replicate.replicate` is the layer below: any picklable function
of a seed, on the same executors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from marketsim.errors import RunOptionError
from marketsim.experiments.replicate import check_seeds, interval, intervals, replicate
from marketsim.scenario.schema import Scenario

#: Measures known by name: what each takes from a :class:`~marketsim.RunResult`. ``metrics``
#: gives trajectories (every numeric column per period and firm); the others one value per
#: firm and column. Those marked in :data:`NEEDS_LOG` need the transaction log.
NAMED_MEASURES = ("summary", "metrics", "brand_performance", "dirichlet", "clv",
                  "predicted_clv", "relationships")
NEEDS_LOG = ("brand_performance", "dirichlet", "clv")
#: Firm label of a measure of the whole market (a callable returning a number or a dict).
MARKET = "all"

MeasureSpec = str | Callable[[Any], Any]


# ---------------------------------------------------------------------------- measures
def _tidy(source: str, value: Any) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """A measure's value as (per-firm rows: source, firm, measure, value; per-period rows:
    period, firm, measure, value)."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return pd.DataFrame({"source": [source], "firm": [MARKET], "measure": [source],
                             "value": [float(value)]}), None
    if isinstance(value, Mapping):
        return pd.DataFrame({"source": source, "firm": MARKET, "measure": list(value),
                             "value": [float(v) for v in value.values()]}), None
    if isinstance(value, pd.Series):
        return pd.DataFrame({"source": source, "firm": value.index.astype(str),
                             "measure": value.name or source,
                             "value": value.to_numpy(float)}), None
    if isinstance(value, pd.DataFrame):
        frame = value.reset_index() if "period" not in value.columns else value.copy()
        if "period" in frame.columns:
            firm = frame["firm"].astype(str) if "firm" in frame.columns else MARKET
            numeric = [c for c in frame.columns if c not in ("period", "firm")
                       and pd.api.types.is_numeric_dtype(frame[c])
                       and not pd.api.types.is_bool_dtype(frame[c])]
            long = frame.assign(firm=firm)[["period", "firm", *numeric]].melt(
                id_vars=["period", "firm"], var_name="measure", value_name="value")
            long["value"] = long["value"].astype(float)
            return None, long
        firms = value.index.astype(str)
        numeric = [c for c in value.columns if pd.api.types.is_numeric_dtype(value[c])
                   and not pd.api.types.is_bool_dtype(value[c])]
        long = (value[numeric].set_axis(firms).rename_axis("firm").reset_index()
                .melt(id_vars="firm", var_name="measure", value_name="value"))
        long["value"] = long["value"].astype(float)
        long.insert(0, "source", source)
        return long, None
    raise RunOptionError(f"measure {source!r} returned {type(value).__name__}: a measure must "
                         "return a number, a dict of numbers, a Series by firm or a DataFrame "
                         "(by firm, or with a 'period' column)")


def _named(result, name: str, window: int | None):
    periods = None
    if window is not None:
        top = int(result.metrics["period"].max())
        periods = (max(1, top - int(window) + 1), top)
    if name == "summary":
        return result.summary()
    if name == "metrics":
        return result.metrics
    if name == "brand_performance":
        return result.brand_performance(periods=periods)
    if name == "dirichlet":
        return result.dirichlet(periods=periods)
    if name == "clv":
        return result.customer_equity(periods=None if periods is None else range(
            periods[0], periods[1] + 1))
    if name == "predicted_clv":
        return result.predicted_clv(last=window)
    if name == "relationships":
        return result.relationship_summary(last=window)
    raise RunOptionError(f"unknown measure {name!r}: one of {', '.join(NAMED_MEASURES)}, or a "
                         "function of a RunResult")


def _measure_name(measure: MeasureSpec) -> str:
    return measure if isinstance(measure, str) else getattr(measure, "__name__", repr(measure))


def _check_measures(measures) -> dict[str, MeasureSpec]:
    from marketsim.errors import did_you_mean

    if isinstance(measures, (str, Callable)):
        measures = [measures]
    items = measures.items() if isinstance(measures, Mapping) else (
        (_measure_name(m), m) for m in measures)
    checked = {}
    for name, measure in items:
        if isinstance(measure, str) and measure not in NAMED_MEASURES:
            hint = did_you_mean(measure, NAMED_MEASURES)
            raise RunOptionError(f"unknown measure {measure!r}{hint}"
                                 f": one of {', '.join(NAMED_MEASURES)}, or a function of a "
                                 "RunResult")
        if not isinstance(measure, str) and not callable(measure):
            raise RunOptionError(f"measure {name!r} is neither a name nor a function")
        checked[str(name)] = measure
    if not checked:
        raise RunOptionError("run_many needs at least one measure")
    return checked


def measure_run(seed: int, *, scenario: Scenario, measures: dict[str, MeasureSpec],
                transactions: bool, window: int | None, threads: int | None,
                allow_code: bool) -> dict[str, pd.DataFrame | None]:
    """Run ``scenario`` with ``seed`` and compute ``measures``: the per-seed work of
    :func:`run_many` (a module-level function, so it pickles to a worker process)."""
    from marketsim.api import run

    result = run(scenario, seed=seed, threads=threads, transactions=transactions,
                 allow_code=allow_code)
    scalars, paths = [], []
    for name, measure in measures.items():
        value = _named(result, measure, window) if isinstance(measure, str) else measure(result)
        per_firm, per_period = _tidy(name, value)
        if per_firm is not None:
            scalars.append(per_firm)
        if per_period is not None:
            paths.append(per_period.assign(source=name))
    return {"scalars": pd.concat(scalars, ignore_index=True) if scalars else None,
            "trajectories": pd.concat(paths, ignore_index=True) if paths else None,
            "timings": pd.Series(result.timings)}


# ---------------------------------------------------------------------------- run_many
@dataclass
class ManyResult:
    """What :func:`run_many` produced.

    Attributes
    ----------
    scenario : the resolved scenario (overrides applied); ``seeds`` : the seeds, in order.
    values : one row per seed, measure source, firm and measure: ``seed, source, firm,
        measure, value`` (the raw values behind every interval).
    table : one row per source, firm and measure: ``n, mean, sd, lo, hi`` (95% t-interval over
        seeds).
    paths : per-seed trajectories, ``seed, source, period, firm, measure, value``.
    trajectories : ``period, firm, measure, mean, lo, hi, n, sd`` (and ``source``) over seeds.
    timings : per seed, the run's ``setup_s``, ``periods_s``, ``total_s``.
    """

    scenario: Scenario
    seeds: list[int]
    values: pd.DataFrame
    table: pd.DataFrame
    paths: pd.DataFrame
    trajectories: pd.DataFrame
    timings: pd.DataFrame

    def get(self, measure: str, firm: str | None = None, source: str | None = None):
        """Rows of :attr:`table` for ``measure`` (and ``firm``, ``source``); with a firm, the
        single row as a Series."""
        rows = self.table[self.table["measure"] == measure]
        if source is not None:
            rows = rows[rows["source"] == source]
        if firm is None:
            return rows
        rows = rows[rows["firm"] == firm]
        if rows.empty:
            raise RunOptionError(f"no measure {measure!r} for firm {firm!r}")
        return rows.iloc[0]

    def per_seed(self, measure: str, firm: str, source: str | None = None) -> np.ndarray:
        """The measure's value for ``firm`` in each seed, in seed order (NaN where missing)."""
        rows = self.values[(self.values["measure"] == measure) & (self.values["firm"] == firm)]
        if source is not None:
            rows = rows[rows["source"] == source]
        if rows.empty:
            raise RunOptionError(f"no measure {measure!r} for firm {firm!r}")
        by_seed = rows.drop_duplicates("seed").set_index("seed")["value"]
        return by_seed.reindex(self.seeds).to_numpy(float)

    def difference(self, measure: str, firm_a: str, firm_b: str,
                   source: str | None = None) -> dict[str, Any]:
        """``firm_a``'s measure minus ``firm_b``'s, paired by seed, with its interval."""
        return interval(self.per_seed(measure, firm_a, source)
                        - self.per_seed(measure, firm_b, source))

    def trajectory(self, measure: str, source: str | None = None) -> pd.DataFrame:
        rows = self.trajectories[self.trajectories["measure"] == measure]
        return rows if source is None else rows[rows["source"] == source]

    def fan_chart(self, measure: str, *, firms: Sequence[str] | None = None, ax=None,
                  title: str | None = None, source: str | None = None):
        """The measure's mean per period and its 95% band over seeds, one colour per firm, on
        a time axis in the scenario's period unit (paper style): see
        :func:`marketsim.outputs.measure_plots.fan_chart`."""
        from marketsim.outputs.measure_plots import fan_chart

        return fan_chart(self.trajectory(measure, source), measure, firms=firms, ax=ax,
                         period_unit=self.scenario.market.period_unit, title=title,
                         firm_order=[f.name for f in self.scenario.firms])


def paired_difference(a: ManyResult, b: ManyResult, measure: str, firm: str,
                      source: str | None = None) -> dict[str, Any]:
    """``a``'s measure for ``firm`` minus ``b``'s, paired by seed (both must have run on the
    same seeds: common random numbers), with its 95% interval."""
    if a.seeds != b.seeds:
        raise RunOptionError(f"paired_difference needs the same seeds in both ({a.seeds} vs "
                             f"{b.seeds})")
    return interval(a.per_seed(measure, firm, source) - b.per_seed(measure, firm, source))


def run_many(scenario: str | Path | Mapping | Scenario, *, seeds=5,
             customers: int | None = None, periods: int | None = None,
             measures: Sequence[MeasureSpec] | Mapping[str, MeasureSpec] = ("summary", "metrics"),
             threads: int | None = 1, workers: int = 1, executor=None,
             transactions: bool | None = None, window: int | None = None,
             progress: bool | Callable = False, allow_code: bool = False) -> ManyResult:
    """Run ``scenario`` once per seed and return every measure with its 95% interval over seeds.

    Parameters
    ----------
    scenario : a TOML path, a dictionary or a :class:`Scenario` (as :func:`marketsim.run`).
    seeds : the seeds (a list), or how many (``5``: seeds 1 to 5). Run every variant of a
        comparison on the same seeds.
    customers, periods : overrides, as in :func:`marketsim.run`.
    measures : names from :data:`NAMED_MEASURES` (``summary``: the per-firm summary;
        ``metrics``: every column of the metrics table per period, as trajectories;
        ``brand_performance``, ``dirichlet``, ``clv`` (customer equity), ``predicted_clv``,
        ``relationships``) or functions of a :class:`~marketsim.RunResult` returning a number,
        a dict of numbers, a Series by firm, or a DataFrame by firm (or with a ``period``
        column: a trajectory); a dict gives them names. There is no Bass fit in the package:
        pass a function that fits one (``tests/classic_models.py`` has an independent one).
    threads : Numba threads of each run in this process (``workers == 1``).
    workers : local processes (one Numba thread each); 1 runs in this process. ``executor``
        (an executor of :mod:`marketsim.experiments.executors`) overrides it. Functions given
        as measures must then pickle (module-level functions).
    transactions : keep the transaction log in each run (default: when a measure needs it or a
        function is given); it never leaves the worker.
    window : the last ``window`` periods for the log measures, ``predicted_clv`` and
        ``relationships`` (default: the whole run; ``summary`` keeps its own window).
    progress : ``True`` for a progress bar of seeds (on a terminal), or a callable receiving
        (seeds done, seeds).
    """
    from marketsim.api import _check_threads, resolve_scenario
    from marketsim.market.memory import check_memory
    from marketsim.scenario.strategy_registry import check_code_allowed

    resolved = resolve_scenario(scenario)
    if customers is not None or periods is not None:
        resolved = resolved.with_overrides(customers=customers, periods=periods)
    seeds = check_seeds(seeds)
    checked = _check_measures(measures)
    check_code_allowed(resolved, allow_code)
    if transactions is None:
        transactions = any(not isinstance(m, str) or m in NEEDS_LOG for m in checked.values())
    if window is not None and (isinstance(window, bool) or not isinstance(window, int)
                               or window < 1):
        raise RunOptionError(f"window must be a whole number of periods, got {window!r}")
    at_once = 1 if executor is None and workers == 1 else min(
        getattr(executor, "workers", workers) or 1, len(seeds))
    check_memory(resolved, transactions=transactions, state=transactions, runs_at_once=at_once)
    threads = _check_threads(threads) if executor is None and workers == 1 else 1
    work = partial(measure_run, scenario=resolved, measures=checked, transactions=transactions,
                   window=window, threads=threads, allow_code=allow_code)
    with _progress(progress, len(seeds)) as advance:
        outputs = replicate(work, seeds, workers=workers, executor=executor,
                            warm_scenario=resolved, progress=advance)
    return _assemble(resolved, seeds, outputs)


def _assemble(scenario: Scenario, seeds: list[int], outputs: list[dict]) -> ManyResult:
    def stack(kind, columns):
        frames = [o[kind].assign(seed=seed) for seed, o in zip(seeds, outputs)
                  if o[kind] is not None]
        if not frames:
            return pd.DataFrame(columns=["seed", *columns])
        return pd.concat(frames, ignore_index=True)[["seed", *columns]]

    values = stack("scalars", ["source", "firm", "measure", "value"])
    paths = stack("trajectories", ["source", "period", "firm", "measure", "value"])
    keys = ["source", "firm", "measure"]
    table = (intervals(values, keys) if len(values) else
             pd.DataFrame(columns=[*keys, "n", "mean", "sd", "lo", "hi"]))
    tkeys = ["source", "period", "firm", "measure"]
    trajectories = (intervals(paths, tkeys) if len(paths) else
                    pd.DataFrame(columns=[*tkeys, "n", "mean", "sd", "lo", "hi"]))
    trajectories = trajectories[["period", "firm", "measure", "mean", "lo", "hi", "n", "sd",
                                 "source"]]
    timings = pd.DataFrame([o["timings"] for o in outputs], index=pd.Index(seeds, name="seed"))
    return ManyResult(scenario, seeds, values, table[[*keys, "n", "mean", "sd", "lo", "hi"]],
                      paths, trajectories, timings)


class _progress:
    """A progress bar of seeds (``True``), a callback (seeds done, seeds), or nothing."""

    def __init__(self, progress, total: int):
        self.total, self.done, self.bar, self.callback = total, 0, None, None
        if progress is True:
            from rich.console import Console

            from marketsim.progress import ProgressBar

            self.bar = ProgressBar(Console(), "[bold]seeds")
            self.task = self.bar.progress.add_task("seeds", total=total)
        elif callable(progress):
            self.callback = progress

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self.advance

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False

    def advance(self, ok: bool) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.progress.update(self.task, completed=self.done)
        if self.callback is not None:
            self.callback(self.done, self.total)
