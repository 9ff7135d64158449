"""The benchmark workloads of issue #3: full periods of the default market at several sizes."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import numba

from marketsim.market.model import MarketModel
from marketsim.scenario.schema import Scenario, load_scenario

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios" / "default.toml"


def default_scenario(customers: int, periods: int) -> Scenario:
    """The default scenario: F=5, C=1, small world with 8 neighbours."""
    return load_scenario(DEFAULT).with_overrides(customers=customers, periods=periods)


def warm_model(customers: int, periods: int, warmup: int = 2, seed: int = 1) -> MarketModel:
    """A model that has already run ``warmup`` periods (kernels compiled, caches warm)."""
    model = MarketModel(default_scenario(customers, periods + warmup), seed=seed)
    model.run(warmup)
    return model


def periods_per_second(model, periods: int) -> float:
    start = time.perf_counter()
    model.run(periods)
    return periods / (time.perf_counter() - start)


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def threads() -> int:
    return numba.get_num_threads()
