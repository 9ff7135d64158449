"""The default period's time over the yardstick's (benchmarks/yardstick.py), interleaved in one process.

This machine is shared and its speed drifts up to 2x within minutes, so absolute timings are
not comparable between runs; the ratio to the simple yardstick model of
/work/shared/PERFORMANCE.md (40 M customer-steps/s at N = 1e6, 2 threads, on the reference
machine) is, roughly: issue #3's target of 10 M customer-periods/s needs a ratio of about 4.
It still moves with the load (about 8-9 when we get both cores, 7.7-8.2 with about one), so
compare changes A/B, alternating processes. Run:
``NUMBA_NUM_THREADS=2 python benchmarks/ratio.py`` from the repository root.
"""
import sys
import time

sys.path.insert(0, ".")
import numpy as np

from benchmarks import yardstick as ys
from marketsim.market.model import MarketModel
from marketsim.scenario.schema import load_scenario

n = 300_000
m = MarketModel(load_scenario("scenarios/default.toml").with_overrides(customers=n, periods=80), seed=1); m.run(2)
rng = np.random.default_rng(1)
args = [np.array([0.5, 0.55, 0.6, 0.65, 0.7]), rng.integers(0, n, n * 8).astype(np.int32), rng.integers(0, 5, n).astype(np.int8), None,
        np.full((n, 5), 0.6, np.float32), np.zeros(n, np.float32), rng.uniform(0, 0.3, n).astype(np.float32)]
args[3] = args[2].copy()
ys.step(np.uint64(1), *args)
tm, ty = [], []
for rep in range(12):
    t = time.perf_counter(); m.step(); tm.append(time.perf_counter() - t)
    t = time.perf_counter(); ys.step(np.uint64(rep + 2), *args); ty.append(time.perf_counter() - t)
tm, ty = np.median(tm) / n * 1e9, np.median(ty) / n * 1e9
print(f"model {tm:.0f} ns/customer, yardstick {ty:.1f} ns/customer, ratio {tm/ty:.1f}; "
      f"predicted on PERFORMANCE.md's machine: {40/(tm/ty):.1f} M customer-periods/s")
