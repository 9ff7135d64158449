"""Print the figures of issue #3 in one go (not part of the test suite).

    python benchmarks/measure.py [--customers 1000000] [--big 10000000] [--periods 10]

Throughput at N = --customers, a complete default run at N = --big with peak memory, the speed-up
over the reference implementation at N = 1e4, state bytes per customer, and the start-up time of
a second process (Numba cache).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workloads import default_scenario, periods_per_second, threads, warm_model


def throughput(customers, periods):
    model = warm_model(customers, periods)
    rate = periods_per_second(model, periods)
    return {"customers": customers, "periods": periods, "threads": threads(),
            "period_ms": 1000 / rate, "customer_periods_per_s": customers * rate}


def big_run(customers, periods):
    code = f"""
import json, time, resource
from benchmarks.workloads import default_scenario
from marketsim.market.model import MarketModel
t0 = time.perf_counter()
model = MarketModel(default_scenario({customers}, {periods}), seed=1)
t1 = time.perf_counter()
model.run()
t2 = time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"customers": {customers}, "periods": {periods}, "setup_s": t1 - t0,
                   "run_s": t2 - t1, "state_bytes_per_customer": model.state_bytes() / {customers},
                   "peak_rss_bytes_per_customer": rss / {customers}}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def reference_speedup(periods=3):
    from marketsim.reference.model import ReferenceMarket

    scenario = default_scenario(10_000, periods + 1)
    slow = ReferenceMarket(scenario, seed=1)
    slow.step()
    start = time.perf_counter()
    for _ in range(periods):
        slow.step()
    reference = (time.perf_counter() - start) / periods
    fast = 1000 / throughput(10_000, 20)["period_ms"]
    return {"reference_period_s": reference, "engine_period_s": 1 / fast, "speedup": reference * fast}


def second_process_start():
    code = ("import time; t=time.perf_counter(); from benchmarks.workloads import default_scenario;"
            "from marketsim.market.model import MarketModel;"
            "m=MarketModel(default_scenario(1000, 2), seed=1);"
            "m.run(); print(time.perf_counter()-t)")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, capture_output=True)
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=root, capture_output=True, text=True)
    return {"second_process_import_build_run_s": float(out.stdout.strip())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--big-periods", type=int, default=52)
    args = parser.parse_args()
    results = {"throughput": throughput(args.customers, args.periods),
               "second_process": second_process_start()}
    try:
        results["reference"] = reference_speedup()
    except ImportError:
        results["reference"] = "reference implementation not available"
    if args.big:
        results["big_run"] = big_run(args.big, args.big_periods)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
