"""The classic null `scenarios/null/bass.toml` reproduces the discrete Bass model.

Checked against the independent implementation in `tests/classic_models.py` with the
parameters the file states (p = 0.03, q = 0.38, m = 50,000):

* every period's adoptions (New's acquisitions) lie within 4 SD of the agent process's mean,
  the SD from its variance (`bass_discrete_moments`; 30 periods x 3 seeds, a breach has
  probability about 6e-5 per comparison under the null);
* a nonlinear least-squares fit recovers q within 3%, m within 0.5% and p within 20% (p is
  estimated from the first few periods only; over seeds its spread is about 7%, helper
  measurements in `tests/test_classic_models.py`), with R^2 above 0.99;
* with the imitation switched off, adoptions follow the pure-innovation curve p (m - A), falling
  every period in expectation, and the fitted q is below 0.01:
  the fitted q measures word of mouth, not the shape of a two-stage process (Van den Bulte
  and Stremersch 2004), unlike the full model's new entrant (validity audit, 2026-12).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import marketsim
from tests.classic_models import bass_discrete_moments, fit_bass_discrete

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "null" / "bass.toml"
P, Q, M = 0.03, 0.38, 50_000
PERIODS = 30


def adoptions(seed: int, imitation: float = Q) -> np.ndarray:
    data = marketsim.load_scenario(SCENARIO).model_dump()
    data["behaviour"]["imitation"] = imitation
    metrics = marketsim.run(data, seed=seed).metrics
    assert metrics.loc[metrics["firm"] == "Other", "acquisitions"].sum() == 0
    return metrics.loc[metrics["firm"] == "New", "acquisitions"].to_numpy(dtype=float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adoptions_follow_the_discrete_bass_process(seed):
    n = adoptions(seed)
    mean, var = bass_discrete_moments(P, Q, M, PERIODS)
    z = (n - mean) / np.sqrt(var)
    assert np.abs(z).max() < 4.0, np.round(z, 2)
    fit = fit_bass_discrete(n, method="conditional")
    assert fit.r2 > 0.99
    assert fit.q == pytest.approx(Q, rel=0.03)
    assert fit.m == pytest.approx(M, rel=0.005)
    assert fit.p == pytest.approx(P, rel=0.20)


def test_without_imitation_there_is_no_hump_and_no_q():
    n = adoptions(1, imitation=0.0)
    mean, var = bass_discrete_moments(P, 0.0, M, PERIODS)   # p (M - A): falls every period
    assert np.all(np.diff(mean) < 0)
    assert np.abs((n - mean) / np.sqrt(var)).max() < 4.0
    fit = fit_bass_discrete(n, method="conditional")
    assert fit.q < 0.01
    assert fit.p == pytest.approx(P, rel=0.05)  # the whole curve now informs p
