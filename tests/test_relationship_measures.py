"""Relationship measures and breakdowns against values computed by hand on a tiny state."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from marketsim.kernels.layout import EX_CUSTOMER, FIRST_TIME, PROSPECT, REGULAR
from marketsim.measures.costs import cost_to_serve, programme_costs
from marketsim.measures.relationship_measures import (
    breakdown,
    category_breakdown,
    customer_pairs,
    net_promoters,
    satisfaction_distribution,
    satisfaction_loyalty,
    segment_breakdown,
    tenure_distribution,
    tie_decomposition,
)

FIRMS = ["A", "B", "C"]        # C has no customers
SEGMENTS = ["s0", "s1"]


def tiny_state() -> dict:
    """Four customers, three firms.

    A holds customers 0 (regular), 1 (regular), 2 (first-time); B holds 0 (regular) and 3
    (first-time); customer 3 is an ex-customer of A; nobody is a customer of C.
    """
    status = np.array([[REGULAR, REGULAR, PROSPECT],
                       [REGULAR, PROSPECT, PROSPECT],
                       [FIRST_TIME, PROSPECT, PROSPECT],
                       [EX_CUSTOMER, FIRST_TIME, PROSPECT]], np.int8)
    satisfaction = np.array([[0.2, -0.1, 0], [0.05, 0, 0], [-0.05, 0, 0], [0.3, 0.0, 0]],
                            np.float32)
    tie_financial = np.array([[1.0, 0, 0], [0.5, 0, 0], [0, 0, 0], [0, 0.2, 0]], np.float32)
    tie_social = np.array([[0.5, 0, 0], [0.5, 0, 0], [0.2, 0, 0], [0, 0, 0]], np.float32)
    tie_structural = np.array([[0.1, 0, 0], [0.3, 0, 0], [0.2, 0, 0], [0, 0.4, 0]], np.float32)
    tenure = np.array([[10, 4, 0], [6, 0, 0], [1, 0, 0], [0, 2, 0]], np.uint16)
    window_spend = np.array([[30.0, 10.0, 0], [20.0, 0, 0], [5.0, 0, 0], [0, 8.0, 0]],
                            np.float32)
    return {
        "segment": np.array([0, 1, 1, 0], np.uint8),
        "status": status, "satisfaction": satisfaction, "tie_financial": tie_financial,
        "tie_social": tie_social, "tie_structural": tie_structural, "tenure": tenure,
        "recency": np.zeros((4, 3), np.uint8), "window_spend": window_spend,
        "cumulative_margin": np.array([[12.0, 3.0, 0], [8.0, 0, 0], [1.0, 0, 0], [0, 2.0, 0]],
                                      np.float32),
    }


@pytest.fixture
def pairs():
    return customer_pairs(tiny_state(), FIRMS, SEGMENTS)


def test_customer_pairs_are_the_current_customers(pairs):
    assert list(zip(pairs["customer_id"], pairs["firm"].astype(str))) == [
        (0, "A"), (0, "B"), (1, "A"), (2, "A"), (3, "B")]
    assert pairs["share_of_customer"].tolist() == pytest.approx([0.75, 0.25, 1.0, 1.0, 1.0])
    assert pairs["segment"].astype(str).tolist() == ["s0", "s0", "s1", "s1", "s0"]
    assert pairs["status"].astype(str).tolist() == ["regular", "regular", "regular",
                                                    "first_time", "first_time"]
    everyone = customer_pairs(tiny_state(), FIRMS, SEGMENTS, current_only=False)
    assert len(everyone) == 12


def test_net_promoters_with_the_word_of_mouth_thresholds(pairs):
    table = net_promoters(pairs, FIRMS, praise_threshold=0.05, complaint_threshold=0.05)
    # A: satisfaction 0.2, 0.05, -0.05 -> promoter, promoter (at the threshold), detractor
    assert table.loc["A", "customers"] == 3
    assert table.loc["A", "promoters"] == pytest.approx(2 / 3)
    assert table.loc["A", "detractors"] == pytest.approx(1 / 3)
    assert table.loc["A", "net_promoter_share"] == pytest.approx(1 / 3)
    # B: -0.1 (detractor), 0.0 (passive)
    assert table.loc["B", "net_promoter_share"] == pytest.approx(-0.5)
    assert table.loc["B", "passives"] == pytest.approx(0.5)
    assert table.loc["C", "customers"] == 0 and math.isnan(table.loc["C", "net_promoter_share"])


def test_satisfaction_distribution(pairs):
    table = satisfaction_distribution(pairs, FIRMS, bins=(-np.inf, 0.0, 0.1, np.inf))
    assert table.loc["A"].tolist() == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert table.loc["B"].tolist() == pytest.approx([0.5, 0.5, 0.0])  # 0.0 falls in [0, 0.1)
    assert table.loc["C"].isna().all()


def test_tenure_distribution(pairs):
    table = tenure_distribution(pairs, FIRMS)
    assert table.loc["A", "mean"] == pytest.approx((10 + 6 + 1) / 3)
    assert table.loc["A", "median"] == 6
    assert table.loc["B", "p25"] == pytest.approx(2.5)  # tenures 2 and 4
    assert table.loc["C", "customers"] == 0


def test_tie_decomposition_weights_each_tie_by_the_segment(pairs):
    response = pd.DataFrame({"financial": [0.2, 1.0], "social": [0.3, 1.0],
                             "structural": [0.5, 1.0]}, index=SEGMENTS)
    table = tie_decomposition(pairs, FIRMS, response)
    # A: customer 0 (s0): 0.2*1 + 0.3*0.5 + 0.5*0.1; customers 1, 2 (s1): weights 1
    assert table.loc["A", "tie_financial"] == pytest.approx(0.5)
    assert table.loc["A", "cost_financial"] == pytest.approx((0.2 + 0.5 + 0) / 3)
    assert table.loc["A", "cost_social"] == pytest.approx((0.15 + 0.5 + 0.2) / 3)
    assert table.loc["A", "cost_structural"] == pytest.approx((0.05 + 0.3 + 0.2) / 3, rel=1e-6)
    assert table.loc["A", "switching_cost"] == pytest.approx((0.4 + 1.3 + 0.4) / 3, rel=1e-6)
    assert table.loc["B", "cost_structural"] == pytest.approx(0.5 * 0.4 / 2, rel=1e-6)
    assert math.isnan(table.loc["C", "switching_cost"])


def test_satisfaction_loyalty_curve(pairs):
    curve = satisfaction_loyalty(pairs, bins=[-1.0, 0.0, 1.0])
    pooled = curve[curve["firm"] == "all"].set_index("bin")
    # [-1, 0]: -0.1 (soc .25), -0.05 (1.0), 0.0 (1.0); (0, 1]: 0.2 (.75), 0.05 (1.0)
    assert pooled["pairs"].tolist() == [3, 2]
    assert pooled["share_of_customer"].tolist() == pytest.approx([0.75, 0.875])
    a = curve[curve["firm"] == "A"]
    assert a["share_of_customer"].tolist() == pytest.approx([1.0, 0.875])


def test_breakdown_by_firm_segment_status(pairs):
    table = breakdown(pairs, by=["firm", "status"])
    assert table.loc[("A", "regular"), "customers"] == 2
    assert table.loc[("A", "regular"), "cumulative_margin"] == pytest.approx(10.0)
    assert table.loc[("B", "first_time"), "tenure"] == 2
    by_segment = breakdown(pairs, by="segment")
    assert by_segment.loc["s0", "customers"] == 3
    with pytest.raises(ValueError, match="cannot break down"):
        breakdown(pairs, by="colour")


def metrics_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "period": [1, 1, 2, 2], "firm": ["A", "B", "A", "B"],
        "revenue": [100.0, 50.0, 100.0, 50.0], "customers": [10, 5, 10, 5],
        "reward_cost": [5.0, 0.0, 5.0, 0.0], "service_cost": [4.0, 0.0, 4.0, 0.0],
        "tie_financial": [0.1, 0, 0.3, 0], "tie_social": [0.2, 0, 0.2, 0],
        "tie_structural": [0.0, 0, 0.1, 0],
    })


def levers_frame() -> pd.DataFrame:
    return pd.DataFrame({"personal_service": [0.5, 0.0], "personal_service_cost": [0.6, 0.0],
                         "structural_investment": [0.1, 0.0], "structural_cost": [1.0, 0.0]},
                        index=["A", "B"])


def test_programme_costs_split_the_cost_to_serve():
    table = programme_costs(metrics_frame(), levers_frame()).set_index(["firm", "programme"])
    # A: service cost 8 split 0.3 : 0.1 between personal service and structure
    assert table.loc[("A", "reward points"), "cost"] == pytest.approx(10.0)
    assert table.loc[("A", "personal service"), "cost"] == pytest.approx(6.0)
    assert table.loc[("A", "structural investment"), "cost"] == pytest.approx(2.0)
    assert table.loc[("A", "reward points"), "cost_per_customer_period"] == pytest.approx(0.5)
    assert table.loc[("A", "reward points"), "cost_share_of_revenue"] == pytest.approx(0.05)
    assert table.loc[("A", "reward points"), "mean_tie"] == pytest.approx(0.2)
    assert table.loc[("B", "personal service"), "cost"] == 0


def test_cost_to_serve_without_segments_is_one_row_per_firm():
    table = cost_to_serve(metrics_frame(), levers_frame()).set_index("firm")
    assert table.loc["A", "relationship_type"] == "all"
    # the metrics' cost_to_serve: service cost 8, no relationship cost; rewards beside it
    assert table.loc["A", "cost_to_serve"] == pytest.approx(8.0)
    assert table.loc["A", "reward_cost"] == pytest.approx(10.0)
    assert table.loc["A", "per_customer_period"] == pytest.approx(0.4)
    assert table.loc["B", "per_customer_period"] == 0


def strategy_metrics() -> pd.DataFrame:
    # A: level reactive (0.05 per customer), s0 personal assistance (0.2), s1 self service;
    # relationship cost: period 1 = 0.05 x 10 + 0.2 x 4 + 0.3 of tiers, period 2 = 0.5 + 0.2 x 5
    return metrics_frame().assign(relationship_cost=[1.6, 0.0, 1.5, 0.0],
                                  fees=[1.0, 0.0, 0.0, 0.0],
                                  cost_to_serve=[5.6, 0.0, 5.5, 0.0])


def strategy_types() -> pd.DataFrame:
    return pd.DataFrame({"firm": ["A", "A", "B", "B"], "segment": SEGMENTS * 2,
                         "relationship_type": ["personal_assistance", "self_service",
                                               "self_service", "self_service"],
                         "level_cost": [0.05, 0.05, 0.0, 0.0], "type_cost": [0.2, 0.0, 0.0, 0.0]})


def test_cost_to_serve_by_relationship_type_by_hand():
    held = pd.DataFrame({"period": [1, 1, 1, 1, 2, 2, 2, 2], "firm": ["A", "A", "B", "B"] * 2,
                         "segment": SEGMENTS * 4, "customers": [4, 6, 5, 0, 5, 5, 5, 0]})
    metrics = strategy_metrics()
    table = cost_to_serve(metrics, levers_frame(), strategy_types(), held)
    table = table.set_index(["firm", "relationship_type"])
    personal = table.loc[("A", "personal_assistance")]
    assert personal["segments"] == "s0" and personal["customer_periods"] == 9
    assert personal["type_cost"] == pytest.approx(0.2 * 4 + 0.2 * 5)
    assert personal["level_cost"] == pytest.approx(0.05 * 9)
    assert personal["tier_cost"] == pytest.approx(0.3 * 0.4)  # tiers follow customers
    # service cost 4 per period by customers (0.4, 0.5), split 3 : 1 (levers)
    assert personal["personal_service_cost"] == pytest.approx(0.75 * (1.6 + 2.0))
    assert personal["structural_cost"] == pytest.approx(0.25 * (1.6 + 2.0))
    assert personal["cost_to_serve"] == pytest.approx(3.6 + 0.45 + 1.8 + 0.12)
    assert personal["per_customer_period"] == pytest.approx(5.97 / 9)
    assert personal["fees"] == pytest.approx(0.4)
    own = table.loc[("A", "self_service")]
    assert own["cost_to_serve"] == pytest.approx(4.4 + 0.55 + 0.0 + 0.18)
    assert table.loc[("B", "self_service"), "segments"] == "s0, s1"
    # the rows of a firm add up to its metrics totals
    firm_totals = table.groupby(level="firm")[["cost_to_serve", "fees", "reward_cost"]].sum()
    booked = metrics.groupby("firm")[["cost_to_serve", "fees", "reward_cost"]].sum()
    pd.testing.assert_frame_equal(firm_totals, booked, check_names=False)


def test_cost_to_serve_with_the_end_of_run_mix_only():
    held = pd.DataFrame({"firm": ["A", "A", "B", "B"], "segment": SEGMENTS * 2,
                         "customers": [1, 3, 5, 0]})
    table = cost_to_serve(strategy_metrics(), levers_frame(), strategy_types(), held)
    a = table[table["firm"] == "A"].set_index("relationship_type")
    # the end mix (a quarter in s0) stands in for every period's 10 customers
    assert a.loc["personal_assistance", "customer_periods"] == pytest.approx(2.5 + 2.5)
    assert a["cost_to_serve"].sum() == pytest.approx(11.1)
    assert a.loc["personal_assistance", "type_cost"] == pytest.approx(0.2 * 5)
    assert a.loc["personal_assistance", "personal_service_cost"] == pytest.approx(0.75 * 2)


def tiny_log() -> pd.DataFrame:
    frame = pd.DataFrame([(1, 0, "A", "x", 2, 20.0), (1, 1, "A", "x", 1, 10.0),
                          (2, 0, "B", "y", 1, 5.0), (2, 3, "B", "x", 1, 10.0)],
                         columns=["period", "customer_id", "firm", "category", "units", "revenue"])
    frame["firm"] = pd.Categorical(frame["firm"], categories=FIRMS)
    frame["category"] = pd.Categorical(frame["category"], categories=["x", "y"])
    return frame


def test_category_and_segment_breakdowns():
    table = category_breakdown(tiny_log())
    assert table.loc[("x", "A"), "buyers"] == 2
    assert table.loc[("x", "A"), "market_share_units"] == pytest.approx(0.75)
    assert table.loc[("y", "B"), "market_share_revenue"] == pytest.approx(1.0)
    assert table.loc[("x", "C"), "units"] == 0  # the firm with no buyers is listed
    empty = category_breakdown(tiny_log(), periods=[9])  # a window with no purchases
    assert (empty["units"] == 0).all() and empty["market_share_units"].isna().all()
    seg = segment_breakdown(tiny_log(), np.array([0, 1, 1, 0]), SEGMENTS)
    # s0 = customers 0 and 3: A 20, B 15 -> shares 20/35, 15/35
    assert seg.loc[("s0", "A"), "share_of_segment_revenue"] == pytest.approx(20 / 35)
    assert seg.loc[("s1", "A"), "buyers"] == 1
