"""The dashboard without a browser: its market, levers, settings and launcher (#20).

* every scenario in ``scenarios/`` builds a :class:`DashboardMarket` that steps;
* each firm lever moved through the dashboard's lever code sets the firm as the engine would:
  the same metrics as a plain :func:`marketsim.api.run` whose ``scheduled`` strategy makes the
  same change in period 1 (same seed, same periods); a value out of range is refused;
* the market settings (customers, competitive or captive) build a new market as documented;
* ``marketsim dashboard`` with a busy port or a bad scenario prints one line, no traceback,
  and exits non-zero.

The browser end to end is ``tests/test_dashboard_browser.py``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketsim import api
from marketsim.dashboard.levers import LEVERS, LeverSettings
from marketsim.dashboard.market import VALUE_COLUMNS, DashboardMarket
from marketsim.dashboard.settings import (
    DEFAULT_SCENARIO,
    HORIZON,
    REGIMES,
    DashboardSettings,
    market_scenario,
)
from marketsim.scenario.schema import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.toml"))
CUSTOMERS = 300
PERIODS = 3
#: Warm-up periods of the lever tests (the scenario's 104 cost seconds and test nothing here).
WARMUP = 10


def _short(path: Path | str, warmup: int = WARMUP) -> dict:
    """The scenario as a dictionary, with at most ``warmup`` warm-up periods."""
    data = load_scenario(path).model_dump()
    data["market"]["warmup_periods"] = min(warmup, data["market"]["warmup_periods"])
    return data


def _settings(data: dict, **changes) -> DashboardSettings:
    return DashboardSettings(parse_scenario(data, source="test"), customers=CUSTOMERS,
                             **changes)


# ------------------------------------------------------------------ every scenario
def test_scenario_list_is_the_library():
    names = {path.name for path in SCENARIOS}
    assert "classroom.toml" in names and len(SCENARIOS) >= 9, names
    assert (ROOT / DEFAULT_SCENARIO).is_file()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_every_scenario_runs_in_the_dashboard(path):
    # classroom, the default, with its full warm-up; the others with a short one
    warmup = 10_000 if path.name == "classroom.toml" else 8
    market = DashboardMarket(_settings(_short(path, warmup)))
    assert market.population.n_customers == CUSTOMERS
    assert market.scenario.market.periods >= HORIZON
    assert market.period == 0 and market.running
    for _ in range(PERIODS):
        market.step()
    assert market.period == PERIODS
    values = market.current_values()
    assert [row["firm"] for row in values] == [spec.name for spec in market.scenario.firms]
    for row in values:
        assert set(VALUE_COLUMNS) <= set(row)
        assert np.isfinite(row["market_share_units"]) and 0.0 <= row["market_share_units"] <= 1
        assert np.isfinite(row["price"]) and row["price"] > 0
    assert len(market.metrics()) == PERIODS * len(market.firms)
    assert np.isfinite(market.periods_per_second())


# ------------------------------------------------------------------ the firm levers
#: (firm, lever, control value): one move per lever, in the classroom market.
MOVES = [
    ("Fast Cup", "price", 2.4),
    ("Fast Cup", "quality", 0.7),
    ("Slow Roast", "promise", 2.5),
    ("Fast Cup", "advertising", 600.0),
    ("Bean Counter", "reward_rate", 0.15),
    ("Slow Roast", "personal_service", 0.8),
    ("Bean Counter", "structural_investment", 0.6),
    ("Bean Counter", "relationship_level", "partnership"),
]
#: What each lever sets on the engine's firm: (attribute path, expected value).
TARGETS = {"price": ("price", {"coffee": 2.4}), "quality": ("quality", {"coffee": 0.7}),
           "promise": ("promise", 2.5), "advertising": ("acquisition_budget", 600.0),
           "reward_rate": ("retention.reward_rate", 0.15),
           "personal_service": ("retention.personal_service", 0.8),
           "structural_investment": ("retention.structural_investment", 0.6),
           "relationship_level": ("relationship_level", "partnership")}


def test_every_lever_is_tested():
    assert {lever for _, lever, _ in MOVES} == set(LEVERS) == set(TARGETS)


def _attribute(firm, path: str):
    value = firm
    for part in path.split("."):
        value = getattr(value, part)
    return dict(value) if isinstance(value, dict) else value


@pytest.fixture(scope="module")
def classroom() -> dict:
    return _short(ROOT / DEFAULT_SCENARIO)


@pytest.fixture(scope="module")
def baseline(classroom) -> pd.DataFrame:
    market = DashboardMarket(_settings(classroom, seed=3))
    for _ in range(PERIODS):
        market.step()
    return market.metrics()


@pytest.mark.parametrize("firm, lever, value", MOVES, ids=[m[1] for m in MOVES])
def test_lever_sets_the_firm_as_the_engine_would(classroom, baseline, firm, lever, value):
    market = DashboardMarket(_settings(classroom, seed=3))
    spec = market.scenario.firms[market._index(firm)]
    assert market.lever_value(firm, lever) == LEVERS[lever].start(spec)
    market.set_lever(firm, lever, value)
    assert market.lever_value(firm, lever) == value
    for _ in range(PERIODS):
        market.step()
    path, expected = TARGETS[lever]
    assert _attribute(market.firm(firm), path) == pytest.approx(expected)

    # the engine: the same change through a plain run's scheduled strategy, from period 1
    data = {**classroom, "firms": [dict(f) for f in classroom["firms"]]}
    data["population"] = {**data["population"], "customers": CUSTOMERS}
    index = [f["name"] for f in data["firms"]].index(firm)
    change = {"period": 1, path: LEVERS[lever].decision(spec, value)}
    data["firms"][index] = {**data["firms"][index], "strategy": "scheduled",
                            "strategy_params": {"changes": [change]}}
    plain = api.run(data, seed=3, periods=PERIODS).metrics
    columns = ["period", "firm", *VALUE_COLUMNS.keys() - {"price"}, "revenue", "awareness"]
    ours = market.metrics()[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, plain[columns].reset_index(drop=True),
                                  check_dtype=False)
    # and the move made a difference to the firm (its profit, at least)
    moved = ours[ours.firm == firm].profit.to_numpy()
    before = baseline[baseline.firm == firm].profit.to_numpy()
    assert not np.allclose(moved, before)


@pytest.mark.parametrize("lever, value, message", [
    ("price", -1.0, "Fast Cup: Price must be greater than 0 (got -1.0)"),
    ("price", float("nan"), "Fast Cup: Price must be a finite number"),
    ("price", "cheap", "Fast Cup: Price must be a number (got 'cheap')"),
    ("quality", 5.0, "Fast Cup: Quality must be less than or equal to 3 (got 5.0)"),
    ("promise", -0.5, "Fast Cup: Promise must be greater than or equal to 0 (got -0.5)"),
    ("advertising", -10.0, "Fast Cup: Advertising must be greater than or equal to 0"),
    ("reward_rate", 1.5, "Fast Cup: Reward rate must be less than or equal to 1 (got 1.5)"),
    ("personal_service", 2.0, "Fast Cup: Personal service must be less than or equal to 1"),
    ("structural_investment", -0.1, "Fast Cup: Structural investment must be greater than"),
    ("relationship_level", "best", "Fast Cup: Relationship level must be one of basic, "),
])
def test_out_of_range_lever_is_refused(classroom, lever, value, message):
    spec = parse_scenario(classroom, source="test").firms[1]
    levers = LeverSettings()
    with pytest.raises(ValueError) as refused:
        levers.set("Fast Cup", lever, value, spec)
    assert str(refused.value).startswith(message), str(refused.value)
    assert "\n" not in str(refused.value)
    assert levers.values == {}  # nothing moved
    with pytest.raises(KeyError, match="no lever 'colour'"):
        levers.set("Fast Cup", "colour", 1.0, spec)


def test_every_slider_position_is_in_the_engine_range():
    """In every scenario, each slider runs from a value the engine takes to another, through
    the scenario's value: the page cannot offer a value that would be refused."""
    for path in SCENARIOS:
        for spec in load_scenario(path).firms:
            for lever in LEVERS.values():
                if lever.is_choice:
                    assert lever.start(spec) in lever.choices
                    continue
                low, high, step = lever.bounds(spec)
                assert low <= lever.start(spec) <= high and step > 0, (path.name, spec.name)
                lever.checked(spec, low)
                lever.checked(spec, high)


# ------------------------------------------------------------------ market settings
def test_customers_and_regime_build_a_new_market(classroom):
    settings = _settings(classroom)
    levers = LeverSettings()
    market = DashboardMarket(settings, levers)
    market.set_lever("Fast Cup", "price", 2.4)
    market.step()
    bigger = DashboardMarket(settings.changed(customers=500), levers)
    assert bigger.population.n_customers == 500 and bigger.period == 0
    assert bigger.lever_value("Fast Cup", "price") == 2.4  # moved levers survive a reset
    bigger.step()
    assert bigger.firm("Fast Cup").price == {"coffee": pytest.approx(2.4)}
    assert 500 in settings.customer_choices() and 100_000 in settings.customer_choices()

    captive = market_scenario(settings.changed(regime="captive"))
    competitive = market_scenario(settings.changed(regime="competitive"))
    as_is = market_scenario(settings)
    for scenario, low, high in ((captive, 0.7, 10.0), (competitive, 0.0, 0.25)):
        means = [s.switching_threshold.mean for s in scenario.segments]
        assert all(low <= m <= high for m in means), means
    assert captive.behaviour.tie_weight >= 1.0 and captive.behaviour.habit_weight >= 1.5
    assert competitive.behaviour.tie_weight <= 0.3
    assert competitive.behaviour.habit_weight <= 0.3
    assert [s.switching_threshold.mean for s in as_is.segments] == [
        s.switching_threshold.mean for s in settings.scenario.segments]

    locked_in = DashboardMarket(settings.changed(regime="captive"), levers)
    assert locked_in.period == 0 and locked_in.settings.regime == "captive"
    for _ in range(PERIODS):
        locked_in.step()
    assert locked_in.metrics().churn.max() <= market.metrics().churn.max() + 0.05
    with pytest.raises(ValueError, match="regime must be one of scenario, competitive, captive"):
        settings.changed(regime="monopoly")
    assert set(REGIMES) == {"scenario", "competitive", "captive"}


# ------------------------------------------------------------------ the launcher
def _launch(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marketsim", "dashboard", *arguments],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def _one_line(result: subprocess.CompletedProcess, *phrases: str) -> str:
    """Exit status 2, no traceback, one line (an invalid scenario's line is followed by one
    indented ``- problem`` line per problem, as ``marketsim run`` prints it)."""
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    first, *problems = output.splitlines()
    assert first.startswith("marketsim: error: "), output
    assert all(line.startswith("  - ") for line in problems), output
    for phrase in phrases:
        assert phrase in output, output
    return output


def test_busy_port_is_one_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = _launch("--port", str(port), "--customers", "200")
    _one_line(result, f"port {port} is busy", "--port")


def test_bad_scenario_is_one_line(tmp_path):
    missing = _one_line(_launch(str(tmp_path / "missing.toml")), "missing.toml: no such")
    assert len(missing.splitlines()) == 1
    broken = tmp_path / "broken.toml"
    broken.write_text("[market\nname = 'x'\n")
    assert len(_one_line(_launch(str(broken)), "broken.toml: not valid TOML").splitlines()) == 1
    wrong = tmp_path / "wrong.toml"
    wrong.write_text("[market]\nname = 'x'\nperiods = -3\n")
    _one_line(_launch(str(wrong)), "wrong.toml", "market.periods: must be greater than")
