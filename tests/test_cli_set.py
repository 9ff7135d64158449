"""``marketsim run SCENARIO --set PATH=VALUE``: scenario fields by the paths sweeps use."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketsim import load_scenario
from marketsim.cli import main
from marketsim.experiments.overrides import parse_value, with_sets

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "scenarios" / "classroom.toml"
SMALL = ["--customers", "400", "--periods", "3", "--set", "market.warmup_periods=0",
         "--no-figures"]


def test_run_with_set_records_the_changed_scenario(tmp_path, capsys):
    out = tmp_path / "run"
    status = main(["run", str(CLASSROOM), *SMALL, "--out", str(out),
                   "--set", "firms.Fast Cup.offers.coffee.price=2.5",
                   "--set", "firms[2].retention={reward_rate = 0.05}",
                   "--set", "market.name=lecture demo"])
    assert status == 0, capsys.readouterr().err
    saved = load_scenario(out / "scenario.toml")
    base = load_scenario(CLASSROOM)
    assert saved.market.name == "lecture demo"
    assert saved.market.warmup_periods == 0
    assert saved.population.customers == 400 and saved.market.periods == 3
    assert saved.firms[1].offers["coffee"].price == 2.5
    assert saved.firms[2].retention.reward_rate == 0.05
    # an inline table updates the fields it names and keeps the others
    assert saved.firms[2].retention.points_expiry == base.firms[2].retention.points_expiry
    assert saved.firms[0] == base.firms[0]


@pytest.mark.parametrize(("assignment", "expected"), [
    ("firms.Fast Cup.pricee=2", ["firms.Fast Cup", "no field 'pricee'", "allowed here",
                                 "offers"]),
    ("firms.Nobody.service=0.5", ["no item named 'Nobody'", "Bean Counter"]),
    ("market.periods=abc", ["market.periods", "not a TOML value", "holds a number"]),
    ("market.warmup_periods=-3", ["market.warmup_periods", "greater than or equal to 0"]),
    ("firms.Fast Cup.retention=3", ["firms.Fast Cup.retention is a table"]),
    ("firms.Fast Cup.retention.reward_rate=\"lots\"", ["reward_rate"]),
    ("no_equals_sign", ["PATH=VALUE"]),
])
def test_a_bad_set_is_one_clear_message_with_status_2(assignment, expected, tmp_path, capsys):
    status = main(["run", str(CLASSROOM), *SMALL, "--out", str(tmp_path / "run"),
                   "--set", assignment])
    err = capsys.readouterr().err
    assert status == 2
    assert "Traceback" not in err and err.startswith("marketsim: error:")
    for part in expected:
        assert part in err, (part, err)
    assert not (tmp_path / "run").exists()  # refused before running


def test_values_are_toml():
    assert parse_value("0.05") == 0.05 and parse_value("12") == 12
    assert parse_value("true") is True and parse_value('"a b"') == "a b"
    assert parse_value("{x = 1, y = \"z\"}") == {"x": 1, "y": "z"}
    assert parse_value("plain words", current="old") == "plain words"
    with pytest.raises(ValueError, match="not a TOML value"):
        parse_value("plain words", current=3)


def test_with_sets_is_the_sweeps_resolver():
    base = load_scenario(CLASSROOM)
    changed = with_sets(base, ["segments[0].loss_aversion=1.5"], periods=2)
    assert changed.segments[0].loss_aversion == 1.5 and changed.market.periods == 2
    assert base == load_scenario(CLASSROOM)  # the scenario given is not changed
