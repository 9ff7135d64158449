"""The ``marketsim`` command line: run, validate, clean errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from marketsim import load_scenario
from marketsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"

FIGURES = ["share_vs_share_of_customer.png", "market_share.png", "share_of_customer.png",
           "retention.png", "satisfaction.png"]
METRICS_COLUMNS = ["period", "firm", "market_share_units", "market_share_revenue",
                   "market_share_buyers", "share_of_customer", "retention", "revenue", "profit"]
TRANSACTION_COLUMNS = ["period", "customer_id", "firm", "category", "units", "revenue"]


def marketsim_command() -> list[str]:
    """The installed console script next to this Python, else ``python -m marketsim``."""
    script = Path(sys.executable).parent / "marketsim"
    if script.exists():
        return [str(script)]
    found = shutil.which("marketsim")
    return [found] if found else [sys.executable, "-m", "marketsim"]


def run_command(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run([*marketsim_command(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def check_outputs(out: Path, *, transactions: bool, figures: bool) -> pd.DataFrame:
    expected = ["metrics.parquet", "scenario.toml", "run.json"]
    expected += ["transactions.parquet"] if transactions else []
    expected += FIGURES if figures else []
    for name in expected:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    if not transactions:
        assert not (out / "transactions.parquet").exists()
    if not figures:
        assert not list(out.glob("*.png"))
    metrics = pd.read_parquet(out / "metrics.parquet")
    assert set(METRICS_COLUMNS) <= set(metrics.columns)
    return metrics


def test_run_as_a_subprocess_writes_every_output(tmp_path):
    out = tmp_path / "tmp"
    done = run_command(["run", "scenarios/default.toml", "--customers", "2000", "--periods", "5",
                        "--out", str(out), "--transactions"], cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    metrics = check_outputs(out, transactions=True, figures=True)
    assert sorted(metrics["period"].unique()) == [1, 2, 3, 4, 5]
    assert len(metrics) == 5 * len(load_scenario(DEFAULT).firms)

    log = pd.read_parquet(out / "transactions.parquet")
    assert list(log.columns) == TRANSACTION_COLUMNS
    assert log["units"].sum() == metrics["units"].sum()
    assert abs(log["revenue"].sum() - metrics["revenue"].sum()) < 1e-6 * metrics["revenue"].sum()
    by_period = log.groupby("period")["units"].sum()
    assert (by_period.to_numpy() == metrics.groupby("period")["units"].sum().to_numpy()).all()

    resolved = load_scenario(out / "scenario.toml")
    assert (resolved.population.customers, resolved.market.periods) == (2000, 5)
    info = json.loads((out / "run.json").read_text())
    assert (info["seed"], info["customers"], info["periods"]) == (0, 2000, 5)
    assert set(info["versions"]) >= {"marketsim", "numpy", "numba", "mesa", "pandas", "python"}
    assert set(info["timings"]) >= {"setup_s", "periods_s", "total_s", "customer_periods_per_s"}
    assert info["threads"] >= 1 and info["state_bytes_per_customer"] > 0

    # Not a terminal: no progress bar or colour codes, but the summary and paths are printed.
    assert "\x1b[" not in done.stdout
    assert "Share of" in done.stdout and "Retention" in done.stdout
    for firm in metrics["firm"].unique():
        assert firm in done.stdout
    assert str(out / "metrics.parquet") in done.stdout
    assert "customer-periods/s" in done.stdout


def test_run_in_process_and_rerun_from_the_resolved_scenario(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    code = main(["run", str(DEFAULT), "--customers", "3000", "--periods", "4", "--seed", "7",
                 "--threads", "1", "--out", str(first), "--no-figures"])
    assert code == 0
    check_outputs(first, transactions=False, figures=False)
    printed = capsys.readouterr().out
    assert "3,000 customers x 4 weeks" in printed and "seed 7" in printed
    assert "1 thread)" in printed

    # The written scenario.toml and seed reproduce the run exactly.
    assert main(["run", str(first / "scenario.toml"), "--seed", "7", "--out", str(second),
                 "--no-figures"]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(first / "metrics.parquet"),
                                  pd.read_parquet(second / "metrics.parquet"))


def test_default_output_folder_is_runs_scenario_name(tmp_path, monkeypatch, capsys):
    scenario = tmp_path / "my_market.toml"
    shutil.copy(DEFAULT, scenario)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "my_market.toml", "--customers", "2000", "--periods", "2",
                 "--no-figures"]) == 0
    check_outputs(tmp_path / "runs" / "my_market", transactions=False, figures=False)


def test_validate_good_and_bad_files(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT.read_text().replace("[network]", "[netwrk]", 1))
    assert main(["validate", str(DEFAULT)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"OK    {DEFAULT}")

    assert main(["validate", str(DEFAULT), str(bad), str(tmp_path / "missing.toml")]) == 2
    printed = capsys.readouterr().out
    assert f"OK    {DEFAULT}" in printed
    assert f"FAIL  {bad}: invalid scenario" in printed
    assert "netwrk: unknown field (did you mean 'network'?)" in printed
    assert f"FAIL  {tmp_path / 'missing.toml'}: no such scenario file" in printed


@pytest.mark.parametrize("args, expected", [
    (["run", "missing.toml"], "missing.toml: no such scenario file"),
    (["run", str(DEFAULT), "--customers", "0"], "population.customers: must be greater than"),
    (["run", str(DEFAULT), "--periods", "-3"], "market.periods: must be greater than"),
    (["run", str(DEFAULT), "--threads", "0", "--customers", "100"], "threads must be a whole number"),
    (["run", str(DEFAULT), "--seed", "-1", "--customers", "100"], "seed must be between 0"),
    (["run", str(DEFAULT), "--customers", "many"], "invalid int value: 'many'"),
    (["run"], "the following arguments are required: SCENARIO"),
    (["launch"], "invalid choice: 'launch'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_input_exits_2_with_a_clean_message(args, expected, capsys):
    assert main(args) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "Traceback" not in captured.err


def test_bad_scenario_as_a_subprocess_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT.read_text().replace("[[segments]]", "[[segment]]", 1))
    done = run_command(["run", str(bad), "--out", str(tmp_path / "out")], cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(bad) in done.stderr and "segment: unknown field" in done.stderr
    assert not (tmp_path / "out").exists()


def test_python_dash_m_and_version():
    done = subprocess.run([sys.executable, "-m", "marketsim", "--version"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout.startswith("marketsim ")


def test_readme_quick_start_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    install = 'python -m venv .venv && .venv/bin/pip install -e ".[test]" && '
    run_default = install + ".venv/bin/marketsim run scenarios/default.toml --report"
    run_tests = install + ".venv/bin/python -m pytest -q"
    assert f"```bash\n{run_default}\n```" in readme
    assert f"```bash\n{run_tests}\n```" in readme
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in ci
    assert ci[-1] == run_tests
