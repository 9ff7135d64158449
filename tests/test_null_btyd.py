"""The classic null `scenarios/null/btyd.toml` reproduces the BG/NBD and the Gamma-Gamma model.

The RFM export of the run (`RunResult.rfm`, purchase occasions counted as everywhere else) is
refitted by maximum likelihood with the independent implementations of `tests/classic_models.py`
(FHL 2005a's BG/NBD likelihood; the Gamma-Gamma of Colombo and Jiang 1999 and FHL 2005b), and
each of the seven parameters the scenario file states must lie within 4 asymptotic standard
errors of the fit. The export's recency is in whole days (a purchase at the end of the day it
fell in), which the continuous-time BG/NBD fit reads as exact: r +0.4% and alpha +1.25% at this
size, a bias 200 seeds detect; the fit is given the days' midpoints instead
(`period_midpoint_recency`), which removes it (200 seeds: r +0.06%, alpha +0.2%, both within
their intervals). The
mean spend per purchase p gamma / (q - 1) must be the price within 2%. A market with spend
alike for everyone (no heterogeneity) must fail the Gamma-Gamma: its fitted q runs off to the
bound, as the validity audit found for the old engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import marketsim
from tests.classic_models import (
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
    period_midpoint_recency,
)

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "null" / "btyd.toml"
BGNBD = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
PRICE, SHAPE, HETEROGENEITY = 10.0, 6.25, 3.74
GAMMA_GAMMA = {"p": SHAPE, "q": HETEROGENEITY, "gamma": PRICE * (HETEROGENEITY - 1) / SHAPE}


def rfm(seed: int, spend: dict | None = None):
    data = marketsim.load_scenario(SCENARIO).model_dump()
    if spend is not None:
        data["behaviour"]["spend"] = spend
    result = marketsim.run(data, seed=seed, transactions=True)
    table = result.rfm(firm="Shop")
    assert len(table) == result.customers and (table["T"] == result.periods - 1).all()
    return table


@pytest.mark.parametrize("seed", [1, 2])
def test_bgnbd_and_gamma_gamma_recover_the_parameters(seed):
    table = rfm(seed)
    x = table["frequency"].to_numpy(float)
    fit = fit_bgnbd(x, period_midpoint_recency(x, table["recency"]), table["T"].to_numpy(float))
    assert fit.converged
    for name, value, se in zip(fit.names, fit.params, fit.se):
        assert abs(value - BGNBD[name]) < 4 * se, (name, value, se)
    repeat = table["frequency"] > 0
    spend = fit_gamma_gamma(table.loc[repeat, "frequency"].to_numpy(float),
                            table.loc[repeat, "monetary_value"].to_numpy(float))
    assert spend.converged
    for name, value, se in zip(spend.names, spend.params, spend.se):
        assert abs(value - GAMMA_GAMMA[name]) < 4 * se, (name, value, se)
    assert gamma_gamma_expected_spend(spend.params) == pytest.approx(PRICE, rel=0.02)


def test_spend_alike_for_everyone_is_no_gamma_gamma():
    table = rfm(1, spend={"shape": SHAPE, "heterogeneity": 1000.0})  # customers alike
    repeat = table["frequency"] > 0
    spend = fit_gamma_gamma(table.loc[repeat, "frequency"].to_numpy(float),
                            table.loc[repeat, "monetary_value"].to_numpy(float))
    assert spend.params[1] > 10 * HETEROGENEITY   # q far beyond any CDNOW-like market
    assert np.isfinite(spend.params).all()
