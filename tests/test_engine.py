"""The fast engine: reproducibility, thread independence and invariants of every period."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from marketsim.kernels.layout import EX_CUSTOMER, FIRST_TIME, PROSPECT, REGULAR
from marketsim.market.model import MarketModel
from tests.helpers import market_dict, scenario


def run_model(sc, seed, periods=None, transactions=False):
    model = MarketModel(sc, seed=seed, record_transactions=transactions)
    model.run(periods)
    return model


def assert_same_state(a: MarketModel, b: MarketModel):
    for name, array in a.population.as_dict().items():
        np.testing.assert_array_equal(array, b.population.as_dict()[name], err_msg=name)
    np.testing.assert_array_equal(a.raw, b.raw)


def test_same_seed_same_run_bit_for_bit():
    sc = scenario(customers=3000, periods=12)
    assert_same_state(run_model(sc, 7), run_model(sc, 7))


def test_different_seeds_differ():
    sc = scenario(customers=3000, periods=5)
    a, b = run_model(sc, 1), run_model(sc, 2)
    assert not np.array_equal(a.population.expectation, b.population.expectation)
    assert not np.array_equal(a.raw, b.raw)


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_one_and_two_threads_give_identical_results(kind):
    data = market_dict(customers=20_000, periods=8, n_firms=4, categories=2)
    data["network"] = {"kind": kind, "degree": 6}
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5,
                                     "structural_investment": 0.5}
    sc = scenario(data)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_model(sc, 11)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run_model(sc, 11)
    finally:
        numba.set_num_threads(before)
    assert_same_state(one, two)


def test_invariants_hold_every_period():
    data = market_dict(customers=8000, periods=15, n_firms=4, categories=2)
    data["firms"][1]["offers"].pop("cat1")  # a firm selling only one category
    data["firms"][2]["retention"] = {"reward_rate": 0.05, "personal_service": 0.6,
                                     "personal_service_cost": 0.1}
    sc = scenario(data)
    model = MarketModel(sc, seed=3, record_transactions=True)
    n = sc.population.customers
    for _ in range(sc.market.periods):
        model.step()
        p = model.population
        # customers are conserved and every status is a known one
        assert p.status.shape == (n, sc.n_firms)
        assert np.isin(p.status, [PROSPECT, FIRST_TIME, REGULAR, EX_CUSTOMER]).all()
        # current customers are aware of the firm; nobody holds ties with a non-customer
        current = (p.status == FIRST_TIME) | (p.status == REGULAR)
        assert (p.aware[current] == 1).all()
        for tie in (p.tie_financial, p.tie_social, p.tie_structural):
            assert (tie >= 0).all()
            assert (tie[~current] == 0).all()
        assert (p.tie_social <= 1).all() and (p.tie_structural <= 1).all()
        # the firm that does not sell category 1 sells nothing there
        assert p.units[:, 1, 1].sum() == 0
        assert (p.window_spend >= 0).all()
    metrics = model.metrics()
    for column in ("market_share_units", "market_share_revenue", "market_share_buyers"):
        sums = metrics.groupby("period")[column].sum()
        np.testing.assert_allclose(sums, 1.0, rtol=1e-12)
    for column in ("units", "revenue", "buyers", "customers", "acquisitions", "defections",
                   "cost_of_goods", "reward_cost", "service_cost"):
        assert (metrics[column] >= 0).all(), column
    assert metrics["share_of_customer"].between(0, 1).all()
    assert metrics["retention"].between(0, 1).all()
    transactions = model.transactions()
    assert (transactions["units"] > 0).all()
    assert transactions["units"].sum() == metrics["units"].sum()
    np.testing.assert_allclose(transactions["revenue"].sum(), metrics["revenue"].sum(), rtol=1e-9)
    # customers at the end of a period are the next period's customers at its start
    raw = model.raw
    from marketsim.measures.metrics import RAW_INDEX
    np.testing.assert_array_equal(raw[1:, :, RAW_INDEX["customers_start"]],
                                  raw[:-1, :, RAW_INDEX["customers"]])


def test_decisions_from_outside_override_strategies():
    sc = scenario(customers=2000, periods=3)
    model = MarketModel(sc, seed=1)
    model.step(decisions={"firm0": {"price": 7.5, "retention.reward_rate": 0.1}})
    assert model.firm("firm0").price["cat0"] == 7.5
    assert model.firm("firm0").retention.reward_rate == 0.1


def test_scheduled_strategy_changes_price_at_its_period():
    data = market_dict(customers=2000, periods=6)
    data["firms"][0]["strategy"] = "scheduled"
    data["firms"][0]["strategy_params"] = {"changes": [{"period": 4, "price": 8.0}]}
    model = MarketModel(scenario(data), seed=1)
    prices = []
    for _ in range(6):
        model.step()
        prices.append(model.firm("firm0").price["cat0"])
    assert prices == [10.0, 10.0, 10.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("kind", ["small_world", "scale_free"])
def test_fused_period_equals_phase_by_phase(kind):
    data = market_dict(customers=6000, periods=10, n_firms=4, categories=2)
    data["network"] = {"kind": kind}
    data["firms"][1]["offers"].pop("cat1")
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5,
                                     "structural_investment": 0.5}
    sc = scenario(data)
    fused = MarketModel(sc, seed=5, fused=True, record_transactions=True)
    phased = MarketModel(sc, seed=5, fused=False, record_transactions=True)
    fused.run()
    phased.run()
    assert_same_state(fused, phased)
    assert fused.transactions().equals(phased.transactions())


def test_fused_period_equals_phase_by_phase_with_the_tenure_profile():
    """The tenure profile (spend and cost to serve following tenure at the end of the period)
    gives the same state and transaction log in the fused and phase-by-phase paths, and the
    log's revenue still adds up to the metrics' revenue."""
    data = market_dict(customers=4000, periods=10, n_firms=3, categories=2)
    data["firms"][0]["retention"] = {"reward_rate": 0.05, "personal_service": 0.5,
                                     "structural_investment": 0.5}
    data["behaviour"] = {"tenure_profile": {"spend_growth": 0.5, "cost_decline": 0.3,
                                            "time_constant": 4.0},
                         "spend": {"shape": 6.25, "heterogeneity": 3.74}}
    sc = scenario(data)
    fused = MarketModel(sc, seed=7, fused=True, record_transactions=True)
    phased = MarketModel(sc, seed=7, fused=False, record_transactions=True)
    fused.run()
    phased.run()
    assert_same_state(fused, phased)
    log = fused.transactions()
    assert log.equals(phased.transactions())
    revenue = log.groupby("firm", observed=True)["revenue"].sum()
    metrics = fused.metrics().groupby("firm", observed=True)["revenue"].sum()
    np.testing.assert_allclose(revenue.to_numpy(), metrics.loc[revenue.index].to_numpy(),
                               rtol=1e-9)


@pytest.mark.parametrize("fused", [True, False])
def test_a_returning_customer_starts_a_new_cumulative_margin(fused):
    """Like tenure, ``cumulative_margin`` starts again when an ex-customer returns: a pair
    reactivated this period holds this period's margin only, at most its spend (costs are >= 0),
    not the margin of the relationship it left (which the firm's lifetime-value scoring would
    otherwise divide by the new tenure, docs/odd-findings.md item 1)."""
    from marketsim.kernels.layout import WINDOW_DECAY
    model = MarketModel(scenario(customers=3000, periods=40), seed=5, fused=fused)
    p, decay = model.population, model.behaviour[WINDOW_DECAY]
    carried = 0
    for _ in range(40):
        status = p.status.copy()
        margin = p.cumulative_margin.astype(np.float64)
        window = p.window_spend.astype(np.float64)
        model.step()
        back = (status == EX_CUSTOMER) & (p.status == REGULAR)
        assert (p.tenure[back] == 1).all()
        spend = p.window_spend.astype(np.float64)[back] - decay * window[back]
        assert (p.cumulative_margin[back] <= spend + 1e-3).all(), "old margin carried over"
        carried += int((margin[back] > spend + 1e-3).sum())
    assert carried > 0  # some returning customers had earned more before than they spent now


def test_scoring_during_the_warm_up_reads_the_markets_own_retention(monkeypatch):
    """A firm that scores customers by lifetime value does so from the first warm-up period on
    the retention and margin the warm-up market shows, as it does later: the placeholder
    retention (0.9) is read only before any period has run (docs/odd.md)."""
    from marketsim.market import model as engine
    from marketsim.scenario.schema import Scenario
    from tests.test_reference import relationship_strategies

    read = []
    factor = engine.clv_factor
    monkeypatch.setattr(engine, "clv_factor", lambda r, d: (read.append(r), factor(r, d))[1])
    data = relationship_strategies()
    data["market"]["warmup_periods"] = 6
    model = MarketModel(Scenario.model_validate(data), seed=3)
    assert len(read) == 6  # one scoring firm, once a warm-up period
    assert read[0] == 0.9
    assert all(0.0 < r < 1.0 and r != 0.9 for r in read[1:]), read
    model.step()
    model.step()  # period 2 scores on period 1's retention, as its strategy reads it
    metrics = model.metrics()
    first = metrics[(metrics["period"] == 1) & (metrics["firm"] == model.firms[0].name)]
    assert read[-1] == first["retention"].iloc[0]


def test_retention_counts_a_terminated_customer_as_not_kept():
    """Retention is the share of the customers held at the start of a period still held at its
    end (MODEL.md section 3): a customer the firm terminated was held and is not kept, so a
    terminating firm's retention is below the share of its other customers that stayed."""
    from marketsim.measures.metrics import RAW_INDEX
    from marketsim.scenario.schema import Scenario
    from tests.test_reference import relationship_strategies

    model = MarketModel(Scenario.model_validate(relationship_strategies()), seed=2)
    model.run()
    raw, metrics = model.raw, model.metrics()
    start, defected, terminated = (raw[:, 0, RAW_INDEX[name]] for name in (
        "customers_start", "defections_of_start", "terminations"))
    assert terminated.sum() > 0
    retention = metrics[metrics["firm"] == model.firms[0].name]["retention"].to_numpy()
    np.testing.assert_allclose(retention, (start - defected) / (start + terminated))
    assert (retention[terminated > 0] < ((start - defected) / start)[terminated > 0]).all()
    # the customers held at the end of a period: next period's, before its terminations
    np.testing.assert_array_equal(start[1:] + terminated[1:],
                                  raw[:-1, 0, RAW_INDEX["customers"]])
