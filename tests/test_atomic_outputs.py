"""Nothing is lost (issue #21): an unwritable ``--out`` is reported before the simulation
starts, and a run folder is written all or nothing: a failed save (a full disk, simulated by
a writer raising ``ENOSPC``) or a ``kill -9`` in the middle leaves the old folder or a
complete new one, never a truncated ``transactions.parquet``."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from marketsim import run
from marketsim.cli import main
from marketsim.errors import RunFolderError, RunOptionError
from marketsim.outputs import atomic
from marketsim.outputs.atomic import check_writable, write_atomic
from marketsim.outputs.run_folder import load_run

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"


@pytest.fixture(scope="module")
def result():
    return run(DEFAULT, customers=800, periods=3, seed=5, transactions=True)


@pytest.fixture(scope="module")
def other():
    return run(DEFAULT, customers=800, periods=3, seed=6, transactions=True)


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.rglob("*") if ".saving-" in p.name or p.name.endswith(".tmp")]


def _full_disk(monkeypatch, victim: str = "transactions.parquet") -> None:
    """``DataFrame.to_parquet`` writes half of ``victim`` and fails as a full disk does."""
    original = pd.DataFrame.to_parquet

    def to_parquet(frame, path, *args, **kwargs):
        original(frame, path, *args, **kwargs)
        if Path(path).name == victim:
            data = Path(path).read_bytes()
            Path(path).write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)


# ---------------------------------------------------------------------------- writability
def test_probe_refuses_a_file_in_the_way(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RunOptionError, match="exists and is not a folder"):
        check_writable(blocker)
    with pytest.raises(RunOptionError, match="is not a folder"):
        check_writable(blocker / "run")
    check_writable(tmp_path / "new" / "deeper")  # created later: the nearest folder is probed
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == [blocker]


def test_probe_refuses_a_full_disk(tmp_path, monkeypatch):
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    real = atomic.tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        handle, name = real(*args, **kwargs)
        os.close(handle)
        return os.open("/dev/full", os.O_WRONLY), name

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    monkeypatch.setattr(atomic.tempfile, "mkstemp", mkstemp)
    with pytest.raises(RunOptionError, match="cannot write there .*space"):
        check_writable(tmp_path)
    assert list(tmp_path.iterdir()) == []  # the probe file is removed


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root writes into read-only folders")
def test_probe_refuses_a_read_only_folder(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(RunOptionError, match="cannot write there"):
        check_writable(locked / "run")


def test_cli_checks_out_before_simulating(tmp_path, monkeypatch, capsys):
    import marketsim.api

    def no_simulation(*args, **kwargs):
        raise AssertionError("the simulation started before --out was checked")

    monkeypatch.setattr(marketsim.api, "run", no_simulation)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    started = time.perf_counter()
    assert main(["run", str(DEFAULT), "--customers", "500", "--out", str(blocker)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["run", str(DEFAULT), "--out", str(blocker / "sub")]) == 2
    assert time.perf_counter() - started < 2.0


def test_sweep_checks_out_before_any_run(tmp_path):
    from marketsim.experiments.design import parse_experiment
    from marketsim.experiments.sweep import run_sweep

    class NoRuns:
        name, workers = "none", 1

        def __enter__(self):
            raise AssertionError("a run started before --out was checked")

    experiment = parse_experiment({
        "experiment": {"name": "x", "scenario": str(DEFAULT), "customers": 300, "periods": 2},
        "factors": [{"path": "firms.MassMart.service", "values": [0.4, 0.5]}],
        "outputs": [{"metric": "profit"}]}, source="x.toml")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for out in (blocker, blocker / "sweep"):
        with pytest.raises(RunOptionError, match="not a folder"):
            run_sweep(experiment, out, executor=NoRuns())
    assert blocker.read_text() == "x"


# ---------------------------------------------------------------------------- all or nothing
def test_full_disk_leaves_the_old_folder(tmp_path, result, other, monkeypatch):
    out = tmp_path / "run"
    result.save(out, figures=False)
    before = _contents(out)
    _full_disk(monkeypatch)
    with pytest.raises(RunOptionError) as caught:
        other.save(out, figures=False)
    message = str(caught.value)
    assert "transactions.parquet" in message and "No space left on device" in message
    assert "left as it was" in message
    assert _contents(out) == before  # byte for byte: nothing new, nothing truncated
    assert _leftovers(tmp_path) == []
    assert load_run(out).seed == 5


def test_full_disk_on_a_new_folder_leaves_nothing(tmp_path, result, monkeypatch):
    _full_disk(monkeypatch)
    with pytest.raises(RunOptionError, match="transactions.parquet"):
        result.save(tmp_path / "fresh", figures=False)
    assert list(tmp_path.iterdir()) == []


def test_full_disk_through_the_cli(tmp_path, monkeypatch, capsys):
    _full_disk(monkeypatch)
    out = tmp_path / "cli"
    assert main(["run", str(DEFAULT), "--customers", "400", "--periods", "2", "--transactions",
                 "--no-figures", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "transactions.parquet" in err and "Traceback" not in err
    assert not out.exists() and _leftovers(tmp_path) == []


def test_a_run_folder_is_replaced_as_a_whole(tmp_path, result, monkeypatch):
    out = tmp_path / "run"
    result.save(out, report=True)
    assert {"transactions.parquet", "report.html", "market_share.png"} <= set(os.listdir(out))
    plain = run(DEFAULT, customers=500, periods=2, seed=9)
    written = plain.save(out, figures=False)
    assert sorted(p.name for p in written) == sorted(os.listdir(out))  # nothing stale is left
    assert load_run(out).seed == 9
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)  # no renameat2: file by file
    result.save(out, figures=False)
    assert load_run(out).seed == 5 and (out / "transactions.parquet").is_file()
    assert _leftovers(tmp_path) == []


def test_new_folder_has_the_usual_permissions(tmp_path, result):
    result.save(tmp_path / "run", figures=False)
    (tmp_path / "plain").mkdir()
    assert (tmp_path / "run").stat().st_mode == (tmp_path / "plain").stat().st_mode


def test_a_folder_with_other_files_keeps_them(tmp_path, result, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    result.save(out, figures=False)
    assert (out / "notes.txt").read_text() == "keep me" and load_run(out).seed == 5
    plain = run(DEFAULT, customers=500, periods=2, seed=9)
    plain.save(out, figures=False)
    assert not (out / "transactions.parquet").exists()  # the old run's log would lie
    assert (out / "notes.txt").read_text() == "keep me" and load_run(out).seed == 9
    # Interrupted while moving the files in: the old run.json went first, the new one comes
    # last, so the folder is refused rather than read as a mixture of two runs.
    real = os.replace

    def failing(src, dst):
        if Path(dst).name == "run.json":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", failing)
    with pytest.raises(RunOptionError, match="moving the finished files"):
        result.save(out, figures=False)
    monkeypatch.undo()
    with pytest.raises(RunFolderError, match="run.json"):
        load_run(out)
    assert (out / "notes.txt").read_text() == "keep me"
    assert _leftovers(tmp_path) == []


def test_write_atomic_keeps_the_old_file_on_failure(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("old")

    def half(p):
        p.write_text("ne")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        write_atomic(path, half)
    assert path.read_text() == "old" and list(tmp_path.iterdir()) == [path]
    write_atomic(path, lambda p: p.write_text("new"))
    assert path.read_text() == "new" and list(tmp_path.iterdir()) == [path]


_SAVER = """
import sys
from marketsim import run
result = run(sys.argv[1], customers=3000, periods=4, seed=int(sys.argv[3]), transactions=True)
while True:
    result.save(sys.argv[2], figures=False)
    print("saved", flush=True)
"""


@pytest.mark.parametrize("delay", [0.013, 0.057, 0.21])
def test_kill_9_while_saving_leaves_a_whole_folder(tmp_path, result, delay):
    """A process saving a run again and again into one folder (tens of milliseconds a save),
    killed at three moments after its first save: the folder is always the whole run, and
    loads, with a complete transaction log."""
    out = tmp_path / "run"
    result.save(out, figures=False)
    child = subprocess.Popen([sys.executable, "-c", _SAVER, str(DEFAULT), str(out), "7"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "saved"
        time.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        saves = 1 + child.stdout.read().count("saved")
        child.wait(timeout=30)
    loaded = load_run(out)
    assert loaded.seed == 7, saves
    assert len(loaded.transactions) > 0
    pd.read_parquet(out / "transactions.parquet")
    again = run(DEFAULT, customers=800, periods=3, seed=5)
    again.save(out, figures=False)  # a later save clears what the killed one left
    assert _leftovers(tmp_path) == []
    assert load_run(out).seed == 5


def test_a_run_folder_under_a_read_only_folder_is_updated_file_by_file(tmp_path, result,
                                                                       monkeypatch):
    """When no temporary folder can be made beside ``--out`` (its parent is read-only), the
    run folder itself holds it and the files are moved in one by one."""
    out = tmp_path / "run"
    result.save(out, figures=False)
    real = atomic._make_stage

    def parent_read_only(parent, name):
        if parent == out.absolute().parent:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(parent, name)

    monkeypatch.setattr(atomic, "_make_stage", parent_read_only)
    run(DEFAULT, customers=500, periods=2, seed=9).save(out, figures=False)
    assert load_run(out).seed == 9 and not (out / "transactions.parquet").exists()
    assert _leftovers(tmp_path) == []
