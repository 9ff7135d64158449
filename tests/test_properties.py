"""Property-based tests: invariants of the engine over random valid scenarios (issue #21).

Hypothesis draws scenarios from the shipped ``scenarios/*.toml`` (read with the package's
loader, then changed as dictionaries in the TOML shape): firms' prices, unit costs, qualities,
promises, budgets and reward rates, their strategies, 200 to 3,000 customers, 3 to 20 periods,
0 to 3 warm-up periods, the optional mechanisms (imitation, trial on awareness, forgetting,
spend heterogeneity, brand taste, bonded personal benefit, defection noise, delight) on or off,
and the seed. Each scenario runs through the public API and the tests check what must hold
whatever the numbers:

* the metrics are defined: no NaN or infinity except in a ratio whose denominator is 0;
* shares lie in [0, 1] and the market shares of a period sum to 1 where defined;
* customers are conserved: held this period = held last period + acquisitions +
  reactivations - defections - terminations; held + prospects + ex-customers = population;
* money adds up: revenue = price x units in the transaction log (spend heterogeneity off),
  the log's units and revenue are the metrics', cost of goods = what was bought x unit cost
  (units, or the Gamma amounts revenue / price with spend heterogeneity), reward cost
  = reward rate x revenue, profit as ``docs/metrics.md`` defines it, and each period's change of
  the customers' cumulative margin is revenue - cost of goods - reward, service and
  relationship costs + fees;
* the state stays legal from one ``MarketModel.step()`` to the next: status moves only along
  the loyalty ladder (``kernels/layout.py``), ties stay in their ranges (social and structural in
  [0, 1], points >= 0; all 0 once a customer is not held, ``kernels/common.leave_firm``), tenure
  grows by one a period while held, satisfaction changes only where the customer bought
  (``kernels/satisfaction.py``) and stays finite, recency is 0 exactly where they bought.

Settings are derandomized (the same examples on every machine and in CI) with no deadline.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import marketsim
from marketsim import MarketModel
from marketsim.kernels.layout import EX_CUSTOMER, FIRST_TIME, PROSPECT, REGULAR
from marketsim.measures.metrics import RAW_INDEX
from marketsim.scenario.schema import Scenario, load_scenario, parse_scenario
from tests.fuzzing import SCENARIOS

#: Examples per property; the file runs in well under a minute once the kernels are compiled.
RUN_EXAMPLES = 25
STEP_EXAMPLES = 12
PROPERTY_SETTINGS = dict(deadline=None, derandomize=True, database=None, print_blob=True,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.data_too_large])

#: Legal status changes within one period (``kernels/layout.py``): a prospect buys (first
#: time) and may defect the same period; a first-time buyer buys again (regular) or leaves;
#: a regular leaves; an ex-customer comes back as a regular. Nobody becomes a prospect again.
LEGAL = {PROSPECT: {PROSPECT, FIRST_TIME, EX_CUSTOMER},
         FIRST_TIME: {FIRST_TIME, REGULAR, EX_CUSTOMER},
         REGULAR: {REGULAR, EX_CUSTOMER},
         EX_CUSTOMER: {EX_CUSTOMER, REGULAR}}
HELD = (FIRST_TIME, REGULAR)

#: Columns that are sums or counts: defined in every period.
ALWAYS_DEFINED = ("customers", "buyers", "units", "revenue", "penetration", "acquisitions",
                  "reactivations", "defections", "lapses", "awareness", "cost_of_goods",
                  "acquisition_spend", "reward_cost", "service_cost", "profit",
                  "relationship_cost", "cost_to_serve", "fees", "terminations",
                  "complaints_captured", "directed_units")
#: Ratios and the column whose zero leaves them undefined.
RATIOS = {"mean_satisfaction": "customers", "tie_financial": "customers",
          "tie_social": "customers", "tie_structural": "customers", "mean_tenure": "customers",
          "mean_knowledge": "customers", "categories_per_buyer": "buyers",
          "mean_expectation": "awareness"}
#: Market shares and the total they divide by.
SHARES = {"market_share_units": "units", "market_share_revenue": "revenue",
          "market_share_buyers": "buyers"}
IN_UNIT_INTERVAL = ("market_share_units", "market_share_revenue", "market_share_buyers",
                    "penetration", "share_of_customer", "share_of_customer_weighted",
                    "retention", "churn", "awareness", "tie_social", "tie_structural",
                    "mean_knowledge")


# ============================================================================ scenarios
@functools.cache
def shipped(index: int) -> dict:
    """Shipped scenario ``index`` as a dictionary in the TOML shape (every default filled in)."""
    return load_scenario(SCENARIOS[index]).model_dump()


@st.composite
def scenarios(draw, *, max_customers: int = 3000, max_periods: int = 20) -> Scenario:
    """A valid scenario: a shipped one with its numbers, mechanisms and size redrawn."""
    data = shipped(draw(st.integers(0, len(SCENARIOS) - 1)))
    data = {**data, "market": dict(data["market"]), "population": dict(data["population"]),
            "behaviour": dict(data["behaviour"]),
            "firms": [dict(firm) for firm in data["firms"]]}
    data["population"]["customers"] = draw(st.integers(200, max_customers))
    data["market"]["periods"] = draw(st.integers(3, max_periods))
    data["market"]["warmup_periods"] = draw(st.integers(0, 3))
    unit = st.floats(0.0, 1.0)
    for firm in data["firms"]:
        firm["offers"] = {name: {"price": offer["price"] * draw(st.floats(0.5, 2.0)),
                                 "quality": draw(st.floats(0.0, 1.5)),
                                 "unit_cost": offer["price"] * draw(st.floats(0.0, 1.2))}
                          for name, offer in firm["offers"].items()}
        firm["promise"] = draw(st.floats(0.0, 2.0))
        firm["acquisition_budget"] = draw(st.sampled_from((0.0, firm["acquisition_budget"])))
        firm["acquisition_budget"] *= draw(st.floats(0.0, 3.0))
        firm["retention"] = {**firm["retention"], "reward_rate": draw(st.sampled_from(
            (0.0, 0.0, 0.02, 0.1)))}
        if firm["strategy"] == "static" and draw(st.integers(0, 4)) == 0:
            firm["strategy"] = draw(st.sampled_from(("adaptive_price", "adaptive_price_budget")))
            firm["strategy_params"] = {}
    behaviour = data["behaviour"]
    behaviour["imitation"] = draw(st.sampled_from((0.0, behaviour["imitation"], 0.3)))
    behaviour["trial_on_awareness"] = draw(st.booleans())
    behaviour["awareness_decay"] = draw(st.sampled_from((0.0, 0.057, 0.3)))
    behaviour["spend"] = draw(st.sampled_from((None, {"shape": 6.25, "heterogeneity": 3.74})))
    behaviour["preference_concentration"] = draw(st.sampled_from((None, 1.3, 50.0)))
    behaviour["personal_benefit"] = draw(st.sampled_from(("everyone", "bonded")))
    behaviour["defection_noise"] = draw(st.sampled_from((0.0, 0.0, 0.5)))
    behaviour["delight_weight"] = draw(st.sampled_from((0.0, 2.0)))
    behaviour["habit_weight"] = draw(unit)
    return parse_scenario(data, source="<hypothesis>")


seeds = st.integers(0, 2**32 - 1)


# ============================================================================ helpers
def _close(a, b, rel: float = 1e-6, floor: float = 1e-6) -> bool:
    """Arrays equal up to float rounding relative to their magnitude."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(float(np.abs(a).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1.0)
    return bool(np.allclose(a, b, rtol=rel, atol=floor * scale))


def _static_prices(scenario: Scenario) -> dict[tuple[str, str], tuple[float, float]]:
    """(firm, category) -> (price, unit cost) of the firms whose levers never move."""
    return {(firm.name, category): (offer.price, offer.unit_cost)
            for firm in scenario.firms if firm.strategy == "static"
            for category, offer in firm.offers.items()}


# ============================================================================ run properties
@settings(max_examples=RUN_EXAMPLES, **PROPERTY_SETTINGS)
@given(scenario=scenarios(), seed=seeds)
def test_metrics_are_defined_and_in_range(scenario, seed):
    result = marketsim.run(scenario, seed=seed, threads=1)
    metrics = result.metrics
    n = scenario.population.customers
    numbers = metrics.select_dtypes("number")
    assert not np.isinf(numbers.to_numpy(dtype=float)).any(), "an infinity in the metrics"
    for name in ALWAYS_DEFINED:
        assert metrics[name].notna().all(), f"{name} is NaN"
    for name, denominator in RATIOS.items():
        undefined = metrics[name].isna()
        assert (undefined == (metrics[denominator] == 0)).all(), (
            f"{name} is NaN exactly where {denominator} is 0")
    for name in IN_UNIT_INTERVAL:
        values = metrics[name].dropna()
        assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all(), f"{name} outside [0, 1]"
    assert (metrics["customers"] <= n).all() and (metrics["buyers"] <= n).all()
    assert _close(metrics["penetration"], metrics["buyers"] / n)
    by_period = metrics.groupby("period")
    for name, total in SHARES.items():
        totals = by_period[total].transform("sum")
        assert (metrics[name].isna() == (totals == 0)).all(), f"{name} undefined only at 0"
        sums = by_period[name].sum(min_count=1).dropna()
        assert _close(sums, np.ones(len(sums)), rel=1e-9), f"{name} does not sum to 1"
    for name in ("customers", "buyers", "units", "revenue", "cost_of_goods", "reward_cost",
                 "acquisitions", "reactivations", "defections", "lapses"):
        assert (metrics[name] >= 0).all(), f"{name} negative"
    assert (metrics["lapses"] <= metrics["defections"]).all()


@settings(max_examples=RUN_EXAMPLES, **PROPERTY_SETTINGS)
@given(scenario=scenarios(), seed=seeds)
def test_customers_are_conserved(scenario, seed):
    result = marketsim.run(scenario, seed=seed, threads=1, state=True)
    metrics = result.metrics
    table = metrics.pivot(index="period", columns="firm")
    held = table["customers"]
    change = held.diff().iloc[1:]
    flow = (table["acquisitions"] + table["reactivations"] - table["defections"]
            - table["terminations"]).iloc[1:]
    assert (change == flow).all().all(), "held customers do not follow the flows"
    status = result.state["status"]  # (N, F) at the end of the run
    n = scenario.population.customers
    last = metrics[metrics["period"] == metrics["period"].max()]
    for f, firm in enumerate(result.scenario.firms):
        column = status[:, f]
        held_now = int(np.isin(column, HELD).sum())
        assert held_now == int(last.loc[last["firm"] == firm.name, "customers"].iloc[0])
        unattached = int(((column == PROSPECT) | (column == EX_CUSTOMER)).sum())
        assert held_now + unattached == n, "held + prospects + ex-customers != population"


@settings(max_examples=RUN_EXAMPLES, **PROPERTY_SETTINGS)
@given(scenario=scenarios(), seed=seeds)
def test_money_adds_up(scenario, seed):
    result = marketsim.run(scenario, seed=seed, threads=1, transactions=True)
    metrics, log = result.metrics, result.transactions
    assert np.isfinite(log["revenue"]).all() and (log["units"] > 0).all()
    sums = log.groupby(["period", "firm"], observed=False)[["units", "revenue"]].sum()
    booked = metrics.set_index(["period", "firm"])
    joined = booked[["units", "revenue"]].join(sums.add_suffix("_log")).fillna(0.0)
    assert (joined["units"] == joined["units_log"]).all(), "log units != metrics units"
    assert _close(joined["revenue"], joined["revenue_log"]), "log revenue != metrics revenue"
    prices = _static_prices(scenario)
    if scenario.behaviour.spend is None:  # one price per occasion: revenue = price x units
        unit_price = log["revenue"] / log["units"]
        groups = unit_price.groupby([log["period"], log["firm"], log["category"]],
                                    observed=True)
        assert _close(groups.max(), groups.min()), "one price per firm, category and period"
        for (firm, category), (price, _cost) in prices.items():
            rows = (log["firm"] == firm) & (log["category"] == category)
            assert _close(log.loc[rows, "revenue"], price * log.loc[rows, "units"])
    # cost of goods: what was bought (units, or with spend heterogeneity the Gamma amounts,
    # revenue / price) times the unit cost
    rows = log[[(f, c) in prices for f, c in zip(log["firm"], log["category"])]]
    price, cost = (np.array([prices[(f, c)][k] for f, c in zip(rows["firm"], rows["category"])])
                   for k in (0, 1))
    cost_of_goods = (rows["revenue"] / price * cost).groupby(
        [rows["period"], rows["firm"].astype(str)]).sum().to_dict()
    for firm in scenario.firms:
        if firm.strategy != "static":
            continue
        booked_firm = booked.xs(firm.name, level="firm")
        expected = [cost_of_goods.get((t, firm.name), 0.0) for t in booked_firm.index]
        assert _close(booked_firm["cost_of_goods"], expected), "cost of goods != amount x cost"
        assert _close(booked_firm["reward_cost"],
                      firm.retention.reward_rate * booked_firm["revenue"])
    profit = (metrics["revenue"] + metrics["fees"] - metrics["cost_of_goods"]
              - metrics["acquisition_spend"] - metrics["reward_cost"] - metrics["service_cost"]
              - metrics["relationship_cost"])
    assert _close(metrics["profit"], profit), "profit is not as docs/metrics.md defines it"
    assert _close(metrics["cost_to_serve"],
                  metrics["service_cost"] + metrics["relationship_cost"])


# ============================================================================ step properties
def _raw(model: MarketModel, name: str) -> np.ndarray:
    return model.raw[model.period - 1][:, RAW_INDEX[name]]


@settings(max_examples=STEP_EXAMPLES, **PROPERTY_SETTINGS)
@given(scenario=scenarios(max_customers=1500, max_periods=8), seed=seeds)
def test_state_changes_are_legal(scenario, seed):
    model = MarketModel(scenario, seed)
    p = model.population
    n = scenario.population.customers
    while model.period < scenario.market.periods:
        before = {name: array.copy() for name, array in p.as_dict().items()}
        model.step()
        old, new = before["status"], p.status
        for status, allowed in LEGAL.items():
            moved = np.unique(new[old == status])
            assert set(moved.tolist()) <= allowed, (
                f"period {model.period}: status {status} became {sorted(moved)}")
        held_before, held = np.isin(old, HELD), np.isin(new, HELD)
        assert (held.sum(axis=0) == _raw(model, "customers")).all()
        flow = (held_before.sum(axis=0) + _raw(model, "acquisitions")
                + _raw(model, "reactivations") - _raw(model, "defections")
                - _raw(model, "terminations"))
        assert (held.sum(axis=0) == flow).all(), "customers not conserved"
        assert (held.sum(axis=0) <= n).all()
        # ties: in range; lost with the customer
        assert (p.tie_financial >= 0).all()
        for tie in (p.tie_social, p.tie_structural):
            assert ((tie >= 0) & (tie <= 1)).all(), "a social or structural tie outside [0, 1]"
        for tie in (p.tie_financial, p.tie_social, p.tie_structural):
            assert (tie[~held] == 0).all(), "a tie kept by a customer no longer held"
            assert np.isfinite(tie).all()
        # tenure: one more period while held, 0 otherwise
        kept = held_before & held
        grown = p.tenure[kept].astype(np.int64) - before["tenure"][kept].astype(np.int64)
        assert (grown == 1).all(), "tenure of a customer held throughout did not grow by 1"
        assert (p.tenure[~held] == 0).all()
        # satisfaction: finite, moved only by a purchase
        bought = p.units.sum(axis=1) > 0
        assert np.isfinite(p.satisfaction).all() and np.isfinite(p.expectation).all()
        moved = p.satisfaction != before["satisfaction"]
        assert not (moved & ~bought).any(), "satisfaction changed without a purchase"
        # recency: 0 exactly for the pairs that bought, else one more period (to 255)
        assert (p.recency[bought] == 0).all()
        waited = np.minimum(before["recency"][~bought].astype(np.int64) + 1, 255)
        assert (p.recency[~bought] == waited).all()
        # margin: each period's change is revenue less costs, plus fees; a relationship begun
        # this period (tenure 1) starts its cumulative margin from 0
        started = held & (p.tenure == 1)
        held_margin = np.where(started, 0.0, before["cumulative_margin"].astype(np.float64))
        margin = (p.cumulative_margin.astype(np.float64) - held_margin).sum(axis=0)
        if model.period >= 1:  # warm-up periods are not recorded
            expected = (_raw(model, "revenue") - _raw(model, "cost_of_goods")
                        - _raw(model, "reward_cost") - _raw(model, "service_cost")
                        - _raw(model, "level_cost") - _raw(model, "type_cost")
                        - _raw(model, "tier_cost") + _raw(model, "fees"))
            assert _close(margin, expected, rel=1e-4, floor=1e-4), "margin does not add up"


def test_scenarios_cover_the_shipped_files():
    """Every shipped scenario can be drawn (and none needs code to run)."""
    assert len(SCENARIOS) >= 10
    for index in range(len(SCENARIOS)):
        assert shipped(index)["firms"]


@pytest.mark.parametrize("column", ["revenue", "market_share_units"])
def test_a_broken_metric_is_caught(column, monkeypatch):
    """The properties can fail: a NaN revenue or a share above 1 breaks the first one."""
    from marketsim.outputs.run_result import RunResult

    scenario = load_scenario(SCENARIOS[0]).with_overrides(customers=300, periods=3)
    real = marketsim.run(scenario, seed=1, threads=1)
    broken = real.metrics.copy()
    broken.loc[0, column] = math.nan if column == "revenue" else 1.5
    monkeypatch.setattr(marketsim, "run",
                        lambda *a, **k: RunResult(scenario=real.scenario, seed=1,
                                                  metrics=broken))
    with pytest.raises(AssertionError):
        test_metrics_are_defined_and_in_range.hypothesis.inner_test(scenario=scenario, seed=1)
