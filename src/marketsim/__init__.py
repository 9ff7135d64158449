"""marketsim: an agent-based market simulator contrasting market share and share of customer.

Firms are Mesa agents; customers are a vectorised population (millions of them) updated by
Numba kernels each period. Start with :func:`run`::

    import marketsim
    result = marketsim.run("scenarios/default.toml", customers=20_000, seed=1)
    print(result.summary())

:func:`resume` finishes a run from its checkpoint; :func:`run_many` runs a scenario over
seeds and gives any measure with its 95% interval.
"""

from __future__ import annotations

from marketsim.errors import MarketsimError, ScenarioError

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
    if name == "__version__":  # importlib.metadata: read when asked (`marketsim --help` is quick)
        from importlib import metadata

        try:
            return metadata.version("marketsim")
        except metadata.PackageNotFoundError:  # a source tree that is not installed
            return "0+unknown"
    # The engine (Numba kernels, Mesa, pandas) loads on first use, so that reading or
    # validating a scenario, and refusing a run too large for memory, stay quick.
    if name in ("Scenario", "load_scenario"):  # pydantic: loaded when a scenario is read
        from marketsim.scenario import schema

        return getattr(schema, name)
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
