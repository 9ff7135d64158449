"""The soak run of issue #21: a million customers for a thousand periods, watching memory
and speed for drift (not part of the test suite).

    python benchmarks/soak.py [--customers 1000000] [--periods 1000] [--scenario FILE]
                              [--every 50] [--out benchmarks/results/soak.json]

Builds the market (warm-up included), then steps it period by period, sampling the process's
resident memory (``/proc/self/statm``) and the time of the last ``--every`` periods. It reports
memory after the build, after the first block and at the end, the slope of memory over the
run (bytes per period, least squares over the samples), the period time of the first and last
blocks, and whether every period's metrics stayed finite (the engine stops a run at the first
NaN or infinity: ``marketsim.market.checks``). Drift is memory that keeps growing after the
first block, or periods that keep slowing down. The transaction log is off (it grows by
design).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]


def resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def soak(scenario_path: Path, customers: int, periods: int, every: int) -> dict:
    import numba

    import marketsim
    from marketsim.market.model import MarketModel

    scenario = marketsim.load_scenario(scenario_path).with_overrides(customers=customers,
                                                                     periods=periods)
    before = resident_bytes()
    started = time.perf_counter()
    model = MarketModel(scenario, seed=1)
    built_s = time.perf_counter() - started
    samples = [{"period": 0, "rss": resident_bytes(), "block_s": 0.0}]
    clock = time.perf_counter()
    while model.period < periods:
        model.step()
        if model.period % every == 0 or model.period == periods:
            now = time.perf_counter()
            samples.append({"period": model.period, "rss": resident_bytes(),
                            "block_s": now - clock})
            clock = now
            print(f"period {model.period:>5}: {samples[-1]['rss'] / 2**20:8.0f} MiB, "
                  f"{1000 * samples[-1]['block_s'] / every:7.1f} ms/period", flush=True)
    metrics = model.metrics()
    numeric = metrics.select_dtypes("number").to_numpy()
    later = [s for s in samples if s["period"] >= every]
    period = np.array([s["period"] for s in later], float)
    rss = np.array([s["rss"] for s in later], float)
    slope = float(np.polyfit(period, rss, 1)[0]) if len(later) > 2 else float("nan")
    block_ms = [1000 * s["block_s"] / every for s in samples[1:]]
    return {
        "scenario": str(scenario_path.relative_to(ROOT)) if scenario_path.is_relative_to(ROOT)
        else str(scenario_path),
        "customers": customers, "periods": periods, "warmup_periods":
        scenario.market.warmup_periods, "threads": numba.get_num_threads(),
        "rss_before_mib": before / 2**20, "rss_built_mib": samples[0]["rss"] / 2**20,
        "rss_first_block_mib": later[0]["rss"] / 2**20, "rss_end_mib": samples[-1]["rss"] / 2**20,
        "rss_slope_bytes_per_period": slope,
        "state_bytes_per_customer": model.state_bytes() / customers,
        "build_s": built_s, "first_block_ms_per_period": block_ms[0],
        "last_block_ms_per_period": block_ms[-1],
        "median_ms_per_period": float(np.median(block_ms)),
        "metrics_finite": bool(np.isfinite(numeric[~np.isnan(numeric)]).all()),
        "samples": samples,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=1000)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "default.toml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "soak.json")
    args = parser.parse_args(argv)
    result = soak(args.scenario.resolve(), args.customers, args.periods, args.every)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "samples"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
