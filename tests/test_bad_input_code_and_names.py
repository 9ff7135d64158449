"""Untrusted files cannot run code, and names cannot break the figures (issue #21).

A scenario naming its strategy as ``"file.py:Class"`` or ``"module:Class"`` is code: it is
imported only by a run given ``--allow-code`` (``allow_code=True``); ``validate``, ``sweep
--dry-run`` and ``report`` never import it. A firm called ``Cheap $\\x$`` is plain text in every
figure (matplotlib's mathtext is off)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomli_w

from marketsim import ScenarioError, run
from marketsim.cli import main
from tests.helpers import market_dict

ROOT = Path(__file__).resolve().parents[1]

EVIL = """\
from pathlib import Path
Path(__file__).with_name("EXECUTED").write_text("module")
from marketsim.scenario.strategy_registry import Strategy
class Evil(Strategy):
    def __init__(self, **params):
        Path(__file__).with_name("EXECUTED").write_text("class")
"""


@pytest.fixture
def evil(tmp_path, monkeypatch):
    """A scenario whose second firm names evil.py (a file) and a third evilmod (a module in the
    working directory); EXECUTED appears if either is imported."""
    (tmp_path / "evil.py").write_text(EVIL)
    (tmp_path / "evilmod.py").write_text(EVIL)
    monkeypatch.chdir(tmp_path)
    data = market_dict(customers=300, periods=2, n_firms=3)
    data["firms"][1]["strategy"] = "evil.py:Evil"
    data["firms"][2]["strategy"] = "evilmod:Evil"
    path = tmp_path / "evil.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def executed(path: Path) -> bool:
    return (path.parent / "EXECUTED").exists()


def test_validate_checks_the_form_only(evil, capsys):
    assert main(["validate", str(evil)]) == 0
    out = capsys.readouterr().out
    assert "OK    " in out and "evil.py:Evil is code, not imported by validate" in out
    assert not executed(evil)


def test_a_run_needs_allow_code_and_says_so(evil, capsys):
    assert main(["run", str(evil), "--no-figures", "--out", str(evil.parent / "out")]) == 2
    err = capsys.readouterr().err
    assert "firms[1] ('firm1'): evil.py:Evil, firms[2] ('firm2'): evilmod:Evil" in err
    assert "pass --allow-code" in err and "Traceback" not in err
    assert not executed(evil) and not (evil.parent / "out").exists()
    with pytest.raises(ScenarioError, match="allow_code=True"):
        run(str(evil))
    assert not executed(evil)

    assert main(["run", str(evil), "--no-figures", "--allow-code",
                 "--out", str(evil.parent / "out")]) == 0
    assert (evil.parent / "EXECUTED").read_text() == "class"


def test_report_of_a_received_folder_does_not_import(evil, tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(evil), "--no-figures", "--allow-code", "--out", str(out)]) == 0
    (tmp_path / "EXECUTED").unlink()
    shutil.rmtree(tmp_path / "__pycache__", ignore_errors=True)
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()
    assert not executed(evil)


def test_sweep_dry_run_does_not_import_and_a_sweep_needs_allow_code(evil, tmp_path, capsys):
    experiment = tmp_path / "exp.toml"
    experiment.write_text(tomli_w.dumps({
        "experiment": {"scenario": str(evil), "replications": 1},
        "factors": [{"path": "firms.firm0.strategy", "values": ["static", "evil.py:Evil"]}],
    }), encoding="utf-8")
    assert main(["sweep", str(experiment), "--dry-run", "--out", str(tmp_path / "s")]) == 0
    assert not executed(evil)
    assert main(["sweep", str(experiment), "--executor", "serial", "--no-figures",
                 "--out", str(tmp_path / "s")]) == 2
    assert "pass --allow-code" in capsys.readouterr().err
    assert not executed(evil) and not (tmp_path / "s").exists()


def test_figures_and_report_render_names_with_dollars(tmp_path):
    data = market_dict(customers=400, periods=3, n_firms=3)
    data["firms"][0]["name"] = "Cheap $\\x$"
    data["firms"][1]["name"] = "$\\undefinedcommand{x}$ & Co"
    path = tmp_path / "names.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(path), "--report", "--out", str(out)]) == 0
    for name in ("scenario.toml", "run.json", "metrics.parquet", "market_share.png",
                 "report.html"):
        assert (out / name).is_file(), name
    assert "Cheap $\\x$" in (out / "report.html").read_text(encoding="utf-8")
