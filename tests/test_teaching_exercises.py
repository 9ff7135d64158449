"""The three exercises of docs/teaching.md show what the page tells students they will see.

Each exercise is measured as ``experiments/teaching_exercises.py`` measures it (the same
functions, loaded from that file), on one seed: the directions the page states, each of them
several seeds' standard deviations from zero in the page's own tables (5 seeds), so a change to
``classroom.toml`` or to the engine that turns an exercise's lesson around fails here.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest

from marketsim.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "teaching_exercises.py"


@pytest.fixture(scope="module")
def exercises():
    spec = importlib.util.spec_from_file_location("teaching_exercises", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = tomllib.loads(module.SCENARIO.read_text("utf-8"))
    return module, data, load_scenario(module.SCENARIO)


def _measure(exercises, number: str):
    module, data, scenario = exercises
    title, firm, lever, value, path, weeks = next(
        e for e in module.EXERCISES if e[0].startswith(number))
    return (module.settled(data, firm, path, value, weeks, seed=0),
            module.in_dashboard(scenario, firm, lever, value, weeks, seed=0))


def test_rewards_buy_loyalty_and_pay_only_once_the_market_has_settled(exercises):
    settled, dashboard = _measure(exercises, "1.")
    for change in (settled, dashboard):
        assert change["Bean Counter", "market_share_units"] > 0
        assert change["Bean Counter", "share_of_customer"] > 0
        assert change["Bean Counter", "customers"] > 0
        assert change["Fast Cup", "profit"] < 0 and change["Slow Roast", "profit"] < 0
    assert settled["Bean Counter", "profit"] > 0 > dashboard["Bean Counter", "profit"]


def test_a_price_cut_buys_share_but_not_profit(exercises):
    settled, dashboard = _measure(exercises, "2.")
    for change in (settled, dashboard):
        assert change["Fast Cup", "market_share_units"] > 0.05
        assert change["Fast Cup", "mean_satisfaction"] > 0
        assert change["Fast Cup", "profit"] < 0
        for rival in ("Bean Counter", "Slow Roast"):
            assert change[rival, "market_share_units"] < 0 and change[rival, "profit"] < 0
    # width at once, height only once customers have moved their spend
    assert settled["Fast Cup", "share_of_customer"] > 0 > dashboard["Fast Cup", "share_of_customer"]


def test_a_sudden_over_promise_disappoints_in_the_dashboard(exercises):
    settled, dashboard = _measure(exercises, "3a.")
    assert dashboard["Slow Roast", "mean_satisfaction"] < -0.02
    assert dashboard["Slow Roast", "customers"] < 0
    # settled, customers have learned how far to believe it: satisfaction hardly moves
    assert abs(settled["Slow Roast", "mean_satisfaction"]) < 0.01
