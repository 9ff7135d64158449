"""Checkpoint and resume of one long run (issue #21).

A run killed with ``kill -9`` after a checkpoint and finished with ``marketsim resume`` writes
the same bytes as the run never interrupted: every table, the final state and the resolved
scenario (``run.json`` differs only in its timings). The adaptive strategies of
``relationship_strategies.toml`` carry memory across periods, so a checkpoint that forgot a
strategy's memory, the Mesa generators or the metrics so far would fail these comparisons.
A checkpoint not signed by this user's key, a damaged one or none at all is refused with one
clear message.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import marketsim
from marketsim.cli import main
from marketsim.outputs.checkpoint import (
    CHECKPOINT_FILE,
    CheckpointError,
    load_checkpoint,
    read_header,
)

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "relationship_strategies.toml"
#: Compared byte for byte between the interrupted and the uninterrupted run.
COMPARED = ["metrics.parquet", "transactions.parquet", "segments.parquet", "state.npz",
            "levers.parquet", "scenario.toml"]


@pytest.fixture(autouse=True)
def _own_key(tmp_path, monkeypatch):
    """Each test signs with its own key file (never the user's real one)."""
    monkeypatch.setenv("MARKETSIM_CHECKPOINT_KEY", str(tmp_path / "checkpoint.key"))


def _small(**overrides):
    scenario = marketsim.load_scenario(SCENARIO).with_overrides(customers=2_000, periods=30)
    return scenario.model_copy(update={"market": scenario.market.model_copy(
        update={"warmup_periods": 8, **overrides})})


def test_resume_in_process_is_identical(tmp_path):
    scenario = _small()
    whole = marketsim.run(scenario, seed=3, transactions=True)
    checkpointed = marketsim.run(scenario, seed=3, transactions=True, checkpoint=tmp_path,
                                 checkpoint_every=7)
    assert read_header(tmp_path)["period"] == 28  # the last multiple of 7 before 30
    resumed = marketsim.resume(tmp_path, threads=1)
    for result in (checkpointed, resumed):
        assert result.metrics.equals(whole.metrics)
        assert result.transactions.equals(whole.transactions)
        assert result.segment_retention.equals(whole.segment_retention)
        for name, values in whole.state.items():
            assert (result.state[name] == values).all(), name
    assert resumed.levers.equals(whole.levers)


def test_the_checkpoint_holds_the_run_mid_way(tmp_path):
    scenario = _small()
    marketsim.run(scenario, seed=1, checkpoint=tmp_path, checkpoint_every=10)
    job = load_checkpoint(tmp_path)
    assert job.period == 20 and job.seed == 1
    assert job.model.metrics().shape[0] == 20 * len(scenario.firms)  # the metrics so far


def _kill_after_first_checkpoint(command, out: Path, env) -> int:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while not (out / CHECKPOINT_FILE).exists():
        assert process.poll() is None, f"the run ended before a checkpoint: {process.stderr.read()}"
        assert time.monotonic() < deadline, "no checkpoint within 240 s"
        time.sleep(0.005)
    assert process.poll() is None, "the run finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / "run.json").exists()  # nothing finished was written
    return read_header(out)["period"]


def test_kill_9_then_resume_writes_the_same_bytes(tmp_path):
    env = {**os.environ, "MARKETSIM_CHECKPOINT_KEY": str(tmp_path / "checkpoint.key")}
    run = [sys.executable, "-m", "marketsim", "run", str(SCENARIO), "--customers", "3000",
           "--periods", "250", "--seed", "4", "--transactions", "--no-figures",
           "--set", "market.warmup_periods=8"]
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    done = subprocess.run([*run, "--out", str(whole)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    period = _kill_after_first_checkpoint([*run, "--out", str(killed), "--checkpoint-every", "5"],
                                          killed, env)
    assert 5 <= period < 250
    resumed = subprocess.run([sys.executable, "-m", "marketsim", "resume", str(killed),
                              "--threads", "1"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming" in resumed.stdout and f"{period} of 250" in resumed.stdout
    for name in COMPARED:
        assert (killed / name).read_bytes() == (whole / name).read_bytes(), name
    assert not (killed / CHECKPOINT_FILE).exists()  # the finished run no longer needs it
    info = json.loads((killed / "run.json").read_text())
    assert info["seed"] == 4


def test_a_checkpoint_from_someone_else_is_refused(tmp_path, monkeypatch, capsys):
    marketsim.run(_small(), seed=2, checkpoint=tmp_path / "run", checkpoint_every=10)
    monkeypatch.setenv("MARKETSIM_CHECKPOINT_KEY", str(tmp_path / "another.key"))
    with pytest.raises(CheckpointError, match="not written by you"):
        load_checkpoint(tmp_path / "run")
    assert main(["resume", str(tmp_path / "run"), "--no-such"]) == 2
    capsys.readouterr()
    assert main(["resume", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "not written by you" in err and "--allow-code" in err and "Traceback" not in err
    assert load_checkpoint(tmp_path / "run", trust=True).period == 20


@pytest.mark.parametrize("damage", ["truncate", "flip", "header", "magic"])
def test_a_damaged_checkpoint_is_one_clear_message(tmp_path, capsys, damage):
    marketsim.run(_small(), seed=2, checkpoint=tmp_path, checkpoint_every=10)
    path = tmp_path / CHECKPOINT_FILE
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[-100] ^= 0xFF
    elif damage == "header":
        data = data.replace(b'"format": 1', b'"format": 9', 1)
    else:
        data[0:9] = b"NOT-A-CHK"
    path.write_bytes(bytes(data))
    assert main(["resume", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err
    assert {"truncate": "damaged", "flip": "damaged", "header": "format 9",
            "magic": "not a marketsim checkpoint"}[damage] in err


def test_no_checkpoint_and_bad_options(tmp_path, capsys):
    assert main(["resume", str(tmp_path)]) == 2
    assert "no checkpoint here" in capsys.readouterr().err
    assert main(["run", str(SCENARIO), "--customers", "500", "--periods", "3",
                 "--checkpoint-every", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--checkpoint-every must be at least 1" in capsys.readouterr().err
    with pytest.raises(marketsim.errors.RunOptionError, match="needs checkpoint="):
        marketsim.run(_small(), checkpoint_every=5)
