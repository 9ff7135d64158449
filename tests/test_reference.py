"""The fast engine equals the reference implementation, customer by customer and period by period.

:class:`marketsim.reference.model.ReferenceMarket` is the model written plainly (one Mesa agent
per customer). Each case runs it side by side with :class:`marketsim.market.model.MarketModel` and
checks, exactly, the network, the initial population and every customer's full state after every
period; the raw per-period totals agree to 1e-9 (the engine adds per chunk of customers, the
reference one customer after another, so float sums may differ in the last bits).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketsim.market.model import MarketModel
from marketsim.measures.metrics import RAW
from marketsim.reference.model import ReferenceMarket
from marketsim.scenario.schema import load_scenario, parse_scenario
from tests.helpers import market_dict

PROGRAMME = {"reward_rate": 0.05, "points_expiry": 0.1, "personal_service": 0.6,
             "personal_service_cost": 0.2, "structural_investment": 0.4, "structural_cost": 0.1}


def with_programmes(data: dict) -> dict:
    data["firms"][0]["retention"] = dict(PROGRAMME)
    data["firms"][1]["retention"] = {"reward_rate": 0.1, "points_expiry": 0.02}
    return data


def one_category_small_world() -> dict:
    """Three firms, one category, retention programmes, a scheduled price cut, fast lapsing."""
    data = with_programmes(market_dict(customers=900, periods=16, n_firms=3))
    data["market"]["lapse_periods"] = 3
    data["network"] = {"kind": "small_world", "degree": 6, "rewiring": 0.2}
    data["firms"][2]["strategy"] = "scheduled"
    data["firms"][2]["strategy_params"] = {"changes": [
        {"period": 4, "price": 7.5, "promise": 1.4},
        {"period": 9, "retention.personal_service": 0.5, "acquisition_budget": 3000.0},
    ]}
    return data


def two_categories_scale_free() -> dict:
    """Four firms, two categories (one firm sells only one), a scale-free network, a segment
    that never buys the second category, heavy buyers (Poisson means above 30) and rates with
    Gamma shape below 1."""
    data = with_programmes(market_dict(customers=1200, periods=14, n_firms=4, categories=2))
    data["network"] = {"kind": "scale_free", "degree": 6}
    data["firms"][3]["offers"].pop("cat1")
    data["firms"][3]["initial_share"] = 0.0    # an entrant that must advertise
    data["firms"][3]["acquisition_budget"] = 8000.0
    data["firms"][2]["promise"] = 1.6          # over-promising
    data["segments"][0]["purchase_rate"] = {"cat0": {"mean": 1.2, "shape": 0.4},
                                            "cat1": {"mean": 0.6, "shape": 0.7}}
    data["segments"][1]["purchase_rate"] = {"cat0": {"mean": 0.9, "shape": 2.0}}
    data["segments"].append({
        "name": "heavy", "share": 0.1, "word_of_mouth": 0.6,
        "purchase_rate": {"cat0": {"mean": 40.0, "shape": 20.0}, "cat1": {"mean": 25.0}},
    })
    data["segments"][0]["share"] = 0.45
    data["segments"][1]["share"] = 0.45
    data["behaviour"] = {"performance_noise": 0.3, "complaint_reach": 3.0}
    data["market"]["lapse_periods"] = 4
    data["market"]["warmup_periods"] = 3
    return data


def five_firms_adaptive() -> dict:
    """Five firms, two categories, an adaptive pricer and an outside decision mid-run."""
    data = with_programmes(market_dict(customers=600, periods=12, n_firms=5, categories=2))
    data["network"] = {"kind": "small_world", "degree": 4, "rewiring": 0.0}
    data["firms"][4]["offers"].pop("cat0")
    data["firms"][3]["strategy"] = "adaptive_price"
    data["firms"][3]["strategy_params"] = {"step": 0.05}
    data["behaviour"] = {"performance_noise": 0.0, "habit_weight": 1.0}
    return data


def relationship_strategies() -> dict:
    """Every relationship strategy switched on: levels, types per segment, one-to-one learning
    and customisation, value tiers with fees, termination of negative-value customers,
    cross-selling and up-selling, and a firm changing its relationship levers mid-run."""
    data = with_programmes(market_dict(customers=1000, periods=14, n_firms=3, categories=2))
    data["network"] = {"kind": "small_world", "degree": 4, "rewiring": 0.2}
    data["behaviour"] = {"performance_noise": 0.3}
    data["market"]["warmup_periods"] = 5
    data["segments"][1]["service_intensity"] = {"mean": 1.5, "spread": 0.8}
    data["firms"][0].update({
        "preset": "customer_centric", "relationship_level": "partnership",
        "relationship_types": {"quality driven": "dedicated_personal_assistance"},
        "one_to_one": {"customisation": 0.6, "top_tier_clv": 150.0, "top_tier_service": 0.2,
                       "top_tier_cost": 0.1},
        "customer_management": {"cross_sell": 0.4, "up_sell": 0.2, "terminate_negative_clv": True,
                                "contact_cost": 0.3, "irritation": 0.001,
                                "shrinkage_periods": 6.0,
                                "assessment_periods": 3, "termination_periods": 3,
                                "low_tier_clv": 40.0, "low_tier_fee": 0.3,
                                "low_tier_service_cut": 0.05, "low_tier_saving": 0.1}})
    data["firms"][1].update({"relationship_level": "reactive", "relationship_type": "community",
                             "relationship_types": {"price driven": "co_creation"}})
    data["firms"][2].update({"preset": "accountable_marketing", "strategy": "scheduled",
                             "strategy_params": {"changes": [
                                 {"period": 5, "relationship_level": "proactive",
                                  "customer_management.cross_sell": 0.5,
                                  "one_to_one.customisation": 0.4},
                                 {"period": 9, "relationship_types.price driven": "automated_service",
                                  "customer_management.low_tier_clv": 60.0}]}})
    return data


def default_market() -> dict:
    """The shipped default scenario (five firms, one category), smaller and shorter."""
    path = Path(__file__).resolve().parents[1] / "scenarios" / "default.toml"
    return load_scenario(path).with_overrides(customers=2000, periods=10).model_dump()


def revised_mechanisms() -> dict:
    """Every mechanism of the revised model switched on (brand tastes, performance in
    satisfaction, the logistic defection hazard with delight, forgetting, credibility, personal
    service as a bond, global word of mouth with trials on awareness, spend varying within and
    across customers, dropping out after repeat purchases), two categories, firms of
    unequal base preference, a scheduled price cut."""
    data = with_programmes(market_dict(customers=800, periods=12, n_firms=4, categories=2))
    data["network"] = {"kind": "small_world", "degree": 6, "rewiring": 0.2}
    data["behaviour"] = {"performance_noise": 0.2, "preference_concentration": 0.8,
                         "defection_noise": 0.1, "delight_threshold": 0.1,
                         "delight_weight": 2.0, "awareness_decay": 0.1,
                         "personal_benefit": "bonded", "imitation": 0.3,
                         "trial_on_awareness": True,
                         "spend": {"shape": 6.25, "heterogeneity": 3.74}}
    data["segments"][0].update(performance_weight=1.0, reference_performance=0.9)
    data["segments"][1].update(performance_weight=0.5, dropout={"a": 0.8, "b": 2.4},
                               value_weight=0.7)
    for segment in data["segments"]:
        segment["expectation"] = {"experience": 0.3, "word_of_mouth": 0.1, "promise": 0.1,
                                  "credibility": 0.3, "credibility_word_of_mouth": 0.1}
    data["firms"][2]["promise"] = 1.8          # over-promising, to be found out
    for firm, preference in zip(data["firms"], (3.0, 1.0, 0.5, 0.05)):
        firm["base_preference"] = preference   # the last: a shape far below 1
    data["firms"][3]["offers"].pop("cat1")
    data["firms"][1]["strategy"] = "scheduled"
    data["firms"][1]["strategy_params"] = {"changes": [{"period": 5, "price": 7.0}]}
    data["market"]["warmup_periods"] = 2
    return data


def tenure_profile() -> dict:
    """The revised mechanisms with the tenure profile on (Reichheld and Sasser 1990): spend
    rising and cost to serve falling with tenure, on a time constant short enough for the
    twelve periods."""
    data = revised_mechanisms()
    data["behaviour"]["tenure_profile"] = {"spend_growth": 0.8, "cost_decline": 0.4,
                                           "time_constant": 5.0}
    return data


CASES = [
    pytest.param(one_category_small_world, 1, id="1cat-small_world-seed1"),
    pytest.param(one_category_small_world, 29, id="1cat-small_world-seed29"),
    pytest.param(two_categories_scale_free, 3, id="2cat-scale_free-seed3"),
    pytest.param(two_categories_scale_free, 8, id="2cat-scale_free-seed8"),
    pytest.param(five_firms_adaptive, 5, id="5firms-adaptive-seed5"),
    pytest.param(default_market, 11, id="default-scenario-seed11"),
    pytest.param(relationship_strategies, 4, id="relationship-strategies-seed4"),
    pytest.param(relationship_strategies, 17, id="relationship-strategies-seed17"),
    pytest.param(revised_mechanisms, 6, id="revised-mechanisms-seed6"),
    pytest.param(revised_mechanisms, 21, id="revised-mechanisms-seed21"),
    pytest.param(tenure_profile, 13, id="tenure-profile-seed13"),
]

#: An outside decision applied in some period (as a dashboard would), case by case.
DECISIONS = {five_firms_adaptive: {6: {"firm1": {"price": {"cat1": 8.0}, "promise": 0.9}}}}


def assert_same_customers(engine: MarketModel, reference: ReferenceMarket, when: str) -> None:
    expected = reference.state_arrays()
    for name, actual in engine.population.as_dict().items():
        wanted = expected[name]
        assert actual.dtype == wanted.dtype and actual.shape == wanted.shape, name
        if not np.array_equal(actual, wanted):
            where = np.argwhere(actual != wanted)
            first = tuple(where[0])
            pytest.fail(f"{when}: {name} differs for {len(where)} entries; first at {first}: "
                        f"engine {actual[first]!r}, reference {wanted[first]!r}")


@pytest.mark.parametrize("build, seed, fused", [
    *[pytest.param(*case.values, True, id=case.id) for case in CASES],
    pytest.param(revised_mechanisms, 6, False, id="revised-mechanisms-seed6-phased"),
    pytest.param(tenure_profile, 13, False, id="tenure-profile-seed13-phased"),
])
def test_engine_equals_reference(build, seed, fused):
    scenario = parse_scenario(copy.deepcopy(build()))
    engine = MarketModel(scenario, seed=seed, fused=fused)
    reference = ReferenceMarket(scenario, seed=seed)

    indptr, neighbours = reference.network_arrays()
    np.testing.assert_array_equal(engine.network.indptr, indptr)
    np.testing.assert_array_equal(engine.network.neighbours, neighbours)
    assert_same_customers(engine, reference, "initial population")

    decisions = DECISIONS.get(build, {})
    for t in range(1, scenario.market.periods + 1):
        engine.step(decisions.get(t))
        reference.step(decisions.get(t))
        assert_same_customers(engine, reference, f"period {t}")
        for k, name in enumerate(RAW):
            np.testing.assert_allclose(engine.raw[t - 1, :, k], reference.raw[t - 1, :, k],
                                       rtol=1e-9, atol=1e-9, err_msg=f"period {t}: {name}")

    pd.testing.assert_frame_equal(engine.metrics(), reference.metrics(), rtol=1e-9)

    # The case is not vacuous: customers moved along the whole loyalty ladder.
    totals = dict(zip(RAW, reference.raw.sum(axis=(0, 1))))
    for event in ("acquisitions", "defections", "units"):
        assert totals[event] > 0, event
    if build in (one_category_small_world, two_categories_scale_free):
        assert totals["reactivations"] > 0 and totals["lapses"] > 0
    if build is relationship_strategies:
        for event in ("terminations", "complaints_captured", "directed_units", "fees",
                      "knowledge_sum", "level_cost", "type_cost", "tier_cost"):
            assert totals[event] != 0, event
        state = engine.population
        assert (state.targeting[:, 0] & 1).any() and (state.targeting[:, 0] & 2).any()
        assert (state.targeting[:, 2] != 0).any()  # the low tier switched on mid-run
        assert (state.wom_firm >= 2 * 3).any()     # community and co-creation reach bands
    if build is revised_mechanisms:
        state = engine.population
        assert (state.taste < -5.0).any() and (state.taste > 0.0).any()  # wide tastes drawn
        assert (state.satisfaction > 0.1).any()    # some customers delighted
        assert (state.promise_bias[:, 2] > 0.3).any()  # the over-promiser found out
        assert ((state.dropout > 0) & (state.purchase_rate.sum(axis=1) == 0)).any()  # dropped
    if build is tenure_profile:  # long relationships, well into the profile (h > 0.8)
        assert (engine.population.tenure >= 9).any()


def test_reference_firms_follow_their_strategies():
    """The scheduled price cut reaches customers in the reference model too."""
    scenario = parse_scenario(one_category_small_world())
    reference = ReferenceMarket(scenario, seed=2)
    reference.run(4)
    assert reference.firm("firm2").price == {"cat0": 7.5}
    frame = reference.metrics()
    assert list(frame["period"].unique()) == [1, 2, 3, 4]
