"""``marketsim report RUN_DIR`` on a damaged run folder: one clear message naming the file and
exit status 2, never a traceback, and never a report that silently assumes seed 0 (issue #21;
the audit's 13 damages)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketsim.cli import main
from marketsim.errors import RunFolderError
from marketsim.outputs.run_folder import load_run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A complete run folder (with transactions, state and segments), written once."""
    out = tmp_path_factory.mktemp("run") / "good"
    assert main(["run", str(ROOT / "scenarios" / "default.toml"), "--customers", "600",
                 "--periods", "3", "--transactions", "--no-figures", "--threads", "1",
                 "--out", str(out)]) == 0
    for name in ("metrics.parquet", "run.json", "state.npz", "transactions.parquet",
                 "levers.parquet", "segments.parquet", "scenario.toml"):
        assert (out / name).is_file(), name
    return out


def _random(path: Path) -> None:
    path.write_bytes(np.random.default_rng(1).bytes(2000))


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _other_columns(path: Path) -> None:
    pd.DataFrame({"x": [1, 2], "y": ["a", "b"]}).to_parquet(path)


def _pickled_state(path: Path) -> None:
    np.savez(path, segment=np.array([{"a": 1}], dtype=object))


DAMAGES = {
    "truncated metrics": ("metrics.parquet", _truncated, "metrics.parquet: cannot be read"),
    "random metrics": ("metrics.parquet", _random, "metrics.parquet: cannot be read"),
    "empty metrics": ("metrics.parquet", lambda p: p.write_bytes(b""),
                      "metrics.parquet: cannot be read"),
    "metrics with other columns": ("metrics.parquet", _other_columns,
                                   "metrics.parquet: no column period, firm"),
    "random transactions": ("transactions.parquet", _random,
                            "transactions.parquet: cannot be read"),
    "random levers": ("levers.parquet", _random, "levers.parquet: cannot be read"),
    "random segments": ("segments.parquet", _random, "segments.parquet: cannot be read"),
    "random state": ("state.npz", _random, "state.npz: cannot be read"),
    "pickled state": ("state.npz", _pickled_state, "state.npz: cannot be read"),
    "invalid run.json": ("run.json", lambda p: p.write_text("{not json"),
                         "run.json: cannot be read (JSONDecodeError"),
    "run.json not an object": ("run.json", lambda p: p.write_text("[1, 2]"),
                               "run.json: not a JSON object"),
    "run.json seed missing": ("run.json", lambda p: p.write_text('{"threads": 1}'),
                              "run.json: 'seed' must be a whole number"),
    "run.json seed text": ("run.json", lambda p: p.write_text('{"seed": "7"}'),
                           "run.json: 'seed' must be a whole number"),
    "run.json missing": ("run.json", lambda p: p.unlink(), "run.json: missing (it records the "
                                                           "run's seed"),
    "garbage scenario": ("scenario.toml", lambda p: p.write_text("[[[ not toml"),
                         "scenario.toml: not valid TOML"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_run_folder_gives_one_clear_message(run_folder, tmp_path, capsys, damage):
    name, harm, expected = DAMAGES[damage]
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    harm(folder / name)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(folder / name) in err and expected in err, err
    assert not (folder / "report.html").exists()


def test_the_good_folder_reports_its_seed(run_folder, tmp_path, capsys):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    info = json.loads((folder / "run.json").read_text())
    assert load_run(folder).seed == info["seed"] == 0
    info["seed"] = 12345
    (folder / "run.json").write_text(json.dumps(info))
    assert main(["report", str(folder)]) == 0
    assert "seed 12345" in (folder / "report.html").read_text()


def test_tables_that_do_not_fit_together_are_reported(run_folder, tmp_path):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    metrics = pd.read_parquet(folder / "metrics.parquet")
    metrics["firm"] = "Someone else"
    metrics.to_parquet(folder / "metrics.parquet")
    with pytest.raises(RunFolderError, match="firm Someone else is not in scenario.toml"):
        load_run(folder)


@pytest.mark.parametrize("name", ["levers.parquet", "transactions.parquet", "segments.parquet"])
def test_a_readable_table_of_the_wrong_shape_is_reported(run_folder, tmp_path, capsys, name):
    folder = tmp_path / "run"
    shutil.copytree(run_folder, folder)
    pd.DataFrame({"x": [1, 2], "firm": ["a", "b"]}).to_parquet(folder / name)
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    # KeyError, or the brand measures' ValueError when the figure reads the log first
    assert f"{folder}: the run folder's files do not fit together (" in err
