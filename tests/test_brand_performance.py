"""Brand performance measures against values computed by hand on a tiny transaction log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from marketsim.measures.brand_performance import (
    BRAND_COLUMNS,
    brand_performance,
    category_measures,
    duplication,
)

BRANDS = ["A", "B", "C", "D"]          # D never sells: the brand with no buyers
CATEGORIES = ["x", "y"]


def tiny_log(categorical: bool = True) -> pd.DataFrame:
    """Twelve purchase occasions (units) by four customers (of ten in the market) in eight
    rows over three periods.

    customer 1: A 3 (2 units 20, 1 unit 10)                          -> A only
    customer 2: A 1 (1 unit 10), B 3 (1 unit 5, 2 units 10)          -> A and B
    customer 3: B 3 (3 units 15), C 1 in category y (1 unit 8)       -> B and C
    customer 4: C 1 (1 unit 4)                                       -> C only
    """
    rows = [  # period, customer, firm, category, units, revenue
        (1, 1, "A", "x", 2, 20.0),
        (1, 2, "A", "x", 1, 10.0),
        (1, 2, "B", "x", 1, 5.0),
        (2, 1, "A", "x", 1, 10.0),
        (2, 3, "B", "x", 3, 15.0),
        (2, 3, "C", "y", 1, 8.0),
        (3, 2, "B", "x", 2, 10.0),
        (3, 4, "C", "x", 1, 4.0),
    ]
    frame = pd.DataFrame(rows, columns=["period", "customer_id", "firm", "category", "units",
                                        "revenue"])
    if categorical:
        frame["firm"] = pd.Categorical(frame["firm"], categories=BRANDS)
        frame["category"] = pd.Categorical(frame["category"], categories=CATEGORIES)
    return frame


def expect(table, column, values):
    np.testing.assert_allclose(table[column].to_numpy(dtype=float), values, rtol=1e-12,
                               atol=1e-12, equal_nan=True, err_msg=column)


def test_all_measures_by_hand_all_categories_pooled():
    t = brand_performance(tiny_log(), n_customers=10)
    assert list(t.index) == BRANDS and t.index.name == "firm"
    assert list(t.columns) == list(BRAND_COLUMNS)
    nan = np.nan
    expect(t, "buyers", [2, 2, 2, 0])
    expect(t, "purchases", [4, 6, 2, 0])   # occasions: the units
    expect(t, "units", [4, 6, 2, 0])
    expect(t, "revenue", [40, 30, 12, 0])
    expect(t, "market_share_purchases", [4 / 12, 6 / 12, 2 / 12, 0])
    expect(t, "market_share_units", [4 / 12, 6 / 12, 2 / 12, 0])
    expect(t, "market_share_revenue", [40 / 82, 30 / 82, 12 / 82, 0])
    expect(t, "market_share_buyers", [1 / 3, 1 / 3, 1 / 3, 0])
    expect(t, "penetration", [0.2, 0.2, 0.2, 0.0])
    expect(t, "purchase_frequency", [2.0, 3.0, 1.0, nan])
    expect(t, "units_per_buyer", [2.0, 3.0, 1.0, nan])
    # category purchases of the brand's buyers: A {1: 3, 2: 4}, B {2: 4, 3: 4}, C {3: 4, 4: 1}
    expect(t, "category_frequency", [3.5, 4.0, 2.5, nan])
    expect(t, "category_units_per_buyer", [3.5, 4.0, 2.5, nan])
    expect(t, "scr", [4 / 7, 6 / 8, 2 / 5, nan])
    expect(t, "scr_revenue", [40 / 55, 30 / 48, 12 / 27, nan])
    expect(t, "scr_purchases", [4 / 7, 6 / 8, 2 / 5, nan])
    expect(t, "scr_mean", [(1 + 1 / 4) / 2, (3 / 4 + 3 / 4) / 2, (1 / 4 + 1) / 2, nan])
    expect(t, "scr_mean_revenue",
           [(1 + 10 / 25) / 2, (15 / 25 + 15 / 23) / 2, (8 / 23 + 1) / 2, nan])
    expect(t, "sole_buyer_share", [0.5, 0.0, 0.5, nan])
    expect(t, "repeat_rate", [0.5, 1.0, 0.0, nan])   # two or more occasions of the brand

    cat = t.attrs["category"]
    assert cat["buyers"] == 4 and cat["purchases"] == 12 and cat["n_customers"] == 10
    assert cat["penetration"] == pytest.approx(0.4)
    assert cat["purchase_frequency"] == pytest.approx(3.0)
    assert cat["units_per_buyer"] == pytest.approx(3.0)
    assert cat["mean_purchases"] == pytest.approx(1.2)
    assert cat["brands_per_buyer"] == pytest.approx(1.5)
    assert cat["sole_buyer_share"] == pytest.approx(0.5)
    pd.testing.assert_series_equal(category_measures(tiny_log(), n_customers=10),
                                   pd.Series(cat, name="category"))


def test_one_category():
    t = brand_performance(tiny_log(), category="x", n_customers=10)
    # without customer 3's purchase of C in y: customer 3 buys B only, C has buyer 4 only
    expect(t, "buyers", [2, 2, 1, 0])
    expect(t, "market_share_purchases", [4 / 11, 6 / 11, 1 / 11, 0])
    expect(t, "sole_buyer_share", [0.5, 0.5, 1.0, np.nan])
    expect(t, "category_frequency", [3.5, 3.5, 1.0, np.nan])
    expect(t, "scr_purchases", [4 / 7, 6 / 7, 1.0, np.nan])
    assert t.attrs["category"]["purchase_frequency"] == pytest.approx(11 / 4)
    y = brand_performance(tiny_log(), category="y", n_customers=10)
    expect(y, "buyers", [0, 0, 1, 0])
    expect(y, "market_share_revenue", [0, 0, 1, 0])


@pytest.mark.parametrize("periods", [(1, 1), 1, [1], range(1, 2)])
def test_window_of_one_period_and_brand_without_buyers(periods):
    t = brand_performance(tiny_log(), periods=periods, n_customers=10)
    expect(t, "buyers", [2, 1, 0, 0])
    expect(t, "purchases", [3, 1, 0, 0])
    expect(t, "market_share_purchases", [3 / 4, 1 / 4, 0, 0])
    expect(t, "penetration", [0.2, 0.1, 0.0, 0.0])
    expect(t, "purchase_frequency", [1.5, 1.0, np.nan, np.nan])
    expect(t, "repeat_rate", [0.5, 0.0, np.nan, np.nan])  # customer 1 bought A twice
    expect(t, "sole_buyer_share", [0.5, 0.0, np.nan, np.nan])


def test_window_of_two_periods():
    t = brand_performance(tiny_log(), periods=[2, 3], n_customers=10)
    expect(t, "buyers", [1, 2, 2, 0])
    expect(t, "repeat_rate", [0.0, 1.0, 0.0, np.nan])
    expect(t, "scr_mean", [1.0, (1.0 + 3 / 4) / 2, (1 / 4 + 1.0) / 2, np.nan])


def test_window_with_no_purchases_is_a_clear_empty_result():
    t = brand_performance(tiny_log(), periods=(5, 9), n_customers=10)
    assert list(t.index) == BRANDS
    expect(t, "buyers", [0, 0, 0, 0])
    expect(t, "penetration", [0, 0, 0, 0])
    assert t["market_share_units"].isna().all() and t["purchase_frequency"].isna().all()
    cat = t.attrs["category"]
    assert cat["buyers"] == 0 and cat["penetration"] == 0
    assert np.isnan(cat["purchase_frequency"])
    dup = duplication(tiny_log(), periods=(5, 9))
    assert dup.shape == (4, 4) and dup.isna().all().all()


def test_empty_transaction_log():
    empty = pd.DataFrame({c: [] for c in ["period", "customer_id", "firm", "category", "units",
                                          "revenue"]})
    t = brand_performance(empty, n_customers=5)
    assert t.empty and list(t.columns) == list(BRAND_COLUMNS)
    assert t.attrs["category"]["buyers"] == 0
    assert duplication(empty).empty


def test_duplication_by_hand():
    dup = duplication(tiny_log())
    expected = pd.DataFrame(
        [[1.0, 0.5, 0.0, 0.0],
         [0.5, 1.0, 0.5, 0.0],
         [0.0, 0.5, 1.0, 0.0],
         [np.nan] * 4],
        index=pd.Index(BRANDS, name="firm"), columns=pd.Index(BRANDS, name="also_bought"))
    pd.testing.assert_frame_equal(dup, expected)
    dx = duplication(tiny_log(), category="x")
    assert dx.loc["B", "C"] == 0.0 and dx.loc["C", "B"] == 0.0


def test_plain_string_columns_work_like_categoricals():
    t = brand_performance(tiny_log(categorical=False), n_customers=10)
    assert list(t.index) == ["A", "B", "C"]        # only brands that appear in the log
    expected = brand_performance(tiny_log(), n_customers=10).loc[["A", "B", "C"]]
    pd.testing.assert_frame_equal(t, expected, check_dtype=False)


@pytest.mark.parametrize("kwargs, words", [
    ({"category": "z"}, ["category", "'x'", "'y'", "None"]),
    ({"periods": (3, 1)}, ["periods", "(first, last)"]),
    ({"periods": "1"}, ["periods", "allowed values"]),
    ({"periods": 1.5}, ["periods", "allowed values"]),
    ({"periods": []}, ["periods", "allowed values"]),
    ({"periods": (1, 2, 3)}, ["periods", "allowed values"]),
    ({"periods": True}, ["periods", "allowed values"]),
    ({"n_customers": None}, ["n_customers", "required", "integer >= 1"]),
    ({"n_customers": 0}, ["n_customers", ">= 1"]),
    ({"n_customers": "10"}, ["n_customers", "integer"]),
    ({"n_customers": 3}, ["n_customers", "4 customers"]),
])
def test_bad_arguments_name_the_argument_and_allowed_values(kwargs, words):
    args = {"n_customers": 10, **kwargs}
    with pytest.raises(ValueError) as info:
        brand_performance(tiny_log(), **args)
    for word in words:
        assert word in str(info.value)


def test_bad_transactions():
    with pytest.raises(ValueError, match="transactions lacks the column.*revenue"):
        brand_performance(tiny_log().drop(columns="revenue"), n_customers=10)
    with pytest.raises(ValueError, match="transactions must be a pandas DataFrame"):
        brand_performance([1, 2], n_customers=10)
    with pytest.raises(ValueError, match="category"):
        duplication(tiny_log(), category="nope")
