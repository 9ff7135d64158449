"""The optional tenure profile of spend and cost to serve (``behaviour.tenure_profile``;
Reichheld and Sasser 1990, "Zero defections", HBR 68(5); docs/validity.md row 10).

With ``h = 1 - exp(-tenure / tau_T)`` a pair's spend is times ``1 + g_T h`` and its cost to
serve times ``1 - phi_T h``. Its fields are validated, zeros are today's engine to the bit, and
in default.toml the margin a customer yields, against the same customer with a flat margin,
rises with its tenure as the equation says. Bit-identity with the reference twin is in
tests/test_reference.py (case ``tenure-profile``), fused = phased in tests/test_engine.py.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from marketsim.errors import ScenarioError
from marketsim.kernels.layout import FIRST_TIME, REGULAR
from marketsim.market.model import MarketModel
from marketsim.scenario.schema import load_scenario, parse_scenario
from tests.helpers import market_dict

DEFAULT = Path(__file__).resolve().parents[1] / "scenarios" / "default.toml"
#: The literature memo's preset (/work/shared/research/literature.md, "retention economics"),
#: unverified there: g_T, phi_T, tau_T in weeks. Reichheld and Sasser's credit-card profits in
#: years 1-5 give g_T about 1.5 at this tau_T (docs/model.md, "Tenure profile").
MEMO = {"spend_growth": 0.5, "cost_decline": 0.3, "time_constant": 104.0}


@pytest.mark.parametrize("field, value, says", [
    ("spend_growth", -0.1, "spend_growth: must be greater than or equal to 0"),
    ("cost_decline", 1.5, "cost_decline: must be less than or equal to 1"),
    ("time_constant", 0.0, "time_constant: must be greater than 0"),
])
def test_tenure_profile_fields_are_checked(field, value, says):
    data = market_dict()
    data["behaviour"] = {"tenure_profile": {**MEMO, field: value}}
    with pytest.raises(ScenarioError, match=f"behaviour.tenure_profile.{says}"):
        parse_scenario(data)


@pytest.mark.parametrize("fused", [True, False])
def test_a_tenure_profile_of_zeros_is_the_flat_margin_to_the_bit(fused):
    """Zero growth and zero saving (any time constant) switch the profile off: the same state
    and metrics as no table at all."""
    data = market_dict(customers=3000, periods=12)
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5}
    flat = MarketModel(parse_scenario(data), seed=3, fused=fused)
    data["behaviour"] = {"tenure_profile": {"spend_growth": 0.0, "cost_decline": 0.0,
                                            "time_constant": 7.0}}
    zeros = MarketModel(parse_scenario(data), seed=3, fused=fused)
    flat.run()
    zeros.run()
    for name, value in flat.population.as_dict().items():
        np.testing.assert_array_equal(value, zeros.population.as_dict()[name], err_msg=name)
    assert flat.metrics().equals(zeros.metrics())


def closeco_margins(profile: dict | None, seed: int, window: int = 13):
    """default.toml at 8,000 customers: CloseCo's customers held through the last ``window``
    weeks, their tenure at the end and their margin per week over the window."""
    scenario = load_scenario(DEFAULT).with_overrides(customers=8000, periods=78)
    if profile is not None:
        data = scenario.model_dump()
        data["behaviour"]["tenure_profile"] = profile
        scenario = parse_scenario(data)
    model = MarketModel(scenario, seed=seed)
    f = [firm.name for firm in model.firms].index("CloseCo")
    model.run(78 - window)
    before = model.population.cumulative_margin[:, f].astype(np.float64)
    model.run()
    p = model.population
    tenure = p.tenure[:, f].astype(np.int64)
    held = (((p.status[:, f] == REGULAR) | (p.status[:, f] == FIRST_TIME))
            & (tenure > window))  # the same relationship all through the window
    margin = (p.cumulative_margin[:, f].astype(np.float64) - before) / window
    return tenure[held], margin[held]


@pytest.mark.parametrize("seed", [1, 2])
def test_margin_rises_with_tenure_as_the_profile_says(seed):
    """Reichheld and Sasser's mechanism: profit per customer rises with tenure. In default.toml
    long-standing customers already yield more than new ones with a flat margin (heavy buyers
    stay; selection), so the profile's own part is read against the same customers with a flat
    margin: nothing in default.toml feeds spend back into choice, so both runs hold the same
    customers for the same weeks, and by tenure band the ratio of their margins must rise with
    tenure and be at least the band's mean spend multiplier ``1 + g_T h`` (the cost saving
    only adds to it; h at the middle of the window)."""
    tenure, flat = closeco_margins(None, seed)
    tenure_on, grown = closeco_margins(MEMO, seed)
    np.testing.assert_array_equal(tenure, tenure_on)  # the same customers
    bands = [(14, 39), (40, 91), (92, 143), (144, 65535)]
    ratios = []
    for low, high in bands:
        band = (tenure >= low) & (tenure <= high)
        assert band.sum() >= 100, (low, high)
        ratio = grown[band].sum() / flat[band].sum()
        middle = tenure[band] - 6.5
        multiplier = np.mean(1.0 + MEMO["spend_growth"]
                             * (1.0 - np.exp(-middle / MEMO["time_constant"])))
        assert multiplier - 0.01 <= ratio <= multiplier + 0.05, (low, high, ratio, multiplier)
        ratios.append(ratio)
    assert all(a < b for a, b in zip(ratios, ratios[1:])), ratios
    long, short = tenure >= 144, tenure <= 39
    assert grown[long].mean() > grown[short].mean()
    # the long-standing customers' edge over new ones is larger than with a flat margin
    edge_on = grown[long].mean() / grown[short].mean()
    edge_flat = flat[long].mean() / flat[short].mean()
    assert edge_on > edge_flat * (1.0 + 0.5 * MEMO["spend_growth"]
                                  * (math.exp(-39 / 104) - math.exp(-144 / 104)))


def test_five_points_of_retention_gain_about_as_much_with_the_profile():
    """docs/validity.md row 10 through the retention_economics study's own runs: CloseCo's
    structural investment from the file's 0.3 to 1.0 (about +5 annual points at equal cost per
    customer), 78 weeks, paired seeds, with and without the memo's profile.

    The profile raises CloseCo's profit by about a third, but not the % gain from the five
    points (measured: +13.7% [13.2, 14.3] against +13.6% [13.0, 14.2], 30,000 customers, 5
    seeds). default.toml is a mature market: about 6 acquisitions a week against 3,100
    customers held, most of them there since the warm-up began (median tenure 172 of at most
    183 weeks; seed 1, 10,000 customers), so the customers the higher retention keeps are
    about as old as the rest and the margin-weighted h hardly moves (0.789 against 0.791); the
    fixed acquisition budget, a smaller part of a larger margin, pulls the other way.
    Reichheld and Sasser's amplification needs a base whose tenure the extra retention
    lengthens; this test guards the measured null in the shipped market (within one point of
    profit change on each seed), not their claim."""
    from marketsim.experiments.studies.retention_economics import retention_runs
    from marketsim.experiments.studies.runs import load_data, variant

    flat = load_data(DEFAULT)
    grown = variant(flat)
    grown["behaviour"]["tenure_profile"] = MEMO
    for seed in (1, 2):
        gain, base = {}, {}
        for name, data in (("flat", flat), ("profile", grown)):
            runs = retention_runs(seed, data=data, target="CloseCo", levels=(0.3, 1.0),
                                  customers=10_000, periods=78)
            base[name] = runs[0.3]["profit"]
            gain[name] = runs[1.0]["profit"] / runs[0.3]["profit"] - 1.0
            retention = (runs[0.3]["weekly_retention"], runs[1.0]["weekly_retention"])
            assert retention[1] ** 52 - retention[0] ** 52 > 0.03  # a few points gained
        assert base["profile"] > 1.2 * base["flat"]
        assert gain["flat"] > 0.05
        assert abs(gain["profile"] - gain["flat"]) < 0.01, gain
