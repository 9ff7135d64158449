"""``marketsim compare RUN_A RUN_B``: two run folders side by side."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import marketsim
from marketsim import load_scenario
from marketsim.cli import main
from marketsim.experiments.overrides import with_sets
from marketsim.outputs.compare import markdown

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"


def _save(folder: Path, sets: list[str], transactions: bool = True) -> Path:
    scenario = with_sets(load_scenario(CLASSROOM), ["market.warmup_periods=0", *sets],
                         customers=400, periods=4)
    marketsim.run(scenario, seed=3, transactions=transactions).save(folder, figures=False)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return (_save(root / "base", []),
            _save(root / "cheap", ["firms.Fast Cup.offers.coffee.price=2.0"]))


def test_compare_prints_and_writes_the_table_and_figure(runs, tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", str(runs[0]), str(runs[1]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("Fast Cup", "share of customer", "customer equity", "base", "cheap"):
        assert name in printed
    table = pd.read_csv(out / "compare.csv")
    assert list(table.columns) == ["firm", "measure", "base", "cheap", "difference"]
    assert set(table["firm"]) == {"Bean Counter", "Fast Cup", "Slow Roast"}
    assert {"market share (units)", "share of customer", "retention", "mean satisfaction",
            "profit", "customer equity"} <= set(table["measure"])
    assert (table["difference"] - (table["cheap"] - table["base"])).abs().max() < 1e-9
    summary = marketsim.load_run(runs[0]).summary()
    row = table[(table["firm"] == "Fast Cup") & (table["measure"] == "profit")].iloc[0]
    assert row["base"] == pytest.approx(summary.loc["Fast Cup", "profit"])
    assert (out / "compare.md").read_text().startswith("| firm | measure | base | cheap |")
    assert (out / "compare.png").stat().st_size > 10_000


def test_a_run_against_itself_differs_by_nothing(runs, tmp_path, capsys):
    assert main(["compare", str(runs[0]), str(runs[0]), "--out", str(tmp_path / "same")]) == 0
    table = pd.read_csv(tmp_path / "same" / "compare.csv")
    assert list(table.columns)[2:4] == ["A: base", "B: base"]
    assert table["difference"].abs().max() == 0


def test_runs_with_different_firms_are_refused(runs, tmp_path, capsys):
    other = _save(tmp_path / "other", ['firms[0].name="Bean Brothers"'], transactions=False)
    status = main(["compare", str(runs[0]), str(other), "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err
    assert "different firms" in err and "Bean Brothers" in err and "Bean Counter" in err
    assert not (tmp_path / "cmp").exists()


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_damaged_folder_is_one_message(runs, tmp_path, capsys, damage):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(runs[1], broken)
    metrics = broken / "metrics.parquet"
    if damage == "missing":
        metrics.unlink()
    else:
        metrics.write_bytes(metrics.read_bytes()[:100])
    status = main(["compare", str(runs[0]), str(broken), "--out", str(tmp_path / "cmp")])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and "metrics.parquet" in err
    assert main(["compare", str(runs[0]), str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in capsys.readouterr().err


def test_markdown_escapes_pipes():
    table = pd.DataFrame([{"firm": "A|B", "measure": "profit", "x": 1.0, "y": 2.0,
                           "difference": 1.0}])
    assert "A\\|B" in markdown(table)
