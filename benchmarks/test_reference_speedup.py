"""Engine versus reference implementation at N = 1e4, same scenario, same machine."""

from __future__ import annotations

import time

import pytest

from benchmarks.workloads import default_scenario, warm_model

reference = pytest.importorskip("marketsim.reference.model")


def test_engine_vs_reference_speedup(benchmark):
    scenario = default_scenario(10_000, 6)
    slow = reference.ReferenceMarket(scenario, seed=1)
    slow.step()
    start = time.perf_counter()
    for _ in range(3):
        slow.step()
    reference_period = (time.perf_counter() - start) / 3
    model = warm_model(10_000, periods=40)
    benchmark.pedantic(model.step, rounds=30, iterations=1)
    speedup = reference_period / benchmark.stats.stats.mean
    benchmark.extra_info["reference_period_s"] = reference_period
    benchmark.extra_info["speedup"] = speedup
    assert speedup > 1
