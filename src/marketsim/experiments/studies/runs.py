"""What the studies (and the validity rows of ``experiments/validity/``, which call the studies'
measurements) share to run variants of a shipped scenario: the scenario as a dictionary, a
deep copy to edit, a firm in it, the honest promise, a run on one Numba thread, sums and means
per firm from the metrics table, and the rank correlation.

Every comparison runs its variants on the same seeds (common random numbers): the
counter-based generator makes a variant differ from its baseline only by what the variant
changes (Law 2015, *Simulation Modeling and Analysis*, section 11.2).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd

from marketsim.scenario.schema import PERIODS_PER_YEAR


def load_data(path: str | Path) -> dict:
    """A scenario file as a dictionary with every default filled in."""
    from marketsim.scenario.schema import load_scenario

    return load_scenario(Path(path)).model_dump()


def variant(data: dict) -> dict:
    """A deep copy of a scenario dictionary, to edit for one variant of a comparison."""
    return copy.deepcopy(data)


def firm(data: dict, name: str) -> dict:
    """The firm ``name``'s dictionary in ``data`` (edited in place by variants); a KeyError
    naming the firms if none."""
    for f in data["firms"]:
        if f["name"] == name:
            return f
    raise KeyError(f"no firm named {name!r} (firms: "
                   f"{', '.join(f['name'] for f in data['firms'])})")


def mean_quality(f: dict) -> float:
    return float(np.mean([o["quality"] for o in f["offers"].values()]))


def honest_promise(f: dict) -> float:
    """The promise that states what the firm delivers: quality + service (docs/model.md)."""
    return mean_quality(f) + f["service"]


def is_honest(f: dict) -> bool:
    return abs(f["promise"] - honest_promise(f)) < 1e-6


def periods_per_year(data: dict) -> int:
    return PERIODS_PER_YEAR[data["market"]["period_unit"]]


def run(data: dict, seed: int, *, customers: int | None = None, periods: int | None = None,
        transactions: bool = False):
    """``marketsim.run`` of a scenario dictionary on one Numba thread (the same numbers on any
    thread count; one core per worker process)."""
    from marketsim.api import run as run_scenario

    return run_scenario(data, seed=seed, customers=customers, periods=periods,
                        transactions=transactions, threads=1)


def total(metrics: pd.DataFrame, column: str, upto: int | None = None) -> dict[str, float]:
    """Per firm, the sum of ``column`` over periods 1..upto (all periods by default)."""
    rows = metrics if upto is None else metrics[metrics["period"] <= upto]
    return {str(k): float(v) for k, v in
            rows.groupby("firm", observed=True)[column].sum().items()}


def last(metrics: pd.DataFrame, column: str, periods: int) -> dict[str, float]:
    """Per firm, the mean of ``column`` over the last ``periods`` periods."""
    top = metrics["period"].max()
    recent = metrics[metrics["period"] > top - periods]
    return {str(k): float(v) for k, v in
            recent.groupby("firm", observed=True)[column].mean().items()}


def spearman(x, y) -> float:
    """Spearman rank correlation (NaN with fewer than 3 points or a constant input)."""
    from scipy import stats

    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(x[ok]) == 0 or np.ptp(y[ok]) == 0:
        return float("nan")
    return float(stats.spearmanr(x[ok], y[ok]).statistic)
