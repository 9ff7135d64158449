"""Shared helpers of the validity measurements: scenarios as dictionaries, runs, stepped runs,
firm lookup, 95% t-intervals over seeds and the row record that ``measure.py`` writes.

Every comparison in the rows uses common random numbers: all variants of a comparison run on
the same seeds (``cfg.seeds``), and marketsim's counter-based generator makes a variant differ
from its baseline only by what the variant changes (Law 2015, *Simulation Modeling and
Analysis*, section 11.2). Intervals are over seeds: mean +- t(0.975, n - 1) sd / sqrt(n).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

import marketsim
from marketsim.api import resolve_scenario
from marketsim.experiments.studies import runs
from marketsim.experiments.studies.runs import (  # noqa: F401 (the rows import them from here)
    honest_promise,
    is_honest,
    last,
    mean_quality,
    periods_per_year,
    spearman,
    total,
    variant,
)
from marketsim.kernels import layout

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


class NotMeasurable(Exception):
    """A row cannot be measured on the current scenario files (a firm or preset is missing)."""


@dataclass
class Config:
    """Sizes of the runs. ``quick`` is the smoke-test size (about 3 minutes on 2 cores)."""

    quick: bool
    seeds: list[int]
    customers: int          # ordinary runs
    sweep_customers: int    # runs of a sweep with many points
    big_customers: int      # brand measures, where sampling error matters
    long_periods: int       # long runs (satisfaction, promise sweep)

    def settings(self) -> dict[str, Any]:
        return {"quick": self.quick, "seeds": self.seeds, "customers": self.customers,
                "sweep_customers": self.sweep_customers, "big_customers": self.big_customers,
                "long_periods": self.long_periods}


def make_config(quick: bool, n_seeds: int | None) -> Config:
    """Quick: 2 seeds, 10k customers (5k in sweeps); full: 5 seeds, 30k (15k in sweeps)."""
    if quick:
        cfg = Config(True, [1, 2], 10_000, 4_000, 30_000, 104)
    else:
        cfg = Config(False, [1, 2, 3, 4, 5], 30_000, 15_000, 100_000, 156)
    if n_seeds is not None:
        cfg.seeds = list(range(1, n_seeds + 1))
    return cfg


# ------------------------------------------------------------------ scenarios and firms
def load(name: str) -> dict:
    """A shipped scenario (``scenarios/<name>``) as a dictionary with every default filled in."""
    path = SCENARIOS / name
    if not path.exists():
        raise NotMeasurable(f"{path.relative_to(ROOT)} does not exist")
    return marketsim.load_scenario(path).model_dump()


def firm_names(data: dict) -> list[str]:
    return [f["name"] for f in data["firms"]]




def firm(data: dict, name: str) -> dict:
    """The firm's dictionary (edited in place by variants); NotMeasurable if none."""
    try:
        return runs.firm(data, name)
    except KeyError as exc:
        raise NotMeasurable(str(exc).strip('"')) from None


def by_preset(data: dict, preset: str) -> str | None:
    """The first firm started from ``preset``, or None."""
    return next((f["name"] for f in data["firms"] if f.get("preset") == preset), None)




def mean_price(f: dict) -> float:
    return float(np.mean([o["price"] for o in f["offers"].values()]))










# ------------------------------------------------------------------ runs
def run(data: dict, seed: int, *, customers: int | None = None, periods: int | None = None,
        transactions: bool = False, state: bool | None = None):
    """``marketsim.run`` on a scenario dictionary; ``customers`` never above the scenario's own
    size when the scenario is a small teaching market (classroom: 2,000)."""
    return marketsim.run(data, seed=seed, customers=customers, periods=periods,
                         transactions=transactions, state=state)


def model(data: dict, seed: int, *, customers: int | None = None, periods: int | None = None):
    """A :class:`marketsim.MarketModel` (warm-up done) to step by hand."""
    scenario = resolve_scenario(data)
    if customers is not None or periods is not None:
        scenario = scenario.with_overrides(customers=customers, periods=periods)
    return marketsim.MarketModel(scenario, seed)


def current(status: np.ndarray) -> np.ndarray:
    """Pairs that are the firm's customers (first-time or regular; docs/metrics.md)."""
    return (status == layout.FIRST_TIME) | (status == layout.REGULAR)






def classic_models():
    """``tests/classic_models.py``, the project's independent oracles (Bass, Gamma-Gamma)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import classic_models as cm

    return cm


# ------------------------------------------------------------------ statistics
def interval(values) -> dict[str, Any]:
    """Mean and 95% t-interval over seeds of one quantity (NaN seeds dropped)."""
    raw = [float(v) for v in values]
    v = np.array([x for x in raw if math.isfinite(x)])
    n = int(v.size)
    mean = float(v.mean()) if n else float("nan")
    if n >= 2:
        half = float(stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
    else:
        half = float("nan")
    return {"values": raw, "mean": mean, "lo": mean - half, "hi": mean + half, "n": n}


def fmt(q: dict, digits: int = 3, pct: bool = False, k: bool = False) -> str:
    """``mean [lo, hi]`` of an :func:`interval`; ``pct``: as percentages, ``k``: in thousands
    (money). Very large values (a fit run off to infinity) in scientific notation."""
    scale, unit = (100.0, "%") if pct else (1e-3, "k") if k else (1.0, "")
    shown = [scale * x for x in (q["mean"], q["lo"], q["hi"]) if math.isfinite(x)]
    large = bool(shown) and max(abs(x) for x in shown) >= 1e5

    def num(x):
        if not math.isfinite(x):
            return "nan"
        x = scale * x + 0.0  # no "-0.0"
        return (f"{x:.3g}" if large else f"{x:.{digits}f}") + unit

    if not math.isfinite(q["lo"]):
        return num(q["mean"])
    return f"{num(q['mean'])} [{num(q['lo'])}, {num(q['hi'])}]"




# ------------------------------------------------------------------ the row record
@dataclass
class Row:
    """What one row of the validity table measured. ``quantities`` maps a name to an
    :func:`interval`; ``value`` is the measured value as the markdown table shows it."""

    number: int
    key: str
    claim: str
    expected: str
    method: str
    scenario: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    quantities: dict[str, dict] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    value: str = ""
    holds: bool | None = None
    status: str = "measured"
    notes: list[str] = field(default_factory=list)
    runtime_s: float = 0.0

    def q(self, name: str, values) -> dict:
        """Record a quantity measured once per seed and return its interval."""
        self.quantities[name] = interval(values)
        return self.quantities[name]
