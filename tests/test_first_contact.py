"""What a first-time user is told while nothing seems to happen (issue #21, first contact): the
one-off compilation of the kernels and the unrecorded warm-up."""

from __future__ import annotations

from pathlib import Path

import numba

from marketsim.cli import main
from marketsim.kernels.jit import cache_is_warm

CLASSROOM = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def test_cache_is_warm_only_with_the_period_kernel_compiled(tmp_path, monkeypatch):
    monkeypatch.delenv("MARKETSIM_NO_CACHE", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    assert not cache_is_warm()                       # an empty cache: the first run compiles
    other = tmp_path / "kernels_x" / "awareness.become_aware_all-3.py311.nbi"
    other.parent.mkdir()
    other.write_bytes(b"")
    assert not cache_is_warm()                       # some kernels, not the period
    (other.parent / "period.customer_period-68.py311.nbi").write_bytes(b"")
    assert cache_is_warm()
    monkeypatch.setenv("MARKETSIM_NO_CACHE", "1")    # no cache: every run compiles
    assert not cache_is_warm()


def test_run_says_it_warms_up(tmp_path, capsys):
    assert main(["run", str(CLASSROOM), "--customers", "300", "--periods", "2",
                 "--set", "market.warmup_periods=3", "--no-figures",
                 "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "Warm-up: 3 unrecorded weeks first" in out


def test_progress_off_a_terminal_is_plain_lines_on_stderr(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MARKETSIM_PROGRESS", raising=False)  # a user's setting would hide them
    assert main(["run", str(CLASSROOM), "--customers", "300", "--periods", "4",
                 "--set", "market.warmup_periods=3", "--no-figures",
                 "--out", str(tmp_path / "run")]) == 0
    captured = capsys.readouterr()
    assert "simulating: 4 of 4 (100%)" in captured.err  # the last line, whatever the speed
    assert "Time setup" in captured.out and "writing" in captured.out  # the save is timed too
    words = " ".join(captured.out.split())  # the caption explains the columns
    assert "counted per firm" in words and "0 = as expected" in words


def test_line_progress_writes_a_line_a_tenth_and_the_time_left():
    import io

    from marketsim.progress import LineProgress

    stream = io.StringIO()
    progress = LineProgress(stream, min_seconds=0.0)
    task = progress.add_task("runs", total=200)
    for _ in range(200):
        progress.update(task, advance=1)
    progress.stop()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and lines[-1].startswith("runs: 200 of 200 (100%)")
    assert "20 of 200 (10%)" in lines[0] and "s left" in lines[0]
    quiet = io.StringIO()
    slow = LineProgress(quiet, min_seconds=3600.0)  # at most a line an hour: only the last
    task = slow.add_task("periods", total=50)
    for done in range(1, 51):
        slow.update(task, completed=done)
    assert quiet.getvalue().splitlines() == [quiet.getvalue().splitlines()[-1]]
    assert quiet.getvalue().startswith("periods: 50 of 50 (100%)")


def test_a_new_stage_counts_its_time_from_its_own_start(monkeypatch):
    """Compiling and the warm-up ("building market") do not enter the simulation's time left
    (a fresh clone printed "6 of 52 (12%), 39 s, about 299 s left" with 2 s to go)."""
    import io

    from marketsim import progress as progress_module

    clock = iter([0.0, 39.0, 39.0, 39.5, 39.5, 39.5])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    stream = io.StringIO()
    lines = progress_module.LineProgress(stream, min_seconds=0.0)
    task = lines.add_task("building market", total=52)  # t = 0
    lines.update(task, description="simulating")  # t = 39: the periods start
    lines.update(task, completed=6)  # t = 39.5
    assert stream.getvalue().strip() == "simulating: 6 of 52 (12%), 0 s, about 4 s left"


def test_marketsim_progress_0_silences_the_lines(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MARKETSIM_PROGRESS", "0")
    assert main(["run", str(CLASSROOM), "--customers", "300", "--periods", "2",
                 "--set", "market.warmup_periods=3", "--no-figures",
                 "--out", str(tmp_path / "run")]) == 0
    assert "simulating" not in capsys.readouterr().err


def test_help_loads_neither_the_engine_nor_the_validation():
    """`marketsim --help` answers at once: building the parser imports none of pydantic,
    NumPy, Numba, pandas or Mesa, nor the installed-package metadata (measured: 0.3 s)."""
    import subprocess
    import sys

    code = ("import sys, marketsim.cli as cli; cli._parser(); "
            "print(sorted(m for m in ('pydantic', 'numpy', 'numba', 'pandas', 'mesa', "
            "'importlib.metadata', 'marketsim.scenario.schema') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    version = subprocess.run([sys.executable, "-m", "marketsim", "--version"],
                             capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("marketsim ")
