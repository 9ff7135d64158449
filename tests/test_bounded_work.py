"""Work is bounded before it starts (issue #21): a run's memory is estimated from its scenario
before anything is allocated, and a run (or a sweep's runs at once) that cannot fit stops at
once with the estimate and the limit; ``--customers 200000000`` is refused in well under a
second."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from marketsim import run
from marketsim.cli import main
from marketsim.errors import MarketsimError, MemoryLimitError
from marketsim.market import memory
from marketsim.market.memory import (
    available_memory,
    bytes_per_customer,
    check_memory,
    estimate_memory,
    parse_size,
)
from tests.helpers import market_dict, scenario

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"


def test_estimate_matches_the_arrays_a_run_allocates():
    from marketsim.market.model import MarketModel

    s = scenario(customers=3000, periods=2, n_firms=4, categories=2)
    model = MarketModel(s, seed=1)
    estimate = estimate_memory(s)
    held = model.population.nbytes() + model.network.nbytes()
    assert estimate.population + estimate.network == held  # exact for a small-world network
    assert estimate.population == 3000 * (bytes_per_customer(4, 2, 0) - 8)


def test_estimate_constants_follow_the_engine():
    from marketsim.kernels.buying_centre import N_ROLES
    from marketsim.measures.metrics import COLUMNS, RAW
    from marketsim.measures.relationship_measures import SNAPSHOT_FIELDS

    assert memory.RAW_SUMS == len(RAW)
    assert memory.METRIC_COLUMNS >= len(COLUMNS)
    assert memory.N_ROLES == N_ROLES
    assert len(SNAPSHOT_FIELDS) == 10  # segment + nine per-pair arrays (28 bytes a pair)


def test_transaction_log_estimate_is_an_upper_bound():
    s = scenario(customers=2000, periods=6)
    result = run(s, seed=3, transactions=True)
    rows = memory.log_rows(s)
    assert len(result.transactions) <= rows <= 3 * len(result.transactions)
    assert estimate_memory(s, transactions=True).transactions == (
        memory.LOG_ROW_BYTES * memory.LOG_COPIES * rows)
    assert estimate_memory(s, state=True).snapshot > 0
    assert estimate_memory(s).transactions == estimate_memory(s).snapshot == 0


def test_business_segments_add_their_buying_centres():
    data = market_dict(customers=1000)
    data["segments"][1].update(kind="business", buying_centre={})
    s = scenario(data)
    assert estimate_memory(s).buying_centres == 500 * (8 + 4 * 3 * memory.N_ROLES)


def test_scale_free_network_counts_its_edge_list():
    data = market_dict(customers=1000)
    data["network"] = {"kind": "scale_free", "degree": 8}
    from marketsim.market.network import build_network

    s = scenario(data)
    built = build_network(s.network, 1000, 1).nbytes()
    assert built <= estimate_memory(s).network <= 3 * built


@pytest.mark.parametrize("text, size", [("8G", 8 * 2**30), ("512M", 512 * 2**20),
                                        ("1.5 GB", int(1.5 * 2**30)), ("2GiB", 2 * 2**30),
                                        ("123456", 123456), ("4k", 4096)])
def test_memory_limit_setting(text, size):
    assert parse_size(text) == size


def test_bad_memory_limit_setting_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", "lots")
    with pytest.raises(MarketsimError, match="MARKETSIM_MEMORY_LIMIT='lots'"):
        available_memory()


def test_available_memory_is_known_here(monkeypatch):
    monkeypatch.delenv("MARKETSIM_MEMORY_LIMIT", raising=False)
    size, source = available_memory()
    assert size is not None and size > 0, source
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", "3G")
    assert available_memory() == (3 * 2**30, "the limit set by MARKETSIM_MEMORY_LIMIT=3G")


def test_api_refuses_before_allocating(monkeypatch):
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", "64M")
    started = time.perf_counter()
    with pytest.raises(MemoryLimitError) as caught:
        run(DEFAULT, customers=2_000_000, periods=3)
    assert time.perf_counter() - started < 1.0
    error = caught.value
    assert error.needed > error.available == 64 * 2**20
    message = str(error)
    assert "2,000,000 customers" in message and "64.0 MiB" in message
    assert "MARKETSIM_MEMORY_LIMIT=64M" in message and "population" in message
    run(DEFAULT, customers=2000, periods=1)  # a small run still fits


def test_transaction_log_counts_in_the_estimate(monkeypatch):
    s = scenario(customers=200_000, periods=52)
    plain = estimate_memory(s).total
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", str(plain + 2**20))
    check_memory(s)
    with pytest.raises(MemoryLimitError, match="transaction log"):
        check_memory(s, transactions=True, state=True)


def test_market_model_refuses_too(monkeypatch):
    from marketsim.market.model import MarketModel

    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", "1M")
    with pytest.raises(MemoryLimitError):
        MarketModel(scenario(customers=100_000, periods=2), seed=0)


def test_cli_refuses_200_million_customers_in_well_under_a_second(tmp_path):
    """The whole command, a fresh Python process included; the 60 GB the run would need are
    more than the 8 GiB limit set here (set so the test behaves alike on any machine)."""
    out = tmp_path / "big"
    command = [sys.executable, "-m", "marketsim", "run", str(DEFAULT), "--customers",
               "200000000", "--out", str(out)]
    env = {**os.environ, "MARKETSIM_MEMORY_LIMIT": "8G"}
    started = time.perf_counter()
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60,
                            env=env)
    seconds = time.perf_counter() - started
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "not enough memory" in result.stderr and "200,000,000 customers" in result.stderr
    assert "GiB" in result.stderr and "8.0 GiB" in result.stderr
    assert not out.exists()
    assert seconds < 3.0  # about 0.4 s on an idle machine; slack for a loaded CI runner


def test_cli_refusal_is_exit_2_in_process(monkeypatch, capsys):
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", "100M")
    started = time.perf_counter()
    status = main(["run", str(DEFAULT), "--customers", "200000000"])
    assert time.perf_counter() - started < 0.5
    assert status == 2
    assert "not enough memory" in capsys.readouterr().err


def test_sweep_counts_its_workers(monkeypatch, tmp_path):
    from marketsim.experiments.design import parse_experiment
    from marketsim.experiments.executors import ProcessExecutor, SerialExecutor
    from marketsim.experiments.sweep import run_sweep

    experiment = parse_experiment({
        "experiment": {"name": "big", "scenario": str(DEFAULT), "customers": 1_000_000,
                       "periods": 2, "replications": 8},
        "factors": [{"path": "firms.MassMart.service", "values": [0.5]}],
        "outputs": [{"metric": "profit"}],
    }, source="big.toml")
    one_run = estimate_memory(experiment.scenarios[0]).total
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", str(int(one_run * 1.5)))
    with pytest.raises(MemoryLimitError, match="4 runs at once") as caught:
        run_sweep(experiment, tmp_path / "sweep", executor=ProcessExecutor(workers=4))
    assert "--workers" in str(caught.value)
    assert not (tmp_path / "sweep").exists()  # refused before anything was written
    monkeypatch.setenv("MARKETSIM_MEMORY_LIMIT", str(int(one_run * 0.5)))
    with pytest.raises(MemoryLimitError, match="this run"):
        run_sweep(experiment, tmp_path / "sweep", executor=SerialExecutor())
