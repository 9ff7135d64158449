"""The Python API (``marketsim.run``, ``RunResult``) and the figures."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import marketsim
from marketsim import RunResult, run
from marketsim.errors import MarketsimError, RunOptionError
from marketsim.outputs.plots import (
    plot_share_vs_share_of_customer,
    plot_trajectories,
    save_figures,
    year_buyer_share,
)
from tests.helpers import market_dict, scenario


@pytest.fixture(scope="module")
def result() -> RunResult:
    return run(market_dict(customers=3000, periods=6), seed=5, transactions=True)


def test_package_exports():
    assert set(marketsim.__all__) >= {"run", "RunResult", "load_scenario", "Scenario",
                                      "MarketModel", "ScenarioError", "__version__"}
    assert marketsim.MarketModel.__name__ == "MarketModel"
    assert isinstance(marketsim.__version__, str) and marketsim.__version__
    assert issubclass(marketsim.ScenarioError, MarketsimError)


def test_run_result(result):
    assert result.seed == 5 and result.customers == 3000 and result.periods == 6
    assert len(result.metrics) == 6 * 3
    assert list(result.transactions.columns) == ["period", "customer_id", "firm", "category",
                                                 "units", "revenue"]
    assert result.transactions["units"].sum() == result.metrics["units"].sum()
    assert set(result.timings) == {"setup_s", "periods_s", "total_s", "customer_periods_per_s"}
    assert result.timings["total_s"] >= result.timings["periods_s"] > 0
    summary = result.summary()
    assert list(summary.index) == ["firm0", "firm1", "firm2"]
    assert {"market_share_units", "share_of_customer", "retention", "profit"} <= set(summary.columns)
    assert summary["market_share_units"].sum() == pytest.approx(1.0)


def test_overrides_seed_and_threads_are_applied_and_restored():
    before = numba.get_num_threads()
    calls = []
    first = run(scenario(customers=2000, periods=9), customers=2500, periods=3, seed=None,
                threads=1, progress=lambda done, total: calls.append((done, total)))
    assert numba.get_num_threads() == before
    assert first.threads == 1 and first.seed == 0 and first.transactions is None
    assert (first.customers, first.periods) == (2500, 3)
    assert calls == [(1, 3), (2, 3), (3, 3)]
    again = run(first.scenario, seed=0)  # same scenario and seed: the same numbers
    assert np.array_equal(first.metrics.drop(columns="firm").to_numpy(),
                          again.metrics.drop(columns="firm").to_numpy(), equal_nan=True)


@pytest.mark.parametrize("options, message", [
    ({"threads": 0}, "threads must be a whole number from 1 to"),
    ({"threads": numba.config.NUMBA_NUM_THREADS + 1}, "threads must be a whole number"),
    ({"seed": -1}, "seed must be between 0"),
    ({"seed": 1.5}, "seed must be a whole number"),
])
def test_invalid_options(options, message):
    with pytest.raises(RunOptionError, match=message):
        run(market_dict(customers=100, periods=1), **options)


def test_invalid_scenario_argument():
    with pytest.raises(TypeError, match="scenario must be a path, a dict or a Scenario"):
        run(42)
    with pytest.raises(marketsim.ScenarioError, match="population.customers"):
        run(market_dict(customers=100, periods=1), customers=0)


def test_save_without_figures(result, tmp_path):
    written = result.save(tmp_path / "out", figures=False)
    names = sorted(p.name for p in written)
    assert names == ["levers.parquet", "metrics.parquet", "run.json", "scenario.toml",
                     "segments.parquet", "state.npz", "transactions.parquet"]
    assert marketsim.load_scenario(tmp_path / "out" / "scenario.toml") == result.scenario


def test_save_into_a_file_is_a_clean_error(result, tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(RunOptionError, match="taken"):
        result.save(target)


def test_figures(result, tmp_path):
    ax = plot_share_vs_share_of_customer(result.metrics)
    assert isinstance(ax, Axes) and "share of customer" in ax.get_title(loc="left").lower()
    assert len(ax.patches) == 3  # one column per firm
    widths = sorted(p.get_width() for p in ax.patches)
    assert sum(widths) == pytest.approx(1.0)

    figure = Figure()
    mine = figure.subplots()
    assert plot_trajectories(result.metrics, "retention", ax=mine) is mine
    assert len(mine.get_lines()) == 3
    with pytest.raises(KeyError, match="no column"):
        plot_trajectories(result.metrics, "nonsense")

    # With the transaction log the columns are as wide as each firm's share of the buyers of
    # the run's last year (Peppers and Rogers' horizontal bar), not its unit share.
    buyers = year_buyer_share(result)
    assert buyers.sum() == pytest.approx(1.0)
    ax = result.plot.share_vs_share_of_customer()
    assert "buyers" in ax.get_xlabel()
    assert sorted(p.get_width() for p in ax.patches) == pytest.approx(sorted(buyers))
    units = result.metrics.groupby("firm", observed=True)["market_share_units"].mean()
    assert sorted(buyers) != pytest.approx(sorted(units), abs=1e-3)  # a different measure
    assert year_buyer_share(run(market_dict(customers=300, periods=2), seed=1)) is None

    paths = save_figures(result.metrics, tmp_path)
    assert [p.name for p in paths] == ["share_vs_share_of_customer.png", "market_share.png",
                                       "share_of_customer.png", "retention.png",
                                       "satisfaction.png"]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_of_a_one_period_run(tmp_path):
    short = run(market_dict(customers=500, periods=1), seed=1)
    assert len(save_figures(short.metrics, tmp_path)) == 5


def test_brand_measures_from_a_run():
    result = marketsim.run("scenarios/default.toml", customers=3000, periods=8, seed=2,
                           transactions=True)
    table = result.brand_performance(range(1, 9))
    assert list(table.index) == [f.name for f in result.scenario.firms]
    # penetration over the run from the log equals the buyers the engine counted
    buyers = result.transactions.groupby("firm", observed=False)["customer_id"].nunique()
    assert (table["penetration"] * 3000).round().astype(int).to_dict() == buyers.to_dict()
    comparison = result.dirichlet(range(1, 9))
    assert "penetration_dirichlet" in comparison.columns
    assert comparison["penetration_dirichlet"].between(0, 1).all()


def test_brand_measures_need_the_transaction_log():
    result = marketsim.run("scenarios/default.toml", customers=1000, periods=2, seed=2)
    with pytest.raises(marketsim.MarketsimError, match="transactions=True"):
        result.brand_performance()
