"""The revised mechanisms of issue #18 do what their sources say, and their neutral settings
switch them off.

Each test runs a small market built to isolate one mechanism and checks a statistical claim
with a tolerance derived from the sampling error, on enough customers that a broken (or
missing) mechanism fails it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import marketsim
from tests.helpers import market_dict


# ----------------------------------------------------------------------------- forgetting
def forgetting_market(decay: float, reach: float, customers: int = 20_000) -> dict:
    """Nobody buys, so every customer stays a non-customer; firm0 advertises with weekly reach
    ``reach``, firm1 does not; everyone starts aware of both."""
    data = market_dict(customers=customers, periods=60, n_firms=2)
    for segment in data["segments"]:
        segment["purchase_rate"] = {"cat0": {"mean": 0.0}}
        segment["word_of_mouth"] = 0.0
    cost = 10_000.0
    for firm, budget in zip(data["firms"], (-cost * math.log(1.0 - reach), 0.0)):
        firm.update(initial_share=0.0, initial_awareness=1.0, acquisition_budget=budget,
                    reach_cost=cost)
    data["behaviour"] = {"awareness_decay": decay}
    return data


def test_awareness_settles_where_reach_and_forgetting_balance():
    """Among non-customers, awareness follows A' = A (r + (1 - r)(1 - delta)) + (1 - A) r, whose
    fixed point is r / (r + (1 - r) delta) (Nerlove and Arrow 1962 in discrete time); without
    advertising it decays geometrically, (1 - delta)^t."""
    reach, decay, customers = 0.05, 0.1, 20_000
    result = marketsim.run(forgetting_market(decay, reach, customers), seed=3)
    awareness = result.metrics.pivot(index="period", columns="firm", values="awareness")
    steady = reach / (reach + (1.0 - reach) * decay)
    late = awareness["firm0"].iloc[-20:].mean()
    # 20 correlated periods of one population: the SD of their mean is at most one period's
    se = math.sqrt(steady * (1 - steady) / customers)
    assert abs(late - steady) < 4 * se, (late, steady)
    t = np.arange(1, len(awareness) + 1)
    np.testing.assert_allclose(awareness["firm1"].to_numpy()[:20], (1 - decay) ** t[:20],
                               atol=4 * math.sqrt(0.25 / customers))


def test_without_forgetting_awareness_only_grows():
    result = marketsim.run(forgetting_market(0.0, 0.05, 5_000), seed=3)
    awareness = result.metrics.pivot(index="period", columns="firm", values="awareness")
    assert (awareness == 1.0).all().all()


# -------------------------------------------------------------------------- satisfaction
def quality_market(performance_weight: float) -> dict:
    """Two honest firms alike but in quality (0.8 against 0.5, each promising what it
    delivers), so expectations converge on each firm's performance."""
    data = market_dict(customers=20_000, periods=60, n_firms=2)
    for firm, quality in zip(data["firms"], (0.8, 0.5)):
        firm["offers"]["cat0"]["quality"] = quality
        firm["promise"] = quality + firm["service"]
        firm["initial_share"] = 0.4
    for segment in data["segments"]:
        segment["performance_weight"] = performance_weight
        segment["reference_performance"] = 1.2
    return data


def long_run_satisfaction(performance_weight: float) -> dict[str, float]:
    result = marketsim.run(quality_market(performance_weight), seed=5)
    late = result.metrics[result.metrics["period"] > 40]
    return late.groupby("firm", observed=True)["mean_satisfaction"].mean().to_dict()


def test_quality_leaves_a_lasting_satisfaction_advantage():
    """With performance in satisfaction (alpha_P = 1) the better firm's customers stay more
    satisfied once expectations have caught up. Each purchase's satisfaction differs by
    alpha_P times the quality gap (0.3) on average; the mean over a firm's customers is smaller
    than that, because new customers start from S = 0 and the worse firm's least satisfied
    customers leave first, so the test asks for at least a third of it and at most all of it.
    With disconfirmation alone both settle at the same (slightly negative) level: the audit's
    finding (the gap's sampling SD is about 0.002 here)."""
    with_quality = long_run_satisfaction(1.0)
    gap = with_quality["firm0"] - with_quality["firm1"]
    assert 0.1 < gap < 0.3 + 0.02, with_quality
    assert with_quality["firm0"] > 0.0 > with_quality["firm1"]
    alone = long_run_satisfaction(0.0)
    assert abs(alone["firm0"] - alone["firm1"]) < 0.02


# ---------------------------------------------------------------------- cross-selling
def cross_selling_profit(effort: float, contact_cost: float, irritation: float, seed: int):
    """firm0's total profit over a year with cross-selling ``effort`` (up-selling half of it)
    among three alike firms in two categories."""
    data = market_dict(customers=10_000, periods=52, n_firms=3, categories=2)
    data["market"]["warmup_periods"] = 8
    data["firms"][0]["customer_management"] = {
        "cross_sell": effort, "up_sell": effort / 2, "contact_cost": contact_cost,
        "irritation": irritation}
    metrics = marketsim.run(data, seed=seed).metrics
    return metrics.loc[metrics["firm"] == "firm0", "profit"].sum()


@pytest.mark.parametrize("seed", [1, 2])
def test_cross_selling_has_an_interior_optimum_once_contacts_cost_and_irritate(seed):
    """With a contact cost (0.3 per mail contact) and irritation beyond one contact a period
    (psi = 0.05; Godfrey, Seiders and Voss 2011), profit rises from no cross-selling to a
    modest effort and falls well below it at a heavy one; free contacts make more always
    better (the validity audit's finding). Paired seeds; the differences are several times
    the seed-to-seed spread of profit (under 1%)."""
    costly = {e: cross_selling_profit(e, 0.3, 0.05, seed) for e in (0.0, 0.025, 0.1)}
    assert costly[0.025] > 1.02 * costly[0.0]
    assert costly[0.1] < 0.5 * costly[0.025]
    free = [cross_selling_profit(e, 0.0, 0.0, seed) for e in (0.0, 0.025, 0.1)]
    assert free[0] < free[1] < free[2]


# -------------------------------------------------------------------------- termination
def termination_profit(terminate: bool, spread: float, shrinkage: float, seed: int):
    """firm0's profit over a year with personal assistance (cost to serve 0.9 a period times
    each customer's service intensity, log-normal with ``spread``) and termination of
    customers whose predicted lifetime value is negative."""
    data = market_dict(customers=10_000, periods=52, n_firms=3)
    data["market"]["warmup_periods"] = 8
    for segment in data["segments"]:
        segment["service_intensity"] = {"mean": 1.0, "spread": spread}
    data["firms"][0].update(relationship_type="personal_assistance", customer_management={
        "terminate_negative_clv": terminate, "shrinkage_periods": shrinkage,
        "assessment_periods": 8})
    metrics = marketsim.run(data, seed=seed).metrics
    return metrics.loc[metrics["firm"] == "firm0", "profit"].sum()


@pytest.mark.parametrize("seed", [1, 2])
def test_terminating_customers_that_cost_more_than_they_bring_raises_profit(seed):
    """Where customers differ in cost to serve (service intensity log-normal, sigma 1: Niraj,
    Gupta and Narasimhan 2001; Shah et al. 2012), terminating those whose predicted value is
    negative raises the firm's profit by well over 5% (measured +17% and +20%), and predicting
    from margins shrunk toward the firm's mean (8 periods' weight) does better than from each
    customer's own short average, which mistakes Poisson luck for value (Malthouse and
    Blattberg 2005). Paired seeds."""
    keep = termination_profit(False, 1.0, 8.0, seed)
    shrunk = termination_profit(True, 1.0, 8.0, seed)
    raw = termination_profit(True, 1.0, 0.0, seed)
    assert shrunk > 1.05 * keep
    assert shrunk > raw


def value_market(performance_weight: float, value_weight: float) -> dict:
    """A dear, better firm (quality 0.8, price 10) and a cheap, plainer one (quality 0.5,
    price 7), each the better value for one of the two segments (price sensitivity 1.5 and
    0.7), honest promises."""
    data = quality_market(performance_weight)
    data["firms"][1]["offers"]["cat0"]["price"] = 7.0
    for segment in data["segments"]:
        segment["value_weight"] = value_weight
    return data


def test_a_cheap_brand_chosen_for_its_price_can_satisfy():
    """With satisfaction on performance against a fixed norm, the plainer brand's customers
    are dissatisfied whatever price they chose it for; with value for money against the brands
    they know (the ACSI's perceived value), its customers are satisfied too. The gap between
    the two settings is far beyond the sampling SD of a firm's mean satisfaction (about
    0.002 here)."""
    def long_run(performance_weight, value_weight):
        metrics = marketsim.run(value_market(performance_weight, value_weight), seed=5).metrics
        late = metrics[metrics["period"] > 40]
        return late.groupby("firm", observed=True)["mean_satisfaction"].mean().to_dict()

    by_quality = long_run(1.0, 0.0)
    by_value = long_run(0.0, 1.0)
    assert by_quality["firm1"] < -0.05
    assert by_value["firm1"] > 0.0
    assert by_value["firm1"] - by_quality["firm1"] > 0.1


# ------------------------------------------------------------------ Kotler's grid (corners)
def level_profit(level: str, customers: int, rate: float, unit_cost: float, seed: int):
    """firm0's profit over a year at a relationship level, among three firms alike, with the
    category's total volume held fixed (purchase rate times customers) and the margin set by
    the unit cost (price 10)."""
    data = market_dict(customers=customers, periods=52, n_firms=3)
    data["market"]["warmup_periods"] = 8
    for segment in data["segments"]:
        segment["purchase_rate"] = {"cat0": {"mean": rate, "shape": 1.5}}
    for firm in data["firms"]:
        firm["offers"]["cat0"]["unit_cost"] = unit_cost
        firm["acquisition_budget"] = 1000.0 * customers / 5000   # the same reach
    data["firms"][0]["relationship_level"] = level
    metrics = marketsim.run(data, seed=seed).metrics
    return metrics.loc[metrics["firm"] == "firm0", "profit"].sum()


@pytest.mark.parametrize("seed", [1, 2])
def test_which_relationship_level_pays_follows_kotlers_diagonal(seed):
    """Kotler's grid (Marketing Management; seed 001): many customers at a thin margin call for
    basic marketing, few customers at a fat margin for partnership. With the category's volume
    held fixed (20,000 customers buying once a period at a margin of 1.5 against 2,000 buying
    ten times at a margin of 6), the level costs per customer and period
    (marketsim.market.relationship.LEVEL_EFFECTS) make partnership lose money in the first
    corner and earn most in the second. The gaps are many times the seed-to-seed spread."""
    levels = ("basic", "partnership")
    many_thin = {level: level_profit(level, 20_000, 1.0, 8.5, seed) for level in levels}
    few_fat = {level: level_profit(level, 2_000, 10.0, 4.0, seed) for level in levels}
    assert many_thin["basic"] > many_thin["partnership"]
    assert few_fat["partnership"] > 1.5 * few_fat["basic"]
