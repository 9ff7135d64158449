"""The dashboard at 10,000 and 100,000 customers: one period, and drawing every figure.

Run: ``python -m pytest benchmarks/test_dashboard_speed.py --benchmark-only``; the figures to
read are ``periods_per_s`` and the mean of ``draw_all`` (``benchmarks/dashboard.py`` prints
the same with the pace while playing; docs/teaching.md has the measured numbers).
"""

from __future__ import annotations

import pytest

from benchmarks.dashboard import build

_MARKETS: dict[int, object] = {}


def _market(customers: int):
    if customers not in _MARKETS:
        market = build(customers)
        market.step()
        _MARKETS[customers] = market
    return _MARKETS[customers]


@pytest.mark.parametrize("customers", [10_000, 100_000])
def test_dashboard_period(benchmark, customers):
    market = _market(customers)
    benchmark.pedantic(market.step, rounds=20, iterations=1)
    benchmark.extra_info["periods_per_s"] = 1.0 / benchmark.stats.stats.mean


@pytest.mark.parametrize("customers", [10_000, 100_000])
def test_dashboard_draw_all(benchmark, customers):
    from marketsim.dashboard import plots

    market = _market(customers)
    images = benchmark.pedantic(plots.draw_all, args=(market,), rounds=5, iterations=1)
    assert len(images) >= 6
