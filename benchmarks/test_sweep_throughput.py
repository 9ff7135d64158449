"""The experiment runner: runs per second of a sweep, and the per-run overhead.

Run: ``python -m pytest benchmarks/test_sweep_throughput.py --benchmark-only -s``; the
figures are printed and kept in the benchmark's extra info.

- ``test_sweep_runs_per_second``: 200 runs of the default scenario (10,000 customers x 52
  weeks, plus its 8 warm-up weeks) on local processes with 2 workers, from the start of the
  worker pool to the summary table (figures off).
- ``test_per_run_overhead``: everything a run costs in a sweep worker and the sweep process
  except the period loop (building the market, the metrics table, sending it back, writing
  the run file and the manifest line), after warm-up. Target: under 50 ms.
"""

from __future__ import annotations

import pickle
import statistics
import time

from benchmarks.workloads import DEFAULT
from marketsim.experiments import ProcessExecutor, parse_experiment, run_sweep
from marketsim.experiments.executors import Task, simulate, warm_worker
from marketsim.experiments.store import ResultsStore
from marketsim.scenario.schema import load_scenario, parse_scenario

SWEEP = {
    "experiment": {"name": "benchmark", "scenario": str(DEFAULT), "replications": 10,
                   "seed": 1, "customers": 10_000, "periods": 52},
    "factors": [{"path": "firms.CloseCo.retention.reward_rate", "range": [0.0, 0.1],
                 "levels": 20}],
}


def test_sweep_runs_per_second(benchmark, tmp_path):
    experiment = parse_experiment(SWEEP, source="benchmark")
    assert len(experiment.runs) == 200
    reports = []

    def sweep():
        out = tmp_path / f"sweep{len(reports)}"
        executor = ProcessExecutor(2, warm_scenario=experiment.base)
        reports.append(run_sweep(experiment, out, executor=executor, figures=False))

    benchmark.pedantic(sweep, rounds=1, iterations=1)
    report = reports[-1]
    assert report.done == 200 and report.failed == 0
    benchmark.extra_info["runs_per_s"] = 200 / report.seconds
    benchmark.extra_info["seconds"] = report.seconds
    print(f"\n200 runs of 10k customers x 52 (+8 warm-up) periods on 2 processes: "
          f"{report.seconds:.1f} s, {200 / report.seconds:.2f} runs/s")


def test_per_run_overhead(benchmark, tmp_path):
    data = load_scenario(DEFAULT).with_overrides(customers=10_000, periods=52).model_dump()
    data["market"]["warmup_periods"] = 0  # so that every period is in periods_s
    scenario = parse_scenario(data)
    warm_worker(scenario)
    store = ResultsStore(tmp_path)
    store.create()
    overheads = []

    def one_run():
        seed = len(overheads)
        started = time.perf_counter()
        outcome = simulate(Task(f"run{seed}", scenario, seed), 1)
        outcome = pickle.loads(pickle.dumps(outcome))  # what a worker sends back
        store.write_run(outcome.key, outcome.metrics, {"seed": seed})
        store.log("done", key=outcome.key, timings=outcome.timings)
        overheads.append(time.perf_counter() - started - outcome.timings["periods_s"])

    for _ in range(2):  # warm-up
        one_run()
    overheads.clear()
    benchmark.pedantic(one_run, rounds=20, iterations=1)
    median = statistics.median(overheads)
    benchmark.extra_info["overhead_ms_median"] = 1000 * median
    benchmark.extra_info["overhead_ms_max"] = 1000 * max(overheads)
    print(f"\nper-run overhead (all but the period loop), 10k customers x 52 periods: "
          f"median {1000 * median:.1f} ms, max {1000 * max(overheads):.1f} ms")
    assert median < 0.050
