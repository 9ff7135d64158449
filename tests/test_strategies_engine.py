"""Relationship strategies in the engine: reproducibility, presets, levers, each level's effect,
the documented extension example, and the memory budget."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numba
import numpy as np
import pytest

from marketsim.errors import ScenarioError
from marketsim.market.model import MarketModel
from marketsim.market.population import bytes_per_customer
from marketsim.scenario.presets import PRESETS
from tests.helpers import market_dict, scenario
from tests.test_engine import assert_same_state
from tests.test_reference import relationship_strategies

ROOT = Path(__file__).resolve().parents[1]


def test_one_and_two_threads_and_fused_and_phased_agree_with_every_strategy_on():
    data = relationship_strategies()
    data["population"]["customers"] = 8000
    sc = scenario(data)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = MarketModel(sc, seed=9)
        one.run()
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = MarketModel(sc, seed=9)
        two.run()
    finally:
        numba.set_num_threads(before)
    assert_same_state(one, two)
    phased = MarketModel(sc, seed=9, fused=False)
    phased.run()
    assert_same_state(one, phased)


def test_state_stays_within_400_bytes_per_customer():
    """The revised model's budget (issue #18): at most 400 bytes per customer at F = 5, C = 1,
    8 neighbours (300 before it)."""
    assert bytes_per_customer(5, 1, 8) <= 400


# ----------------------------------------------------------------------------- presets, levers
def test_preset_fills_fields_and_explicit_fields_override_it():
    data = market_dict()
    data["firms"][0].update(preset="customer_centric", one_to_one={"customisation": 0.9},
                            retention={"reward_rate": 0.1})
    data["firms"][1]["preset"] = "mass_marketer"
    del data["firms"][1]["acquisition_budget"]
    data["firms"][2]["preset"] = "partnership_marketing"
    sc = scenario(data)
    centric, mass, partner = sc.firms
    assert centric.relationship_level == "proactive"
    assert centric.one_to_one.customisation == 0.9               # explicit wins
    assert centric.retention.reward_rate == 0.1                  # merged key by key
    preset = PRESETS["customer_centric"]["retention"]["personal_service"]
    assert centric.retention.personal_service == preset          # from the preset
    assert centric.customer_management.cross_sell > 0
    assert mass.strategy == "adaptive_price_budget" and mass.acquisition_budget == 5000.0
    assert partner.relationship_level == "partnership"
    # the resolved scenario round-trips
    assert scenario(sc.model_dump()).firms == sc.firms


def test_unknown_preset_and_bad_levers_are_clear_errors():
    data = market_dict()
    data["firms"][0]["preset"] = "customer_centred"
    with pytest.raises(ScenarioError, match="did you mean 'customer_centric'"):
        scenario(data)
    data = market_dict()
    data["firms"][0]["relationship_level"] = "friendly"
    with pytest.raises(ScenarioError, match=r"firms\[0\]\.relationship_level"):
        scenario(data)
    model = MarketModel(scenario(market_dict(customers=200, periods=2)), seed=1)
    firm = model.firms[0]
    firm.set_lever("one_to_one.customisation", 0.3)
    firm.set_lever("relationship_types.price driven", "community")
    assert firm.one_to_one.customisation == 0.3
    assert firm.relationship_types == {"price driven": "community"}
    with pytest.raises(ScenarioError, match="must be one of"):
        firm.set_lever("relationship_level", "friendly")
    with pytest.raises(ScenarioError, match="customer_management.cross_sell"):
        firm.set_lever("customer_management.cross_sell", -1.0)
    with pytest.raises(ScenarioError, match="no such segment"):
        firm.set_lever("relationship_types.nobody", "community")


# ----------------------------------------------------------------------------- levels
def level_run(level: str):
    data = market_dict(customers=8000, periods=30, n_firms=3)
    data["behaviour"] = {"performance_noise": 0.3}
    data["firms"][0]["relationship_level"] = level
    model = MarketModel(scenario(data), seed=4)
    model.run()
    frame = model.metrics()
    return model, frame[(frame["firm"] == "firm0") & (frame["period"] > 15)]


def test_each_relationship_level_adds_its_effect_and_its_cost():
    runs = {level: level_run(level) for level in
            ("basic", "reactive", "accountable", "proactive", "partnership")}
    basic = runs["basic"][1]
    # reactive: complaints are captured and recovered, so satisfaction is higher
    reactive = runs["reactive"][1]
    assert basic["complaints_captured"].sum() == 0 and reactive["complaints_captured"].sum() > 500
    assert reactive["mean_satisfaction"].mean() > basic["mean_satisfaction"].mean() + 0.01
    # accountable: follow-up brings buyers' expectations closer to what they get
    def expectation_error(model):
        p = model.population
        bought = p.units[:, :, 0].sum(axis=1) > 0
        return np.abs(p.performance[bought, 0] - p.expectation[bought, 0]).mean()
    assert expectation_error(runs["accountable"][0]) < 0.8 * expectation_error(runs["reactive"][0])
    # proactive: suggestions sell more to current customers
    proactive = runs["proactive"][1]
    assert proactive["directed_units"].sum() > 0
    assert proactive["units"].mean() > runs["accountable"][1]["units"].mean() * 1.05
    # partnership: delivered performance rises with tenure
    def tenure_gain(model):
        p = model.population
        bought = p.units[:, :, 0].sum(axis=1) > 0
        return (p.performance[bought & (p.tenure[:, 0] >= 20), 0].mean()
                - p.performance[bought & (p.tenure[:, 0] <= 4), 0].mean())
    assert tenure_gain(runs["partnership"][0]) > tenure_gain(runs["proactive"][0]) + 0.03
    # each level costs more per customer than the one below
    per_customer = [(r[1]["relationship_cost"] / r[1]["customers"]).mean() for r in runs.values()]
    assert per_customer == sorted(per_customer) and per_customer[0] == 0.0


def test_relationship_type_sets_cost_to_serve_and_social_bond():
    data = market_dict(customers=4000, periods=15, n_firms=3)
    data["firms"][0]["relationship_types"] = {"price driven": "dedicated_personal_assistance"}
    data["firms"][1]["relationship_type"] = "community"
    model = MarketModel(scenario(data), seed=2)
    model.run()
    last = model.metrics().groupby("firm").last()
    assert last.loc["firm0", "tie_social"] > last.loc["firm1", "tie_social"] > 0.0
    assert last.loc["firm2", "tie_social"] == 0.0 and last.loc["firm2", "cost_to_serve"] == 0.0
    assert last.loc["firm0", "cost_to_serve"] > last.loc["firm1", "cost_to_serve"] > 0.0


# ----------------------------------------------------------------------------- extension point
def test_documented_strategy_example_runs_as_written(tmp_path, monkeypatch):
    """The docs' class, saved as the file its TOML names, is loaded by the scenario alone."""
    text = (ROOT / "docs" / "strategies.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL).group(1)
    toml = re.search(r"```toml\n(.*?)```", text, re.DOTALL).group(1)
    assert len(code.strip().splitlines()) < 30
    (tmp_path / "my_strategies.py").write_text(code)
    monkeypatch.chdir(tmp_path)
    firm = tomllib.loads(toml)["firms"][0]
    assert firm["strategy"] == "my_strategies.py:ClimbWhenChurning"
    data = market_dict(customers=3000, periods=12, n_firms=3)
    data["firms"][0].update(strategy=firm["strategy"], strategy_params={"churn_target": 0.0})
    with pytest.raises(ScenarioError, match="--allow-code"):  # user code runs only if asked
        MarketModel(scenario(data), seed=1)
    model = MarketModel(scenario(data), seed=1, allow_code=True)
    model.run()
    assert model.firms[0].relationship_level == "partnership"  # climbed every period
    levels = model.metrics().query("firm == 'firm0'")["relationship_cost"]
    assert levels.iloc[-1] > levels.iloc[0]


@pytest.mark.parametrize("name, message", [
    ("missing.py:Anything", "cannot import 'missing.py'"),
    ("my_module:NotAStrategy", "is not a subclass of marketsim.market.strategies.Strategy"),
    ("no_such_module_xyz:Thing", "cannot import 'no_such_module_xyz'"),
])
def test_user_strategy_errors_name_the_firm_and_the_problem(tmp_path, monkeypatch, name, message):
    """Validation checks the name's form only (nothing imported); a run with allow_code
    imports it and names the firm and the problem."""
    (tmp_path / "my_module.py").write_text("class NotAStrategy:\n    pass\n")
    monkeypatch.chdir(tmp_path)
    data = market_dict(customers=100, periods=2, n_firms=2)
    data["firms"][1]["strategy"] = name
    sc = scenario(data)
    with pytest.raises(ScenarioError, match="firms\\[1\\].strategy") as error:
        MarketModel(sc, seed=1, allow_code=True)
    assert message in str(error.value)


def test_community_carries_word_of_mouth_further():
    """An entrant without advertising grows awareness by praise; a community relationship
    (word-of-mouth reach x2) spreads it faster than automated service (similar touch, plain
    reach)."""
    awareness = {}
    for kind in ("automated_service", "community"):
        data = market_dict(customers=10_000, periods=20, n_firms=3)
        for segment in data["segments"]:
            segment["word_of_mouth"] = 0.05
        data["firms"][0].update(initial_share=0.0, initial_awareness=0.05,
                                acquisition_budget=0.0, relationship_type=kind)
        values = []
        for seed in (1, 2):
            model = MarketModel(scenario(data), seed=seed)
            model.run()
            values.append(model.metrics().query("firm == 'firm0'")["awareness"].iloc[-1])
            amplified = (model.population.wom_firm >= 2 * 3).sum()
            assert (amplified > 0) == (kind == "community")
        awareness[kind] = np.mean(values)
    assert awareness["community"] > awareness["automated_service"] * 1.2


def test_switching_cost_is_the_weighted_sum_of_the_three_ties():
    from marketsim.kernels.common import switching_cost

    assert switching_cost(0.2, 0.3, 0.5, 2.0, 0.4, 0.8) == 0.2 * 2.0 + 0.3 * 0.4 + 0.5 * 0.8


def test_relationship_strategies_scenario_runs():
    from marketsim.scenario.schema import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "relationship_strategies.toml")
    model = MarketModel(sc.with_overrides(customers=2000, periods=3), seed=1)
    model.run()
    frame = model.metrics()
    assert set(frame["firm"]) == {"MassBank", "OneToOneBank", "PartnerBank", "PlainBank"}
    assert frame.query("firm == 'OneToOneBank'")["cost_to_serve"].gt(0).all()
