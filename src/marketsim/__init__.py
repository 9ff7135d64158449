"""marketsim: an agent-based market simulator contrasting market share and share of customer.

Firms are Mesa agents; customers are a vectorised population (millions of them) updated by
Numba kernels each period. Start with :func:`run`::

    import marketsim
    result = marketsim.run("scenarios/default.toml", customers=20_000, seed=1)
    print(result.summary())

:func:`resume` finishes a run from its checkpoint; :func:`run_many` runs a scenario over seeds and gives any measure with its 95% interval.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from marketsim.errors import MarketsimError, ScenarioError
from marketsim.scenario.schema import Scenario, load_scenario

try:
    __version__ = _metadata.version("marketsim")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "MarketModel",
    "MarketsimError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "__version__",
    "load_run",
    "load_scenario",
    "resume",
    "run",
    "run_many",
]


def __getattr__(name: str):
    # The engine (Numba kernels, Mesa, pandas) loads on first use, so that reading or
    # validating a scenario, and refusing a run too large for memory, stay quick.
    if name in ("run", "resume", "RunResult"):
        from marketsim import api

        return getattr(api, name)
    if name == "MarketModel":
        from marketsim.market.model import MarketModel

        return MarketModel
    if name == "run_many":  # replications over seeds, with intervals (experiments room)
        from marketsim.experiments.many import run_many

        return run_many
    if name == "load_run":  # reads Parquet and draws figures: loaded when asked for
        from marketsim.outputs.run_folder import load_run

        return load_run
    raise AttributeError(f"module 'marketsim' has no attribute {name!r}")
