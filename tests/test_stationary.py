"""A stationary market agrees with the NBD-Dirichlet within sampling error; a broken one does not.

With satisfaction dynamics and every feedback switched off -- everyone aware of every firm
(``initial_awareness = 1``, no advertising), expectations fixed (all expectation weights 0),
no word of mouth, no ties or habit in choice (``tie_weight = habit_weight = 0``), no defection
(a switching threshold no dissatisfaction can beat) and no spread of tastes across customers
-- each customer's category purchases are Poisson with a Gamma-distributed rate (NBD) and each
unit picks a firm with the same fixed logit probabilities: exactly the NBD-Dirichlet's
assumptions, with S -> infinity (Goodhardt, Ehrenberg and Chatfield 1984; Ehrenberg, Uncles and
Goodhardt 2004, "Understanding brand performance measures: using Dirichlet benchmarks", J.
Business Research 57(12)). The engine logs one row per customer, firm and period whose
``units`` are the purchase occasions, which is what every measure counts.

Tolerance: each observed measure has a sampling standard error computed from the same data
(binomial for penetration, sole-buyer share and repeat rate; standard error of the mean for
purchase frequencies; the delta method for SCR, a ratio of means). The fitted Dirichlet is
estimated from the same data, so observed minus fitted has at most about that spread; every
brand and measure must lie within 4 standard errors, on two seeds (48 comparisons; under the
null a breach has probability well below 1e-3). The same check applied to a market with habit
in choice (``habit_weight`` 1.5: last period's firm gets a utility bonus, a feedback the
Dirichlet does not have) must fail: it deviates by about 9 standard errors (seed 1), a
habit weight of 0.5 still by about 6.5, while the stationary runs stay within about 2.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import marketsim
from marketsim.measures.dirichlet_comparison import dirichlet_comparison

CUSTOMERS, PERIODS = 20_000, 8
TOLERANCE_SE = 4.0
CHECKED = ("penetration", "purchase_frequency", "category_frequency", "scr",
           "sole_buyer_share", "repeat_rate")


def stationary_market(habit_weight: float = 0.0) -> dict:
    firms = []
    for name, price, quality in (("big", 9.0, 0.8), ("mid", 10.0, 0.7), ("small", 11.0, 0.6),
                                 ("tiny", 12.0, 0.5)):
        firms.append({"name": name,
                      "offers": {"cat": {"price": price, "quality": quality, "unit_cost": 5.0}},
                      "initial_share": 0.0, "initial_awareness": 1.0, "acquisition_budget": 0.0})
    return {
        "market": {"periods": PERIODS},
        "population": {"customers": CUSTOMERS},
        "categories": [{"name": "cat", "reference_price": 10.0}],
        "segments": [{
            "name": "everyone", "share": 1.0,
            "purchase_rate": {"cat": {"mean": 0.25, "shape": 1.0}},
            "weight_spread": 0.0, "price_sensitivity": {"mean": 1.0, "spread": 0.0},
            "switching_threshold": {"mean": 1e6, "spread": 0.0}, "word_of_mouth": 0.0,
            "expectation": {"experience": 0.0, "word_of_mouth": 0.0, "promise": 0.0}}],
        "behaviour": {"tie_weight": 0.0, "habit_weight": habit_weight,
                      "choice_sensitivity": 2.0},
        "firms": firms,
    }


def standard_errors(log: pd.DataFrame, n_customers: int, brands) -> pd.DataFrame:
    """Sampling standard error of each observed brand measure (rows: brands)."""
    brand_counts = log.groupby(["customer_id", "firm"], observed=True)["units"].sum().rename("x")
    category = log.groupby("customer_id")["units"].sum().rename("y")
    pairs = brand_counts.reset_index().join(category, on="customer_id")
    out = {}
    for brand in brands:
        rows = pairs[pairs["firm"].astype(str) == brand]
        x, y = rows["x"].to_numpy(float), rows["y"].to_numpy(float)
        n = len(rows)
        b = n / n_customers
        ratio = x.mean() / y.mean()
        sole = np.mean(x == y)
        repeat = np.mean(x >= 2)
        out[brand] = {
            "penetration": np.sqrt(b * (1 - b) / n_customers),
            "purchase_frequency": x.std(ddof=1) / np.sqrt(n),
            "category_frequency": y.std(ddof=1) / np.sqrt(n),
            "scr": np.sqrt(np.var(x - ratio * y, ddof=1) / n) / y.mean(),
            "sole_buyer_share": np.sqrt(sole * (1 - sole) / n),
            "repeat_rate": np.sqrt(repeat * (1 - repeat) / n),
        }
    return pd.DataFrame(out).T


def z_scores(habit_weight: float, seed: int) -> pd.DataFrame:
    """(observed - Dirichlet) / standard error, per brand and measure."""
    result = marketsim.run(stationary_market(habit_weight), seed=seed, transactions=True)
    log = result.transactions
    with warnings.catch_warnings():
        # S at its upper bound is the expected fit here: identical choice probabilities
        warnings.simplefilter("ignore", RuntimeWarning)
        table = dirichlet_comparison(log, CUSTOMERS)
    se = standard_errors(log, CUSTOMERS, list(table.index))
    z = pd.DataFrame({m: (table[f"{m}_observed"] - table[f"{m}_dirichlet"]) / se[m]
                      for m in CHECKED})
    assert np.isfinite(z.to_numpy()).all()
    return z


@pytest.mark.parametrize("seed", [1, 2])
def test_stationary_market_matches_the_dirichlet(seed):
    z = z_scores(0.0, seed)
    worst = z.abs().max().max()
    assert worst < TOLERANCE_SE, f"largest deviation {worst:.2f} standard errors:\n{z.round(2)}"


def test_a_market_with_habit_fails_the_same_check():
    z = z_scores(1.5, 1)
    worst = z.abs().max().max()
    assert worst > TOLERANCE_SE, f"habit should break the Dirichlet fit:\n{z.round(2)}"
