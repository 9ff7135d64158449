"""The NBD-Dirichlet: a published worked example, limits, round trips and a simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from marketsim.measures.dirichlet import MEASURES, DirichletFit
from marketsim.measures.dirichlet_comparison import dirichlet_comparison, fit_from_transactions

# --------------------------------------------------------------------------------------------
# Published example: UK toothpaste, 1st quarter 1973, AGB panel of 5240 households, the data of
# Goodhardt, Ehrenberg & Chatfield (1984, JRSS A 147(5), section 3), as worked in the user
# guide of the R package NBDdirichlet (Feiming Chen), "User Guide on R Package NBDdirichlet",
# inst/doc/how-to-use-Dirichlet-marketing-model.org (CRAN package NBDdirichlet; the same
# inputs are the example of its help pages ?dirichlet, ?summary.dirichlet).
# --------------------------------------------------------------------------------------------
TOOTHPASTE_BRANDS = ["Colgate DC", "Macleans", "Close Up", "Signal", "ultrabrite", "Gibbs SR",
                     "Boots Priv. Label", "Sainsbury Priv. Lab."]
TOOTHPASTE_SHARES = [0.25, 0.19, 0.1, 0.1, 0.09, 0.08, 0.03, 0.02]
TOOTHPASTE_PENETRATIONS = [0.2, 0.17, 0.09, 0.08, 0.08, 0.07, 0.03, 0.02]

# print(dobj): "NBD: M = 1.46 ,  K = 0.78 ;  Dirichlet: S = 1.3"
PRINTED_M, PRINTED_K, PRINTED_S = 1.46, 0.78, 1.3
# summary(dobj)$buy: pen.brand, pur.brand (w), pur.cat (w_P)
PRINTED_BUY = [
    (0.20, 1.82, 3.16),
    (0.16, 1.76, 3.22),
    (0.09, 1.68, 3.30),
    (0.09, 1.68, 3.30),
    (0.08, 1.67, 3.31),
    (0.07, 1.66, 3.32),
    (0.03, 1.62, 3.37),
    (0.02, 1.61, 3.38),
]
# summary(dobj)$freq: P(r purchases of the brand), r = 0, 1, 2, 3, 4, 5, 6+
PRINTED_FREQ = [
    (0.80, 0.12, 0.04, 0.02, 0.01, 0, 0.01),
    (0.84, 0.10, 0.03, 0.01, 0.01, 0, 0.00),
    (0.91, 0.06, 0.02, 0.01, 0.00, 0, 0.00),
    (0.91, 0.06, 0.02, 0.01, 0.00, 0, 0.00),
    (0.92, 0.05, 0.02, 0.01, 0.00, 0, 0.00),
    (0.93, 0.05, 0.01, 0.01, 0.00, 0, 0.00),
    (0.97, 0.02, 0.01, 0.00, 0.00, 0, 0.00),
    (0.98, 0.01, 0.00, 0.00, 0.00, 0, 0.00),
]
# summary(dobj)$dup: share of Colgate DC's buyers who also buy each brand
PRINTED_DUP_COLGATE = [1.00, 0.19, 0.10, 0.10, 0.09, 0.08, 0.03, 0.02]


def toothpaste_fit(**options) -> DirichletFit:
    return DirichletFit().fit(0.56, 2.6, TOOTHPASTE_SHARES,
                              brand_penetrations=TOOTHPASTE_PENETRATIONS,
                              brand_names=TOOTHPASTE_BRANDS, **options)


def assert_printed(values, printed, digits=2, label=""):
    """Every value rounds to the printed one (half a unit of the last printed digit)."""
    values = np.asarray(values, dtype=float)
    printed = np.asarray(printed, dtype=float)
    half = 0.5 * 10.0 ** -digits + 1e-12
    bad = np.abs(values - printed) > half
    assert not bad.any(), f"{label}: {values[bad]} do not round to {printed[bad]}"


def test_reproduces_the_nbddirichlet_toothpaste_example():
    """NBDdirichlet user guide (F. Chen), toothpaste data of Goodhardt, Ehrenberg & Chatfield
    (1984), printed to 2 decimals: M = 1.46, K = 0.78, S = 1.3, and the summary tables
    $buy (pen.brand, pur.brand, pur.cat), $freq (r = 0..5, 6+) and $dup (Colgate DC).

    S is fitted by that package's rule (s_method="nbddirichlet": an S per brand from its
    penetration, boxplot outliers and values above the upper notch dropped, share-weighted
    mean). The shares sum to 0.86 as printed; the rest is the brands not listed.
    """
    fit = toothpaste_fit(s_method="nbddirichlet")
    assert round(fit.M, 2) == PRINTED_M
    assert round(fit.K, 2) == PRINTED_K
    assert round(fit.S, 2) == PRINTED_S
    # P(0) of the NBD is 1 - B: the "mean and zeros" fit
    _n, pn = fit._support()
    assert pn[0] == pytest.approx(1 - 0.56, abs=1e-12)
    assert fit.s_excluded == ["Macleans", "Boots Priv. Label", "Sainsbury Priv. Lab."]

    table = fit.brand_table()
    printed = np.array(PRINTED_BUY)
    assert_printed(table["penetration"], printed[:, 0], label="pen.brand")
    assert_printed(table["purchase_frequency"], printed[:, 1], label="pur.brand")
    assert_printed(table["category_frequency"], printed[:, 2], label="pur.cat")

    freq = fit.frequency_distribution(max_count=5)
    assert list(freq.columns) == ["0", "1", "2", "3", "4", "5", "6+"]
    assert_printed(freq.to_numpy(), np.array(PRINTED_FREQ), label="freq")

    dup = fit.duplication()
    assert_printed(dup.loc["Colgate DC"], PRINTED_DUP_COLGATE, label="dup")


def test_toothpaste_with_the_published_s_gives_the_same_tables():
    fit = toothpaste_fit(S=PRINTED_S)
    printed = np.array(PRINTED_BUY)
    table = fit.brand_table()
    assert_printed(table["penetration"], printed[:, 0], label="pen.brand")
    assert_printed(table["purchase_frequency"], printed[:, 1], label="pur.brand")
    assert_printed(table["category_frequency"], printed[:, 2], label="pur.cat")


def test_other_s_methods_on_the_toothpaste_data():
    pen = toothpaste_fit(s_method="penetration")
    table = pen.brand_table()
    # the share-weighted mean penetration is matched exactly
    shares = np.array(TOOTHPASTE_SHARES)
    assert np.sum(shares * table["penetration"]) == pytest.approx(
        np.sum(shares * np.array(TOOTHPASTE_PENETRATIONS)), abs=1e-10)
    assert 1.0 < pen.S < 2.0
    w_obs = 1.456 * shares / np.array(TOOTHPASTE_PENETRATIONS)
    freq = DirichletFit().fit(0.56, 2.6, TOOTHPASTE_SHARES, brand_frequencies=w_obs,
                              s_method="frequency")
    assert np.sum(shares * freq.brand_table()["purchase_frequency"]) == pytest.approx(
        np.sum(shares * w_obs), rel=1e-10)


# ------------------------------------------------------------------------ theory and limits
def test_identities_and_double_jeopardy():
    fit = toothpaste_fit(S=1.3)
    t = fit.brand_table()
    shares = np.array(TOOTHPASTE_SHARES)
    # b * w = M * share: each brand's purchases per household
    np.testing.assert_allclose(t["penetration"] * t["purchase_frequency"], fit.M * shares,
                               rtol=1e-10)
    np.testing.assert_allclose(t["scr"], t["purchase_frequency"] / t["category_frequency"])
    # Double Jeopardy: smaller brands have fewer buyers who buy them less often and are less
    # loyal (purchase frequency, SCR, sole buyers, repeat rate fall with the share)
    for column in ["penetration", "purchase_frequency", "scr", "sole_buyer_share",
                   "repeat_rate"]:
        assert (np.diff(t[column].to_numpy()) <= 1e-12).all(), column
    # frequency distribution sums to one; its r=0 is 1 - b
    freq = fit.frequency_distribution(max_count=3)
    np.testing.assert_allclose(freq.sum(axis=1), 1.0, atol=1e-10)
    np.testing.assert_allclose(freq["0"], 1 - t["penetration"], atol=1e-10)
    # repeat rate: buyers who do not buy exactly once
    np.testing.assert_allclose(1 - freq["1"] / t["penetration"], t["repeat_rate"], atol=1e-10)
    cat = fit.category_summary()
    assert cat["penetration"] == pytest.approx(0.56)
    assert cat["purchase_frequency"] == pytest.approx(2.6)


def test_limits_in_s():
    M, B = 1.456, 0.56
    shares = np.array([0.5, 0.3, 0.2])
    # S -> infinity: identical households choosing brands at the share probabilities, so
    # P(no j | n) = (1 - s_j)^n and b_j = 1 - NBD pgf at (1 - s_j) = 1 - (1 + M s_j / K)^-K
    big = DirichletFit().fit(B, M / B, shares, S=1e7)
    K = big.K
    np.testing.assert_allclose(big.brand_table()["penetration"],
                               1 - (1 + M * shares / K) ** -K, rtol=1e-5)
    # S -> 0: each household loyal to one brand: b_j = B s_j, everyone a sole buyer
    small = DirichletFit().fit(B, M / B, shares, S=1e-7)
    t = small.brand_table()
    np.testing.assert_allclose(t["penetration"], B * shares, rtol=1e-5)
    np.testing.assert_allclose(t["sole_buyer_share"], 1.0, rtol=1e-5)
    np.testing.assert_allclose(t["scr"], 1.0, rtol=1e-5)


def test_poisson_limit_and_moment_k():
    M, B = 1.0, 1 - math.exp(-1.0)            # exactly Poisson zeros
    fit = DirichletFit().fit(B, M / B, [0.6, 0.4], S=2.0)
    assert math.isinf(fit.K)
    assert fit.category_summary()["penetration"] == pytest.approx(B)
    var = DirichletFit().fit(0.5, 3.0, [0.6, 0.4], S=2.0, category_variance=1.5 + 1.5 ** 2)
    assert var.K == pytest.approx(1.5 ** 2 / 1.5 ** 2)


def test_single_brand_and_brand_without_share():
    fit = DirichletFit().fit(0.4, 2.0, {"only": 1.0}, S=1.0)
    t = fit.brand_table()
    assert t.loc["only", "penetration"] == pytest.approx(0.4)
    assert t.loc["only", "sole_buyer_share"] == pytest.approx(1.0)
    assert t.loc["only", "scr"] == pytest.approx(1.0)
    zero = DirichletFit().fit(0.4, 2.0, {"a": 0.7, "b": 0.3, "none": 0.0},
                              brand_penetrations={"a": 0.3, "b": 0.15, "none": 0.0}).brand_table()
    assert zero.loc["none", "penetration"] == 0.0
    assert zero.loc[["none"], ["purchase_frequency", "scr", "repeat_rate"]].isna().all().all()


@pytest.mark.parametrize("method", ["penetration", "frequency", "nbddirichlet"])
def test_round_trip_recovers_s(method):
    shares = [0.4, 0.3, 0.2, 0.1]
    truth = DirichletFit().fit(0.6, 3.0, shares, S=1.7)
    t = truth.brand_table()
    fit = DirichletFit().fit(0.6, 3.0, shares, brand_penetrations=t["penetration"].to_numpy(),
                             brand_frequencies=t["purchase_frequency"].to_numpy(),
                             s_method=method)
    assert fit.S == pytest.approx(1.7, rel=1e-6)
    assert fit.K == pytest.approx(truth.K)


def test_unreachable_target_clips_s_with_a_warning():
    with pytest.warns(RuntimeWarning, match="no S"):
        fit = DirichletFit().fit(0.5, 2.0, [0.5, 0.5], brand_penetrations=[0.01, 0.01])
    assert fit.S == fit.s_bounds[0]


@pytest.mark.parametrize("kwargs, match", [
    ({"s_method": "ml"}, "s_method='ml'.*penetration, frequency, nbddirichlet"),
    ({"brand_penetrations": None}, "needs brand_penetrations"),
    ({"s_method": "frequency"}, "needs brand_frequencies"),
    ({"category_penetration": 1.2}, "category_penetration must be > 0 and < 1"),
    ({"category_frequency": 0.5}, "category_frequency must be >= 1"),
    ({"brand_shares": [0.7, 0.6]}, "sum of at most 1"),
    ({"brand_shares": [0.5, -0.1]}, "brand_shares"),
    ({"brand_penetrations": [0.1]}, "brand_penetrations has 1 values for 2 brands"),
    ({"S": -1}, "S must be > 0"),
])
def test_bad_arguments(kwargs, match):
    args = {"category_penetration": 0.5, "category_frequency": 2.0,
            "brand_shares": [0.6, 0.4], "brand_penetrations": [0.3, 0.2], **kwargs}
    with pytest.raises(ValueError, match=match):
        DirichletFit().fit(**args)
    with pytest.raises(ValueError, match="not fitted"):
        DirichletFit().brand_table()


# ---------------------------------------------------------------- from a transaction log
def tiny_log() -> pd.DataFrame:
    rows = [(1, 1, "A", 1), (1, 2, "A", 1), (1, 2, "B", 1), (2, 1, "A", 2), (2, 3, "B", 3),
            (2, 3, "C", 1), (3, 2, "B", 2), (3, 4, "C", 1)]
    frame = pd.DataFrame(rows, columns=["period", "customer_id", "firm", "units"])
    frame["firm"] = pd.Categorical(frame["firm"], categories=["A", "B", "C", "D"])
    frame["category"] = pd.Categorical(["x"] * len(frame))
    frame["revenue"] = 10.0 * frame["units"]
    return frame


def test_fit_from_transactions_uses_the_observed_figures():
    fit = fit_from_transactions(tiny_log(), 10)
    assert fit.category_penetration == pytest.approx(0.4)
    assert fit.category_frequency == pytest.approx(3.0)   # 12 purchase occasions (units)
    assert fit.M == pytest.approx(1.2)
    np.testing.assert_allclose(fit.shares, [4 / 12, 6 / 12, 2 / 12, 0])
    assert fit.brands == ["A", "B", "C", "D"]
    table = dirichlet_comparison(tiny_log(), 10)
    assert list(table.columns) == [f"{m}_{s}" for m in MEASURES
                                   for s in ("observed", "dirichlet")]
    assert table.loc["D", "penetration_observed"] == 0 == table.loc["D", "penetration_dirichlet"]
    np.testing.assert_allclose(table["market_share_observed"], table["market_share_dirichlet"])
    with pytest.raises(ValueError, match="no purchases"):
        fit_from_transactions(tiny_log(), 10, periods=(7, 8))
    with pytest.raises(ValueError, match="n_customers"):
        fit_from_transactions(tiny_log(), None)


# ------------------------------------------------------------------------------ simulation
def simulate_dirichlet(n_households, M, K, S, shares, seed):
    """Purchases drawn from the NBD-Dirichlet: Gamma rates -> Poisson category counts ->
    Dirichlet choice probabilities per household -> multinomial brand counts. One row of the
    log per purchase."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(K, M / K, size=n_households)
    n = rng.poisson(rate)
    probs = rng.dirichlet(S * np.asarray(shares), size=n_households)
    counts = rng.multinomial(n, probs)                      # (households, brands)
    house, brand = np.nonzero(counts)
    reps = counts[house, brand]
    names = [f"brand{j}" for j in range(len(shares))] + ["unsold"]
    frame = pd.DataFrame({
        "period": 1,
        "customer_id": np.repeat(house, reps),
        "firm": pd.Categorical.from_codes(np.repeat(brand, reps), names),
        "category": pd.Categorical.from_codes(np.zeros(reps.sum(), dtype=int), ["cat"]),
        "units": 1,
        "revenue": 1.0,
    })
    return frame, counts


def test_simulated_dirichlet_agrees_with_theory_within_sampling_error():
    N, M, K, S = 40_000, 2.5, 0.8, 1.2
    shares = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    log, counts = simulate_dirichlet(N, M, K, S, shares, seed=20240611)
    table = dirichlet_comparison(log, N)
    fit = table.attrs["fit"]
    assert fit.K == pytest.approx(K, rel=0.06)
    assert fit.S == pytest.approx(S, rel=0.10)
    assert table.loc["unsold", "penetration_observed"] == 0
    assert table.loc["unsold", "penetration_dirichlet"] == 0

    brands = [f"brand{j}" for j in range(len(shares))]
    B = 1 - (1 + M / K) ** -K
    truth = DirichletFit().fit(B, M / B, shares, S=S, K=K, brand_names=brands).brand_table()
    bought = counts > 0
    cat = counts.sum(axis=1)
    for j, name in enumerate(brands):
        buyers = bought[:, j]
        nb = buyers.sum()
        r = counts[buyers, j]
        sole = (counts[buyers].sum(axis=1) == r).mean()
        se = {
            "penetration": math.sqrt(nb / N * (1 - nb / N) / N),
            "purchase_frequency": r.std() / math.sqrt(nb),
            "category_frequency": cat[buyers].std() / math.sqrt(nb),
            "sole_buyer_share": math.sqrt(sole * (1 - sole) / nb),
            "repeat_rate": math.sqrt(0.25 / nb),
        }
        for measure, error in se.items():
            observed = table.loc[name, f"{measure}_observed"]
            # against the fitted model and against the true parameters
            for theory in (table.loc[name, f"{measure}_dirichlet"], truth.loc[name, measure]):
                assert abs(observed - theory) < 4.5 * error, (name, measure, observed, theory)

    # duplication: observed share of brand0's buyers also buying brand j vs theory
    dup = fit.duplication()
    for j in range(1, len(shares)):
        both = (bought[:, 0] & bought[:, j]).sum() / bought[:, 0].sum()
        se = math.sqrt(both * (1 - both) / bought[:, 0].sum())
        assert abs(both - dup.loc["brand0", brands[j]]) < 4.5 * se + 0.01
