"""Throughput of the full period (customer-periods per second), F=5, C=1, 8 neighbours.

Run: ``python -m pytest benchmarks/ --benchmark-only``; the figure to read is
``customer_periods_per_s`` in the extra info.
"""

from __future__ import annotations

import pytest

from benchmarks.workloads import warm_model


@pytest.mark.parametrize("customers", [10_000, 100_000, 1_000_000])
def test_period_throughput(benchmark, customers):
    model = warm_model(customers, periods=40)
    benchmark.pedantic(model.step, rounds=10 if customers >= 1_000_000 else 30, iterations=1)
    benchmark.extra_info["customer_periods_per_s"] = customers / benchmark.stats.stats.mean
