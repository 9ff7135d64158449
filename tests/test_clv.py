"""Lifetime value, customer equity, whale curve and RFM against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from marketsim.measures.clv import (
    customer_equity,
    margin_log,
    predicted_clv,
    predicted_clv_by_firm,
    realised_clv,
    rfm,
    whale_curve,
)

FIRMS = ["A", "B", "C"]  # C never sells: the firm with no buyers
UNIT_COSTS = {"A": {"x": 4.0, "y": 2.0}, "B": {"x": 5.0}}
REWARDS = {"A": 0.1}


def tiny_log() -> pd.DataFrame:
    """Five purchases by two customers over three periods.

    margins (revenue - units x unit cost - reward rate x revenue):
      p1 c0 A x 2u 20 -> 20 - 8 - 2   = 10
      p2 c0 A x 1u 10 -> 10 - 4 - 1   = 5
      p2 c0 A y 1u  6 ->  6 - 2 - 0.6 = 3.4
      p3 c0 B x 1u 12 -> 12 - 5 - 0   = 7
      p3 c1 A x 3u 30 -> 30 - 12 - 3  = 15
    """
    rows = [(1, 0, "A", "x", 2, 20.0), (2, 0, "A", "x", 1, 10.0), (2, 0, "A", "y", 1, 6.0),
            (3, 0, "B", "x", 1, 12.0), (3, 1, "A", "x", 3, 30.0)]
    frame = pd.DataFrame(rows, columns=["period", "customer_id", "firm", "category", "units",
                                        "revenue"])
    frame["firm"] = pd.Categorical(frame["firm"], categories=FIRMS)
    frame["category"] = pd.Categorical(frame["category"], categories=["x", "y"])
    return frame


def clv_of(table, customer, firm):
    row = table[(table["customer_id"] == customer) & (table["firm"] == firm)]
    assert len(row) == 1
    return row.iloc[0]


def test_margin_log_by_hand():
    log = margin_log(tiny_log(), unit_costs=UNIT_COSTS, reward_rates=REWARDS)
    assert log["margin"].tolist() == pytest.approx([10.0, 5.0, 3.4, 7.0, 15.0])
    assert log["cost_of_goods"].tolist() == pytest.approx([8.0, 4.0, 2.0, 5.0, 12.0])


def test_realised_clv_discounts_each_period_to_the_first():
    table = realised_clv(tiny_log(), discount_rate=0.1, unit_costs=UNIT_COSTS,
                         reward_rates=REWARDS)
    assert len(table) == 3
    assert clv_of(table, 0, "A")["clv"] == pytest.approx(10 + 8.4 / 1.1)
    assert clv_of(table, 0, "A")["margin"] == pytest.approx(18.4)
    assert clv_of(table, 0, "B")["clv"] == pytest.approx(7 / 1.21)
    assert clv_of(table, 1, "A")["clv"] == pytest.approx(15 / 1.21)
    assert clv_of(table, 0, "A")["purchases"] == 3 and clv_of(table, 0, "A")["units"] == 4
    assert (table["serve_cost"] == 0).all()
    # firms in the log's order, most valuable customer first
    assert table["firm"].tolist() == ["A", "A", "B"]
    assert table["customer_id"].tolist() == [0, 1, 0]


def test_realised_clv_window_and_zero_discount():
    table = realised_clv(tiny_log(), discount_rate=0.0, unit_costs=UNIT_COSTS,
                         reward_rates=REWARDS, periods=[2, 3])
    assert clv_of(table, 0, "A")["clv"] == pytest.approx(8.4)
    assert clv_of(table, 1, "A")["clv"] == pytest.approx(15.0)


def test_realised_clv_reconciles_costs_with_the_metrics_and_allocates_cost_to_serve():
    # period 1: the engine booked twice the scenario's cost of goods for A and a 20% reward
    metrics = pd.DataFrame({
        "period": [1, 1, 1, 2, 2, 2, 3, 3, 3],
        "firm": FIRMS * 3,
        "revenue": [20.0, 0, 0, 16.0, 0, 0, 30.0, 12.0, 0],
        "cost_of_goods": [16.0, 0, 0, 6.0, 0, 0, 12.0, 5.0, 0],
        "reward_cost": [4.0, 0, 0, 1.6, 0, 0, 3.0, 0, 0],
        "service_cost": [2.0, 0, 0, 0, 0, 0, 6.0, 0, 0],
    })
    table = realised_clv(tiny_log(), discount_rate=0.1, unit_costs=UNIT_COSTS, metrics=metrics,
                         lapse_periods=1)
    # period 1 margin of c0 at A: 20 - 16 - 4 = 0; period 2 unchanged (5 + 3.4)
    a0 = clv_of(table, 0, "A")
    # A serves 2 in period 1 (only c0 held) and 6 in period 3 (c0 held until 2 + 1 = 3, c1 from 3)
    assert a0["serve_cost"] == pytest.approx(2 + 3 / 1.21)
    assert a0["clv"] == pytest.approx(0 + 8.4 / 1.1 - (2 + 3 / 1.21))
    a1 = clv_of(table, 1, "A")
    assert a1["serve_cost"] == pytest.approx(3 / 1.21)
    assert table["serve_cost"].sum() == pytest.approx(2 + 6 / 1.21)  # firm totals are exact


def test_customer_equity_and_the_firm_with_no_buyers():
    table = realised_clv(tiny_log(), discount_rate=0.1, unit_costs=UNIT_COSTS,
                         reward_rates=REWARDS)
    equity = customer_equity(table, FIRMS)
    assert list(equity.index) == FIRMS
    assert equity.loc["A", "customer_equity"] == pytest.approx(10 + 8.4 / 1.1 + 15 / 1.21)
    assert equity.loc["A", "customers"] == 2
    assert equity.loc["A", "top20_share"] == pytest.approx((10 + 8.4 / 1.1) / (10 + 8.4 / 1.1 + 15 / 1.21))
    assert equity.loc["B", "customer_equity"] == pytest.approx(7 / 1.21)
    assert equity.loc["C", "customers"] == 0 and equity.loc["C", "customer_equity"] == 0
    assert math.isnan(equity.loc["C", "mean_clv"])


def test_a_window_with_no_purchases():
    empty = realised_clv(tiny_log(), discount_rate=0.1, periods=[7])
    assert empty.empty and "clv" in empty.columns
    equity = customer_equity(empty, FIRMS)
    assert equity["customers"].tolist() == [0, 0, 0]
    assert equity["customer_equity"].tolist() == [0.0, 0.0, 0.0]
    assert whale_curve(empty).empty
    assert rfm(tiny_log(), periods=[7]).empty


def test_whale_curve_by_hand_with_an_unprofitable_customer():
    clv = pd.DataFrame({"firm": ["A", "A", "A", "B"], "clv": [5.0, -5.0, 10.0, 0.0]})
    whale = whale_curve(clv)
    a = whale[whale["firm"] == "A"]
    assert a["value"].tolist() == [10.0, 5.0, -5.0]
    assert a["profit_share"].tolist() == pytest.approx([1.0, 1.5, 1.0])  # the hump above 100%
    assert a["customer_share"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert whale[whale["firm"] == "B"]["profit_share"].isna().all()  # total 0


def test_predicted_clv_closed_form_and_horizon():
    q = 0.8 / 1.1
    assert predicted_clv(10, 0.8, 0.1) == pytest.approx(10 / (1 - q))
    assert predicted_clv(10, 0.8, 0.1) == pytest.approx(10 * 1.1 / (1.1 - 0.8))
    assert predicted_clv(10, 0.8, 0.1, horizon=3) == pytest.approx(10 * (1 + q + q * q))
    assert predicted_clv(10, 0.8, 0.1, horizon=0) == 0
    assert predicted_clv(10, 1.0, 0.0, horizon=5) == pytest.approx(50)
    # the finite sum tends to the closed form
    assert predicted_clv(10, 0.8, 0.1, horizon=500) == pytest.approx(predicted_clv(10, 0.8, 0.1))
    assert predicted_clv(np.array([1.0, 2.0]), 0.5, 0.0).tolist() == pytest.approx([2.0, 4.0])
    with pytest.raises(ValueError, match="diverges"):
        predicted_clv(10, 1.0, 0.0)
    with pytest.raises(ValueError, match="retention"):
        predicted_clv(10, 1.2, 0.1)
    with pytest.raises(ValueError, match="discount_rate"):
        predicted_clv(10, 0.5, -0.1)


def test_predicted_clv_by_firm_from_metrics():
    metrics = pd.DataFrame({
        "period": [1, 1, 2, 2], "firm": ["A", "C", "A", "C"],
        "revenue": [100.0, 0, 100.0, 0], "cost_of_goods": [40.0, 0, 40.0, 0],
        "reward_cost": [0.0, 0, 0.0, 0], "service_cost": [10.0, 0, 10.0, 0],
        "customers": [10, 0, 10, 0], "retention": [0.9, np.nan, 0.7, np.nan],
    })
    table = predicted_clv_by_firm(metrics, 0.0, last=2)
    assert table.loc["A", "margin_per_customer"] == pytest.approx(5.0)
    assert table.loc["A", "retention"] == pytest.approx(0.8)
    assert table.loc["A", "clv"] == pytest.approx(25.0)
    assert table.loc["A", "predicted_equity"] == pytest.approx(250.0)
    assert math.isnan(table.loc["C", "clv"])  # no customers: nothing to predict
    last_only = predicted_clv_by_firm(metrics, 0.0, last=1)
    assert last_only.loc["A", "clv"] == pytest.approx(5.0 / 0.3)


def test_rfm_uses_the_btyd_definitions_on_purchase_occasions():
    """frequency = repeat purchase occasions (units after the first), recency = last - first
    purchase period, T = end - first purchase period, monetary_value = mean revenue of the
    repeat occasions (0 if none), the first occasion's revenue being its period's revenue per
    occasion."""
    table = rfm(tiny_log())
    assert list(table.columns) == ["customer_id", "firm", "frequency", "recency", "T",
                                   "monetary_value"]
    rows = {(r.customer_id, r.firm): r for r in table.itertuples()}
    a0 = rows[(0, "A")]
    # 4 occasions: 2 in period 1 (20), 2 in period 2 (10 + 6); the first costs 20 / 2
    assert (a0.frequency, a0.recency, a0.T) == (3, 1, 2)
    assert a0.monetary_value == pytest.approx((36.0 - 10.0) / 3)
    a1 = rows[(1, "A")]  # 3 occasions in period 3 (30)
    assert (a1.frequency, a1.recency, a1.T, a1.monetary_value) == (2, 0, 0, 10.0)
    b0 = rows[(0, "B")]
    assert (b0.frequency, b0.recency, b0.T, b0.monetary_value) == (0, 0, 0, 0.0)
    only_a = rfm(tiny_log(), firm="A", end=10)
    assert set(only_a["firm"]) == {"A"}
    assert only_a.set_index("customer_id")["T"].to_dict() == {0: 9, 1: 7}
    with pytest.raises(KeyError, match="no firm named 'Z'"):
        rfm(tiny_log(), firm="Z")
    assert rfm(tiny_log(), firm="C").empty  # the firm with no buyers
