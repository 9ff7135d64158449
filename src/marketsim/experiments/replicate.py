"""Replications: any picklable function of a seed, over seeds, on any executor; intervals.

:func:`replicate` runs ``function(seed)`` for every seed, in this process or on the
executors of :mod:`marketsim.experiments.executors`, and returns the values in seed order
whatever order the runs finish in, so the numbers are the same on every executor.
:func:`interval` is the 95% Student t interval over seeds that every study and
:func:`marketsim.run_many` (:mod:`marketsim.experiments.many`) report: mean +- t(0.975, n - 1)
sd / sqrt(n).

Every variant of a comparison should run on the same seeds (common random numbers: the
counter-based generator makes two variants differ only by what the variant changes; Law 2015,
*Simulation Modeling and Analysis*, section 11.2).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from marketsim.errors import MarketsimError, RunOptionError
from marketsim.scenario.schema import Scenario


# ---------------------------------------------------------------------------- statistics
def interval(values: Iterable[float], level: float = 0.95) -> dict[str, Any]:
    """Mean and t-interval of ``values`` (NaN and infinite values dropped): ``{"mean", "lo",
    "hi", "sd", "n", "values"}``; ``lo`` and ``hi`` are NaN with fewer than two values."""
    from scipy import stats

    raw = [float(v) for v in values]
    v = np.array([x for x in raw if math.isfinite(x)])
    n = int(v.size)
    mean = float(v.mean()) if n else float("nan")
    sd = float(v.std(ddof=1)) if n >= 2 else float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n)) if n >= 2 else math.nan
    return {"mean": mean, "lo": mean - half, "hi": mean + half, "sd": sd, "n": n, "values": raw}


def intervals(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of ``keys``: n, mean, sd, lo, hi of ``value`` over seeds (vectorised)."""
    from scipy import stats

    finite = frame[np.isfinite(frame["value"].to_numpy(float))]
    g = finite.groupby(keys, sort=False, observed=True)["value"]
    table = pd.DataFrame({"n": g.count(), "mean": g.mean(), "sd": g.std(ddof=1)})
    n = table["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(n >= 2, stats.t.ppf(0.975, np.maximum(n - 1, 1)), np.nan)
        half = t * table["sd"].to_numpy(float) / np.sqrt(n)
    table["lo"] = table["mean"] - half
    table["hi"] = table["mean"] + half
    table = table.reset_index()
    # groups whose every value was NaN keep a row (n = 0)
    every = frame[keys].drop_duplicates()
    table = every.merge(table, on=keys, how="left")
    table["n"] = table["n"].fillna(0).astype(int)
    return table


# ---------------------------------------------------------------------------- replicate
def check_seeds(seeds) -> list[int]:
    """``seeds`` as a list: an int ``n`` means seeds 1..n; duplicates are refused (they would
    count one run twice in an interval)."""
    from marketsim.api import _check_seed

    if isinstance(seeds, bool):
        raise RunOptionError(f"seeds must be a number of seeds or a list of seeds, got {seeds!r}")
    if isinstance(seeds, int):
        if seeds < 1:
            raise RunOptionError(f"seeds must be at least 1, got {seeds}")
        return list(range(1, seeds + 1))
    try:
        chosen = [_check_seed(s) for s in seeds]
    except TypeError:
        raise RunOptionError(f"seeds must be a number of seeds or a list of seeds, "
                             f"got {seeds!r}") from None
    if not chosen:
        raise RunOptionError("seeds is empty: give at least one seed")
    if len(set(chosen)) != len(chosen):
        raise RunOptionError(f"seeds repeat ({chosen}): each seed once")
    return chosen


def replicate(function: Callable[[int], Any], seeds, *, workers: int = 1, executor=None,
              warm_scenario: Scenario | None = None, progress=None) -> list[Any]:
    """``[function(seed) for seed in seeds]``, on ``workers`` local processes (1: in this
    process) or on ``executor`` (:mod:`marketsim.experiments.executors`); the list is in seed
    order whatever order the runs finish in. With processes or Dask, ``function`` must pickle
    (a module-level function, or a ``functools.partial`` of one). An error in any call is
    raised here (a :class:`~marketsim.errors.MarketsimError` as itself, naming the seed).
    ``progress``: a callable called with ``True`` (or ``False`` for a failure) per finished
    call. An ``executor`` already entered (``with executor:``) stays open for the next call.
    A script using processes needs the ``if __name__ == "__main__":`` guard (spawned workers
    import it)."""
    from marketsim.experiments.executors import Job, ProcessExecutor, SerialExecutor, call

    seeds = check_seeds(seeds)
    if executor is None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise RunOptionError(f"workers must be a whole number of at least 1, got {workers!r}")
        workers = min(workers, len(seeds))
        executor = SerialExecutor() if workers == 1 else ProcessExecutor(
            workers, warm_scenario=warm_scenario)
    # an executor already open (``with executor: ...`` around several calls, as the studies
    # do) is used as it is and stays open: its workers start once
    opened = getattr(executor, "pool", None) is not None or getattr(
        executor, "client", None) is not None
    jobs = [Job(f"seed-{seed}", function, seed) for seed in seeds]
    found: dict[str, Any] = {}
    with contextlib.nullcontext() if opened else executor:
        for outcome in executor.map(jobs, call):
            if progress is not None:
                progress(outcome.ok)
            if not outcome.ok:
                seed = outcome.key.removeprefix("seed-")
                if isinstance(outcome.value, MarketsimError):
                    raise outcome.value
                raise RuntimeError(f"seed {seed}: {outcome.error}\n{outcome.details}")
            found[outcome.key] = outcome.value
    return [found[job.key] for job in jobs]
