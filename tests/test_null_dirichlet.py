"""The classic null `scenarios/null/dirichlet.toml` reproduces the NBD-Dirichlet.

Checked against the independent implementation in `tests/classic_models.py` (not the package's
own fit), with the parameters the scenario file states: M = 1.456 purchases per customer in the
13-week window, K = 0.78, S = 1.3, shares 0.30 / 0.25 / 0.20 / 0.15 / 0.10.

Tolerance: each observed brand measure has a sampling SD estimated from the run itself, as
the spread of the measure over 50 batches of customers (2,000 each) divided by sqrt(50). Under
the null, 4 SD is breached with probability about 6e-5 per comparison (25 comparisons per
seed). A market whose customers' tastes are more alike (S = 2.6, everything else equal) must
fail the same check, so the test can tell an S of 1.3 from one of 2.6 at this size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import marketsim
from tests.classic_models import (
    dirichlet_brand_measures,
    fit_dirichlet_S,
    fit_nbd,
    panel_brand_measures,
)

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "null" / "dirichlet.toml"
M, K, S = 13 * 0.112, 0.78, 1.3
SHARES = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
BATCHES = 50
TOLERANCE_SD = 4.0
MEASURES = ("penetration", "purchase_frequency", "category_frequency_of_buyers", "scr",
            "sole_buyer_share")


def panel(concentration: float = S, seed: int = 1) -> np.ndarray:
    """(customers, brands) purchase occasions over the run's 13 weeks."""
    scenario = marketsim.load_scenario(SCENARIO)
    data = scenario.model_dump()
    data["behaviour"]["preference_concentration"] = concentration
    result = marketsim.run(data, seed=seed, transactions=True)
    log = result.transactions
    counts = np.zeros((result.customers, len(scenario.firms)))
    np.add.at(counts, (log["customer_id"].to_numpy(), log["firm"].cat.codes.to_numpy()),
              log["units"].to_numpy())
    return counts


def z_scores(counts: np.ndarray) -> dict[str, np.ndarray]:
    """(observed - Dirichlet) / sampling SD, per measure and brand."""
    expected = dirichlet_brand_measures(M, K, S, SHARES, t=1.0)
    observed = panel_brand_measures(counts)
    batches = panel_brand_measures(counts.reshape(BATCHES, -1, counts.shape[1]))
    return {m: (getattr(observed, m) - getattr(expected, m))
            / (np.std(getattr(batches, m), axis=0, ddof=1) / np.sqrt(BATCHES))
            for m in MEASURES}


@pytest.mark.parametrize("seed", [1, 2])
def test_brand_measures_match_the_dirichlet(seed):
    counts = panel(seed=seed)
    z = z_scores(counts)
    worst = max(float(np.abs(v).max()) for v in z.values())
    assert worst < TOLERANCE_SD, {m: np.round(v, 2) for m, v in z.items()}
    # Double Jeopardy holds as the model says: penetration and loyalty fall with share
    measures = panel_brand_measures(counts)
    assert np.all(np.diff(measures.penetration) < 0)
    assert np.all(np.diff(measures.purchase_frequency) < 0)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_classic_fits_recover_the_parameters(seed):
    counts = panel(seed=seed)
    category = counts.sum(axis=1).astype(np.int64)
    nbd = fit_nbd(category, t=1.0)
    assert abs(nbd.M - M) < TOLERANCE_SD * nbd.se_M, (nbd.M, nbd.se_M)
    assert abs(nbd.K - K) < TOLERANCE_SD * nbd.se_K, (nbd.K, nbd.se_K)
    fit = fit_dirichlet_S(counts, SHARES)
    assert np.isfinite(fit.S)
    assert abs(fit.S - S) < TOLERANCE_SD * fit.se, (fit.S, fit.se)
    shares = counts.sum(axis=0) / counts.sum()
    assert np.abs(shares - SHARES).max() < 0.01


def test_a_market_of_more_alike_tastes_fails_the_check():
    z = z_scores(panel(concentration=2 * S))
    worst = max(float(np.abs(v).max()) for v in z.values())
    assert worst > TOLERANCE_SD, {m: np.round(v, 2) for m, v in z.items()}
