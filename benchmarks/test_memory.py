"""Model state per customer (F=5, C=1, 8 neighbours), from the arrays actually allocated."""

from __future__ import annotations

from benchmarks.workloads import default_scenario
from marketsim.market.model import MarketModel
from marketsim.market.population import bytes_per_customer


def test_state_bytes_per_customer(benchmark):
    customers = 200_000
    model = benchmark.pedantic(lambda: MarketModel(default_scenario(customers, 1), seed=1),
                               rounds=1, iterations=1)
    per_customer = model.state_bytes() / customers
    benchmark.extra_info["state_bytes_per_customer"] = per_customer
    assert abs(per_customer - bytes_per_customer(5, 1, 8)) < 1
