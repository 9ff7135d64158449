"""Sweeps: same numbers on every executor, resume after a real kill, failures recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pandas as pd
import pytest

from marketsim.experiments import (
    DaskExecutor,
    ProcessExecutor,
    SerialExecutor,
    load_experiment,
    run_sweep,
)
from marketsim.experiments.analysis import compare, main_effects, sensitivity
from marketsim.experiments.store import ResultsStore, count_events
from marketsim.market.strategies import Strategy, register_strategy
from tests.test_cli import marketsim_command
from tests.test_experiments import HEADER, write_experiment

GRID = HEADER + """
[[factors]]
path = "firms.firm0.retention.reward_rate"
values = [0.0, 0.08]

[[paired]]
firms = ["firm1", "firm2"]
path = "offers.cat0.price"
values = [9.0, 11.0]

[[outputs]]
metric = "market_share_revenue"
window = 4

[[outputs]]
metric = "profit"
window = "all"
statistic = "sum"
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    """The small experiment (8 points x 2 replications of 1,500 customers x 8 periods) and
    its results from an uninterrupted serial sweep."""
    folder = tmp_path_factory.mktemp("grid")
    experiment = load_experiment(write_experiment(folder, GRID))
    report = run_sweep(experiment, folder / "serial", executor=SerialExecutor(), figures=False)
    return experiment, report


def test_serial_sweep_writes_runs_manifest_results_and_summary(grid):
    experiment, report = grid
    assert (report.runs, report.done, report.failed, report.skipped) == (16, 16, 0, 0)
    store = ResultsStore(report.out)
    assert store.finished_keys() == {spec.key for spec in experiment.runs}
    assert set(count_events(store.manifest(), "done").values()) == {1}
    results = pd.read_parquet(report.out / "results.parquet")
    pd.testing.assert_frame_equal(results, report.results)
    assert len(results) == 16 * 3 * 2  # runs x firms x outputs
    assert set(results["output"]) == {"market_share_revenue", "profit"}
    summary = pd.read_csv(report.out / "summary.csv")
    assert len(summary) == 8 * 3 * 2 and (summary["n"] == 2).all()
    assert (summary["ci_low"] <= summary["mean"]).all() and (summary["mean"] <= summary["ci_high"]).all()
    # A run file is the run's metrics table: the output is its statistic over the window.
    spec = experiment.runs[3]
    metrics = store.read_run(spec.key)
    firm0 = metrics[(metrics["firm"] == "firm0") & (metrics["period"] > 4)]
    kept = results[(results["key"] == spec.key) & (results["firm"] == "firm0")]
    assert kept.set_index("output")["value"]["market_share_revenue"] == pytest.approx(
        firm0["market_share_revenue"].mean(), rel=1e-12)
    # A run is the pure function of its scenario and seed that marketsim.run is.
    from marketsim import run

    direct = run(spec.scenario, seed=spec.seed).metrics
    pd.testing.assert_frame_equal(metrics, direct)


def test_processes_and_dask_give_the_serial_results(grid, tmp_path):
    experiment, serial = grid
    on_processes = run_sweep(experiment, tmp_path / "processes", figures=False,
                             executor=ProcessExecutor(2, warm_scenario=experiment.base))
    on_dask = run_sweep(experiment, tmp_path / "dask", figures=False,
                        executor=DaskExecutor(local_workers=2, processes=False))
    pd.testing.assert_frame_equal(on_processes.results, serial.results)
    pd.testing.assert_frame_equal(on_dask.results, serial.results)
    pd.testing.assert_frame_equal(on_dask.summary, serial.summary)
    workers = {r.get("worker") for r in ResultsStore(tmp_path / "processes").manifest()
               if r["event"] == "done"}
    assert workers and not any(w.endswith(f":{os.getpid()}") for w in workers)  # not here


def test_killed_sweep_resumes_without_running_anything_twice(grid, tmp_path):
    experiment, uninterrupted = grid
    out = tmp_path / "killed"
    command = [*marketsim_command(), "sweep", experiment.source, "--executor", "serial",
               "--out", str(out), "--no-figures"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    runs = out / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 3:
            break
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGKILL)  # a real kill: no cleanup, no handler
    process.wait()
    assert process.returncode == -signal.SIGKILL
    store = ResultsStore(out)
    before = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert 3 <= len(before) < 16, "the kill must land partway through the sweep"
    assert not (out / "results.parquet").exists()

    done = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{len(before)} already finished" in done.stdout
    after = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.parquet")}
    assert len(after) == 16
    assert all(after[name] == mtime for name, mtime in before.items())  # not rewritten
    executions = count_events(store.manifest(), "done")
    recovered = count_events(store.manifest(), "recovered")
    assert max(executions.values()) == 1  # no run executed twice
    assert set(executions) | set(recovered) == {spec.key for spec in experiment.runs}
    assert sum(executions.values()) + len(recovered) == 16
    resumed = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(resumed, uninterrupted.results)
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"),
                                  pd.read_csv(uninterrupted.out / "summary.csv"))


def test_a_second_sweep_into_the_same_folder_needs_resume(grid):
    experiment, report = grid
    from marketsim.errors import RunOptionError

    with pytest.raises(RunOptionError, match="already holds a sweep .*16 finished runs.*--resume"):
        run_sweep(experiment, report.out, executor=SerialExecutor())
    again = run_sweep(experiment, report.out, executor=SerialExecutor(), resume=True,
                      figures=False)
    assert (again.done, again.skipped) == (0, 16)
    pd.testing.assert_frame_equal(again.results, report.results)
    # Two sweeps at once in one folder: the second is refused.
    lock = ResultsStore(report.out).lock()
    try:
        with pytest.raises(RunOptionError, match="another sweep is running in this folder"):
            run_sweep(experiment, report.out, executor=SerialExecutor(), resume=True)
    finally:
        lock.close()


@register_strategy("test_exploding")
class Exploding(Strategy):
    """Fails in period 3 (a run that breaks at run time, after validation)."""

    def decide(self, firm, model):
        if model.period == 3:
            raise RuntimeError("boom in period 3")


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[[factors]]
path = "firms.firm0.strategy"
values = ["static", "test_exploding", "adaptive_price"]
""")
    experiment = load_experiment(path)
    report = run_sweep(experiment, tmp_path / "out", executor=SerialExecutor())
    assert (report.done, report.failed) == (4, 2)
    assert set(report.errors.values()) == {"RuntimeError: boom in period 3"}
    store = ResultsStore(report.out)
    failures = store.failures()
    assert len(failures) == 2
    assert {f["point"] for f in failures.values()} == {1}
    assert all("boom in period 3" in f["details"] for f in failures.values())
    assert set(report.results["point"]) == {0, 2}
    assert set(report.summary["point"]) == {0, 2}
    assert list(report.out.glob("*.png"))  # figures drawn from the runs that finished
    # Resume tries the failed runs again (they fail again), and nothing else.
    again = run_sweep(experiment, report.out, executor=SerialExecutor(), resume=True,
                      figures=False)
    assert (again.done, again.failed, again.skipped) == (0, 2, 4)


def test_cli_sweep_dry_run_and_failures_exit_status(tmp_path):
    path = write_experiment(tmp_path, HEADER + """
[[factors]]
path = "firms.firm0.retention.reward_rate"
values = [0.0, 0.05, 0.1]
""")
    from marketsim.cli import main

    assert main(["sweep", str(path), "--dry-run", "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out").exists()  # nothing run, nothing written
    assert main(["sweep", str(path), "--executor", "serial", "--scheduler", "tcp://x:1"]) == 2
    bad = write_experiment(tmp_path, HEADER + """
[[factors]]
path = "firms.firm0.retention.reward_rte"
values = [0.0]
""", name="bad.toml")
    result = subprocess.run([*marketsim_command(), "sweep", str(bad), "--dry-run"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "bad.toml: line 9: factors[0].path" in result.stderr
    assert "did you mean 'firms.firm0.retention.reward_rate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_analysis_compares_points_paired_by_replication(grid):
    _, report = grid
    results = report.results
    table = compare(results, "market_share_revenue", "firm0", baseline=0)
    assert len(table) == 8
    baseline = table.set_index("point").loc[0]
    assert baseline["difference"] == 0.0
    data = results[(results["output"] == "market_share_revenue") & (results["firm"] == "firm0")]
    by = data.pivot_table(index="replication", columns="point", values="value")
    assert table.set_index("point").loc[4, "difference"] == pytest.approx((by[4] - by[0]).mean())
    effects = main_effects(results, "profit", "firm0")
    assert set(effects["factor"]) == {"firms.firm0.retention.reward_rate",
                                      "firms.firm1.offers.cat0.price",
                                      "firms.firm2.offers.cat0.price"}
    assert (effects["n"] == 8).all()  # each level averages 4 points x 2 replications
    swings = sensitivity(results, "profit", "firm0")
    assert list(swings["swing"]) == sorted(swings["swing"], reverse=True)


def test_sweep_figures_are_written(grid, tmp_path):
    from marketsim.experiments.analysis import save_sweep_figures

    _, report = grid
    written = save_sweep_figures(report.results, tmp_path, "firm0")
    names = {p.name for p in written}
    for output in ("market_share_revenue", "profit"):
        for kind in ("main_effects", "tornado", "interaction", "points"):
            assert f"{kind}_{output}.png" in names
    assert all(p.stat().st_size > 10_000 for p in written)
