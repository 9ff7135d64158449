"""Where a period's time goes: each phase kernel timed on its own (not part of the test suite).

    NUMBA_NUM_THREADS=2 python benchmarks/phases.py [--customers 1000000] [--periods 20]

Runs the default scenario with one kernel per phase (``MarketModel(..., fused=False)``, the
same results as the fused period) and times every phase kernel, then the fused period for
comparison. Awareness and expectations each gather neighbours' reports in the phased run; the
fused period gathers them once, so the phase times add up to a little more than the fused one.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workloads import default_scenario
from marketsim.market import model as market

PHASES = ("update_awareness", "purchase", "deliver", "update_satisfaction",
          "update_expectations", "update_ties", "decide_defection", "form_reports", "book",
          "measure")


def _timed(kernel, name, spent):
    def run(*args):
        start = time.perf_counter()
        result = kernel(*args)
        spent[name] += time.perf_counter() - start
        return result
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=20)
    args = parser.parse_args()
    n, periods = args.customers, args.periods
    spent: collections.Counter = collections.Counter()
    for name in PHASES:
        setattr(market, name, _timed(getattr(market, name), name, spent))
    scenario = default_scenario(n, periods + 3)
    phased = market.MarketModel(scenario, seed=1, fused=False)
    phased.run(3)  # compile and settle
    spent.clear()
    start = time.perf_counter()
    for _ in range(periods):
        phased.step()
    total = time.perf_counter() - start
    print(f"phased period: {total / periods / n * 1e9:.0f} ns per customer ({n:,} customers)")
    for name, seconds in spent.most_common():
        print(f"  {name:22s} {seconds / periods / n * 1e9:6.1f} ns  {100 * seconds / total:5.1f}%")
    fused = market.MarketModel(scenario, seed=1)
    fused.run(3)
    start = time.perf_counter()
    for _ in range(periods):
        fused.step()
    print(f"fused period:  {(time.perf_counter() - start) / periods / n * 1e9:.0f} ns per customer")


if __name__ == "__main__":
    main()
