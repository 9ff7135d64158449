"""Business customers as buying centres: the decider's veto, and engine = reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from marketsim.kernels.buying_centre import DECIDER, USER
from marketsim.market.model import MarketModel
from marketsim.measures.metrics import RAW_INDEX
from marketsim.reference.model import ReferenceMarket
from marketsim.scenario.schema import parse_scenario
from tests.helpers import market_dict
from tests.test_reference import assert_same_customers

PRODUCT_ONLY = {"benefit_weights": {"product": 1.0}, "cost_weights": {"monetary": 0.0}}


def premium_supplier_market(rule: str) -> dict:
    """One supplier with a 50% price premium and a product that beats expectations; its only
    rival is unknown to every customer, so nothing pulls customers away but their own
    judgement. Users (and influencer, buyer) weigh only the product; the decider weighs money."""
    data = market_dict(customers=3000, periods=8, n_firms=2)
    supplier, rival = data["firms"]
    supplier.update(offers={"cat0": {"price": 15.0, "quality": 0.9, "unit_cost": 6.0}},
                    initial_share=0.9, initial_awareness=1.0, acquisition_budget=0.0)
    rival.update(initial_share=0.0, initial_awareness=0.0, acquisition_budget=0.0)
    data["segments"] = [{
        "name": "firms", "share": 1.0, "kind": "business", "basis": "firmographic",
        "variables": {"industry": "manufacturing", "employees": "50-250"},
        "purchase_rate": {"cat0": {"mean": 2.0, "shape": 5.0}},
        "switching_threshold": {"mean": 0.5, "spread": 0.0},
        "buying_centre": {
            "rule": rule,
            "user": {**PRODUCT_ONLY, "weight": 3.0},
            "influencer": dict(PRODUCT_ONLY),
            "buyer": dict(PRODUCT_ONLY),
            "decider": {"benefit_weights": {"product": 0.2}, "cost_weights": {"monetary": 2.0},
                        "weight": 0.5, "threshold": 0.3},
        },
    }]
    return data


def run_premium(rule: str, seed: int):
    model = MarketModel(parse_scenario(premium_supplier_market(rule)), seed=seed)
    model.run()
    held_at_start = model.raw[0, 0, RAW_INDEX["customers_start"]]
    defections = model.raw[:, 0, RAW_INDEX["defections"]].sum()
    return model, held_at_start, defections


@pytest.mark.parametrize("seed", [1, 2])
def test_decider_veto_defects_although_users_are_satisfied(seed):
    veto, held, veto_defections = run_premium("decider_veto", seed)
    mean, _, mean_defections = run_premium("weighted_mean", seed)
    for model in (veto, mean):
        feelings = model.buying_centres.member_satisfaction[:, 0, :]
        judged = feelings[:, USER] != 0.0
        assert judged.sum() > 0.8 * held
        assert feelings[judged, USER].mean() > 0.05              # users are satisfied
        assert (feelings[judged, USER] > 0.0).mean() > 0.8
        assert (feelings[judged, DECIDER] < -0.3).mean() > 0.95  # the decider is not
    assert held > 2000
    assert veto_defections > 0.9 * held   # the veto: nearly every customer leaves
    assert mean_defections == 0           # the weighted mean: users outvote the decider


def mixed_market() -> dict:
    """Consumers beside two business segments (one per rule), two categories, three firms,
    one firm selling a single category at a premium; retention programmes and fast lapsing."""
    data = market_dict(customers=900, periods=14, n_firms=3, categories=2)
    data["market"]["lapse_periods"] = 4
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5,
                                     "structural_investment": 0.4}
    data["firms"][2]["offers"] = {"cat1": {"price": 13.0, "quality": 0.8, "unit_cost": 6.0}}
    data["segments"][0]["share"] = 0.4
    data["segments"][1]["share"] = 0.2
    centre = {
        "user": {**PRODUCT_ONLY, "weight": 2.0, "loss_aversion": 1.5},
        "influencer": {"benefit_weights": {"product": 0.7, "image": 0.5}, "weight": 0.5},
        "decider": {"cost_weights": {"monetary": 1.5}, "threshold": 0.15},
        "buyer": {"benefit_weights": {"product": 0.6}, "cost_weights": {"monetary": 1.8}},
    }
    for name, rule in (("vetoing firms", "decider_veto"), ("consensus firms", "weighted_mean")):
        data["segments"].append({
            "name": name, "share": 0.2, "kind": "business", "basis": "technographic",
            "variables": {"adoption": "early"},
            "purchase_rate": {"cat0": {"mean": 3.0, "shape": 2.0}, "cat1": {"mean": 1.0}},
            "buying_centre": {"rule": rule, **copy.deepcopy(centre)},
        })
    return data


@pytest.mark.parametrize("seed", [4, 17])
def test_engine_equals_reference_with_buying_centres(seed):
    scenario = parse_scenario(mixed_market())
    engine = MarketModel(scenario, seed=seed)
    phased = MarketModel(scenario, seed=seed, fused=False)
    reference = ReferenceMarket(scenario, seed=seed)
    assert engine.buying_centres.n_business > 250
    np.testing.assert_array_equal(
        engine.buying_centres.business_ids,
        [c.number for c in reference.customers if c.is_business])
    # a business segment chooses by its buyer's weights
    business = engine.buying_centres.business_ids
    assert abs(engine.population.weights[business, 4].mean() - 1.8) < 0.1
    for t in range(1, scenario.market.periods + 1):
        engine.step()
        phased.step()
        reference.step()
        assert_same_customers(engine, reference, f"period {t}")
        np.testing.assert_array_equal(engine.buying_centres.member_satisfaction,
                                      reference.member_satisfaction(), err_msg=f"period {t}")
        np.testing.assert_array_equal(phased.buying_centres.member_satisfaction,
                                      engine.buying_centres.member_satisfaction)
        np.testing.assert_allclose(engine.raw[t - 1], reference.raw[t - 1], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(phased.raw[t - 1], engine.raw[t - 1], rtol=1e-9, atol=1e-9)
    # not vacuous: members disagree, and deciders vetoed some suppliers
    feelings = engine.buying_centres.member_satisfaction
    assert (feelings[..., USER] > 0).any() and (feelings[..., DECIDER] < -0.15).any()
    assert engine.raw[:, :, RAW_INDEX["defections"]].sum() > 0


def test_consumers_hold_no_buying_centre_state():
    model = MarketModel(parse_scenario(market_dict(customers=500, periods=2)), seed=1)
    assert model.buying_centres.n_business == 0
    assert model.buying_centres.nbytes() == 0


def test_library_b2b_scenario_engine_equals_reference():
    """The shipped B2B scenario (scale-free network, veto and consensus centres), small."""
    from pathlib import Path

    from marketsim.scenario.schema import load_scenario

    path = Path(__file__).resolve().parents[1] / "scenarios" / "b2b_software.toml"
    scenario = load_scenario(path).with_overrides(customers=700, periods=6)
    engine = MarketModel(scenario, seed=9)
    reference = ReferenceMarket(scenario, seed=9)
    assert engine.buying_centres.n_business == 700
    for t in range(1, 7):
        engine.step()
        reference.step()
        assert_same_customers(engine, reference, f"period {t}")
        np.testing.assert_array_equal(engine.buying_centres.member_satisfaction,
                                      reference.member_satisfaction())


def test_same_results_for_one_and_two_threads():
    import numba

    from marketsim import run

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two threads")
    runs = [run(mixed_market(), seed=3, periods=6, threads=k).metrics for k in (1, 2)]
    assert runs[0].equals(runs[1])


def test_a_buying_centre_needs_a_member_with_weight():
    data = premium_supplier_market("weighted_mean")
    for role in ("user", "influencer", "decider", "buyer"):
        data["segments"][0]["buying_centre"].setdefault(role, {})["weight"] = 0.0
    from marketsim import ScenarioError

    with pytest.raises(ScenarioError, match=r"segments\[0\]\.buying_centre: at least one member"):
        parse_scenario(data)
