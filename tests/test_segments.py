"""Metrics by segment: segments behave as their parameters say."""

from __future__ import annotations

import pytest

from marketsim import run
from tests.helpers import market_dict


def price_rise_market() -> dict:
    """Three equal firms; firm0 raises its price by 30% in period 6. The two segments differ
    only in price sensitivity (and are described on a behavioural and a demographic basis)."""
    data = market_dict(customers=20_000, periods=12, n_firms=3)
    data["market"]["warmup_periods"] = 4
    sensitive, insensitive = data["segments"]
    sensitive.update(price_sensitivity={"mean": 2.0, "spread": 0.2}, basis="behavioural",
                     variables={"benefits_sought": "low price", "loyalty": "switcher"})
    insensitive.update(price_sensitivity={"mean": 0.4, "spread": 0.2}, basis="demographic",
                       variables={"income": "high", "age_band": "45-64"})
    insensitive["purchase_rate"] = sensitive["purchase_rate"]
    for firm in data["firms"]:
        firm["initial_awareness"] = 1.0
    data["firms"][0]["strategy"] = "scheduled"
    data["firms"][0]["strategy_params"] = {"changes": [{"period": 6, "price": 13.0}]}
    return data


@pytest.mark.parametrize("seed", [3, 8])
def test_price_sensitive_segment_switches_more_after_a_price_rise(seed):
    result = run(price_rise_market(), seed=seed, transactions=True)
    table = result.segment_metrics()
    assert list(table["segment"].cat.categories) == ["price driven", "quality driven"]
    firm0 = table[table["firm"] == "firm0"]
    after = firm0[firm0["period"].between(6, 9)].groupby("segment", observed=True)
    before = firm0[firm0["period"].between(2, 5)].groupby("segment", observed=True)
    churn_after = after["defections"].sum() / after["customers_start"].sum()
    churn_before = before["defections"].sum() / before["customers_start"].sum()
    rise = churn_after - churn_before
    assert rise["price driven"] > 0.02
    assert rise["price driven"] > 3 * max(rise["quality driven"], 0.002)
    # the firm's share of its price-sensitive buyers' spending falls further (means over four
    # periods before and after: one period's share of customer among the few price-driven
    # customers left varies by a few points from seed to seed; over ten seeds the windowed
    # drops differ by 0.015 to 0.07)
    soc_before = before["share_of_customer"].mean()
    soc_after = firm0[firm0["period"].between(8, 11)].groupby(
        "segment", observed=True)["share_of_customer"].mean()
    drop = soc_before - soc_after
    assert drop["price driven"] > drop["quality driven"] + 0.01
    # the basis and variables travel with the rows
    row = table[table["segment"] == "quality driven"].iloc[0]
    assert row["basis"] == "demographic" and "income=high" in row["variables"]


def test_totals_agree_with_the_firm_metrics():
    result = run(price_rise_market(), seed=1, customers=3000, periods=4, transactions=True)
    table = result.segment_metrics()
    by_firm = table.groupby(["period", "firm"], observed=True)[["units", "revenue", "buyers"]].sum()
    metrics = result.metrics.set_index(["period", "firm"])
    for column in ("units", "revenue", "buyers"):
        assert (by_firm[column].to_numpy() == pytest.approx(metrics[column].to_numpy()))
    sizes = table.groupby("segment", observed=True)["segment_customers"].first()
    assert sizes.sum() == 3000
