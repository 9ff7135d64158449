"""Every bad experiment file ends in one clear message naming the file and the field, and
``marketsim sweep`` (``--dry-run`` too) exits with status 2 before any work; designs too large
to build are counted and refused at load (issue #21; the audit's crashes and hangs)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import tomli_w

from marketsim.cli import main
from marketsim.errors import MAX_MESSAGE_CHARS
from marketsim.experiments.design import load_experiment
from marketsim.experiments.experiment_file import ExperimentError

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "default.toml"


def experiment(**changes) -> dict:
    """A small valid experiment on the default scenario, with top-level tables replaced."""
    data = {
        "experiment": {"name": "t", "scenario": str(DEFAULT), "replications": 2,
                       "customers": 500, "periods": 3},
        "factors": [{"path": "firms.MassMart.offers.groceries.price", "values": [8.0, 9.0]}],
    }
    for key, value in changes.items():
        if key == "settings":
            data["experiment"].update(value)
        else:
            data[key] = value
    return data


def refused(tmp_path: Path, data: dict | bytes, capsys, expected: str) -> str:
    """``sweep --dry-run`` on the file: exit 2 within seconds, the file and ``expected`` named."""
    path = tmp_path / "exp.toml"
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    started = time.perf_counter()
    code = main(["sweep", str(path), "--dry-run", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert time.perf_counter() - started < 20
    assert code == 2, captured.out + captured.err
    assert "Traceback" not in captured.err
    assert str(path) in captured.err and expected in captured.err, captured.err
    assert len(captured.err) <= MAX_MESSAGE_CHARS + 100
    assert not (tmp_path / "out").exists()
    return captured.err


def test_a_valid_experiment_still_loads():
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        assert load_experiment(path).runs


def test_an_output_name_that_is_a_file_name_is_accepted(tmp_path):
    data = experiment(outputs=[{"metric": "retention", "name": "retention.13w-mean_2"}])
    assert load_experiment(_write(tmp_path, data)).outputs[0].key == "retention.13w-mean_2"


def test_a_million_point_grid_is_refused_before_building(tmp_path, capsys):
    factors = [{"path": "firms.MassMart.service", "range": [0.0, 0.5], "levels": 1000},
               {"path": "firms.Steady.service", "range": [0.0, 1.0], "levels": 1000}]
    refused(tmp_path, experiment(factors=factors), capsys,
            "design: 1,000,000 design points (1,000 x 1,000 levels); an experiment may have at "
            "most 10,000")


def test_paired_levels_are_counted_per_firm(tmp_path, capsys):
    paired = [{"firms": ["MassMart", "Steady"], "path": "offers.groceries.price",
               "values": [5.0 + i / 100 for i in range(1200)]}]
    refused(tmp_path, experiment(factors=[], paired=paired), capsys,
            "1,440,000 design points (1,200 x 1,200 levels)")


@pytest.mark.parametrize("changes, expected", [
    ({"settings": {"replications": 100_000}}, "experiment.replications: must be less than or "
                                              "equal to 10000"),
    ({"settings": {"replications": 5000},
      "factors": [{"path": "firms.MassMart.service", "range": [0.0, 1.0], "levels": 100}]},
     "100 points x 5,000 replications = 500,000 runs; an experiment may have at most 100,000"),
    ({"design": {"kind": "random", "samples": 1_000_000},
      "factors": [{"path": "firms.MassMart.service", "range": [0.0, 1.0]}]},
     "design: 1,000,000 design points; an experiment may have at most 10,000"),
    ({"paired": [{"firms": ["MassMart", "Steady"], "path": "service", "values": [0.5]}] * 100},
     "paired: list should have at most 64 items"),
    ({"paired": [{"firms": ["MassMart", "Steady"], "path": "service", "values": [0.5]}] * 20_000},
     "bytes; an experiment file may have at most 1,048,576 bytes (1 MiB)"),
    ({"design": {"labels": ["a", "b", "c", "d"]}},
     "design.labels: one label per design point (4 labels for 2 points)"),
    ({"outputs": []}, "outputs: list should have at least 1 item"),
    ({"outputs": [{"metric": "retention", "name": "a\u0000b"}]},  # found by benchmarks/fuzz.py
     "outputs[0].name: must be 1 to 64 letters, digits"),
    ({"outputs": [{"metric": "retention", "name": "../../escape"}]},
     "outputs[0].name: must be 1 to 64 letters, digits"),
    ({"settings": {"firm": "NoSuchFirm"}}, "experiment.firm: no firm 'NoSuchFirm' in the base "
                                           "scenario"),
    ({"factors": [{"path": "firms.MassMart.strategy_params.changes", "values": [[1], [2]]}]},
     "factors[0].values[0]: a level must be a finite number, text or true/false, not an array"),
    ({"factors": [{"path": "firms.MassMart.service", "values": [0.1, float("nan")]}]},
     "factors[0].values[1]: a level must be a finite number"),
    ({"factors": [{"path": "firms.MassMart.service", "range": [0.0, float("inf")],
                   "levels": 3}]}, "factors[0].range[1]: must be a finite number"),
    ({"settings": {"customers": 10**12}},
     "(experiment.customers, experiment.periods): invalid scenario"),
    ({"settings": {"scenario": "/dev/zero"}}, "/dev/zero: cannot read scenario file (not a "
                                              "regular file"),
    ({"settings": {"scenario": "nul\u0000byte.toml"}}, "cannot read scenario file"),
    ({"factors": [{"path": "firms.MassMart.strategy", "values": ["/tmp/x.py:Evil"]}]}, None),
])
def test_bad_experiments_are_refused_at_load(tmp_path, capsys, changes, expected):
    data = experiment(**changes)
    if expected is None:  # a code strategy: --dry-run shows it without importing it
        assert main(["sweep", str(_write(tmp_path, data)), "--dry-run", "--out",
                     str(tmp_path / "out")]) == 0
        return
    refused(tmp_path, data, capsys, expected)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def test_non_utf8_and_deep_nesting(tmp_path, capsys):
    text = tomli_w.dumps(experiment())
    refused(tmp_path, text.encode() + b"# \xfe\n", capsys, "not UTF-8 text (byte 0xfe)")
    refused(tmp_path, (text + "x = " + "[" * 300 + "]" * 300 + "\n").encode(), capsys,
            "arrays and inline tables nested more than 64 deep")


def test_load_experiment_raises_experiment_error(tmp_path):
    with pytest.raises(ExperimentError, match="no such experiment file"):
        load_experiment(tmp_path / "missing.toml")
    with pytest.raises(ExperimentError, match="it is a folder"):
        load_experiment(tmp_path)


def test_problems_name_their_line(tmp_path, capsys):
    text = tomli_w.dumps(experiment(settings={"firm": "Nobody"}))
    line = text.splitlines().index('firm = "Nobody"') + 1
    err = refused(tmp_path, text.encode(), capsys, "experiment.firm: no firm 'Nobody'")
    assert f"exp.toml: line {line}: experiment.firm" in err
    bad = experiment(outputs=[{"metric": "profits"}])
    err = refused(tmp_path, bad, capsys, "unknown metric 'profits' (did you mean 'profit'?)")
    assert "  - line " in err
