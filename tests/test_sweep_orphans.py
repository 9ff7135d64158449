"""Killing a sweep leaves no orphaned workers (issue #21): after ``kill -9`` of the sweep
process, its worker processes (and multiprocessing's resource tracker) are gone within
seconds, whether they were still starting or in the middle of runs; a ``--resume`` then
finishes the sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = f"""
[experiment]
name = "orphans"
scenario = "{ROOT / 'scenarios' / 'default.toml'}"
customers = 10000
periods = 30
replications = 3
seed = 5

[[factors]]
path = "firms.MassMart.service"
values = [0.3, 0.4, 0.5, 0.6]

[[outputs]]
metric = "profit"
"""


def _children(pid: int) -> list:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(processes: list) -> list:
    alive = []
    for process in processes:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def _done(out: Path) -> int:
    manifest = out / "manifest.jsonl"
    if not manifest.exists():
        return 0
    return sum(1 for line in manifest.read_text().splitlines()
               if line.strip().endswith("}") and json.loads(line).get("event") == "done")


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("moment", ["starting", "running"])
def test_kill_9_of_a_sweep_leaves_no_workers(tmp_path, moment):
    path = tmp_path / "orphans.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "marketsim", "sweep", str(path), "--out", str(out),
               "--workers", "2", "--no-figures"]
    sweep = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "COLUMNS": "120"})
    workers = []
    try:
        assert _wait(lambda: len(_children(sweep.pid)) >= 3, 60), "the workers never started"
        if moment == "running":
            assert _wait(lambda: _done(out) >= 1, 120), "no run finished"
        workers = _children(sweep.pid)
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(timeout=30)
    assert len(workers) >= 3  # two workers and the resource tracker
    started = time.monotonic()
    gone = _wait(lambda: not _alive(workers), 10)
    left = _alive(workers)
    for process in left:  # never leave them behind, even when the test fails
        process.kill()
    assert gone, f"still alive after 10 s: {[p.pid for p in left]}"
    assert time.monotonic() - started < 10
    resumed = subprocess.run([*command, "--resume"], check=False, capture_output=True, text=True,
                             timeout=300, env={**os.environ, "COLUMNS": "120"})
    assert resumed.returncode == 0, resumed.stderr
    assert _done(out) >= 12 and (out / "results.parquet").is_file()
