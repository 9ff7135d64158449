"""Each mechanism moves the right way in isolation.

Every comparison runs the same scenario twice with one lever changed and the same seeds
(common random numbers), over several seeds and enough customers that sampling noise is far
smaller than the effect; a mechanism switched off or reversed fails these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from marketsim.market.model import MarketModel
from tests.helpers import market_dict, scenario

SEEDS = (1, 2, 3)
CUSTOMERS = 20_000


def firm_means(data, firm="firm0", last=10, seeds=SEEDS):
    """Per-seed means of firm ``firm``'s metrics over the last ``last`` periods."""
    rows = []
    for seed in seeds:
        model = MarketModel(scenario(data), seed=seed)
        model.run()
        metrics = model.metrics()
        recent = metrics[(metrics["firm"] == firm) & (metrics["period"] > metrics["period"].max() - last)]
        rows.append(recent.mean(numeric_only=True))
    return rows


def compare(base, changed, column, **kwargs):
    """Per-seed (changed - base) differences of a metric."""
    a = firm_means(base, **kwargs)
    b = firm_means(changed, **kwargs)
    return np.array([y[column] - x[column] for x, y in zip(a, b)])


def test_raising_quality_raises_satisfaction_and_retention():
    base = market_dict(customers=CUSTOMERS, periods=25)
    better = market_dict(customers=CUSTOMERS, periods=25)
    better["firms"][0]["offers"]["cat0"]["quality"] = 0.8
    assert (compare(base, better, "mean_satisfaction") > 0.02).all()
    assert (compare(base, better, "retention") > 0.002).all()
    assert (compare(base, better, "market_share_units") > 0.02).all()


def test_raising_switching_cost_lowers_churn():
    base = market_dict(customers=CUSTOMERS, periods=25)
    for firm in base["firms"]:
        firm["retention"] = {"structural_investment": 0.6}
    tied = market_dict(customers=CUSTOMERS, periods=25)
    for firm in tied["firms"]:
        firm["retention"] = {"structural_investment": 0.6}
    for segment in tied["segments"]:
        segment["tie_response"] = {"financial": 0.2, "social": 0.3, "structural": 3.0}
    churn_change = compare(base, tied, "churn")
    assert (churn_change < 0).all(), churn_change
    # and the structural tie itself is what differs, not the offers
    assert np.allclose(compare(base, tied, "tie_structural"), 0, atol=0.05)


def test_over_promising_wins_attention_then_disappoints():
    honest = market_dict(customers=CUSTOMERS, periods=25)
    over = market_dict(customers=CUSTOMERS, periods=25)
    over["firms"][0]["promise"] = 1.7  # delivers about 1.1
    # satisfaction of its customers after purchase falls
    assert (compare(honest, over, "mean_satisfaction") < -0.05).all()
    # while the promise first raises expectations and wins buyers
    early = compare(honest, over, "mean_expectation", last=25)
    assert (early > 0.05).all()
    first = compare(honest, over, "acquisitions", last=25)
    assert (first > 0).all()


def test_advertising_budget_raises_awareness_with_diminishing_returns():
    levels = [0.0, 2000.0, 4000.0, 8000.0]
    awareness = []
    for budget in levels:
        data = market_dict(customers=CUSTOMERS, periods=4)
        data["firms"][0]["acquisition_budget"] = budget
        data["firms"][0]["initial_awareness"] = 0.0
        data["firms"][0]["initial_share"] = 0.0
        awareness.append(np.mean([m["awareness"] for m in firm_means(data, last=1, seeds=(1,))]))
    gains = np.diff(awareness)
    assert (gains > 0).all()
    assert gains[1] / 2000 > gains[2] / 4000  # returns per unit of budget fall


def test_complaints_travel_further_than_praise():
    """With complaints reaching more neighbours, a disappointing firm's expectations fall faster."""
    def with_reach(reach):
        data = market_dict(customers=CUSTOMERS, periods=12)
        data["behaviour"] = {"complaint_reach": reach}
        data["firms"][0]["offers"]["cat0"]["quality"] = 0.3  # disappoints
        data["segments"][0]["word_of_mouth"] = 0.3
        data["segments"][1]["word_of_mouth"] = 0.3
        return data
    change = compare(with_reach(1.0), with_reach(3.0), "mean_expectation", last=6)
    assert (change < 0).all(), change


@pytest.mark.parametrize("tie", ["reward_rate", "personal_service", "structural_investment"])
def test_each_tie_lowers_churn(tie):
    base = market_dict(customers=CUSTOMERS, periods=25)
    programme = market_dict(customers=CUSTOMERS, periods=25)
    programme["firms"][0]["retention"] = {tie: 0.5 if tie != "reward_rate" else 0.1}
    assert (compare(base, programme, "churn") < 0).all()
